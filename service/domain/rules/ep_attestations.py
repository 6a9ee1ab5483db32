"""Attestations the employer part should carry: V-MSG-6 and V-ATT-6 (RULES.md 3.11, 2.2).

Whether each attachment is well formed (V-ATT-2..5) is `attachments.py`'s business; these rules
only ask whether one is there at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Circumstance, Scheme
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.schemes import ATTESTATION_MOTIVES

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING


def _attestation_expected(part: EmployerPart) -> bool:
    if part.scheme is Scheme.MEDICAL_ASSISTANCE:
        return True
    return part.scheme is Scheme.TIME_CREDIT and part.motive in ATTESTATION_MOTIVES


def v_msg_6_attestation(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Palliative care needs the physician attestation (B); care motives expect one (W)."""
    if part.attachments:
        return
    if part.scheme is Scheme.PALLIATIVE_CARE:
        yield anomaly(
            "70013-001", B, part.path("Attachment"),
            "Palliative care leave requires the physician's attestation as an attachment.",
            "Le congé pour soins palliatifs requiert l'attestation du médecin en pièce jointe.",
            "Verlof voor palliatieve zorgen vereist het attest van de arts als bijlage.",
        )
    elif _attestation_expected(part):
        yield anomaly(
            "70013-001", W, part.path("Attachment"),
            "A physician's attestation is expected as an attachment for this request.",
            "Une attestation du médecin est attendue en pièce jointe pour cette demande.",
            "Voor deze aanvraag wordt een attest van de arts als bijlage verwacht.",
        )


def v_att_6_hospital_attestation(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if (
        part.scheme is Scheme.MEDICAL_ASSISTANCE
        and part.has(Circumstance.UNFORESEEN_HOSPITALISATION)
        and not part.attachments
    ):
        yield anomaly(
            "70013-001", W, part.path("Attachment"),
            "An unforeseen hospitalisation should come with the hospital's attestation.",
            "Une hospitalisation imprévue devrait être accompagnée de l'attestation de "
            "l'hôpital.",
            "Een onvoorziene ziekenhuisopname zou vergezeld moeten gaan van het attest van "
            "het ziekenhuis.",
        )


RULES: tuple[EpRule, ...] = (v_msg_6_attestation, v_att_6_hospital_attestation)
