"""OutboxRepository: messages written with the state change they report, published later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support_db import MutableClock

from contract.builders import outbound
from service.app.errors import StorageConflict
from service.app.ports import UnitOfWork
from service.domain.codes import Environment


async def test_messages_round_trip_in_the_order_asked(uow: UnitOfWork) -> None:
    first = outbound("o-1")
    second = outbound(
        "o-2", environment=Environment.TEST, headers={}, body=b"", message_type="Rejection"
    )
    async with uow.begin() as tx:
        await tx.outbox.add(first)
        await tx.outbox.add(second)
    async with uow.begin() as tx:
        assert await tx.outbox.by_message_ids(["o-2", "missing", "o-1"]) == [second, first]
        assert await tx.outbox.by_message_ids([]) == []


async def test_unsent_lists_rows_older_than_the_cutoff_by_id(
    uow: UnitOfWork, clock: MutableClock
) -> None:
    start = clock.now
    async with uow.begin() as tx:
        for number in range(5):
            await tx.outbox.add(outbound(f"o-{number}"))
            clock.advance(seconds=1)
    async with uow.begin() as tx:
        rows = await tx.outbox.unsent(created_before=start + timedelta(seconds=3), limit=10)
        assert [row.message.message_id for row in rows] == ["o-0", "o-1", "o-2"]
        assert [row.created_at for row in rows] == [start + timedelta(seconds=n) for n in range(3)]
        assert rows[0].id < rows[1].id < rows[2].id
        assert rows[0].message == outbound("o-0")
        limited = await tx.outbox.unsent(created_before=clock.now, limit=2)
        assert [row.message.message_id for row in limited] == ["o-0", "o-1"]
        assert await tx.outbox.unsent(created_before=start, limit=10) == []


async def test_sent_rows_leave_the_unsent_list(uow: UnitOfWork, clock: MutableClock) -> None:
    async with uow.begin() as tx:
        for number in range(3):
            await tx.outbox.add(outbound(f"o-{number}"))
    later = clock.advance(minutes=1)
    async with uow.begin() as tx:
        await tx.outbox.mark_sent(["o-0", "o-2", "missing"], at=later)
        await tx.outbox.mark_sent([], at=later)
    async with uow.begin() as tx:
        rows = await tx.outbox.unsent(created_before=later, limit=10)
        assert [row.message.message_id for row in rows] == ["o-1"]
        await tx.outbox.mark_sent(["o-0", "o-1"], at=later)  # again: harmless
        assert await tx.outbox.unsent(created_before=later, limit=10) == []
        # a sent message can still be found, to answer a duplicate
        assert await tx.outbox.by_message_ids(["o-0"]) == [outbound("o-0")]


async def test_a_message_id_is_stored_once(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.outbox.add(outbound("o-1"))
        with pytest.raises(StorageConflict):
            async with tx.savepoint():
                await tx.outbox.add(outbound("o-1", correlation_id="other"))
    async with uow.begin() as tx:
        assert await tx.outbox.by_message_ids(["o-1"]) == [outbound("o-1")]


async def test_rolled_back_messages_are_not_stored(uow: UnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        async with uow.begin() as tx:
            await tx.outbox.add(outbound("o-1"))
            raise RuntimeError("handler failed")
    async with uow.begin() as tx:
        assert await tx.outbox.by_message_ids(["o-1"]) == []


async def test_a_transaction_finds_the_messages_it_added(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.outbox.add(outbound("o-1"))
    async with uow.begin() as tx:
        message = outbound("o-2")
        await tx.outbox.add(message)
        message.headers["changed"] = "after add"  # the stored copy does not change
        assert await tx.outbox.by_message_ids(["o-2", "o-1"]) == [outbound("o-2"), outbound("o-1")]
    async with uow.begin() as tx:
        assert await tx.outbox.by_message_ids(["o-2"]) == [outbound("o-2")]


async def test_a_failed_savepoint_drops_its_messages(uow: UnitOfWork, clock: MutableClock) -> None:
    async with uow.begin() as tx:
        await tx.outbox.add(outbound("o-1"))
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.outbox.add(outbound("o-2"))
                raise RuntimeError("message failed")
        assert await tx.outbox.by_message_ids(["o-1", "o-2"]) == [outbound("o-1")]
        await tx.outbox.add(outbound("o-2", body=b"second try"))
    async with uow.begin() as tx:
        rows = await tx.outbox.unsent(clock.advance(seconds=1), limit=10)
        assert [row.message for row in rows] == [
            outbound("o-1"),
            outbound("o-2", body=b"second try"),
        ]


async def test_the_relay_sees_messages_added_earlier_in_its_transaction(
    uow: UnitOfWork, clock: MutableClock
) -> None:
    async with uow.begin() as tx:
        await tx.outbox.add(outbound("o-1"))
        rows = await tx.outbox.unsent(clock.advance(seconds=1), limit=10)
        assert [row.message.message_id for row in rows] == ["o-1"]
        await tx.outbox.mark_sent(["o-1"], clock.now)
        assert await tx.outbox.unsent(clock.now, limit=10) == []


async def test_messages_written_out_inside_a_failed_savepoint_are_not_lost(
    uow: UnitOfWork, clock: MutableClock
) -> None:
    async with uow.begin() as tx:
        await tx.outbox.add(outbound("o-1"))
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.outbox.add(outbound("o-2"))
                await tx.outbox.unsent(clock.advance(seconds=1), limit=10)  # writes both out
                raise RuntimeError("message failed")
    async with uow.begin() as tx:
        rows = await tx.outbox.unsent(clock.advance(seconds=1), limit=10)
        assert [row.message.message_id for row in rows] == ["o-1"]
