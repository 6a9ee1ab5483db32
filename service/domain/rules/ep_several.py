"""A worker with several employers (V-REG-7) and the reference hours during the leave
(V-REG-8), RULES.md 3.2.

With several employers the conditions on the regime before the leave apply to the jobs
together, so V-REG-3/4/6 step aside and this module judges the combination.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction as Ratio
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Fraction
from service.domain.commands import OtherEmployer
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.rules.ep_regime import TOLERANCE, working_fraction
from service.domain.schemes import FULL_TIME_MIN_DAYS, K_FACTORS, ONE_FIFTH_REDUCTION

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING

_COMBINED_FRACTIONS = (Fraction.HALF, Fraction.ONE_FIFTH)


def _other_fraction(other: OtherEmployer) -> Ratio | None:
    q, s = other.mean_working_hours, other.ref_mean_working_hours
    if q is None or s is None or s <= 0:
        return None
    return Ratio(q, s)


def _combined_ok(part: EmployerPart, env: EpEnv, combined: Ratio, days: int | None) -> bool:
    if part.fraction is Fraction.HALF:
        return combined >= Ratio(env.params.decimal_value("tc.half_min_fraction",
                                                          part.notice_date))
    return combined >= 1 and (days is None or days >= FULL_TIME_MIN_DAYS)


def _combined_regime(part: EmployerPart, env: EpEnv, other: OtherEmployer) -> Iterator[Anomaly]:
    """HALF: jobs together >= ⚙ 3/4; ONE_FIFTH: together full time on 5 days or more."""
    if part.fraction not in _COMBINED_FRACTIONS:
        return
    mine, theirs = working_fraction(part.regime_before), _other_fraction(other)
    days = other.combined_working_days
    if theirs is None or (part.fraction is Fraction.ONE_FIFTH and days is None):
        yield anomaly(
            "70009-001", W, part.path("OtherEmployer"),
            "The other job's hours, reference hours or combined days are missing: the combined "
            "regime was not checked.",
            "Les heures, les heures de référence ou les jours cumulés de l'autre emploi "
            "manquent : le régime cumulé n'a pas été vérifié.",
            "De uren, referentie-uren of samengetelde dagen van de andere betrekking ontbreken: "
            "het samengetelde stelsel werd niet gecontroleerd.",
        )
    if mine is None or theirs is None or _combined_ok(part, env, mine + theirs, days):
        return
    yield anomaly(
        "70009-032", B, part.path("OtherEmployer"),
        f"Together, the jobs do not reach the regime {part.fraction} requires.",
        f"Ensemble, les emplois n'atteignent pas le régime requis pour {part.fraction}.",
        f"Samen bereiken de betrekkingen het voor {part.fraction} vereiste stelsel niet.",
    )


def _one_fifth_split(part: EmployerPart) -> Iterator[Anomaly]:
    """The fifth is taken proportionally (0.8 x Q) or wholly at this employer (Q - S/5)."""
    before = part.regime_before
    q, s = before.mean_working_hours, before.ref_mean_working_hours
    proportional = K_FACTORS[Fraction.ONE_FIFTH] * q
    whole_here = q - ONE_FIFTH_REDUCTION * s
    actual = part.regime_during.mean_working_hours
    if min(abs(actual - proportional), abs(actual - whole_here)) > TOLERANCE:
        yield anomaly(
            "70008-032", W, part.path("RegimeDuring/MeanWorkingHours"),
            f"With several employers, the hours during a one-fifth reduction should be "
            f"{round(proportional)} or {round(whole_here)}.",
            f"Avec plusieurs employeurs, les heures pendant une réduction d'un cinquième "
            f"devraient être {round(proportional)} ou {round(whole_here)}.",
            f"Met meerdere werkgevers zouden de uren tijdens een vermindering met een vijfde "
            f"{round(proportional)} of {round(whole_here)} moeten zijn.",
        )


def v_reg_7_several_employers(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if not part.several_employers:
        return
    if part.other_employer is None:
        yield anomaly(
            "70009-001", B, part.path("OtherEmployer"),
            "The other employer must be given when the worker has several employers.",
            "L'autre employeur doit être indiqué quand le travailleur a plusieurs employeurs.",
            "De andere werkgever moet worden opgegeven als de werknemer meerdere werkgevers "
            "heeft.",
        )
    else:
        yield from _combined_regime(part, env, part.other_employer)
    if part.fraction is Fraction.ONE_FIFTH:
        yield from _one_fifth_split(part)


def v_reg_8_same_reference(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    before, during = part.regime_before, part.regime_during
    if during.ref_mean_working_hours != before.ref_mean_working_hours:
        yield anomaly(
            "70008-032", W, part.path("RegimeDuring/RefMeanWorkingHours"),
            "The reference hours during the leave differ from those before it.",
            "Les heures de référence pendant le congé diffèrent de celles d'avant.",
            "De referentie-uren tijdens het verlof verschillen van die ervoor.",
        )


RULES: tuple[EpRule, ...] = (v_reg_7_several_employers, v_reg_8_same_reference)
