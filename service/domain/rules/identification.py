"""Employer identification (V-ID-4, V-ID-5, V-ID-6) and the RequestReference format (V-LCY-4).

These run before every other rule of an employer message (RULES.md section 0, step 3). A
blocking anomaly here stops the evaluation, so a sender learns nothing about an employer it
cannot even name correctly.
"""

from __future__ import annotations

import re

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.identifiers import check_company_id, check_noss

_REQUEST_REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,36}")


def check_employer_identification(
    company_id: str, noss: str | None, root: str
) -> list[Anomaly]:
    """V-ID-4 on `Employer/CompanyID`, then V-ID-5 / V-ID-6 on the optional NOSS number.

    The NOSS number is not judged once the CompanyID is refused: the evaluation stops at the
    first blocking identification anomaly. A NOSS warning (V-ID-6) does not stop anything.
    """
    company = check_company_id(company_id, f"{root}/Employer/CompanyID")
    if company is not None:
        return [company]
    if noss is None:
        return []
    return check_noss(noss, f"{root}/Employer/NOSSRegistrationNbr")


def check_request_reference(value: str, path: str) -> Anomaly | None:
    """V-LCY-4, format part: `[A-Za-z0-9._:-]{1,36}` (70015-003)."""
    if _REQUEST_REFERENCE.fullmatch(value):
        return None
    return anomaly(
        "70015-003", Severity.BLOCKING, path,
        "The request reference must be 1 to 36 letters, digits or . _ : - characters.",
        "La référence de la demande doit compter 1 à 36 lettres, chiffres ou caractères . _ : -.",
        "De referentie van de aanvraag moet 1 tot 36 letters, cijfers of tekens . _ : - tellen.",
    )
