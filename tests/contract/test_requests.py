"""RequestRepository: stored requests, always looked up within one employer."""

from __future__ import annotations

from datetime import date

import pytest

from contract.builders import COMPANY, INSS, OTHER_COMPANY, stored_request
from service.app.errors import StorageConflict
from service.app.ports import UnitOfWork
from service.domain.codes import RequestStatus, Scheme


async def test_a_request_round_trips(uow: UnitOfWork) -> None:
    request = stored_request(end=None, status=RequestStatus.GRANTED, version=3)
    async with uow.begin() as tx:
        await tx.requests.add(request)
    async with uow.begin() as tx:
        assert await tx.requests.by_ticket(COMPANY, request.ticket_number) == request
        assert await tx.requests.count() == 1


async def test_another_employers_ticket_is_unknown(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request())
        assert await tx.requests.by_ticket(OTHER_COMPANY, "ELO2026-000000001") is None
        assert await tx.requests.by_ticket(COMPANY, "ELO2026-000000002") is None


async def test_a_ticket_number_is_stored_once(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request())
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.requests.add(stored_request(request_reference="OTHER"))
    async with uow.begin() as tx:
        assert await tx.requests.count() == 1


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 1, 1), date(2026, 5, 31), []),  # ends the day before the first
        (date(2026, 1, 1), date(2026, 6, 1), ["A"]),  # touches the first day
        (date(2026, 11, 30), date(2027, 2, 1), ["A", "B"]),  # A's last day, B open-ended
        (date(2026, 12, 1), date(2026, 12, 31), ["B"]),
        (date(2026, 12, 1), None, ["B", "C"]),  # open-ended query
        (date(2025, 1, 1), None, ["A", "B", "C"]),
        (date(2026, 12, 1), date(2026, 12, 1), ["B"]),
    ],
)
async def test_overlapping_requests_share_at_least_one_day(
    uow: UnitOfWork, start: date, end: date | None, expected: list[str]
) -> None:
    async with uow.begin() as tx:
        # added out of date order: the result is by start date
        await tx.requests.add(stored_request("C", date(2027, 6, 1), date(2027, 6, 30)))
        await tx.requests.add(stored_request("A", date(2026, 6, 1), date(2026, 11, 30)))
        await tx.requests.add(stored_request("B", date(2026, 11, 15), None))
        found = await tx.requests.overlapping(COMPANY, INSS, Scheme.TIME_CREDIT, start, end)
        assert [request.ticket_number for request in found] == expected


async def test_overlapping_is_per_employer_worker_and_scheme(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A", company_id=OTHER_COMPANY))
        await tx.requests.add(stored_request("B", inss="90010100123"))
        await tx.requests.add(stored_request("C", scheme=Scheme.PARENTAL_LEAVE))
        await tx.requests.add(stored_request("D", status=RequestStatus.CANCELLED))
        found = await tx.requests.overlapping(
            COMPANY, INSS, Scheme.TIME_CREDIT, date(2026, 1, 1), None
        )
        # every status comes back: the rule (V-MSG-4) decides which ones count
        assert [request.ticket_number for request in found] == ["D"]
        assert await tx.requests.count() == 4


async def test_a_transaction_reads_the_requests_it_added(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("B", date(2026, 6, 1), None))
        assert await tx.requests.by_ticket(COMPANY, "B") == stored_request(
            "B", date(2026, 6, 1), None
        )
        assert await tx.requests.by_ticket(OTHER_COMPANY, "B") is None
        assert await tx.requests.count() == 2
        found = await tx.requests.overlapping(
            COMPANY, INSS, Scheme.TIME_CREDIT, date(2026, 7, 1), date(2026, 7, 1)
        )
        assert [request.ticket_number for request in found] == ["A", "B"]  # same start: by id


async def test_a_failed_savepoint_drops_its_requests(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        with pytest.raises(StorageConflict):
            async with tx.savepoint():
                await tx.requests.add(stored_request("B"))
                await tx.requests.add(stored_request("A"))  # same ticket: conflicts at once
        assert await tx.requests.by_ticket(COMPANY, "B") is None
        assert await tx.requests.count() == 1
        await tx.requests.add(stored_request("B"))
    async with uow.begin() as tx:
        assert await tx.requests.count() == 2
        assert await tx.requests.by_ticket(COMPANY, "B") == stored_request("B")


async def test_requests_of_a_rolled_back_transaction_are_not_stored(uow: UnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        async with uow.begin() as tx:
            await tx.requests.add(stored_request("A"))
            raise RuntimeError("batch failed")
    async with uow.begin() as tx:
        assert await tx.requests.count() == 0
        assert await tx.requests.by_ticket(COMPANY, "A") is None
