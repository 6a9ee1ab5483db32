"""Concurrent writers: ticket numbers stay distinct and gap-free, SQLite never surfaces
"database is locked", relays on several instances claim disjoint outbox rows."""

from __future__ import annotations

import asyncio
import contextlib
import random

from support_db import MutableClock

from contract.builders import outbound
from service.app.ports import UnitOfWork
from service.db.engine import create_engine
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.codes import Environment

TASKS, PER_TASK = 4, 250


async def allocate(uow: UnitOfWork, count: int) -> list[int]:
    """One number per transaction, to maximise contention on the counter row."""
    values = []
    for _ in range(count):
        async with uow.begin() as tx:
            values.append(await tx.tickets.next_value(Environment.REAL, 2026))
    return values


async def allocate_in_batches(uow: UnitOfWork, count: int, seed: int) -> list[int]:
    """Batches of 1 to 8 numbers, some given back by a failed savepoint (a poison message)."""
    chooser, values = random.Random(seed), []
    while len(values) < count:
        async with uow.begin() as tx:
            for _ in range(min(chooser.randint(1, 8), count - len(values))):
                if chooser.random() < 0.2:
                    with contextlib.suppress(RuntimeError):
                        async with tx.savepoint():
                            await tx.tickets.next_value(Environment.REAL, 2026)
                            raise RuntimeError("poison")
                async with tx.savepoint():
                    values.append(await tx.tickets.next_value(Environment.REAL, 2026))
    return values


def assert_distinct_without_gaps(allocations: list[list[int]]) -> None:
    values = [value for task in allocations for value in task]
    assert len(values) == len(set(values)) == TASKS * PER_TASK
    assert sorted(values) == list(range(1, TASKS * PER_TASK + 1))
    for task in allocations:  # each task sees its own numbers increase
        assert task == sorted(task)


async def test_concurrent_transactions_get_distinct_gap_free_tickets(uow: UnitOfWork) -> None:
    # On PostgreSQL: 4 connections of one pool; on SQLite: 4 connections to one file.
    allocations = await asyncio.gather(*(allocate(uow, PER_TASK) for _ in range(TASKS)))
    assert_distinct_without_gaps(list(allocations))


async def test_concurrent_batches_with_failed_messages_leave_no_gap(uow: UnitOfWork) -> None:
    allocations = await asyncio.gather(
        *(allocate_in_batches(uow, PER_TASK, seed) for seed in range(TASKS))
    )
    assert_distinct_without_gaps(list(allocations))


async def test_two_sqlite_engines_on_one_file_never_see_a_locked_database(
    sqlite_url: str,
) -> None:
    engines = [create_engine(sqlite_url), create_engine(sqlite_url)]
    try:
        units = [SqlAlchemyUnitOfWork(engine) for engine in engines]
        # any StorageUnavailable ("database is locked") would fail the gather
        allocations = await asyncio.gather(
            *(allocate(units[task % 2], PER_TASK) for task in range(TASKS))
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert_distinct_without_gaps(list(allocations))


async def test_postgres_relays_claim_disjoint_outbox_rows(
    postgres_url: str, clock: MutableClock
) -> None:
    engine = create_engine(postgres_url)
    try:
        uow = SqlAlchemyUnitOfWork(engine, clock=clock)
        async with uow.begin() as tx:
            await tx.outbox.mark_sent(
                [row.message.message_id for row in await tx.outbox.unsent(clock.now, 10_000)],
                clock.now,
            )
            for number in range(5):
                await tx.outbox.add(outbound(f"relay-{number}"))
        cutoff = clock.advance(seconds=1)
        first_claimed, release = asyncio.Event(), asyncio.Event()

        async def first_relay() -> list[str]:
            async with uow.begin() as tx:
                rows = await tx.outbox.unsent(cutoff, limit=2)
                first_claimed.set()
                await release.wait()
                return [row.message.message_id for row in rows]

        async def second_relay() -> list[str]:
            await first_claimed.wait()
            try:
                async with uow.begin() as tx:
                    rows = await tx.outbox.unsent(cutoff, limit=10)
                    return [row.message.message_id for row in rows]
            finally:
                release.set()

        first, second = await asyncio.gather(first_relay(), second_relay())
    finally:
        await engine.dispose()
    assert first == ["relay-0", "relay-1"]
    assert second == ["relay-2", "relay-3", "relay-4"]
