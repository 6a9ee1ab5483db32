"""Intake of one BulkFile delivery (CONTRACT.md section 3, RULES.md 3.12): check the file as a
whole, answer with a BulkReceipt and store the items, so the delivery is acked within seconds
whatever the number of items (RELIABILITY.md 1: consumer_timeout); the bulk worker processes
the items later.

1. A redelivery of a delivery already answered gets the stored receipt (inbox).
2. The body is streamed in a worker thread (memory flat in the file size): each item is
   XSD-checked and turned into its command, spooled to a temporary file as a row to store.
3. Claim, one transaction: V-MSG-1 (XSD of the file and of every item), V-BLK-1
   (FileReference, with the sender's number), V-MSG-3 (reference or part already used,
   70018-133), V-BLK-2 (item count, `@seq` unique across the parts); then either the refusal
   (ResultCode 0: only the receipt and the inbox record are stored, the reference stays free)
   or the file and its part, the receipt and the inbox record, committed together.
4. Fill: the items, 500 per transaction (a 50,000-item part never holds the database for
   long: interactive messages go first between them). The file is READY for the worker once
   every part is in and filled. The caller acks only after the fill: after a crash in between
   the broker redelivers, the inbox answers with the same receipt and the fill starts again.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO

from service.app.bulk_ports import (
    BulkFileRecord,
    BulkPart,
    BulkScanner,
    BulkStatus,
    NewBulkFile,
    NewBulkItem,
)
from service.app.clock import processing_date
from service.app.envelope import Envelope, Outbound
from service.app.errors import StorageConflict
from service.app.ports import Clock, InboxEntry, Transaction, UnitOfWork
from service.app.results import Answered
from service.app.routing import OutboundFactory
from service.domain.anomalies import Anomaly
from service.domain.commands import BulkItem, BulkItemCommand
from service.domain.parameters import LegalParameters
from service.domain.replies import BulkReceipt
from service.domain.rules.bulk import (
    FileReferenceParts,
    check_v_blk_1_file_reference,
    check_v_blk_2_counts,
    item_key,
    logical_reference,
    max_items,
    parse_file_reference,
    v_blk_1_parts_differ,
    v_msg_3_reference_used,
)
from service.domain.rules.context import RuleContext

MAX_REPORTED_ANOMALIES = 100
"""A receipt names at most this many anomalies (a file whose 50,000 items are all invalid
would otherwise get a receipt of tens of megabytes)."""
_STORE_CHUNK = 500  # items per transaction: about 10 ms of database time each
_CONFLICT_RETRIES = 3
_NO_NUMBER = "-"  # a sender missing from the register matches no FileReference


@dataclass
class ScannedDelivery:
    """What streaming one body found. Items are spooled (JSON lines), not kept in memory."""

    file_reference: str | None = None
    item_count: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)
    seqs: array[int] = field(default_factory=lambda: array("q"))
    repeated_seqs: set[int] = field(default_factory=set)
    spool: IO[str] = field(default_factory=lambda: _spool())

    @property
    def refused(self) -> bool:
        return bool(self.anomalies)

    def items(self, chunk: int = _STORE_CHUNK) -> Iterator[list[NewBulkItem]]:
        self.spool.seek(0)
        rows: list[NewBulkItem] = []
        for line in self.spool:
            rows.append(NewBulkItem(*json.loads(line)))
            if len(rows) >= chunk:
                yield rows
                rows = []
        if rows:
            yield rows

    def close(self) -> None:
        self.spool.close()


def _spool() -> IO[str]:
    # Closed by ScannedDelivery.close(); on disk past 8 MiB.
    return tempfile.SpooledTemporaryFile(8 * 1024 * 1024, mode="w+")


def scan_delivery(scanner: BulkScanner, body: bytes) -> ScannedDelivery:
    """CPU and a temporary file only: run it in a worker thread."""
    found = ScannedDelivery()
    seen: set[int] = set()
    scan = scanner.scan(body)
    for outcome in scan:
        if outcome.seq is not None:
            found.item_count += 1
            if outcome.seq in seen:
                found.repeated_seqs.add(outcome.seq)
            seen.add(outcome.seq)
        if outcome.anomalies:
            room = MAX_REPORTED_ANOMALIES - len(found.anomalies)
            found.anomalies.extend(outcome.anomalies[:max(room, 0)])
        elif outcome.command is not None and outcome.seq is not None and not found.refused:
            found.seqs.append(outcome.seq)
            found.spool.write(json.dumps(_row(outcome.seq, outcome.command)) + "\n")
    found.file_reference = scan.file_reference
    return found


def _row(seq: int, command: BulkItemCommand) -> list[object]:
    """A NewBulkItem's fields, in order."""
    key = item_key(BulkItem(seq=seq, command=command))
    check_key = None
    if key.submission is not None:
        s = key.submission
        check_key = json.dumps([s.company_id, s.inss, s.scheme, s.start.isoformat(),
                                s.end.isoformat() if s.end else None])
    return [seq, key.root, key.request_reference, command.model_dump_json(), check_key]


class BulkIntake:
    """`receive(envelope, body)` -> the receipt to publish (committed in the outbox).

    `uow` should be the bulk side of `InteractiveFirst`; `on_ready` is called after a commit
    that completed a logical file (the worker wakes up)."""

    def __init__(
        self,
        uow: UnitOfWork,
        scanner: BulkScanner,
        outbound: OutboundFactory,
        clock: Clock,
        parameters: LegalParameters,
        *,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow
        self._scanner = scanner
        self._outbound = outbound
        self._clock = clock
        self._parameters = parameters
        self._on_ready = on_ready

    async def receive(self, envelope: Envelope, body: bytes) -> Answered:
        """Raises StorageUnavailable when the database cannot be reached. Return only once
        the part's items are all stored: the caller acks the delivery then."""
        async with self._uow.begin() as tx:
            replay = await self._replay(tx, envelope)
            unfilled = await self._unfilled(tx, envelope) if replay is not None else None
        if replay is not None and unfilled is None:
            return replay
        scanned = await asyncio.to_thread(scan_delivery, self._scanner, body)
        try:
            if replay is not None and unfilled is not None:
                # Accepted before a crash that interrupted storing its items: store them anew.
                if not scanned.refused:
                    await self._fill(*unfilled, scanned, again=True)
                return replay
            answer, claimed = await self._claim(envelope, scanned)
            if claimed is not None:
                await self._fill(*claimed, scanned)
            return answer
        finally:
            scanned.close()

    async def refuse(self, envelope: Envelope, anomalies: tuple[Anomaly, ...]) -> Answered:
        """A delivery refused before its body is read (content type, encoding, `type`)."""
        async with self._uow.begin() as tx:
            replay = await self._replay(tx, envelope)
            if replay is not None:
                return replay
            receipt = BulkReceipt(file_reference="-", result_code=0, item_count=0,
                                  anomalies=anomalies)
            return await self._answer(tx, envelope, receipt)

    async def _replay(self, tx: Transaction, envelope: Envelope) -> Answered | None:
        entry = await tx.inbox.by_message_id(envelope.sender, envelope.message_id)
        if entry is None:
            return None
        stored = await tx.outbox.by_message_ids(entry.reply_message_ids)
        return Answered(tuple(self._outbound.rerouted(m, envelope) for m in stored))

    @staticmethod
    async def _unfilled(tx: Transaction, envelope: Envelope) -> tuple[int, int] | None:
        """(file id, part) of this delivery when accepted but its items are not all stored,
        provided this is the same body (a sender reusing a message_id gets the first answer
        and changes nothing)."""
        found = await tx.bulk.part_for_message(envelope.sender, envelope.message_id)
        if found is None or found[1].filled:
            return None
        entry = await tx.inbox.by_message_id(envelope.sender, envelope.message_id)
        if entry is None or entry.content_sha256 != envelope.body_sha256:
            return None
        return found[0].id, found[1].part

    async def _claim(
        self, envelope: Envelope, scanned: ScannedDelivery
    ) -> tuple[Answered, tuple[int, int] | None]:
        for attempt in range(_CONFLICT_RETRIES):
            try:
                return await self._decide(envelope, scanned)
            except StorageConflict:
                # A copy of this delivery, or another part of the file, was committed
                # meanwhile by another instance: decide again on what is stored now.
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def _decide(
        self, envelope: Envelope, scanned: ScannedDelivery
    ) -> tuple[Answered, tuple[int, int] | None]:
        """One transaction: the refusal, or the part claimed (file, part, receipt, inbox)."""
        async with self._uow.begin() as tx:
            replay = await self._replay(tx, envelope)
            if replay is not None:
                return replay, None
            reference = scanned.file_reference or ""
            parts = parse_file_reference(reference)
            if parts is not None:
                envelope = replace(envelope, environment=parts.environment)
            refusal = list(scanned.anomalies) or await self._file_level(tx, envelope, scanned)
            if refusal:
                return await self._answer(tx, envelope, self._receipt(scanned, refusal)), None
            assert parts is not None
            claimed = await self._store(tx, envelope, parts, scanned)
            return await self._answer(tx, envelope, self._receipt(scanned, [])), claimed

    async def _fill(self, file_id: int, part: int, scanned: ScannedDelivery, *,
                    again: bool = False) -> None:
        """The part's items, a chunk per transaction; the file is READY once every part is
        in and filled."""
        if again:
            async with self._uow.begin() as tx:
                await tx.bulk.clear_part(file_id, part)
        for chunk in scanned.items():
            async with self._uow.begin() as tx:
                await tx.bulk.add_items(file_id, part, chunk)
        async with self._uow.begin() as tx:
            ready = await tx.bulk.mark_filled(file_id, part)
            if ready:
                await tx.bulk.set_status(file_id, BulkStatus.READY)
        if ready and self._on_ready is not None:
            self._on_ready()

    async def _file_level(
        self, tx: Transaction, envelope: Envelope, scanned: ScannedDelivery
    ) -> list[Anomaly]:
        """V-BLK-1 (stop on failure), then V-MSG-3 and V-BLK-2."""
        reference = scanned.file_reference or ""
        number = await tx.bulk.sender_number(envelope.sender)
        ctx = RuleContext(processing_date=processing_date(self._clock.now()),
                          parameters=self._parameters, sender_number=number or _NO_NUMBER)
        if invalid := check_v_blk_1_file_reference(reference, ctx):
            return [invalid]
        parts = parse_file_reference(reference)
        assert parts is not None
        existing = await tx.bulk.find_file(envelope.sender, logical_reference(parts))
        used = await self._reference_used(tx, existing, parts)
        if used:
            # Not a part of the stored file: V-BLK-2 judges this delivery alone.
            return used + check_v_blk_2_counts(scanned.item_count, scanned.repeated_seqs,
                                               max_items(ctx))
        total = scanned.item_count + (existing.item_count if existing else 0)
        repeated = set(scanned.repeated_seqs)
        if existing is not None:
            repeated.update(await tx.bulk.taken_seqs(existing.id, scanned.seqs))
        return check_v_blk_2_counts(total, repeated, max_items(ctx))

    @staticmethod
    async def _reference_used(
        tx: Transaction, existing: BulkFileRecord | None, parts: FileReferenceParts
    ) -> list[Anomaly]:
        if existing is None:
            return []
        # A part announcing other parts is an invalid reference (70018-003), not a reuse.
        if existing.parts_expected != (parts.parts or 1):
            return [v_blk_1_parts_differ(existing.parts_expected)]
        received = {p.part for p in await tx.bulk.parts(existing.id)}
        if existing.status is not BulkStatus.RECEIVING or (parts.part or 1) in received:
            return [v_msg_3_reference_used()]
        return []

    async def _store(
        self, tx: Transaction, envelope: Envelope, parts: FileReferenceParts,
        scanned: ScannedDelivery,
    ) -> tuple[int, int]:
        """The file (if new) and the part, not filled yet: (file id, part)."""
        logical = logical_reference(parts)
        existing = await tx.bulk.find_file(envelope.sender, logical)
        file_id = existing.id if existing is not None else await tx.bulk.add_file(NewBulkFile(
            sender=envelope.sender, file_reference=logical, environment=parts.environment,
            parts_expected=parts.parts or 1, correlation_id=envelope.correlation_id,
        ))
        part = parts.part or 1
        await tx.bulk.add_part(file_id, BulkPart(
            part=part, message_id=envelope.message_id, correlation_id=envelope.correlation_id,
            item_count=scanned.item_count,
        ))
        return file_id, part

    @staticmethod
    def _receipt(scanned: ScannedDelivery, refusal: list[Anomaly]) -> BulkReceipt:
        shown = (scanned.file_reference or "").strip()[:64] or "-"
        return BulkReceipt(file_reference=shown, result_code=0 if refusal else 1,
                           item_count=scanned.item_count,
                           anomalies=tuple(refusal[:MAX_REPORTED_ANOMALIES]))

    async def _answer(self, tx: Transaction, envelope: Envelope,
                      receipt: BulkReceipt) -> Answered:
        reply: Outbound = self._outbound.reply(envelope, receipt)
        await tx.outbox.add(reply)
        await tx.inbox.add(InboxEntry(
            sender=envelope.sender, message_id=envelope.message_id, request_reference=None,
            content_sha256=envelope.body_sha256, reply_message_ids=(reply.message_id,),
        ))
        return Answered((reply,))
