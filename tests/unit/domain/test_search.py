"""SearchRequests helpers: V-LCY-5 window, criteria normalisation, matching and paging."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from builders_messages import search_requests

from service.domain.codes import Fraction as F
from service.domain.codes import RequestStatus as S
from service.domain.codes import Scheme as Sc
from service.domain.commands import ByCharacteristics, ByWorker
from service.domain.parameters import LegalParameters
from service.domain.replies import RequestSummary
from service.domain.search import (
    SearchCriteria,
    matches,
    paginate,
    search_window_start,
    submission_day,
)

P = LegalParameters.default()
TODAY = date(2026, 3, 15)
WINDOW = date(2024, 3, 15)
INSS = "75113099746"


def summary(n: int = 1, **overrides: Any) -> RequestSummary:
    fields: dict[str, Any] = {
        "ticket_number": f"ELO2026-{n:09d}", "request_reference": f"REQ-{n}", "inss": INSS,
        "scheme": Sc.TIME_CREDIT, "fraction": F.ONE_FIFTH, "start_date": date(2026, 5, 1),
        "end_date": date(2026, 10, 31), "status": S.SUBMITTED,
        "submitted_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
    }
    return RequestSummary(**{**fields, **overrides})


def criteria(**overrides: Any) -> SearchCriteria:
    return SearchCriteria(**{"submitted_from": WINDOW, **overrides})


# ---- V-LCY-5 ----------------------------------------------------------------------------------


def test_v_lcy_5_window_is_24_months_back() -> None:
    assert search_window_start(TODAY, P) == WINDOW


def test_v_lcy_5_window_clamps_at_the_end_of_february() -> None:
    assert search_window_start(date(2026, 2, 28), P) == date(2024, 2, 28)
    assert search_window_start(date(2028, 2, 29), P) == date(2026, 2, 28)


def test_v_lcy_5_submitted_on_the_first_day_of_the_window_is_returned() -> None:
    on_edge = summary(submitted_at=datetime(2024, 3, 15, 0, 30, tzinfo=UTC))
    assert matches(on_edge, criteria())


def test_v_lcy_5_submitted_before_the_window_is_not_returned_whatever_its_state() -> None:
    for status in S:
        old = summary(status=status, submitted_at=datetime(2024, 3, 14, 12, tzinfo=UTC))
        assert not matches(old, criteria())


def test_v_lcy_5_submission_day_is_brussels_time() -> None:
    # 23:30 UTC on 14 March is 00:30 on 15 March in Brussels (CET)
    late = datetime(2024, 3, 14, 23, 30, tzinfo=UTC)
    assert submission_day(late) == date(2024, 3, 15)
    assert matches(summary(submitted_at=late), criteria())
    assert submission_day(datetime(2024, 3, 14, 23, 30)) == date(2024, 3, 14)


# ---- normalisation ----------------------------------------------------------------------------


def test_criteria_from_characteristics() -> None:
    cmd = search_requests(
        criteria=ByCharacteristics(scheme=Sc.PARENTAL_LEAVE, fraction=F.HALF, status=S.GRANTED,
                                   start_from=date(2026, 1, 1), start_to=date(2026, 6, 30)),
        page=3, page_size=20,
    )
    built = SearchCriteria.from_command(cmd, TODAY, P)
    assert built == SearchCriteria(
        submitted_from=WINDOW, scheme=Sc.PARENTAL_LEAVE, fraction=F.HALF, status=S.GRANTED,
        start_from=date(2026, 1, 1), start_to=date(2026, 6, 30), page=3, page_size=20,
    )
    assert built.offset == 40


def test_criteria_from_worker_with_default_paging() -> None:
    built = SearchCriteria.from_command(search_requests(criteria=ByWorker(inss=INSS)), TODAY, P)
    assert built == SearchCriteria(submitted_from=WINDOW, inss=INSS, page=1, page_size=100)
    assert built.offset == 0


@pytest.mark.parametrize(("page", "size", "expected"), [
    (0, 0, (1, 1)), (-4, 501, (1, 500)), (2, 500, (2, 500)),
])
def test_criteria_paging_is_clamped(page: int, size: int, expected: tuple[int, int]) -> None:
    built = SearchCriteria.from_command(search_requests(page=page, page_size=size), TODAY, P)
    assert (built.page, built.page_size) == expected


# ---- matches ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("filters", "holds"), [
    ({}, True),
    ({"scheme": Sc.TIME_CREDIT}, True),
    ({"scheme": Sc.PARENTAL_LEAVE}, False),
    ({"fraction": F.ONE_FIFTH}, True),
    ({"fraction": F.HALF}, False),
    ({"status": S.SUBMITTED}, True),
    ({"status": S.CANCELLED}, False),
    ({"start_from": date(2026, 5, 1)}, True),
    ({"start_from": date(2026, 5, 2)}, False),
    ({"start_to": date(2026, 5, 1)}, True),
    ({"start_to": date(2026, 4, 30)}, False),
    ({"inss": INSS}, True),
    ({"inss": "88123199507"}, False),
])
def test_matches_each_filter(filters: dict[str, Any], holds: bool) -> None:
    assert matches(summary(), criteria(**filters)) is holds


# ---- paginate ---------------------------------------------------------------------------------


def test_paginate_newest_first_with_total() -> None:
    rows = [summary(n, submitted_at=datetime(2026, 1, n, tzinfo=UTC)) for n in range(1, 6)]
    rows.append(summary(9, submitted_at=datetime(2023, 1, 1, tzinfo=UTC)))  # outside window
    result = paginate(rows, criteria(page=2, page_size=2))
    assert (result.page, result.page_size, result.total) == (2, 2, 5)
    assert [r.ticket_number for r in result.requests] == ["ELO2026-000000003",
                                                          "ELO2026-000000002"]


def test_paginate_past_the_last_page_is_empty() -> None:
    result = paginate([summary()], criteria(page=3, page_size=10))
    assert (result.total, result.requests) == (1, ())
