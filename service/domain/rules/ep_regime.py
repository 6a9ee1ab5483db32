"""Work regimes before and during the leave: V-REG-1 to V-REG-6 (RULES.md 3.2, 2.2, 2.4).

V-REG-7 and V-REG-8 (several employers, reference hours) are in `ep_several.py`.

Q = mean weekly hours, S = the full-time reference, days = days per week, all in hundredths.
Ratios are exact fractions: "Q/S >= 3/4" must not depend on float rounding.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction as Ratio
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Fraction, Scheme
from service.domain.commands import Regime
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.schemes import CREDIT_SCHEMES, FULL_TIME_MIN_DAYS, K_FACTORS

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING

MAX_HOURS = 4800  # 48 h a week
MAX_DAYS = 700  # 7 days a week
TOLERANCE = 1  # one hundredth of an hour (2.4)


def working_fraction(regime: Regime) -> Ratio | None:
    """Q/S, or None when S is not positive (V-REG-1 reports that)."""
    if regime.ref_mean_working_hours <= 0:
        return None
    return Ratio(regime.mean_working_hours, regime.ref_mean_working_hours)


def _half_minimum(part: EmployerPart, env: EpEnv) -> Ratio:
    return Ratio(env.params.decimal_value("tc.half_min_fraction", part.notice_date))


def _regime_anomaly(part: EmployerPart, env: EpEnv, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly("70007-032", B, part.path("RegimeBefore"), en, fr, nl)


# ---- V-REG-1 ranges --------------------------------------------------------------------------


def _out_of_range(code: str, path: str, value: int, low: int, high: int) -> Iterator[Anomaly]:
    if not low <= value <= high:
        yield anomaly(
            code, B, path,
            f"The value {value} is outside the range {low} to {high}.",
            f"La valeur {value} est hors de la plage {low} à {high}.",
            f"De waarde {value} ligt buiten het bereik {low} tot {high}.",
        )


def v_reg_1_regime_ranges(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    before, during = part.regime_before, part.regime_during
    path = part.path
    yield from _out_of_range("00047-008", path("RegimeBefore/WorkingDaysSystem"),
                             before.working_days_system, 1, MAX_DAYS)
    yield from _out_of_range("00048-008", path("RegimeBefore/MeanWorkingHours"),
                             before.mean_working_hours, 1, MAX_HOURS)
    yield from _out_of_range("00049-008", path("RegimeBefore/RefMeanWorkingHours"),
                             before.ref_mean_working_hours, 1, MAX_HOURS)
    yield from _out_of_range("00047-008", path("RegimeDuring/WorkingDaysSystem"),
                             during.working_days_system, 0, MAX_DAYS)
    yield from _out_of_range("00048-008", path("RegimeDuring/MeanWorkingHours"),
                             during.mean_working_hours, 0, MAX_HOURS)
    if (during.mean_working_hours == 0) != (during.working_days_system == 0):
        yield anomaly(
            "00048-003", B, path("RegimeDuring/MeanWorkingHours"),
            "During the leave, hours and days must both be zero or both be positive.",
            "Pendant le congé, les heures et les jours doivent être tous deux nuls ou tous "
            "deux positifs.",
            "Tijdens het verlof moeten uren en dagen beide nul of beide positief zijn.",
        )


def v_reg_2_before_within_reference(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Skipped with several employers: S may then be another employer's reference."""
    before = part.regime_before
    if not part.several_employers and before.mean_working_hours > before.ref_mean_working_hours:
        yield anomaly(
            "00048-032", W, part.path("RegimeBefore/MeanWorkingHours"),
            "The worker's hours exceed the full-time reference hours.",
            "Les heures du travailleur dépassent les heures de référence à temps plein.",
            "De uren van de werknemer overschrijden de voltijdse referentie-uren.",
        )


def v_reg_3_half_credit_regime(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """HALF time credit / end of career: Q/S >= ⚙ 3/4 over the reference period.

    With several employers the combined regime is judged instead (V-REG-7).
    """
    if part.scheme not in CREDIT_SCHEMES or part.fraction is not Fraction.HALF:
        return
    ratio = working_fraction(part.regime_before)
    if part.several_employers or ratio is None or ratio >= _half_minimum(part, env):
        return
    prefix = "tc" if part.scheme is Scheme.TIME_CREDIT else "eoc"
    months = env.params.int_value(f"{prefix}.regime_reference_months", part.notice_date)
    yield _regime_anomaly(
        part, env,
        f"A half-time reduction needs at least 3/4 of a full-time job over the {months} "
        "months before the notice.",
        f"Une réduction à mi-temps nécessite au moins 3/4 d'un temps plein pendant les "
        f"{months} mois précédant l'avertissement.",
        f"Een halftijdse vermindering vereist minstens 3/4 van een voltijdse betrekking "
        f"gedurende de {months} maanden vóór de kennisgeving.",
    )


def _full_time_on_five_days(regime: Regime) -> bool:
    return (
        regime.mean_working_hours == regime.ref_mean_working_hours
        and regime.working_days_system >= FULL_TIME_MIN_DAYS
    )


def v_reg_4_one_fifth_credit_regime(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """ONE_FIFTH time credit / end of career: full time on 5 days or more (alone; V-REG-7
    judges several employers)."""
    if part.scheme not in CREDIT_SCHEMES or part.fraction is not Fraction.ONE_FIFTH:
        return
    if not part.several_employers and not _full_time_on_five_days(part.regime_before):
        yield _regime_anomaly(
            part, env,
            "A one-fifth reduction needs a full-time job on at least 5 days a week.",
            "Une réduction d'un cinquième nécessite un temps plein sur au moins 5 jours par "
            "semaine.",
            "Een vermindering met een vijfde vereist een voltijdse betrekking op minstens "
            "5 dagen per week.",
        )


def _leave_regime_ok(part: EmployerPart, env: EpEnv) -> bool:
    before = part.regime_before
    full_time = before.mean_working_hours == before.ref_mean_working_hours
    if part.scheme is Scheme.PARENTAL_LEAVE:
        return part.fraction is Fraction.FULL or full_time
    if part.scheme in (Scheme.MEDICAL_ASSISTANCE, Scheme.PALLIATIVE_CARE):
        if part.fraction is Fraction.ONE_FIFTH:
            return full_time
        if part.fraction is Fraction.HALF:
            ratio = working_fraction(before)
            return ratio is None or ratio >= _half_minimum(part, env)
    return True


def v_reg_5_leave_regime(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Parental partial forms need full time; medical / palliative as time credit."""
    if not _leave_regime_ok(part, env):
        yield _regime_anomaly(
            part, env,
            f"The regime before the leave does not allow {part.fraction} {part.scheme}.",
            f"Le régime avant le congé ne permet pas {part.scheme} {part.fraction}.",
            f"Het arbeidsstelsel vóór het verlof laat {part.scheme} {part.fraction} niet toe.",
        )


def v_reg_6_regime_during(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Q_during = k x S within 1 hundredth; FULL also 0 days. Several employers: V-REG-7."""
    if part.several_employers:
        return
    reference = part.regime_before.ref_mean_working_hours
    k = K_FACTORS[part.fraction]
    during = part.regime_during
    if abs(during.mean_working_hours - k * reference) > TOLERANCE:
        expected = round(k * reference)
        yield anomaly(
            "70008-032", B, part.path("RegimeDuring/MeanWorkingHours"),
            f"For {part.fraction}, the hours during the leave should be {expected}.",
            f"Pour {part.fraction}, les heures pendant le congé devraient être {expected}.",
            f"Voor {part.fraction} zouden de uren tijdens het verlof {expected} moeten zijn.",
        )
    if part.fraction is Fraction.FULL and during.working_days_system != 0:
        yield anomaly(
            "70008-032", B, part.path("RegimeDuring/WorkingDaysSystem"),
            "A full suspension leaves no working days.",
            "Une suspension complète ne laisse aucun jour de travail.",
            "Een volledige schorsing laat geen arbeidsdagen over.",
        )


RULES: tuple[EpRule, ...] = (
    v_reg_1_regime_ranges,
    v_reg_2_before_within_reference,
    v_reg_3_half_credit_regime,
    v_reg_4_one_fifth_credit_regime,
    v_reg_5_leave_regime,
    v_reg_6_regime_during,
)
