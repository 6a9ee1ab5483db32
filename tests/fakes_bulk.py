"""In-memory bulk store for handler tests (the `bulk` repository of `FakeTransaction`); it
passes the same contract tests as `SqlBulkRepository` (tests/contract/test_bulk_repository.py).

Sender numbers live in the `senders` table on the SQL side; tests set them here directly:
`uow.state.bulk.sender_numbers["bureau1"] = "000042"`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

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
from service.app.errors import StorageConflict


@dataclass(frozen=True)
class FakeBulkItem:
    item: NewBulkItem
    part: int = 1
    status: ItemStatus = ItemStatus.PENDING
    attempts: int = 0
    result: str | None = None


@dataclass
class FakeBulkState:
    """Every value is immutable, so copying the dicts is a snapshot."""

    files: dict[int, BulkFileRecord] = field(default_factory=dict)
    parts: dict[tuple[int, int], BulkPart] = field(default_factory=dict)
    items: dict[tuple[int, int], FakeBulkItem] = field(default_factory=dict)
    last_id: int = 0
    sender_numbers: dict[str, str] = field(default_factory=dict)

    def copy(self) -> FakeBulkState:
        return FakeBulkState(dict(self.files), dict(self.parts), dict(self.items), self.last_id,
                             dict(self.sender_numbers))


class FakeBulkRepository:
    def __init__(self, state: Callable[[], FakeBulkState], clock: Callable[[], datetime]) -> None:
        # A getter: a rollback replaces the state object the transaction started with.
        self._state = state
        self._clock = clock

    @property
    def _s(self) -> FakeBulkState:
        return self._state()

    async def sender_number(self, sender: str) -> str | None:
        return self._s.sender_numbers.get(sender)

    async def find_file(self, sender: str, file_reference: str) -> BulkFileRecord | None:
        return next((f for f in self._s.files.values()
                     if f.sender == sender and f.file_reference == file_reference), None)

    async def add_file(self, file: NewBulkFile) -> int:
        if await self.find_file(file.sender, file.file_reference) is not None:
            raise StorageConflict("bulk_files: this sender already has this file reference")
        self._s.last_id += 1
        file_id = self._s.last_id
        self._s.files[file_id] = BulkFileRecord(
            id=file_id, sender=file.sender, file_reference=file.file_reference,
            environment=file.environment, parts_expected=file.parts_expected, parts_received=0,
            item_count=0, status=BulkStatus.RECEIVING, correlation_id=file.correlation_id,
            created_at=self._clock(),
        )
        return file_id

    async def parts(self, file_id: int) -> list[BulkPart]:
        return [part for (fid, _), part in sorted(self._s.parts.items()) if fid == file_id]

    async def add_part(self, file_id: int, part: BulkPart) -> BulkFileRecord:
        if (file_id, part.part) in self._s.parts:
            raise StorageConflict("bulk_parts: this part is already stored")
        self._s.parts[(file_id, part.part)] = part
        file = self._s.files[file_id]
        file = replace(
            file, parts_received=file.parts_received + 1,
            item_count=file.item_count + part.item_count,
            correlation_id=part.correlation_id if part.part == 1 else file.correlation_id,
        )
        self._s.files[file_id] = file
        return file

    async def part_for_message(
        self, sender: str, message_id: str
    ) -> tuple[BulkFileRecord, BulkPart] | None:
        for (file_id, _), part in sorted(self._s.parts.items()):
            file = self._s.files[file_id]
            if part.message_id == message_id and file.sender == sender:
                return file, part
        return None

    async def mark_filled(self, file_id: int, part: int) -> bool:
        self._s.parts[(file_id, part)] = replace(self._s.parts[(file_id, part)], filled=True)
        file = self._s.files[file_id]
        parts = await self.parts(file_id)
        return file.parts_received == file.parts_expected and all(p.filled for p in parts)

    async def clear_part(self, file_id: int, part: int) -> None:
        for key in [k for k, i in self._s.items.items() if k[0] == file_id and i.part == part]:
            del self._s.items[key]

    async def taken_seqs(self, file_id: int, seqs: Sequence[int]) -> list[int]:
        return sorted(seq for seq in set(seqs) if (file_id, seq) in self._s.items)

    async def add_items(self, file_id: int, part: int, items: Sequence[NewBulkItem]) -> None:
        keys = [(file_id, item.seq) for item in items]
        if len(set(keys)) != len(keys) or any(key in self._s.items for key in keys):
            raise StorageConflict("bulk_items: this seq is already stored for the file")
        for key, item in zip(keys, items, strict=True):
            self._s.items[key] = FakeBulkItem(item, part)

    async def next_file(self) -> BulkFileRecord | None:
        ready = (BulkStatus.READY, BulkStatus.PROCESSING)
        return next((self._s.files[i] for i in sorted(self._s.files)
                     if self._s.files[i].status in ready), None)

    async def lock_file(self, file_id: int) -> BulkFileRecord | None:
        return self._s.files.get(file_id)

    async def set_status(self, file_id: int, status: BulkStatus) -> None:
        if file_id in self._s.files:
            self._s.files[file_id] = replace(self._s.files[file_id], status=status)

    def _of(self, file_id: int) -> list[tuple[int, FakeBulkItem]]:
        return sorted((seq, item) for (fid, seq), item in self._s.items.items()
                      if fid == file_id)

    async def item_keys(self, file_id: int, after_seq: int, limit: int) -> list[BulkItemKeyRow]:
        return [BulkItemKeyRow(seq, i.item.kind, i.item.request_reference, i.item.check_key)
                for seq, i in self._of(file_id) if seq > after_seq][:limit]

    async def pending_items(self, file_id: int, limit: int) -> list[PendingBulkItem]:
        return [PendingBulkItem(seq, i.item.kind, i.item.request_reference, i.item.payload,
                                i.attempts)
                for seq, i in self._of(file_id) if i.status is ItemStatus.PENDING][:limit]

    async def complete_items(self, file_id: int, results: Sequence[tuple[int, str]]) -> None:
        for seq, result in results:
            key = (file_id, seq)
            if key in self._s.items:
                self._s.items[key] = replace(self._s.items[key], status=ItemStatus.DONE,
                                             result=result)

    async def record_failure(self, file_id: int, seq: int) -> int:
        item = self._s.items.get((file_id, seq))
        if item is None or item.status is not ItemStatus.PENDING:
            return 0
        self._s.items[(file_id, seq)] = replace(item, attempts=item.attempts + 1)
        return item.attempts + 1

    async def results(self, file_id: int, after_seq: int, limit: int) -> list[tuple[int, str]]:
        return [(seq, i.result or "") for seq, i in self._of(file_id)
                if seq > after_seq and i.status is ItemStatus.DONE][:limit]

    async def progress(self, file_id: int) -> BulkProgress:
        items = self._of(file_id)
        return BulkProgress(done=sum(i.status is ItemStatus.DONE for _, i in items),
                            total=len(items))

    async def delete_file(self, file_id: int) -> None:
        self._s.files.pop(file_id, None)
        for key in [k for k in self._s.parts if k[0] == file_id]:
            del self._s.parts[key]
        for key in [k for k in self._s.items if k[0] == file_id]:
            del self._s.items[key]
