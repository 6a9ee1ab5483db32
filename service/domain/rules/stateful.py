"""Rules that need stored state, as pure functions of what the use case looked up.

The use case fetches (mandates, personnel periods, overlapping requests, the NOSS register) and
passes plain values in; these functions only judge them, so they are tested without storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import WorkerSource


@dataclass(frozen=True)
class Period:
    """An employment period of the personnel file: open when `exit_date` is None."""

    entry_date: date
    exit_date: date | None

    def covers(self, day: date) -> bool:
        return self.entry_date <= day and (self.exit_date is None or self.exit_date >= day)


def v_id_8_mandate(holds_mandate: bool, root: str) -> Anomaly | None:
    """The sender acts for the employer only under a mandate valid on the processing date."""
    if holds_mandate:
        return None
    return anomaly(
        "00014-155", Severity.BLOCKING, f"{root}/Employer/CompanyID",
        "The sender holds no valid mandate for this employer.",
        "L'expéditeur ne dispose d'aucun mandat valable pour cet employeur.",
        "De afzender heeft geen geldig mandaat voor deze werkgever.",
    )


def v_id_9_noss_matches(registered: str | None, given: str | None, root: str) -> Anomaly | None:
    """A NOSS number in the message must equal the one already linked to the employer."""
    if registered is None or given is None or registered == given:
        return None
    return anomaly(
        "00011-003", Severity.BLOCKING, f"{root}/Employer/NOSSRegistrationNbr",
        "This NOSS registration number does not belong to this employer.",
        "Ce numéro d'immatriculation ONSS n'appartient pas à cet employeur.",
        "Dit RSZ-inschrijvingsnummer hoort niet bij deze werkgever.",
    )


def v_pfl_1_in_personnel_file(
    periods: Sequence[Period], start: date, source: WorkerSource, root: str
) -> Anomaly | None:
    """The worker is in the employer's personnel file on the start date (W when MANUAL)."""
    if any(p.covers(start) for p in periods):
        return None
    severity = Severity.WARNING if source is WorkerSource.MANUAL else Severity.BLOCKING
    return anomaly(
        "70019-230", severity, f"{root}/Worker/INSS",
        "The worker is not in this employer's personnel file on the start date.",
        "Le travailleur n'est pas repris dans le fichier du personnel de cet employeur "
        "à la date de début.",
        "De werknemer staat op de begindatum niet in het personeelsbestand van deze werkgever.",
    )


def v_pfl_2_period_covers_end(
    periods: Sequence[Period], start: date, end: date | None, root: str
) -> Anomaly | None:
    """The period that holds the start date also runs to the end date (warning)."""
    holding = [p for p in periods if p.covers(start)]
    if end is None or not holding or any(p.covers(end) for p in holding):
        return None
    return anomaly(
        "70019-230", Severity.WARNING, f"{root}/EndDate",
        "The worker leaves this employer before the end date.",
        "Le travailleur quitte cet employeur avant la date de fin.",
        "De werknemer verlaat deze werkgever vóór de einddatum.",
    )


def v_msg_4_no_overlap(overlapping_tickets: Sequence[str], root: str) -> Anomaly | None:
    """No other open request of the same employer, worker and scheme overlaps the period."""
    if not overlapping_tickets:
        return None
    return anomaly(
        "70004-006", Severity.BLOCKING, f"{root}/StartDate",
        "Another request of this worker for the same scheme overlaps this period.",
        "Une autre demande de ce travailleur pour le même régime chevauche cette période.",
        "Een andere aanvraag van deze werknemer voor hetzelfde stelsel overlapt deze periode.",
    )


def v_lcy_4_same_reference_other_content(root: str) -> Anomaly:
    """A RequestReference already used by this sender for a different content."""
    return anomaly(
        "70015-006", Severity.BLOCKING, f"{root}/RequestReference",
        "This RequestReference was already used for a different message.",
        "Cette RequestReference a déjà été utilisée pour un autre message.",
        "Deze RequestReference werd al voor een ander bericht gebruikt.",
    )
