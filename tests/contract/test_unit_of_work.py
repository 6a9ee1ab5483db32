"""UnitOfWork and Transaction: commit on exit, rollback on exception, savepoints per message."""

from __future__ import annotations

import asyncio

import pytest

from contract.builders import SENDER, inbox_entry
from service.app.ports import Transaction, UnitOfWork
from service.db.engine import create_engine
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.codes import Environment


async def stored(tx: Transaction, *message_ids: str) -> list[str]:
    return [m for m in message_ids if await tx.inbox.by_message_id(SENDER, m) is not None]


async def test_a_transaction_commits_on_normal_exit(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.inbox.add(inbox_entry("m-1", None))
    async with uow.begin() as tx:
        assert await stored(tx, "m-1") == ["m-1"]


async def test_an_exception_rolls_everything_back_and_propagates(uow: UnitOfWork) -> None:
    class HandlerBug(Exception):
        pass

    with pytest.raises(HandlerBug):
        async with uow.begin() as tx:
            await tx.inbox.add(inbox_entry("m-1", None))
            async with tx.savepoint():
                await tx.inbox.add(inbox_entry("m-2", None))
            raise HandlerBug
    async with uow.begin() as tx:
        assert await stored(tx, "m-1", "m-2") == []


async def test_a_failed_savepoint_undoes_only_its_own_changes(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.inbox.add(inbox_entry("m-1", None))
        with pytest.raises(ValueError, match="poison"):
            async with tx.savepoint():
                await tx.inbox.add(inbox_entry("m-2", None))
                await tx.tickets.next_value(Environment.REAL, 2026)
                raise ValueError("poison")
        async with tx.savepoint():
            await tx.inbox.add(inbox_entry("m-3", None))
            assert await tx.tickets.next_value(Environment.REAL, 2026) == 1
        assert await stored(tx, "m-1", "m-2", "m-3") == ["m-1", "m-3"]
    async with uow.begin() as tx:
        assert await stored(tx, "m-1", "m-2", "m-3") == ["m-1", "m-3"]


async def test_savepoints_nest(uow: UnitOfWork) -> None:
    async with uow.begin() as tx, tx.savepoint():
        await tx.inbox.add(inbox_entry("m-1", None))
        with pytest.raises(KeyError):
            async with tx.savepoint():
                await tx.inbox.add(inbox_entry("m-2", None))
                raise KeyError("inner")
        await tx.inbox.add(inbox_entry("m-3", None))
    async with uow.begin() as tx:
        assert await stored(tx, "m-1", "m-2", "m-3") == ["m-1", "m-3"]


async def test_sqlite_transactions_of_one_process_queue_without_the_busy_handler(
    sqlite_url: str,
) -> None:
    """With a busy timeout of 0, a second BEGIN IMMEDIATE that met the first one's write lock
    would fail at once ("database is locked"): it must wait its turn in the process instead
    (service/db/unit_of_work.py), and both commit."""
    engine = create_engine(sqlite_url, busy_timeout_ms=0)
    uow = SqlAlchemyUnitOfWork(engine)
    first_holds_the_lock = asyncio.Event()

    async def first() -> None:
        async with uow.begin() as tx:
            await tx.inbox.add(inbox_entry("m-1", None))
            first_holds_the_lock.set()
            await asyncio.sleep(0.05)

    async def second() -> None:
        await first_holds_the_lock.wait()
        async with uow.begin() as tx:
            await tx.inbox.add(inbox_entry("m-2", None))

    try:
        await asyncio.gather(first(), second())
        async with uow.begin() as tx:
            assert await stored(tx, "m-1", "m-2") == ["m-1", "m-2"]
    finally:
        await engine.dispose()
