"""Dates of the employer part: V-DAT-1 to V-DAT-4 (RULES.md 3.3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Scheme
from service.domain.rules.ep_env import EpEnv, EpRule

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B = Severity.BLOCKING


def v_dat_1_date_exists(text: str, zone: str, path: str) -> Anomaly | None:
    """`YYYY-MM-DD` and a real day, for adapters that hold the date as text.

    A typed command already holds real dates (the XSD mapping reports `<zone>-003` first), so
    `check_employer_part` has nothing left to check for V-DAT-1.
    """
    try:
        if len(text) == 10 and date.fromisoformat(text):
            return None
    except ValueError:
        pass
    return anomaly(
        f"{zone}-003", B, path,
        "The date must be an existing day written YYYY-MM-DD.",
        "La date doit être un jour existant écrit AAAA-MM-JJ.",
        "De datum moet een bestaande dag zijn, geschreven als JJJJ-MM-DD.",
    )


def v_dat_2_end_not_before_start(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.end_date is not None and part.end_date < part.start_date:
        yield anomaly(
            "70005-014", B, part.path("EndDate"),
            "The end date is before the start date.",
            "La date de fin précède la date de début.",
            "De einddatum ligt vóór de begindatum.",
        )


def v_dat_3_end_date_present(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Only an end-of-career leave may run to retirement without an end date."""
    if part.end_date is None and part.scheme is not Scheme.END_OF_CAREER:
        yield anomaly(
            "70005-360", B, part.path("EndDate"),
            f"An end date is required for {part.scheme}.",
            f"Une date de fin est requise pour {part.scheme}.",
            f"Een einddatum is vereist voor {part.scheme}.",
        )


def v_dat_4_notice_date(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.notice_date > part.start_date or part.notice_date > env.today:
        yield anomaly(
            "70006-021", B, part.path("NoticeDate"),
            "The notice date cannot be after the start date or in the future.",
            "La date d'avertissement ne peut pas suivre la date de début ni être future.",
            "De datum van kennisgeving mag niet na de begindatum of in de toekomst liggen.",
        )


RULES: tuple[EpRule, ...] = (
    v_dat_2_end_not_before_start,
    v_dat_3_end_date_present,
    v_dat_4_notice_date,
)
