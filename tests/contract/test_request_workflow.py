"""RequestRepository, the workflow part: versioned updates, history, search, the worker's
requests and the authority's lookup (V-MAN-2, V-LCY-5, RULES 5.1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contract.builders import COMPANY, INSS, OTHER_COMPANY, stored_request
from service.app.errors import StorageConflict
from service.app.ports import UnitOfWork
from service.domain.codes import Fraction, RequestStatus, Scheme
from service.domain.replies import HistoryEntry
from service.domain.search import SearchCriteria

AT = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


async def test_a_status_update_needs_the_version_read(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
    async with uow.begin() as tx:
        await tx.requests.update_status("A", RequestStatus.WORKER_COMPLETED, 2, 1)
        stored = await tx.requests.by_ticket(COMPANY, "A")
        assert stored is not None
        assert (stored.status, stored.version) == (RequestStatus.WORKER_COMPLETED, 2)
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.requests.update_status("A", RequestStatus.GRANTED, 2, 1)  # stale read
    async with uow.begin() as tx:
        stored = await tx.requests.by_ticket(COMPANY, "A")
        assert stored is not None and stored.status is RequestStatus.WORKER_COMPLETED
        with pytest.raises(StorageConflict):
            await tx.requests.update_status("NOPE", RequestStatus.GRANTED, 2, 1)


async def test_a_request_added_in_the_same_transaction_can_change_at_once(
    uow: UnitOfWork,
) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        await tx.requests.add(stored_request("B", date(2027, 6, 1), date(2027, 6, 30)))
        await tx.requests.update_status("A", RequestStatus.CANCELLED, 2, 1)
        cancelled = await tx.requests.by_ticket(COMPANY, "A")
        assert cancelled is not None and cancelled.status is RequestStatus.CANCELLED
        await tx.requests.add(stored_request("C", date(2028, 6, 1), date(2028, 6, 30)))
        again = await tx.requests.by_ticket(COMPANY, "A")  # not the held-back copy
        assert again is not None and again.status is RequestStatus.CANCELLED
        assert await tx.requests.count() == 3
    async with uow.begin() as tx:
        stored = await tx.requests.by_ticket(COMPANY, "A")
        assert stored is not None and (stored.status, stored.version) == (
            RequestStatus.CANCELLED, 2)
        assert await tx.requests.count() == 3


async def test_a_failed_savepoint_undoes_its_update(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.requests.update_status("A", RequestStatus.CANCELLED, 2, 1)
                await tx.requests.add_history("A", HistoryEntry(at=AT, kind="CANCELLED"))
                raise RuntimeError("message failed")
        stored = await tx.requests.by_ticket(COMPANY, "A")
        assert stored is not None and (stored.status, stored.version) == (
            RequestStatus.SUBMITTED, 1)
        assert await tx.requests.history("A") == []
    async with uow.begin() as tx:
        stored = await tx.requests.by_ticket(COMPANY, "A")
        assert stored is not None and stored.status is RequestStatus.SUBMITTED
        assert await tx.requests.count() == 1


async def test_a_new_end_date_replaces_the_period_and_the_payload(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        await tx.requests.set_end_date("A", date(2027, 2, 28), '{"fraction": "HALF"}', 1)
    async with uow.begin() as tx:
        stored = await tx.requests.by_ticket(COMPANY, "A")
        assert stored is not None
        assert stored.end_date == date(2027, 2, 28)
        assert stored.payload_json == '{"fraction": "HALF"}'
        assert stored.version == 1  # a modification is no change of state
        with pytest.raises(StorageConflict):
            await tx.requests.set_end_date("A", date(2027, 3, 31), "{}", 2)


async def test_history_comes_back_oldest_first(uow: UnitOfWork) -> None:
    later = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        await tx.requests.add_history("A", HistoryEntry(at=later, kind="CANCELLED"))
        await tx.requests.add_history("A", HistoryEntry(at=AT, kind="MODIFIED",
                                                        detail="EndDate 2026-11-30 -> 2027-01-31"))
        await tx.requests.add_history("A", HistoryEntry(at=AT, kind="ATTACHMENT_ADDED",
                                                        detail="a.pdf"))
    async with uow.begin() as tx:
        assert [(e.at, e.kind, e.detail) for e in await tx.requests.history("A")] == [
            (AT, "MODIFIED", "EndDate 2026-11-30 -> 2027-01-31"),
            (AT, "ATTACHMENT_ADDED", "a.pdf"),
            (later, "CANCELLED", None),
        ]
        assert await tx.requests.history("B") == []


async def test_the_authority_finds_any_employers_request(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A", company_id=OTHER_COMPANY))
        assert await tx.requests.by_ticket_for_authority("A") == stored_request(
            "A", company_id=OTHER_COMPANY)
    async with uow.begin() as tx:
        assert await tx.requests.by_ticket_for_authority("A") == stored_request(
            "A", company_id=OTHER_COMPANY)
        assert await tx.requests.by_ticket_for_authority("B") is None


async def test_for_worker_returns_every_request_of_the_scheme_by_start(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("C", date(2028, 1, 1), None))
        await tx.requests.add(stored_request("A", date(2020, 1, 1), date(2020, 6, 30),
                                             status=RequestStatus.CANCELLED))
        await tx.requests.add(stored_request("X", scheme=Scheme.PARENTAL_LEAVE))
        await tx.requests.add(stored_request("Y", company_id=OTHER_COMPANY))
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("B", date(2024, 1, 1), date(2024, 6, 30)))
        found = await tx.requests.for_worker(COMPANY, INSS, Scheme.TIME_CREDIT)
        assert [r.ticket_number for r in found] == ["A", "B", "C"]


def _criteria(**changes: object) -> SearchCriteria:
    values: dict[str, object] = {"submitted_from": date(2024, 3, 2)}
    values.update(changes)
    return SearchCriteria(**values)  # type: ignore[arg-type]


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


async def _searchable(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("ELO2026-000000001", submitted_at=_at(1)))
        await tx.requests.add(stored_request(
            "ELO2026-000000002", date(2026, 9, 1), None, submitted_at=_at(2),
            scheme=Scheme.PARENTAL_LEAVE, fraction=Fraction.ONE_FIFTH))
        await tx.requests.add(stored_request(
            "ELO2026-000000003", date(2027, 1, 1), None, submitted_at=_at(2),
            status=RequestStatus.CANCELLED, inss="90010100123"))
        await tx.requests.add(stored_request(  # submitted before the window
            "ELO2024-000000009", submitted_at=datetime(2024, 3, 1, 22, 59, tzinfo=UTC)))
        await tx.requests.add(stored_request(  # 2024-03-02 00:30 in Brussels: in the window
            "ELO2024-000000010", submitted_at=datetime(2024, 3, 1, 23, 30, tzinfo=UTC)))
        await tx.requests.add(stored_request(
            "ELO2026-000000004", submitted_at=_at(3), company_id=OTHER_COMPANY))


async def test_search_is_per_employer_in_the_window_and_newest_first(uow: UnitOfWork) -> None:
    await _searchable(uow)
    async with uow.begin() as tx:
        total, page = await tx.requests.search(COMPANY, _criteria())
        assert total == 4
        assert [r.ticket_number for r in page] == [
            "ELO2026-000000003", "ELO2026-000000002", "ELO2026-000000001", "ELO2024-000000010"]
        total, page = await tx.requests.search(COMPANY, _criteria(page=2, page_size=3))
        assert total == 4 and [r.ticket_number for r in page] == ["ELO2024-000000010"]
        assert await tx.requests.search(OTHER_COMPANY, _criteria(page_size=1)) == (1, [
            stored_request("ELO2026-000000004", submitted_at=_at(3), company_id=OTHER_COMPANY)])


@pytest.mark.parametrize(("criteria", "expected"), [
    ({"scheme": Scheme.PARENTAL_LEAVE}, ["ELO2026-000000002"]),
    ({"fraction": Fraction.ONE_FIFTH}, ["ELO2026-000000002"]),
    ({"status": RequestStatus.CANCELLED}, ["ELO2026-000000003"]),
    ({"inss": "90010100123"}, ["ELO2026-000000003"]),
    ({"start_from": date(2026, 9, 1)}, ["ELO2026-000000003", "ELO2026-000000002"]),
    ({"start_to": date(2026, 9, 1)},
     ["ELO2026-000000002", "ELO2026-000000001", "ELO2024-000000010"]),
    ({"start_from": date(2026, 9, 1), "start_to": date(2026, 9, 1)}, ["ELO2026-000000002"]),
    ({"submitted_from": date(2026, 3, 2)}, ["ELO2026-000000003", "ELO2026-000000002"]),
])
async def test_search_filters(
    uow: UnitOfWork, criteria: dict[str, object], expected: list[str]
) -> None:
    await _searchable(uow)
    async with uow.begin() as tx:
        total, page = await tx.requests.search(COMPANY, _criteria(**criteria))
        assert (total, [r.ticket_number for r in page]) == (len(expected), expected)


async def test_search_sees_the_requests_of_its_own_transaction(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A", submitted_at=_at(1)))
        total, page = await tx.requests.search(COMPANY, _criteria())
        assert (total, page) == (1, [stored_request("A", submitted_at=_at(1))])
