"""`SqlBulkRepository`: bulk files, parts and items (service.app.bulk_ports).

Statements are executed at once (nothing is held back until commit): a bulk transaction is
either the intake of one part or one batch of items, and the worker marks items done in the
same transaction as their effects. `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite renders no
lock clause and has one writer anyway) lets several instances work on different files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Row,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app.bulk_ports import (
    BulkFileRecord,
    BulkItemKeyRow,
    BulkPart,
    BulkProgress,
    BulkStatus,
    ItemStatus,
    NewBulkFile,
    NewBulkItem,
    PendingBulkItem,
)
from service.db.errors import translate_errors
from service.db.repositories._sql import Clock
from service.db.tables import bulk_files, bulk_items, bulk_parts, senders
from service.domain.codes import Environment

# Bound parameters per statement stay far below SQLite's and asyncpg's limits.
_CHUNK = 500

_FILE_COLUMNS = (
    bulk_files.c.id,
    bulk_files.c.sender,
    bulk_files.c.file_reference,
    bulk_files.c.environment,
    bulk_files.c.parts_expected,
    bulk_files.c.parts_received,
    bulk_files.c.item_count,
    bulk_files.c.status,
    bulk_files.c.correlation_id,
    bulk_files.c.created_at,
)
_FIND_FILE = (
    select(*_FILE_COLUMNS)
    .where(bulk_files.c.sender == bindparam("sender"),
           bulk_files.c.file_reference == bindparam("file_reference"))
    .with_for_update()
)
_LOCK_FILE = select(*_FILE_COLUMNS).where(bulk_files.c.id == bindparam("file_id")).with_for_update()
_NEXT_FILE = (
    select(*_FILE_COLUMNS)
    .where(bulk_files.c.status.in_([BulkStatus.READY.value, BulkStatus.PROCESSING.value]))
    .order_by(bulk_files.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)
_ADD_FILE = insert(bulk_files).returning(bulk_files.c.id)
_ADD_PART = insert(bulk_parts)
_COUNT_PART = (
    update(bulk_files)
    .where(bulk_files.c.id == bindparam("b_file_id"))
    .values(
        parts_received=bulk_files.c.parts_received + 1,
        item_count=bulk_files.c.item_count + bindparam("b_items"),
        correlation_id=case(
            (bindparam("b_part") == 1, bindparam("b_correlation_id")),
            else_=bulk_files.c.correlation_id,
        ),
    )
    .returning(*_FILE_COLUMNS)
)
_PART_COLUMNS = (bulk_parts.c.part, bulk_parts.c.message_id, bulk_parts.c.correlation_id,
                 bulk_parts.c.item_count, bulk_parts.c.filled)
_PARTS = (
    select(*_PART_COLUMNS)
    .where(bulk_parts.c.file_id == bindparam("file_id"))
    .order_by(bulk_parts.c.part)
)
_PART_FOR_MESSAGE = (
    select(*_FILE_COLUMNS, *(c.label(f"p_{c.name}") for c in _PART_COLUMNS))
    .join(bulk_files, bulk_files.c.id == bulk_parts.c.file_id)
    .where(bulk_parts.c.message_id == bindparam("message_id"),
           bulk_files.c.sender == bindparam("sender"))
)
_MARK_FILLED = (
    update(bulk_parts)
    .where(bulk_parts.c.file_id == bindparam("b_file_id"), bulk_parts.c.part == bindparam("b_part"))
    .values(filled=True)
)
_UNFILLED = select(func.count()).where(bulk_parts.c.file_id == bindparam("file_id"),
                                       bulk_parts.c.filled.is_(False))
_CLEAR_PART = delete(bulk_items).where(bulk_items.c.file_id == bindparam("file_id"),
                                       bulk_items.c.part == bindparam("part"))
_TAKEN_SEQS = select(bulk_items.c.seq).where(
    bulk_items.c.file_id == bindparam("file_id"),
    bulk_items.c.seq.in_(bindparam("seqs", expanding=True)),
)
_ADD_ITEMS = insert(bulk_items)
_SET_STATUS = (
    update(bulk_files).where(bulk_files.c.id == bindparam("b_file_id"))
    .values(status=bindparam("b_status"))
)
_ITEM_KEYS = (
    select(bulk_items.c.seq, bulk_items.c.kind, bulk_items.c.request_reference,
           bulk_items.c.check_key)
    .where(bulk_items.c.file_id == bindparam("file_id"), bulk_items.c.seq > bindparam("after"))
    .order_by(bulk_items.c.seq)
    .limit(bindparam("limit"))
)
_PENDING = (
    select(bulk_items.c.seq, bulk_items.c.kind, bulk_items.c.request_reference,
           bulk_items.c.payload, bulk_items.c.attempts)
    .where(bulk_items.c.file_id == bindparam("file_id"),
           bulk_items.c.status == ItemStatus.PENDING.value)
    .order_by(bulk_items.c.seq)
    .limit(bindparam("limit"))
)
_COMPLETE = (
    update(bulk_items)
    .where(bulk_items.c.file_id == bindparam("b_file_id"), bulk_items.c.seq == bindparam("b_seq"))
    .values(status=ItemStatus.DONE.value, result=bindparam("b_result"))
)
_FAILED = (
    update(bulk_items)
    .where(bulk_items.c.file_id == bindparam("b_file_id"), bulk_items.c.seq == bindparam("b_seq"),
           bulk_items.c.status == ItemStatus.PENDING.value)
    .values(attempts=bulk_items.c.attempts + 1)
    .returning(bulk_items.c.attempts)
)
_RESULTS = (
    select(bulk_items.c.seq, bulk_items.c.result)
    .where(bulk_items.c.file_id == bindparam("file_id"),
           bulk_items.c.status == ItemStatus.DONE.value,
           bulk_items.c.seq > bindparam("after"))
    .order_by(bulk_items.c.seq)
    .limit(bindparam("limit"))
)
_PROGRESS = select(
    func.count(),
    func.coalesce(func.sum(case((bulk_items.c.status == ItemStatus.DONE.value, 1), else_=0)), 0),
).where(bulk_items.c.file_id == bindparam("file_id"))
_SENDER_NUMBER = select(senders.c.number).where(senders.c.user == bindparam("user"))


def _file(row: Row[Any]) -> BulkFileRecord:
    return BulkFileRecord(
        id=int(row.id), sender=row.sender, file_reference=row.file_reference,
        environment=Environment(row.environment), parts_expected=row.parts_expected,
        parts_received=row.parts_received, item_count=row.item_count,
        status=BulkStatus(row.status), correlation_id=row.correlation_id,
        created_at=row.created_at,
    )


def _part(row: Row[Any]) -> BulkPart:
    return BulkPart(row.part, row.message_id, row.correlation_id, row.item_count,
                    bool(row.filled))


class SqlBulkRepository:
    def __init__(self, connection: AsyncConnection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    async def _execute(self, statement: Any, parameters: Any = None) -> Any:
        with translate_errors:
            return await self._connection.execute(statement, parameters)

    async def sender_number(self, sender: str) -> str | None:
        value = (await self._execute(_SENDER_NUMBER, {"user": sender})).scalar()
        return None if value is None else str(value)

    async def find_file(self, sender: str, file_reference: str) -> BulkFileRecord | None:
        result = await self._execute(_FIND_FILE, {"sender": sender,
                                                  "file_reference": file_reference})
        row = result.first()
        return None if row is None else _file(row)

    async def add_file(self, file: NewBulkFile) -> int:
        result = await self._execute(_ADD_FILE, {
            "sender": file.sender, "file_reference": file.file_reference,
            "environment": file.environment.value, "parts_expected": file.parts_expected,
            "parts_received": 0, "item_count": 0, "status": BulkStatus.RECEIVING.value,
            "correlation_id": file.correlation_id, "created_at": self._clock(),
        })
        return int(result.scalar_one())

    async def parts(self, file_id: int) -> list[BulkPart]:
        result = await self._execute(_PARTS, {"file_id": file_id})
        return [_part(row) for row in result]

    async def part_for_message(
        self, sender: str, message_id: str
    ) -> tuple[BulkFileRecord, BulkPart] | None:
        result = await self._execute(_PART_FOR_MESSAGE, {"sender": sender,
                                                         "message_id": message_id})
        row = result.first()
        if row is None:
            return None
        return _file(row), BulkPart(row.p_part, row.p_message_id, row.p_correlation_id,
                                    row.p_item_count, bool(row.p_filled))

    async def mark_filled(self, file_id: int, part: int) -> bool:
        await self._execute(_MARK_FILLED, {"b_file_id": file_id, "b_part": part})
        file = await self.lock_file(file_id)
        unfilled = (await self._execute(_UNFILLED, {"file_id": file_id})).scalar_one()
        return file is not None and file.parts_received == file.parts_expected and not unfilled

    async def clear_part(self, file_id: int, part: int) -> None:
        await self._execute(_CLEAR_PART, {"file_id": file_id, "part": part})

    async def add_part(self, file_id: int, part: BulkPart) -> BulkFileRecord:
        await self._execute(_ADD_PART, {
            "file_id": file_id, "part": part.part, "message_id": part.message_id,
            "correlation_id": part.correlation_id, "item_count": part.item_count,
            "filled": part.filled, "created_at": self._clock(),
        })
        result = await self._execute(_COUNT_PART, {
            "b_file_id": file_id, "b_items": part.item_count, "b_part": part.part,
            "b_correlation_id": part.correlation_id,
        })
        return _file(result.one())

    async def taken_seqs(self, file_id: int, seqs: Sequence[int]) -> list[int]:
        taken: list[int] = []
        for start in range(0, len(seqs), _CHUNK):
            chunk = list(seqs[start:start + _CHUNK])
            result = await self._execute(_TAKEN_SEQS, {"file_id": file_id, "seqs": chunk})
            taken.extend(int(seq) for seq in result.scalars())
        return sorted(taken)

    async def add_items(self, file_id: int, part: int, items: Sequence[NewBulkItem]) -> None:
        rows = [
            {"file_id": file_id, "seq": item.seq, "part": part, "kind": item.kind,
             "request_reference": item.request_reference, "check_key": item.check_key,
             "payload": item.payload, "status": ItemStatus.PENDING.value, "attempts": 0,
             "result": None}
            for item in items
        ]
        for start in range(0, len(rows), _CHUNK):
            await self._execute(_ADD_ITEMS, rows[start:start + _CHUNK])

    async def next_file(self) -> BulkFileRecord | None:
        row = (await self._execute(_NEXT_FILE)).first()
        return None if row is None else _file(row)

    async def lock_file(self, file_id: int) -> BulkFileRecord | None:
        row = (await self._execute(_LOCK_FILE, {"file_id": file_id})).first()
        return None if row is None else _file(row)

    async def set_status(self, file_id: int, status: BulkStatus) -> None:
        await self._execute(_SET_STATUS, {"b_file_id": file_id, "b_status": status.value})

    async def item_keys(self, file_id: int, after_seq: int, limit: int) -> list[BulkItemKeyRow]:
        result = await self._execute(_ITEM_KEYS, {"file_id": file_id, "after": after_seq,
                                                  "limit": limit})
        return [BulkItemKeyRow(row.seq, row.kind, row.request_reference, row.check_key)
                for row in result]

    async def pending_items(self, file_id: int, limit: int) -> list[PendingBulkItem]:
        result = await self._execute(_PENDING, {"file_id": file_id, "limit": limit})
        return [PendingBulkItem(row.seq, row.kind, row.request_reference, row.payload,
                                row.attempts) for row in result]

    async def complete_items(self, file_id: int, results: Sequence[tuple[int, str]]) -> None:
        if results:
            await self._execute(_COMPLETE, [
                {"b_file_id": file_id, "b_seq": seq, "b_result": result}
                for seq, result in results
            ])

    async def record_failure(self, file_id: int, seq: int) -> int:
        value = (await self._execute(_FAILED, {"b_file_id": file_id, "b_seq": seq})).scalar()
        return int(value or 0)

    async def results(self, file_id: int, after_seq: int, limit: int) -> list[tuple[int, str]]:
        result = await self._execute(_RESULTS, {"file_id": file_id, "after": after_seq,
                                                "limit": limit})
        return [(int(row.seq), str(row.result)) for row in result]

    async def progress(self, file_id: int) -> BulkProgress:
        total, done = (await self._execute(_PROGRESS, {"file_id": file_id})).one()
        return BulkProgress(done=int(done), total=int(total))

    async def delete_file(self, file_id: int) -> None:
        for table in (bulk_items, bulk_parts):
            await self._execute(delete(table).where(table.c.file_id == file_id))
        await self._execute(delete(bulk_files).where(bulk_files.c.id == file_id))
