"""Who the employer part is about: the worker's INSS (V-ID-1..3), the other employer
(V-ID-10) and where the worker comes from (V-PFL-3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import WorkerSource
from service.domain.identifiers import check_company_id, check_inss
from service.domain.rules.ep_env import EpEnv, EpRule, yielded

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

OTHER_EMPLOYER_ZONE = "70009"


def v_id_1_to_3_worker_inss(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Length, digits, check digits, then birth date and serial: the first failure only."""
    yield from yielded(check_inss(part.worker_inss, part.path("Worker/INSS"), env.today))


def v_id_10_other_employer(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """OtherEmployer/CompanyID passes V-ID-4 (zone 70009) and is not the employer itself."""
    other = part.other_employer
    if other is None:
        return
    path = part.path("OtherEmployer/CompanyID")
    invalid = check_company_id(other.company_id, path, zone=OTHER_EMPLOYER_ZONE)
    if invalid is not None:
        yield invalid
    elif other.company_id == part.company_id:
        yield anomaly(
            "70009-003", Severity.BLOCKING, path,
            "The other employer cannot be the employer of this request.",
            "L'autre employeur ne peut pas être l'employeur de cette demande.",
            "De andere werkgever kan niet de werkgever van deze aanvraag zijn.",
        )


def v_pfl_3_worker_source(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """A worker entered by hand (not from Dimona) should come with a hire date (W).

    The Source code list itself (70019-008) is enforced by the schema and the command type.
    """
    if part.worker_source is WorkerSource.MANUAL and part.worker_hire_date is None:
        yield anomaly(
            "70019-001", Severity.WARNING, part.path("Worker/HireDate"),
            "A worker entered manually should have a hire date.",
            "Un travailleur encodé manuellement devrait avoir une date d'entrée en service.",
            "Een manueel ingevoerde werknemer zou een datum van indiensttreding moeten hebben.",
        )


RULES: tuple[EpRule, ...] = (v_id_1_to_3_worker_inss, v_id_10_other_employer, v_pfl_3_worker_source)
