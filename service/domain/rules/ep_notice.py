"""Notice and timing: V-NOT-1, 2, 3, 5, 6, 7 (RULES.md 3.5, 2.2).

Notice rules are warnings: the law lets employer and worker agree on shorter delays, and the
employer filing the request is the one the notice protects. Only a filing far too early
(V-NOT-5) is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import first_monday_after, shift, weeks_end
from service.domain.codes import Circumstance, Scheme
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.schemes import CREDIT_SCHEMES, MEDICAL_HOSPITALISATION_WEEKS

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING


def _notice_too_late(part: EmployerPart, latest: date) -> Anomaly:
    return anomaly(
        "70006-021", W, part.path("NoticeDate"),
        f"The notice should have been given on {latest.isoformat()} at the latest.",
        f"L'avertissement aurait dû être donné au plus tard le {latest.isoformat()}.",
        f"De kennisgeving had uiterlijk op {latest.isoformat()} moeten gebeuren.",
    )


def _credit_notice_months(part: EmployerPart, env: EpEnv) -> int:
    """3 months above ⚙ 20 workers, 6 at or below; 3 (lenient) when the headcount is unknown."""
    params, on = env.params, part.notice_date
    small = env.headcount is not None and env.headcount <= params.int_value(
        "notice.small_headcount_max", on
    )
    return params.int_value("notice.months.small" if small else "notice.months.large", on)


def v_not_1_credit_notice(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme not in CREDIT_SCHEMES or part.has(Circumstance.SHORTER_NOTICE_AGREED):
        return
    if part.has(Circumstance.FOLLOWS_PALLIATIVE_LEAVE):
        days = env.params.int_value("notice.after_palliative_days", part.notice_date)
        latest = part.start_date - timedelta(days=days)
    else:
        latest = shift(part.start_date, -_credit_notice_months(part, env))
    if part.notice_date > latest:
        yield _notice_too_late(part, latest)


def v_not_2_parental_notice(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Between 3 and 2 months before the start; the 2-month bound yields to an agreement."""
    if part.scheme is not Scheme.PARENTAL_LEAVE:
        return
    params, on = env.params, part.notice_date
    earliest = shift(part.start_date, -params.int_value("parental.notice_months.max", on))
    latest = shift(part.start_date, -params.int_value("parental.notice_months.min", on))
    if part.notice_date < earliest:
        yield anomaly(
            "70006-021", W, part.path("NoticeDate"),
            f"The notice for a parental leave should not be given before "
            f"{earliest.isoformat()}.",
            f"L'avertissement pour un congé parental ne devrait pas être donné avant le "
            f"{earliest.isoformat()}.",
            f"De kennisgeving voor ouderschapsverlof zou niet vóór {earliest.isoformat()} "
            "moeten gebeuren.",
        )
    elif part.notice_date > latest and not part.has(Circumstance.SHORTER_NOTICE_AGREED):
        yield _notice_too_late(part, latest)


def _one_week_hospitalisation(part: EmployerPart) -> bool:
    return (
        part.has(Circumstance.UNFORESEEN_HOSPITALISATION)
        and part.end_date is not None
        and part.end_date <= weeks_end(part.start_date, MEDICAL_HOSPITALISATION_WEEKS)
    )


def v_not_3_medical_notice(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.MEDICAL_ASSISTANCE:
        return
    if part.has(Circumstance.SHORTER_NOTICE_AGREED) or _one_week_hospitalisation(part):
        return
    days = env.params.int_value("medical.notice_days", part.notice_date)
    latest = part.start_date - timedelta(days=days)
    if part.notice_date > latest:
        yield _notice_too_late(part, latest)


def v_not_5_submission_window(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Not more than ⚙ 6 months ahead (B); more than ⚙ 2 months late costs allowances (W)."""
    params, today, start = env.params, env.today, part.start_date
    earliest = shift(start, -params.int_value("submission.earliest_months_before_start", today))
    late_after = shift(start, params.int_value("submission.late_months_after_start", today))
    if today < earliest:
        yield anomaly(
            "70004-021", B, part.path("StartDate"),
            f"The request is too early: it can be filed from {earliest.isoformat()}.",
            f"La demande est trop précoce : elle peut être introduite à partir du "
            f"{earliest.isoformat()}.",
            f"De aanvraag is te vroeg: ze kan worden ingediend vanaf {earliest.isoformat()}.",
        )
    elif today > late_after:
        yield anomaly(
            "70004-021", W, part.path("StartDate"),
            "The request is late: allowances will only run from the filing date.",
            "La demande est tardive : les allocations ne courront qu'à partir de la date "
            "d'introduction.",
            "De aanvraag is laattijdig: de uitkeringen lopen pas vanaf de datum van indiening.",
        )


def v_not_6_palliative_start(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Palliative leave starts on the Monday after the certificate, unless agreed earlier."""
    if part.scheme is not Scheme.PALLIATIVE_CARE or part.agreed:
        return
    monday = first_monday_after(part.notice_date)
    if part.start_date < monday:
        yield anomaly(
            "70004-021", W, part.path("StartDate"),
            f"Without the employer's agreement, the leave starts on {monday.isoformat()} at "
            "the earliest.",
            f"Sans l'accord de l'employeur, le congé commence au plus tôt le "
            f"{monday.isoformat()}.",
            f"Zonder akkoord van de werkgever gaat het verlof ten vroegste in op "
            f"{monday.isoformat()}.",
        )


def v_not_7_public_notice(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """[L] low-confidence rule, behind the dated switch `switch.V-NOT-7`."""
    if part.scheme is not Scheme.PUBLIC_CAREER_BREAK:
        return
    params, on = env.params, part.notice_date
    if not params.bool_value("switch.V-NOT-7", env.today):
        return
    latest = shift(part.start_date, -params.int_value("public.notice_months", on))
    if part.notice_date > latest:
        yield _notice_too_late(part, latest)


RULES: tuple[EpRule, ...] = (
    v_not_1_credit_notice,
    v_not_2_parental_notice,
    v_not_3_medical_notice,
    v_not_5_submission_window,
    v_not_6_palliative_start,
    v_not_7_public_notice,
)
