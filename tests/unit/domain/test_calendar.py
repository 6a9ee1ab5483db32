"""Month arithmetic of RULES.md section 0, with the rulebook's own examples."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.calendar import (
    age_on,
    birthday,
    first_monday_after,
    has_length_months,
    has_length_weeks,
    lasts_at_least_months,
    lasts_months_between,
    period_end,
    shift,
    weeks_end,
    whole_blocks,
    whole_months,
    whole_weeks,
    within_one_month,
)

D = date


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (D(2026, 9, 1), -3, D(2026, 6, 1)),  # the rulebook's example
        (D(2025, 1, 31), 1, D(2025, 2, 28)),  # clamped
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 11, 15), 3, D(2026, 2, 15)),  # across the year
        (D(2025, 1, 15), -13, D(2023, 12, 15)),
        (D(2025, 5, 31), 0, D(2025, 5, 31)),
    ],
)
def test_shift(d: date, n: int, expected: date) -> None:
    assert shift(d, n) == expected


@pytest.mark.parametrize(
    ("s", "n", "expected"),
    [
        (D(2025, 3, 1), 3, D(2025, 5, 31)),  # the rulebook's examples
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 1, 30), 1, D(2025, 2, 28)),  # 30 February does not exist either
        (D(2025, 1, 28), 1, D(2025, 2, 27)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2027, 3, 1), 6, D(2027, 8, 31)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2025, 12, 15), 1, D(2026, 1, 14)),
    ],
)
def test_period_end(s: date, n: int, expected: date) -> None:
    assert period_end(s, n) == expected


def test_birthday_of_29_february_is_28_february_in_common_years() -> None:
    assert birthday(D(2004, 2, 29), 1) == D(2005, 2, 28)
    assert birthday(D(2004, 2, 29), 4) == D(2008, 2, 29)
    assert birthday(D(2022, 5, 14), 8) == D(2030, 5, 14)


def test_age_on() -> None:
    assert age_on(D(1966, 1, 10), D(2027, 3, 1)) == 61
    assert age_on(D(1966, 3, 2), D(2026, 3, 1)) == 59
    assert age_on(D(1966, 3, 1), D(2026, 3, 1)) == 60
    assert age_on(D(2004, 2, 29), D(2005, 2, 28)) == 1
    assert age_on(D(2027, 1, 1), D(2026, 1, 1)) == 0


def test_weeks_end() -> None:
    assert weeks_end(D(2027, 3, 1), 1) == D(2027, 3, 7)
    assert weeks_end(D(2027, 3, 1), 4) == D(2027, 3, 28)


def test_within_one_month_includes_the_same_day_next_month() -> None:
    assert within_one_month(D(2026, 2, 28), of=D(2026, 1, 31))
    assert not within_one_month(D(2026, 3, 1), of=D(2026, 1, 31))
    assert within_one_month(D(2026, 4, 15), of=D(2026, 3, 15))
    assert not within_one_month(D(2026, 4, 16), of=D(2026, 3, 15))


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (D(2026, 11, 25), D(2026, 11, 30)),  # Wednesday
        (D(2026, 11, 29), D(2026, 11, 30)),  # Sunday
        (D(2026, 11, 30), D(2026, 12, 7)),  # a Monday gives the next one
    ],
)
def test_first_monday_after(d: date, expected: date) -> None:
    assert first_monday_after(d) == expected


def test_length_helpers_follow_the_definitions() -> None:
    s = D(2027, 3, 1)
    assert has_length_months(s, D(2027, 8, 31), 6)
    assert not has_length_months(s, D(2027, 8, 30), 6)
    assert lasts_at_least_months(s, D(2027, 9, 1), 6)
    assert not lasts_at_least_months(s, D(2027, 8, 30), 6)
    assert lasts_months_between(s, D(2027, 3, 31), 1, 3)
    assert lasts_months_between(s, D(2027, 5, 31), 1, 3)
    assert not lasts_months_between(s, D(2027, 3, 30), 1, 3)
    assert not lasts_months_between(s, D(2027, 6, 1), 1, 3)
    assert has_length_weeks(s, D(2027, 3, 14), 2)


def test_whole_units() -> None:
    s = D(2027, 3, 1)
    assert whole_weeks(s, D(2027, 3, 21)) == 3
    assert whole_weeks(s, D(2027, 3, 22)) is None
    assert whole_months(s, D(2027, 4, 30), 4) == 2
    assert whole_months(s, D(2027, 4, 29), 4) is None
    assert whole_blocks(s, D(2027, 7, 31), 5, 20) == 1
    assert whole_blocks(s, D(2027, 6, 30), 5, 20) is None
    assert whole_blocks(s, D(2027, 4, 30), 2, 8) == 1
    assert whole_blocks(s, D(2027, 12, 31), 2, 8) is None  # 10 months > max 8


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)), st.integers(-600, 600))
def test_shift_keeps_the_day_unless_clamped(d: date, n: int) -> None:
    shifted = shift(d, n)
    assert (shifted.year * 12 + shifted.month) - (d.year * 12 + d.month) == n
    assert shifted.day == d.day or (shifted.day < d.day and (shifted + timedelta(1)).day == 1)


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)), st.integers(1, 120))
def test_period_end_is_before_the_next_period(s: date, n: int) -> None:
    end, target = period_end(s, n), shift(s, n)
    if target.day == s.day:
        assert end == target - timedelta(days=1)
    else:  # s's day does not exist in the target month: the period ends on its last day
        assert end == target
    assert s <= end
