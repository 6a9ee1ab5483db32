"""SearchRequests as pure helpers (CONTRACT.md 3 SearchRequests, RULES.md V-LCY-5/6).

`SearchCriteria.from_command` normalises the message once (window, filters, paging);
`matches` and `paginate` are what a repository does with it, written once so the fake
repository of the tests and the SQL one can be compared. The employer filter (V-MAN-2) is
the repository's key, not a criterion: a search always reads one employer's requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from service.domain.calendar import shift
from service.domain.codes import Fraction, RequestStatus, Scheme
from service.domain.commands import ByCharacteristics, SearchRequests
from service.domain.parameters import LegalParameters
from service.domain.replies import RequestSummary, SearchResult

BRUSSELS = ZoneInfo("Europe/Brussels")

DEFAULT_PAGE = 1
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def search_window_start(processing_date: date, parameters: LegalParameters) -> date:
    """V-LCY-5: the first submission date returned, shift(processing date,
    -⚙ search.window_months)."""
    months = parameters.int_value("search.window_months", processing_date)
    return shift(processing_date, -months)


def submission_day(submitted_at: datetime) -> date:
    """The calendar day of a submission in Europe/Brussels (a naive time is taken as local)."""
    if submitted_at.tzinfo is None:
        return submitted_at.date()
    return submitted_at.astimezone(BRUSSELS).date()


@dataclass(frozen=True)
class SearchCriteria:
    """One search, normalised: every filter optional, `submitted_from` always set."""

    submitted_from: date
    scheme: Scheme | None = None
    fraction: Fraction | None = None
    status: RequestStatus | None = None
    start_from: date | None = None
    start_to: date | None = None
    inss: str | None = None
    page: int = DEFAULT_PAGE
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        """How many matching requests come before this page."""
        return (self.page - 1) * self.page_size

    @classmethod
    def from_command(
        cls, cmd: SearchRequests, processing_date: date, parameters: LegalParameters
    ) -> SearchCriteria:
        """Page at least 1, page size within 1..500 (V-LCY-6 has already refused worse)."""
        page = max(cmd.page, 1)
        page_size = min(max(cmd.page_size, 1), MAX_PAGE_SIZE)
        window = search_window_start(processing_date, parameters)
        criteria = cmd.criteria
        if isinstance(criteria, ByCharacteristics):
            return cls(
                submitted_from=window, scheme=criteria.scheme, fraction=criteria.fraction,
                status=criteria.status, start_from=criteria.start_from,
                start_to=criteria.start_to, page=page, page_size=page_size,
            )
        return cls(submitted_from=window, inss=criteria.inss, page=page, page_size=page_size)


def matches(summary: RequestSummary, criteria: SearchCriteria) -> bool:
    """The request is in the window (V-LCY-5, whatever its state) and meets every filter."""
    return (
        submission_day(summary.submitted_at) >= criteria.submitted_from
        and (criteria.scheme is None or summary.scheme == criteria.scheme)
        and (criteria.fraction is None or summary.fraction == criteria.fraction)
        and (criteria.status is None or summary.status == criteria.status)
        and (criteria.start_from is None or summary.start_date >= criteria.start_from)
        and (criteria.start_to is None or summary.start_date <= criteria.start_to)
        and (criteria.inss is None or summary.inss == criteria.inss)
    )


def newest_first(summary: RequestSummary) -> tuple[datetime, str]:
    """Sort key, to use with `reverse=True`: submission time, then ticket number."""
    return summary.submitted_at, summary.ticket_number


def paginate(summaries: Iterable[RequestSummary], criteria: SearchCriteria) -> SearchResult:
    """The matching requests, newest first, cut to the page; `total` counts every match."""
    found = sorted((s for s in summaries if matches(s, criteria)), key=newest_first,
                   reverse=True)
    page = found[criteria.offset:criteria.offset + criteria.page_size]
    return SearchResult(
        page=criteria.page, page_size=criteria.page_size, total=len(found),
        requests=tuple(page),
    )
