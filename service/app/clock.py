"""Time, as a port: tests pin it, the service reads the system clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what the test tells it to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def processing_date(now: datetime) -> date:
    """RULES.md: the calendar date in Europe/Brussels when breakgate processes the message."""
    return now.astimezone(BRUSSELS).date()
