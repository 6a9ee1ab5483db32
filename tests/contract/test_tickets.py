"""TicketCounter: gap-free, never reused, one counter per (environment, year)."""

from __future__ import annotations

import pytest

from service.app.ports import UnitOfWork
from service.domain.codes import Environment

REAL, TEST = Environment.REAL, Environment.TEST


async def test_counters_start_at_one_and_count_up(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert [await tx.tickets.next_value(REAL, 2026) for _ in range(3)] == [1, 2, 3]
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 4


async def test_each_environment_and_year_has_its_own_counter(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 1
        assert await tx.tickets.next_value(TEST, 2026) == 1
        assert await tx.tickets.next_value(REAL, 2027) == 1
        assert await tx.tickets.next_value(REAL, 2026) == 2
        assert await tx.tickets.next_value(TEST, 2026) == 2


async def test_a_rolled_back_number_is_given_again_so_there_is_no_gap(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 1
    with pytest.raises(RuntimeError):
        async with uow.begin() as tx:
            assert await tx.tickets.next_value(REAL, 2026) == 2
            raise RuntimeError("batch failed")
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 2
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                assert await tx.tickets.next_value(REAL, 2026) == 3
                raise RuntimeError("message failed")
        assert await tx.tickets.next_value(REAL, 2026) == 3


async def test_a_savepoint_that_took_the_first_number_gives_it_back(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                assert await tx.tickets.next_value(REAL, 2026) == 1
                assert await tx.tickets.next_value(REAL, 2026) == 2
                raise RuntimeError("message failed")
        assert await tx.tickets.next_value(REAL, 2026) == 1
        async with tx.savepoint():
            assert await tx.tickets.next_value(REAL, 2026) == 2
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 3


async def test_a_transaction_that_gave_every_number_back_leaves_the_counter(
    uow: UnitOfWork,
) -> None:
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 1
    async with uow.begin() as tx:
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                assert await tx.tickets.next_value(REAL, 2026) == 2
                raise RuntimeError("message failed")
        assert await tx.tickets.next_value(TEST, 2026) == 1
    async with uow.begin() as tx:
        assert await tx.tickets.next_value(REAL, 2026) == 2
        assert await tx.tickets.next_value(TEST, 2026) == 2
