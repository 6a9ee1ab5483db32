"""The bulk-file store, as a port: files (one row per logical file), their parts and their
items, with each item's progress and result (DESIGN.md section 3).

A file's items are processed in `@seq` order; an item is marked done in the same transaction
as its effects (inbox, requests, outbox), which is what makes processing resumable after a
crash with no item processed twice and none lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from service.domain.anomalies import Anomaly
from service.domain.codes import Action, Environment
from service.domain.commands import BulkItemCommand
from service.domain.replies import ItemResult


class BulkStatus(StrEnum):
    RECEIVING = "RECEIVING"  # some parts are still missing
    READY = "READY"  # every part is in; the cross-item rules (V-BLK-3/4) are not applied yet
    PROCESSING = "PROCESSING"  # items are being processed in @seq order
    DONE = "DONE"  # the BulkResult is in the outbox


class ItemStatus(StrEnum):
    PENDING = "PENDING"
    DONE = "DONE"


@dataclass(frozen=True)
class BulkFileRecord:
    """A logical file. `file_reference` is without the `.<parts>.<part>` suffix;
    `correlation_id` is the one of part 1 (the BulkResult carries it)."""

    id: int
    sender: str
    file_reference: str
    environment: Environment
    parts_expected: int
    parts_received: int
    item_count: int
    status: BulkStatus
    correlation_id: str
    created_at: datetime


@dataclass(frozen=True)
class NewBulkFile:
    sender: str
    file_reference: str
    environment: Environment
    parts_expected: int
    correlation_id: str


@dataclass(frozen=True)
class BulkPart:
    """One received part (a file sent in one piece is part 1 of 1). `filled` once all its
    items are stored: they are written after the part is accepted, in several transactions."""

    part: int
    message_id: str
    correlation_id: str
    item_count: int
    filled: bool = False


@dataclass(frozen=True)
class NewBulkItem:
    """`payload` is the item's command as JSON; `check_key` the JSON of what V-BLK-4 compares
    (submissions only), so the cross-item rules never need the payloads."""

    seq: int
    kind: str
    request_reference: str
    payload: str
    check_key: str | None = None


@dataclass(frozen=True)
class PendingBulkItem:
    seq: int
    kind: str
    request_reference: str
    payload: str
    attempts: int


@dataclass(frozen=True)
class BulkItemKeyRow:
    seq: int
    kind: str
    request_reference: str
    check_key: str | None


@dataclass(frozen=True)
class BulkProgress:
    done: int
    total: int


class BulkRepository(Protocol):
    """Bulk files, parts and items. `(sender, file_reference)` is unique among stored files
    (a refused file is never stored; a test file is deleted once its result is written);
    `(file, part)` and `(file, seq)` are unique too (`StorageConflict`)."""

    async def sender_number(self, sender: str) -> str | None:
        """The sender's 6-digit number (V-BLK-1), None for an unknown sender."""
        ...

    async def find_file(self, sender: str, file_reference: str) -> BulkFileRecord | None:
        """The stored file with this logical reference, locked until the end of the
        transaction (its parts arrive one at a time)."""
        ...

    async def add_file(self, file: NewBulkFile) -> int:
        """A new logical file in RECEIVING state, with no part yet; returns its id."""
        ...

    async def parts(self, file_id: int) -> list[BulkPart]: ...

    async def add_part(self, file_id: int, part: BulkPart) -> BulkFileRecord:
        """Records the part (not filled), counts it and its items on the file (part 1 also
        sets the file's correlation_id) and returns the file as it now is."""
        ...

    async def part_for_message(
        self, sender: str, message_id: str
    ) -> tuple[BulkFileRecord, BulkPart] | None:
        """The part a sender's delivery was accepted as, with its file."""
        ...

    async def mark_filled(self, file_id: int, part: int) -> bool:
        """The part's items are all stored; True when the file now has every part, filled."""
        ...

    async def clear_part(self, file_id: int, part: int) -> None:
        """Removes the items stored so far for a part (its fill starts again)."""
        ...

    async def taken_seqs(self, file_id: int, seqs: Sequence[int]) -> list[int]:
        """Those of `seqs` already used by an item of the file."""
        ...

    async def add_items(self, file_id: int, part: int, items: Sequence[NewBulkItem]) -> None:
        ...

    async def next_file(self) -> BulkFileRecord | None:
        """The oldest READY or PROCESSING file, locked until the end of the transaction;
        files locked by another transaction are skipped (several instances)."""
        ...

    async def lock_file(self, file_id: int) -> BulkFileRecord | None: ...

    async def set_status(self, file_id: int, status: BulkStatus) -> None: ...

    async def item_keys(self, file_id: int, after_seq: int, limit: int) -> list[BulkItemKeyRow]:
        """Every item's keys, by seq, from `after_seq` (exclusive)."""
        ...

    async def pending_items(self, file_id: int, limit: int) -> list[PendingBulkItem]:
        """The first `limit` PENDING items by seq."""
        ...

    async def complete_items(self, file_id: int, results: Sequence[tuple[int, str]]) -> None:
        """Marks items DONE with their result (ItemResult JSON), given as (seq, result)."""
        ...

    async def record_failure(self, file_id: int, seq: int) -> int:
        """Counts one failed attempt at a PENDING item; returns its attempts so far."""
        ...

    async def results(self, file_id: int, after_seq: int, limit: int) -> list[tuple[int, str]]:
        """(seq, result JSON) of DONE items, by seq, from `after_seq` (exclusive)."""
        ...

    async def progress(self, file_id: int) -> BulkProgress: ...

    async def delete_file(self, file_id: int) -> None:
        """Removes the file, its parts and items (a test file, once answered)."""
        ...


# ---- what the bulk use cases need from the XML adapter ---------------------------------------


class ScannedItem(Protocol):
    """One streamed item: its command, or the anomalies refusing it; `seq` None: the file
    itself failed (syntax, root, skeleton, size)."""

    @property
    def seq(self) -> int | None: ...
    @property
    def command(self) -> BulkItemCommand | None: ...
    @property
    def anomalies(self) -> tuple[Anomaly, ...]: ...


class BulkScan(Protocol):
    """Iterating streams the items (memory flat in the file size); `file_reference` is known
    once the iteration has passed it."""

    @property
    def file_reference(self) -> str | None: ...
    def __iter__(self) -> Iterator[ScannedItem]: ...


class BulkScanner(Protocol):
    """CPU only, no I/O: safe to run in a worker thread."""

    def scan(self, body: bytes) -> BulkScan: ...


@dataclass(frozen=True)
class ReplySummary:
    """What a bulk item's result takes from the reply the interactive handler gave it."""

    kind: str  # Ticket, Acknowledgement, Rejection
    ticket_number: str | None = None
    action: Action | None = None
    anomalies: tuple[Anomaly, ...] = ()


class ReplyReader(Protocol):
    def summary(self, body: bytes) -> ReplySummary: ...


class BulkResultRenderer(Protocol):
    """A BulkResult as XML bytes, its items rendered a page at a time (a 50,000-item result
    is never one tree, or one list of models, in memory); and the BulkProgress sent while
    the items are processed."""

    def render_items(self, items: Iterable[ItemResult]) -> bytes:
        """ItemResult elements, to go inside a BulkResult in this order."""
        ...

    def render_document(self, file_reference: str, accepted: int, rejected: int,
                        items: MutableSequence[bytes]) -> bytes:
        """The whole BulkResult around the rendered items (`items` is consumed)."""
        ...

    def render_progress(self, file_reference: str, items_done: int, item_count: int) -> bytes:
        """A BulkProgress: `items_done` of the file's `item_count` items are done."""
        ...
