"""V-CAP-1 and V-DUR-5's second part: caps over breakgate's own history (70005-047 W)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction as Ratio
from typing import Any

import pytest
from builders import (
    CHILD_BIRTH,
    START,
    triples,
    valid_end_of_career,
    valid_medical,
    valid_palliative,
    valid_parental,
    valid_public,
    valid_submit,
)

from service.domain.anomalies import Anomaly
from service.domain.calendar import period_end
from service.domain.codes import Circumstance
from service.domain.codes import Fraction as F
from service.domain.codes import Motive as M
from service.domain.codes import Scheme as Sc
from service.domain.commands import SubmitRequest
from service.domain.parameters import LegalParameters
from service.domain.rules.caps import (
    EarlierRequest,
    counted_months,
    medical_history_months,
    parental_weights,
    v_cap_1_caps,
    v_dur_5_consecutive_palliative,
)
from service.domain.rules.employer_part import EmployerPart

P = LegalParameters.default()
END = "/SubmitRequest/EndDate"
CAP_W = ("70005-047", "W", END)
OLD = date(2015, 1, 1)  # earlier periods start here: only their length matters


def earlier(scheme: Sc, months: int, fraction: F = F.FULL, motive: M | None = None,
            child: date | None = None, start: date = OLD) -> EarlierRequest:
    return EarlierRequest(scheme, motive, fraction, start, period_end(start, months), child)


def caps(submit: SubmitRequest, history: list[EarlierRequest], **kw: Any) -> list[Anomaly]:
    found = v_cap_1_caps(EmployerPart.from_submit(submit), history, P, **kw)
    return [] if found is None else [found]


# ---- month counting ---------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2027, 3, 1), date(2027, 8, 31), Ratio(6)),
    (date(2027, 3, 1), date(2027, 3, 7), Ratio(7, 31)),
    (date(2027, 3, 1), date(2027, 4, 15), 1 + Ratio(15, 30)),
    (date(2025, 1, 31), date(2025, 2, 28), Ratio(1)),
    (date(2026, 11, 30), date(2026, 12, 29), Ratio(1)),
    (date(2027, 3, 1), date(2027, 3, 1), Ratio(1, 31)),
    (date(2027, 3, 2), date(2027, 3, 1), Ratio(0)),
])
def test_counted_months(start: date, end: date, months: Ratio) -> None:
    assert counted_months(start, end) == months


def test_an_open_period_counts_nothing() -> None:
    assert EarlierRequest(Sc.END_OF_CAREER, None, F.HALF, OLD, None).months == 0


# ---- TIME_CREDIT ------------------------------------------------------------------------------

SIX_MONTHS = valid_submit()  # CHILD_UNDER_8 ONE_FIFTH 2027-03-01..2027-08-31, notice 2026-11-02


def tc(months: int, motive: M) -> EarlierRequest:
    return earlier(Sc.TIME_CREDIT, months, F.ONE_FIFTH, motive)


def test_v_cap_1_child_under_8_within_48_months_holds() -> None:
    assert caps(SIX_MONTHS, [tc(42, M.CHILD_UNDER_8)]) == []


def test_v_cap_1_child_under_8_over_48_months() -> None:
    assert triples(caps(SIX_MONTHS, [tc(43, M.CHILD_UNDER_8)])) == [CAP_W]


def test_v_cap_1_child_under_8_cap_is_51_for_a_notice_before_2023_02() -> None:
    before = valid_submit(notice_date=date(2023, 1, 31))
    assert caps(before, [tc(45, M.CHILD_UNDER_8)]) == []
    assert triples(caps(before, [tc(46, M.CHILD_UNDER_8)])) == [CAP_W]


def test_v_cap_1_training_within_36_months_holds() -> None:
    training = valid_submit(motive=M.TRAINING, child=None)
    assert caps(training, [tc(30, M.TRAINING)]) == []


def test_v_cap_1_training_over_36_months() -> None:
    training = valid_submit(motive=M.TRAINING, child=None)
    assert triples(caps(training, [tc(31, M.TRAINING)])) == [CAP_W]


def test_v_cap_1_care_motives_together_within_51_months_holds() -> None:
    palliative = valid_submit(motive=M.PALLIATIVE, child=None)
    assert caps(palliative, [tc(45, M.SERIOUS_ILLNESS)]) == []


def test_v_cap_1_care_motives_together_over_51_months() -> None:
    palliative = valid_submit(motive=M.PALLIATIVE, child=None)
    assert triples(caps(palliative, [tc(46, M.SERIOUS_ILLNESS)])) == [CAP_W]


def test_v_cap_1_care_plus_training_over_51_months() -> None:
    training = valid_submit(motive=M.TRAINING, child=None)
    history = [tc(20, M.TRAINING), tc(26, M.CHILD_UNDER_8)]  # training 26, all 52
    assert triples(caps(training, history)) == [CAP_W]


def test_v_cap_1_care_plus_training_within_51_months_holds() -> None:
    training = valid_submit(motive=M.TRAINING, child=None)
    assert caps(training, [tc(20, M.TRAINING), tc(25, M.CHILD_UNDER_8)]) == []


def test_v_cap_1_counts_calendar_months_whatever_the_fraction() -> None:
    full = earlier(Sc.TIME_CREDIT, 43, F.FULL, M.CHILD_UNDER_8)
    assert triples(caps(SIX_MONTHS, [full])) == [CAP_W]


def test_v_cap_1_other_schemes_do_not_count() -> None:
    assert caps(SIX_MONTHS, [earlier(Sc.PARENTAL_LEAVE, 48, child=CHILD_BIRTH)]) == []


def test_v_cap_1_path_can_be_given_for_a_modification() -> None:
    found = caps(SIX_MONTHS, [tc(43, M.CHILD_UNDER_8)], path="/ModifyRequest/NewEndDate")
    assert triples(found) == [("70005-047", "W", "/ModifyRequest/NewEndDate")]


# ---- PARENTAL_LEAVE ---------------------------------------------------------------------------

FIFTH_BLOCK = valid_parental()  # ONE_FIFTH, 5 months = 1 full-time-equivalent month


def test_parental_weights() -> None:
    assert parental_weights(P, START) == {
        F.FULL: 1, F.HALF: Ratio(1, 2), F.ONE_FIFTH: Ratio(1, 5), F.ONE_TENTH: Ratio(1, 10),
    }


def test_v_cap_1_parental_within_four_fte_months_per_child_holds() -> None:
    history = [earlier(Sc.PARENTAL_LEAVE, 2, F.FULL, child=CHILD_BIRTH),
               earlier(Sc.PARENTAL_LEAVE, 2, F.HALF, child=CHILD_BIRTH)]
    assert caps(FIFTH_BLOCK, history) == []  # 2 + 1 + 1 = 4


def test_v_cap_1_parental_over_four_fte_months_per_child() -> None:
    history = [earlier(Sc.PARENTAL_LEAVE, 3, F.FULL, child=CHILD_BIRTH),
               earlier(Sc.PARENTAL_LEAVE, 10, F.ONE_TENTH, child=CHILD_BIRTH)]
    assert triples(caps(FIFTH_BLOCK, history)) == [CAP_W]  # 3 + 1 + 1 = 5


def test_v_cap_1_parental_other_child_does_not_count() -> None:
    other_child = earlier(Sc.PARENTAL_LEAVE, 4, F.FULL, child=date(2020, 1, 1))
    assert caps(FIFTH_BLOCK, [other_child]) == []


def test_v_cap_1_parental_without_a_child_is_left_to_v_elg_2() -> None:
    history = [earlier(Sc.PARENTAL_LEAVE, 4, F.FULL, child=CHILD_BIRTH)]
    assert caps(valid_parental(child=None), history) == []


# ---- MEDICAL_ASSISTANCE -----------------------------------------------------------------------

ONE_FULL_MONTH = valid_medical()  # FULL 2027-03-01..2027-03-31
ONE_HALF_MONTH = valid_medical(fraction=F.HALF,
                               regime_during={"working_days_system": 500,
                                              "mean_working_hours": 1900})


def med(months: int, fraction: F = F.FULL) -> EarlierRequest:
    return earlier(Sc.MEDICAL_ASSISTANCE, months, fraction)


def test_v_cap_1_medical_12_full_months_holds() -> None:
    assert caps(ONE_FULL_MONTH, [med(11)]) == []


def test_v_cap_1_medical_over_12_full_months() -> None:
    assert triples(caps(ONE_FULL_MONTH, [med(12)])) == [CAP_W]


def test_v_cap_1_medical_24_partial_months_holds() -> None:
    assert caps(ONE_HALF_MONTH, [med(23, F.HALF)]) == []


def test_v_cap_1_medical_over_24_partial_months() -> None:
    assert triples(caps(ONE_HALF_MONTH, [med(24, F.ONE_FIFTH)])) == [CAP_W]


def test_v_cap_1_medical_mix_is_judged_in_proportion() -> None:
    assert caps(ONE_FULL_MONTH, [med(5), med(12, F.HALF)]) == []  # 6/12 + 12/24 = 1
    assert triples(caps(ONE_FULL_MONTH, [med(6), med(12, F.HALF)])) == [CAP_W]


def test_v_cap_1_medical_doubled_for_a_single_parent() -> None:
    single = valid_medical(circumstances=(Circumstance.SINGLE_PARENT,))
    assert caps(single, [med(23)]) == []
    assert triples(caps(single, [med(24)])) == [CAP_W]


def test_medical_history_months() -> None:
    history = [med(3), med(4, F.HALF), med(2, F.ONE_FIFTH), earlier(Sc.PALLIATIVE_CARE, 1)]
    assert medical_history_months(history) == (Ratio(3), Ratio(6))


# ---- PUBLIC_CAREER_BREAK ----------------------------------------------------------------------

SIX_FULL = valid_public()  # FULL 2027-03-01..2027-08-31


def test_v_cap_1_public_60_full_months_holds() -> None:
    assert caps(SIX_FULL, [earlier(Sc.PUBLIC_CAREER_BREAK, 54)]) == []


def test_v_cap_1_public_over_60_full_months() -> None:
    assert triples(caps(SIX_FULL, [earlier(Sc.PUBLIC_CAREER_BREAK, 55)])) == [CAP_W]


def test_v_cap_1_public_full_and_partial_are_separate_budgets() -> None:
    partial = earlier(Sc.PUBLIC_CAREER_BREAK, 60, F.HALF)
    assert caps(SIX_FULL, [partial, earlier(Sc.PUBLIC_CAREER_BREAK, 54)]) == []
    half = valid_public(fraction=F.HALF)
    assert triples(caps(half, [partial])) == [CAP_W]


# ---- schemes without a cap here --------------------------------------------------------------


def test_v_cap_1_end_of_career_has_no_cap() -> None:
    history = [earlier(Sc.END_OF_CAREER, 200, F.HALF)]
    assert caps(valid_end_of_career(end_date=date(2030, 12, 31)), history) == []


def test_v_cap_1_palliative_care_is_v_dur_5s() -> None:
    assert caps(valid_palliative(), [earlier(Sc.PALLIATIVE_CARE, 12)]) == []


# ---- V-DUR-5, second part ---------------------------------------------------------------------

PALLIATIVE = valid_palliative()  # 2026-11-30..2026-12-29


def month_chain(first_start: date, count: int) -> list[EarlierRequest]:
    """`count` palliative months, each starting the day after the previous one ends."""
    chain, start = [], first_start
    for _ in range(count):
        end = period_end(start, 1)
        chain.append(EarlierRequest(Sc.PALLIATIVE_CARE, None, F.FULL, start, end))
        start = end + timedelta(days=1)
    return chain


def palliative(history: list[EarlierRequest], submit: SubmitRequest = PALLIATIVE) -> list[Anomaly]:
    found = v_dur_5_consecutive_palliative(EmployerPart.from_submit(submit), history, P)
    return [] if found is None else [found]


def test_v_dur_5_third_consecutive_month_holds() -> None:
    history = month_chain(date(2026, 9, 30), 2)  # 09-30..10-29, 10-30..11-29
    assert history[-1].end == date(2026, 11, 29)
    assert palliative(history) == []


def test_v_dur_5_fourth_consecutive_month() -> None:
    history = month_chain(date(2026, 8, 30), 3)
    assert history[-1].end == date(2026, 11, 29)
    assert triples(palliative(history)) == [CAP_W]


def test_v_dur_5_a_gap_breaks_the_chain() -> None:
    history = month_chain(date(2026, 8, 29), 3)  # ends 2026-11-28: one free day
    assert history[-1].end == date(2026, 11, 28)
    assert palliative(history) == []


def test_v_dur_5_counts_months_on_both_sides() -> None:
    before = month_chain(date(2026, 10, 30), 1)
    after = month_chain(date(2026, 12, 30), 2)
    assert triples(palliative(before + after)) == [CAP_W]


def test_v_dur_5_other_schemes_do_not_chain() -> None:
    history = [EarlierRequest(Sc.MEDICAL_ASSISTANCE, None, F.FULL, r.start, r.end)
               for r in month_chain(date(2026, 8, 30), 3)]
    assert palliative(history) == []


def test_v_dur_5_applies_to_palliative_care_only() -> None:
    assert palliative(month_chain(date(2026, 8, 30), 3), valid_medical()) == []
