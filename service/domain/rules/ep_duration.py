"""Length of the requested period: V-DUR-1 to V-DUR-6 (RULES.md 3.3, 2.1, 2.3).

A period without an end date, or ending before it starts, is left to V-DAT-2/3. The caps over
the worker's history (V-CAP-1, V-DUR-5's fourth consecutive month) need stored requests and
run in the use case.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import has_length_months, lasts_months_between, period_end
from service.domain.codes import Circumstance, Motive, Scheme
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.rules.ep_shapes import medical_form, parental_form
from service.domain.schemes import ALLOWED_FRACTIONS

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING

def _length_anomaly(part: EmployerPart, severity: Severity, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly("70005-008", severity, part.path("EndDate"), en, fr, nl)


def _too_short(part: EmployerPart, months: int, severity: Severity = B) -> Anomaly:
    return _length_anomaly(
        part, severity,
        f"The period is too short: at least {months} month(s) for this request.",
        f"La période est trop courte : au moins {months} mois pour cette demande.",
        f"De periode is te kort: minstens {months} maand(en) voor deze aanvraag.",
    )


def _outside(part: EmployerPart, low: int, high: int) -> Anomaly:
    return _length_anomaly(
        part, B,
        f"The period must last {low} to {high} months.",
        f"La période doit durer de {low} à {high} mois.",
        f"De periode moet {low} tot {high} maanden duren.",
    )


def _time_credit_bounds(part: EmployerPart, env: EpEnv) -> tuple[int, int | None] | None:
    """(minimum, maximum or None) in months; the motive's minimum takes precedence (2.3)."""
    params, on = env.params, part.start_date
    if part.motive is Motive.PALLIATIVE:
        return params.int_value("tc.min_months.palliative", on), None
    if part.motive is Motive.SERIOUS_ILLNESS:
        return (params.int_value("tc.serious_illness_months.min", on),
                params.int_value("tc.serious_illness_months.max", on))
    if part.fraction not in ALLOWED_FRACTIONS[Scheme.TIME_CREDIT]:
        return None  # V-TYP-1
    return params.int_value(f"tc.min_months.{part.fraction}", on), None


def v_dur_1_time_credit_length(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Too short with LAST_REMAINDER (the balance is smaller) is only a warning."""
    if part.scheme is not Scheme.TIME_CREDIT or part.period is None:
        return
    bounds = _time_credit_bounds(part, env)
    if bounds is None:
        return
    (start, end), (low, high) = part.period, bounds
    if end < period_end(start, low):
        yield _too_short(part, low, W if part.has(Circumstance.LAST_REMAINDER) else B)
    elif high is not None and end > period_end(start, high):
        yield _outside(part, low, high)


def v_dur_2_end_of_career_length(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.END_OF_CAREER or part.period is None:
        return
    if part.fraction not in ALLOWED_FRACTIONS[Scheme.END_OF_CAREER]:
        return  # V-TYP-1
    start, end = part.period
    low = env.params.int_value(f"eoc.min_months.{part.fraction}", start)
    if end < period_end(start, low):
        yield _too_short(part, low)


def v_dur_3_parental_length(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Whole blocks up to the per-child maximum, a flexible form, or a last remainder."""
    if part.scheme is not Scheme.PARENTAL_LEAVE or part.period is None:
        return
    if part.fraction not in ALLOWED_FRACTIONS[Scheme.PARENTAL_LEAVE]:
        return  # V-TYP-1
    if parental_form(part, env.params) is not None:
        return
    start = part.period[0]
    block = env.params.int_value(f"parental.blocks.{part.fraction}", start)
    top = env.params.int_value(f"parental.max_months.{part.fraction}", start)
    yield _length_anomaly(
        part, B,
        f"Parental leave {part.fraction} is taken in blocks of {block} month(s), at most "
        f"{top} months.",
        f"Le congé parental {part.fraction} se prend par blocs de {block} mois, au plus "
        f"{top} mois.",
        f"Ouderschapsverlof {part.fraction} wordt opgenomen in blokken van {block} "
        f"maand(en), hoogstens {top} maanden.",
    )


def v_dur_4_medical_length(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.MEDICAL_ASSISTANCE or part.period is None:
        return
    if medical_form(part, env.params) is None:
        start = part.period[0]
        yield _outside(
            part,
            env.params.int_value("medical.period_months.min", start),
            env.params.int_value("medical.period_months.max", start),
        )


def v_dur_5_palliative_length(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Exactly one month per request (extensions are new requests)."""
    if part.scheme is not Scheme.PALLIATIVE_CARE or part.period is None:
        return
    start, end = part.period
    months = env.params.int_value("palliative.months_per_request", start)
    if not has_length_months(start, end, months):
        yield _length_anomaly(
            part, B,
            f"Palliative care leave lasts exactly {months} month(s) per request.",
            f"Le congé pour soins palliatifs dure exactement {months} mois par demande.",
            f"Verlof voor palliatieve zorgen duurt precies {months} maand(en) per aanvraag.",
        )


def v_dur_6_public_length(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.PUBLIC_CAREER_BREAK or part.period is None:
        return
    start, end = part.period
    low = env.params.int_value("public.period_months.min", start)
    high = env.params.int_value("public.period_months.max", start)
    if not lasts_months_between(start, end, low, high):
        yield _outside(part, low, high)


RULES: tuple[EpRule, ...] = (
    v_dur_1_time_credit_length,
    v_dur_2_end_of_career_length,
    v_dur_3_parental_length,
    v_dur_4_medical_length,
    v_dur_5_palliative_length,
    v_dur_6_public_length,
)
