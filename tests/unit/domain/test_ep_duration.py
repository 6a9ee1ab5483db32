"""V-DUR-1 to V-DUR-6: length of the requested period."""

from __future__ import annotations

from datetime import date

from builders import (
    START,
    check,
    codes_of,
    context,
    profile,
    triples,
    valid_end_of_career,
    valid_medical,
    valid_palliative,
    valid_parental,
    valid_public,
    valid_submit,
)

from service.domain.calendar import period_end, weeks_end
from service.domain.codes import Circumstance as C
from service.domain.codes import Fraction, Motive, Sector

END = "/SubmitRequest/EndDate"
LENGTH_B = ("70005-008", "B", END)
NOTHING = {"working_days_system": 0, "mean_working_hours": 0}
HALF = {"working_days_system": 500, "mean_working_hours": 1900}
FEDERAL = context(employer=profile(Sector.PUBLIC_FEDERAL, y2025=50))


# ---- V-DUR-1 time credit ----------------------------------------------------------------------


def test_v_dur_1_one_fifth_shorter_than_six_months() -> None:
    assert triples(check(valid_submit(end_date=date(2027, 8, 30)))) == [
        LENGTH_B
    ]


def test_v_dur_1_too_short_with_last_remainder_is_a_warning() -> None:
    found = check(valid_submit(end_date=period_end(START, 5),
                               circumstances=(C.LAST_REMAINDER,)))
    assert triples(found) == [("70005-008", "W", END)]


def test_v_dur_1_six_months_or_more_holds() -> None:
    assert check(valid_submit(end_date=period_end(START, 18))) == []


def test_v_dur_1_palliative_motive_needs_one_month() -> None:
    short = valid_submit(motive=Motive.PALLIATIVE, child=None, end_date=date(2027, 3, 30))
    assert LENGTH_B in triples(check(short))
    one_month = valid_submit(motive=Motive.PALLIATIVE, child=None, end_date=date(2027, 3, 31))
    assert "70005-008" not in codes_of(check(one_month))


def test_v_dur_1_serious_illness_at_most_three_months() -> None:
    long = valid_submit(motive=Motive.SERIOUS_ILLNESS, child=None, end_date=date(2027, 6, 1))
    assert LENGTH_B in triples(check(long))
    three = valid_submit(motive=Motive.SERIOUS_ILLNESS, child=None, end_date=date(2027, 5, 31))
    assert "70005-008" not in codes_of(check(three))


def test_v_dur_1_full_needs_three_months() -> None:
    full = valid_submit(fraction=Fraction.FULL, regime_during=NOTHING,
                        circumstances=(C.CCT_BASIS,), end_date=date(2027, 5, 30))
    assert triples(check(full)) == [LENGTH_B]
    assert check(full.model_copy(update={"end_date": date(2027, 5, 31)})) == []


# ---- V-DUR-2 end of career --------------------------------------------------------------------


def test_v_dur_2_end_of_career_half_shorter_than_three_months() -> None:
    found = check(valid_end_of_career(fraction=Fraction.HALF, regime_during=HALF,
                                      end_date=date(2027, 5, 30)))
    assert triples(found) == [LENGTH_B]


def test_v_dur_2_end_of_career_with_enough_months_holds() -> None:
    found = check(valid_end_of_career(fraction=Fraction.HALF, regime_during=HALF,
                                      end_date=date(2027, 5, 31)))
    assert found == []


# ---- V-DUR-3 parental leave -------------------------------------------------------------------


def test_v_dur_3_parental_not_a_whole_block() -> None:
    assert triples(check(valid_parental(end_date=period_end(START, 4)))) == [LENGTH_B]


def test_v_dur_3_parental_above_the_per_child_maximum() -> None:
    found = check(valid_parental(end_date=period_end(START, 25)))
    assert triples(found) == [LENGTH_B]


def test_v_dur_3_parental_whole_blocks_hold() -> None:
    assert check(valid_parental(end_date=period_end(START, 20))) == []


def test_v_dur_3_full_in_whole_weeks_within_three_months_is_flexible() -> None:
    weeks = valid_parental(fraction=Fraction.FULL, regime_during=NOTHING,
                           end_date=weeks_end(START, 2), employer_agreement=True)
    assert check(weeks) == []


def test_v_dur_3_full_in_days_is_refused() -> None:
    days = valid_parental(fraction=Fraction.FULL, regime_during=NOTHING,
                          end_date=date(2027, 3, 10), employer_agreement=True)
    assert triples(check(days)) == [LENGTH_B]


def test_v_dur_3_last_remainder_allows_a_short_full_period() -> None:
    days = valid_parental(fraction=Fraction.FULL, regime_during=NOTHING,
                          end_date=date(2027, 3, 10), circumstances=(C.LAST_REMAINDER,))
    assert check(days) == []


def test_v_dur_3_half_in_single_months_is_flexible() -> None:
    months = valid_parental(fraction=Fraction.HALF, regime_during=HALF,
                            end_date=period_end(START, 3), employer_agreement=True)
    assert check(months) == []


# ---- V-DUR-4 medical assistance ---------------------------------------------------------------


def test_v_dur_4_medical_longer_than_three_months() -> None:
    assert triples(check(valid_medical(end_date=period_end(START, 4)))) == [LENGTH_B]


def test_v_dur_4_medical_ten_days() -> None:
    assert triples(check(valid_medical(end_date=date(2027, 3, 10)))) == [LENGTH_B]


def test_v_dur_4_medical_one_to_three_months_holds() -> None:
    assert check(valid_medical(end_date=date(2027, 5, 15))) == []


def test_v_dur_4_medical_flexible_weeks_hold() -> None:
    weeks = valid_medical(end_date=weeks_end(START, 3), employer_agreement=True)
    assert check(weeks) == []


def test_v_dur_4_medical_four_weeks_are_not_a_flexible_form() -> None:
    weeks = valid_medical(end_date=weeks_end(START, 4), employer_agreement=True)
    assert triples(check(weeks)) == [LENGTH_B]


def test_v_dur_4_remainder_and_hospitalisation_week_hold() -> None:
    remainder = valid_medical(end_date=date(2027, 3, 10), circumstances=(C.LAST_REMAINDER,))
    assert check(remainder) == []
    week = valid_medical(end_date=weeks_end(START, 1),
                         circumstances=(C.UNFORESEEN_HOSPITALISATION,))
    assert check(week) == []


def test_v_dur_4_flexible_weeks_did_not_exist_before_june_2019() -> None:
    old = valid_medical(start_date=date(2019, 5, 6), end_date=date(2019, 5, 19),
                        notice_date=date(2019, 4, 1), employer_agreement=True)
    found = check(old, context(date(2019, 4, 15)))
    assert LENGTH_B in triples(found)


# ---- V-DUR-5 palliative care ------------------------------------------------------------------


def test_v_dur_5_palliative_not_exactly_one_month() -> None:
    found = check(valid_palliative(end_date=date(2027, 1, 29)))
    assert triples(found) == [LENGTH_B]


def test_v_dur_5_palliative_one_month_holds() -> None:
    assert "70005-008" not in codes_of(check(valid_palliative()))


# ---- V-DUR-6 public career break --------------------------------------------------------------


def test_v_dur_6_public_shorter_than_three_months() -> None:
    assert triples(check(valid_public(end_date=date(2027, 5, 30)), FEDERAL)) == [LENGTH_B]


def test_v_dur_6_public_longer_than_twelve_months() -> None:
    found = check(valid_public(end_date=date(2028, 3, 1)), FEDERAL)
    assert triples(found) == [LENGTH_B]


def test_v_dur_6_public_twelve_months_holds() -> None:
    assert check(valid_public(end_date=period_end(START, 12)), FEDERAL) == []
