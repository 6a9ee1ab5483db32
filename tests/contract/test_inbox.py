"""InboxRepository: what was answered to each inbound message, unique per (sender, message_id)
and per (sender, request_reference)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from contract.builders import OTHER_SENDER, SENDER, inbox_entry
from service.app.errors import StorageConflict
from service.app.ports import UnitOfWork


async def test_an_added_entry_is_found_by_message_id_and_by_reference(uow: UnitOfWork) -> None:
    entry = inbox_entry()
    async with uow.begin() as tx:
        await tx.inbox.add(entry)
    async with uow.begin() as tx:
        assert await tx.inbox.by_message_id(SENDER, "m-1") == entry
        assert await tx.inbox.by_reference(SENDER, "REF-1") == entry


async def test_lookups_are_per_sender(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.inbox.add(inbox_entry())
        assert await tx.inbox.by_message_id(OTHER_SENDER, "m-1") is None
        assert await tx.inbox.by_reference(OTHER_SENDER, "REF-1") is None
        assert await tx.inbox.by_message_id(SENDER, "m-2") is None
        # the same ids from another sender are another message
        await tx.inbox.add(inbox_entry(sender=OTHER_SENDER))
        assert await tx.inbox.by_message_id(OTHER_SENDER, "m-1") == inbox_entry(sender=OTHER_SENDER)


async def test_reply_ids_round_trip_in_order(uow: UnitOfWork) -> None:
    entry = replace(inbox_entry(), reply_message_ids=("z", "a", "m"))
    async with uow.begin() as tx:
        await tx.inbox.add(entry)
        assert (await tx.inbox.by_message_id(SENDER, "m-1")) == entry


async def test_the_same_message_id_twice_conflicts(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.inbox.add(inbox_entry())
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.inbox.add(inbox_entry(reference="REF-2"))


async def test_the_same_reference_under_another_message_id_conflicts(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.inbox.add(inbox_entry())
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.inbox.add(inbox_entry(message_id="m-2"))
    async with uow.begin() as tx:
        assert await tx.inbox.by_message_id(SENDER, "m-2") is None


async def test_entries_without_reference_never_collide(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        for number in range(3):
            await tx.inbox.add(inbox_entry(message_id=f"m-{number}", reference=None))
    async with uow.begin() as tx:
        for number in range(3):
            found = await tx.inbox.by_message_id(SENDER, f"m-{number}")
            assert found is not None and found.request_reference is None


async def test_a_conflict_in_a_savepoint_leaves_the_batch_usable(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.inbox.add(inbox_entry())
        with pytest.raises(StorageConflict):
            async with tx.savepoint():
                await tx.inbox.add(inbox_entry(message_id="m-2"))
        await tx.inbox.add(inbox_entry(message_id="m-3", reference="REF-3"))
    async with uow.begin() as tx:
        assert await tx.inbox.by_message_id(SENDER, "m-1") is not None
        assert await tx.inbox.by_message_id(SENDER, "m-2") is None
        assert await tx.inbox.by_message_id(SENDER, "m-3") is not None


async def test_concurrent_copies_of_one_message_store_it_once(uow: UnitOfWork) -> None:
    """Two workers got the same message: the second to write loses with a conflict."""

    async def store(message_id: str) -> str:
        try:
            async with uow.begin() as tx:
                await tx.inbox.add(inbox_entry(message_id=message_id))
                await asyncio.sleep(0.05)  # hold the transaction open while the other runs
        except StorageConflict:
            return "conflict"
        return "stored"

    outcomes = await asyncio.gather(store("m-1"), store("m-1-redelivered"))
    assert sorted(outcomes) == ["conflict", "stored"]
