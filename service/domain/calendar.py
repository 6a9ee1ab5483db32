"""Month arithmetic of RULES.md section 0: the one helper every dated rule uses.

Legal periods are counted in calendar months, not in days, and a day that does not exist in
the target month (31 April, 29 February of a common year) is clamped to the month's last day.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta

_MONDAY = 0
_ONE_DAY = timedelta(days=1)


def days_in_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def _target_month(d: date, n: int) -> tuple[int, int]:
    index = d.year * 12 + (d.month - 1) + n
    return index // 12, index % 12 + 1


def shift(d: date, n: int) -> date:
    """Same day-of-month `n` months later (earlier if `n` < 0), clamped to the month's end."""
    year, month = _target_month(d, n)
    return date(year, month, min(d.day, days_in_month(year, month)))


def period_end(s: date, n: int) -> date:
    """Last day of a period of `n` months starting on `s`.

    The day before `shift(s, n)`, except when `s`'s day does not exist in the target month:
    then the period ends on that month's last day (31 January + 1 month ends 28 February).
    """
    year, month = _target_month(s, n)
    last_day = days_in_month(year, month)
    if s.day > last_day:
        return date(year, month, last_day)
    return date(year, month, s.day) - _ONE_DAY


def birthday(birth: date, k: int) -> date:
    """The `k`-th birthday; someone born on 29 February turns a year older on 28 February."""
    return shift(birth, 12 * k)


def age_on(birth: date, d: date) -> int:
    """Completed years on `d` (negative never: 0 before the first birthday)."""
    years = d.year - birth.year
    if years > 0 and birthday(birth, years) > d:
        years -= 1
    return max(years, 0)


def weeks_end(s: date, w: int) -> date:
    """Last day of a period of `w` weeks starting on `s`."""
    return s + timedelta(days=7 * w - 1)


def within_one_month(d: date, of: date) -> bool:
    """`d` is on or before the same day one month after `of`."""
    return d <= shift(of, 1)


def first_monday_after(d: date) -> date:
    """The Monday strictly after `d` (a Monday gives the next one)."""
    return d + timedelta(days=(_MONDAY - d.weekday() - 1) % 7 + 1)


# ---- lengths of a period [start, end] -------------------------------------------------------


def has_length_months(start: date, end: date, n: int) -> bool:
    """"Length is `n` months"."""
    return end == period_end(start, n)


def lasts_at_least_months(start: date, end: date, n: int) -> bool:
    """"At least `n` months"."""
    return end >= period_end(start, n)


def lasts_months_between(start: date, end: date, low: int, high: int) -> bool:
    """"`low` to `high` months", both bounds included."""
    return period_end(start, low) <= end <= period_end(start, high)


def has_length_weeks(start: date, end: date, w: int) -> bool:
    """"`w` weeks"."""
    return end == weeks_end(start, w)


def whole_weeks(start: date, end: date) -> int | None:
    """Number of whole weeks the period spans, or None when it is not a whole number of them."""
    days = (end - start).days + 1
    if days <= 0 or days % 7:
        return None
    return days // 7


def whole_months(start: date, end: date, max_months: int) -> int | None:
    """`n` in 1..`max_months` such that the length is `n` months, or None."""
    for n in range(1, max_months + 1):
        if has_length_months(start, end, n):
            return n
    return None


def whole_blocks(start: date, end: date, block_months: int, max_months: int) -> int | None:
    """Number of whole blocks of `block_months` months (total at most `max_months`), or None."""
    months = whole_months(start, end, max_months)
    if months is None or months % block_months:
        return None
    return months // block_months
