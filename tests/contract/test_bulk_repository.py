"""BulkRepository: logical files with their parts and items, progress and results, on the fake,
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fakes import FakeUnitOfWork
from support_db import MutableClock

from contract.builders import OTHER_SENDER, SENDER
from service.app.bulk_ports import (
    BulkPart,
    BulkProgress,
    BulkStatus,
    NewBulkFile,
    NewBulkItem,
)
from service.app.errors import StorageConflict
from service.app.ports import UnitOfWork
from service.db.senders import register_sender
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.codes import Environment

REFERENCE = "FI.ELO.000042.20260301.A0001.R"


def new_file(reference: str = REFERENCE, *, sender: str = SENDER, parts: int = 1,
             environment: Environment = Environment.REAL) -> NewBulkFile:
    return NewBulkFile(sender=sender, file_reference=reference, environment=environment,
                       parts_expected=parts, correlation_id="c-first")


def item(seq: int, *, key: str | None = None) -> NewBulkItem:
    return NewBulkItem(seq=seq, kind="SubmitRequest", request_reference=f"REF-{seq}",
                       payload=f'{{"seq": {seq}}}', check_key=key)


async def stored_file(uow: UnitOfWork, seqs: range = range(1, 4), *, parts: int = 1) -> int:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file(parts=parts))
        await tx.bulk.add_part(file_id, BulkPart(1, "m-1", "c-1", len(seqs)))
        await tx.bulk.add_items(file_id, 1, [item(seq) for seq in seqs])
    return file_id


async def test_sender_numbers_come_from_the_register(uow: UnitOfWork) -> None:
    if isinstance(uow, FakeUnitOfWork):
        uow.state.bulk.sender_numbers[SENDER] = "000042"
    else:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        await register_sender(uow.engine, SENDER, number=42)
    async with uow.begin() as tx:
        assert await tx.bulk.sender_number(SENDER) == "000042"
        assert await tx.bulk.sender_number(OTHER_SENDER) is None


async def test_a_new_file_is_receiving_and_found_by_sender_and_reference(
    uow: UnitOfWork, clock: MutableClock
) -> None:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file())
    async with uow.begin() as tx:
        found = await tx.bulk.find_file(SENDER, REFERENCE)
        assert found is not None and found.id == file_id
        assert (found.status, found.parts_expected, found.parts_received, found.item_count) == (
            BulkStatus.RECEIVING, 1, 0, 0)
        assert (found.environment, found.correlation_id) == (Environment.REAL, "c-first")
        assert found.created_at == clock.now
        assert await tx.bulk.find_file(OTHER_SENDER, REFERENCE) is None


async def test_a_reference_is_unique_per_sender(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.bulk.add_file(new_file())
        await tx.bulk.add_file(new_file(sender=OTHER_SENDER))
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.bulk.add_file(new_file())


async def test_parts_are_counted_and_part_1_sets_the_correlation_id(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file(parts=3))
        after_two = await tx.bulk.add_part(file_id, BulkPart(2, "m-2", "c-2", 10))
        assert (after_two.parts_received, after_two.item_count) == (1, 10)
        assert after_two.correlation_id == "c-first"
        after_one = await tx.bulk.add_part(file_id, BulkPart(1, "m-1", "c-1", 5))
        assert (after_one.parts_received, after_one.item_count) == (2, 15)
        assert after_one.correlation_id == "c-1"
        assert [p.part for p in await tx.bulk.parts(file_id)] == [1, 2]
        assert (await tx.bulk.parts(file_id))[0] == BulkPart(1, "m-1", "c-1", 5)


async def test_a_part_is_stored_once(uow: UnitOfWork) -> None:
    file_id = await stored_file(uow)
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.bulk.add_part(file_id, BulkPart(1, "m-9", "c-9", 3))


async def test_seqs_are_unique_within_a_file_and_taken_ones_are_found(uow: UnitOfWork) -> None:
    file_id = await stored_file(uow, range(1, 4))
    async with uow.begin() as tx:
        assert await tx.bulk.taken_seqs(file_id, [5, 3, 1, 9]) == [1, 3]
        assert await tx.bulk.taken_seqs(file_id, list(range(100, 1300))) == []
    with pytest.raises(StorageConflict):
        async with uow.begin() as tx:
            await tx.bulk.add_items(file_id, 1, [item(4), item(2)])


async def test_pending_items_come_in_seq_order_and_leave_once_done(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file())
        await tx.bulk.add_items(file_id, 1, [item(s) for s in (7, 2, 1200, 5)])
    async with uow.begin() as tx:
        first = await tx.bulk.pending_items(file_id, 2)
        assert [(i.seq, i.request_reference, i.attempts) for i in first] == [
            (2, "REF-2", 0), (5, "REF-5", 0)]
        assert first[0].payload == '{"seq": 2}' and first[0].kind == "SubmitRequest"
        await tx.bulk.complete_items(file_id, [(2, '{"r": 2}'), (5, '{"r": 5}')])
        assert [i.seq for i in await tx.bulk.pending_items(file_id, 10)] == [7, 1200]
        assert await tx.bulk.progress(file_id) == BulkProgress(done=2, total=4)
        assert await tx.bulk.results(file_id, 0, 10) == [(2, '{"r": 2}'), (5, '{"r": 5}')]
        assert await tx.bulk.results(file_id, 2, 10) == [(5, '{"r": 5}')]


async def test_item_keys_page_through_every_item(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file())
        await tx.bulk.add_items(file_id, 1, [item(s, key=f"k{s}" if s % 2 else None)
                                          for s in range(1, 8)])
    async with uow.begin() as tx:
        first = await tx.bulk.item_keys(file_id, 0, 3)
        rest = await tx.bulk.item_keys(file_id, first[-1].seq, 10)
    assert [k.seq for k in first + rest] == list(range(1, 8))
    assert [(k.kind, k.request_reference, k.check_key) for k in first] == [
        ("SubmitRequest", "REF-1", "k1"), ("SubmitRequest", "REF-2", None),
        ("SubmitRequest", "REF-3", "k3")]


async def test_failures_are_counted_per_pending_item(uow: UnitOfWork) -> None:
    file_id = await stored_file(uow)
    async with uow.begin() as tx:
        assert await tx.bulk.record_failure(file_id, 2) == 1
        assert await tx.bulk.record_failure(file_id, 2) == 2
        await tx.bulk.complete_items(file_id, [(3, "{}")])
        assert await tx.bulk.record_failure(file_id, 3) == 0  # done: untouched
        assert [i.attempts for i in await tx.bulk.pending_items(file_id, 5)] == [0, 2]


async def test_next_file_is_the_oldest_ready_or_processing_one(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        ids = [await tx.bulk.add_file(new_file(f"FI.ELO.000042.20260301.A000{n}.R"))
               for n in range(1, 5)]
        assert await tx.bulk.next_file() is None  # all RECEIVING
        await tx.bulk.set_status(ids[0], BulkStatus.DONE)
        await tx.bulk.set_status(ids[2], BulkStatus.PROCESSING)
        await tx.bulk.set_status(ids[3], BulkStatus.READY)
    async with uow.begin() as tx:
        found = await tx.bulk.next_file()
        assert found is not None and (found.id, found.status) == (ids[2], BulkStatus.PROCESSING)
        locked = await tx.bulk.lock_file(ids[3])
        assert locked is not None and locked.status is BulkStatus.READY
        assert await tx.bulk.lock_file(10_000) is None


async def test_a_deleted_file_frees_its_reference_but_never_its_id(uow: UnitOfWork) -> None:
    file_id = await stored_file(uow)
    async with uow.begin() as tx:
        await tx.bulk.delete_file(file_id)
    async with uow.begin() as tx:
        assert await tx.bulk.find_file(SENDER, REFERENCE) is None
        assert await tx.bulk.pending_items(file_id, 10) == []
        assert await tx.bulk.parts(file_id) == []
        again = await tx.bulk.add_file(new_file())
    assert again > file_id


async def test_a_rolled_back_transaction_stores_nothing(uow: UnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        async with uow.begin() as tx:
            file_id = await tx.bulk.add_file(new_file())
            await tx.bulk.add_items(file_id, 1, [item(1)])
            raise RuntimeError("rollback")
    async with uow.begin() as tx:
        assert await tx.bulk.find_file(SENDER, REFERENCE) is None


async def test_work_inside_a_savepoint_that_rolls_back_is_undone(uow: UnitOfWork) -> None:
    file_id = await stored_file(uow)
    async with uow.begin() as tx:
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.bulk.complete_items(file_id, [(1, "{}")])
                raise RuntimeError("undo")
        await tx.bulk.complete_items(file_id, [(2, "{}")])
    async with uow.begin() as tx:
        assert [i.seq for i in await tx.bulk.pending_items(file_id, 10)] == [1, 3]


async def test_a_part_is_found_by_its_message_and_filled_once_its_items_are_in(
    uow: UnitOfWork,
) -> None:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file(parts=2))
        await tx.bulk.add_part(file_id, BulkPart(2, "m-2", "c-2", 2))
        await tx.bulk.add_items(file_id, 2, [item(3), item(4)])
        found = await tx.bulk.part_for_message(SENDER, "m-2")
        assert found is not None
        assert (found[0].id, found[1]) == (file_id, BulkPart(2, "m-2", "c-2", 2, False))
        assert await tx.bulk.part_for_message(OTHER_SENDER, "m-2") is None
        assert await tx.bulk.part_for_message(SENDER, "m-1") is None
        assert await tx.bulk.mark_filled(file_id, 2) is False  # part 1 is missing
        await tx.bulk.add_part(file_id, BulkPart(1, "m-1", "c-1", 1))
        assert await tx.bulk.mark_filled(file_id, 2) is False  # part 1 is not filled
        await tx.bulk.add_items(file_id, 1, [item(1)])
        assert await tx.bulk.mark_filled(file_id, 1) is True
        assert [p.filled for p in await tx.bulk.parts(file_id)] == [True, True]


async def test_clearing_a_part_removes_only_its_items(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        file_id = await tx.bulk.add_file(new_file(parts=2))
        await tx.bulk.add_items(file_id, 1, [item(1), item(2)])
        await tx.bulk.add_items(file_id, 2, [item(3)])
        await tx.bulk.clear_part(file_id, 1)
        assert [i.seq for i in await tx.bulk.pending_items(file_id, 10)] == [3]
        await tx.bulk.add_items(file_id, 1, [item(1), item(2)])  # filled again
        assert await tx.bulk.progress(file_id) == BulkProgress(done=0, total=3)
