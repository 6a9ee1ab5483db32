"""Processing of stored bulk files, item by item, through the interactive handlers
(DESIGN.md section 3, RULES.md V-BLK-5).

Each step is one transaction on the oldest file ready for work:
- READY (every part in): the cross-item rules V-BLK-3/V-BLK-4 run on the items' keys; the
  items they refuse are marked done (REJECTED) and the file goes PROCESSING.
- PROCESSING: the next pending items, in `@seq` order, each through `MessageProcessor` in its
  own savepoint with a synthetic envelope (the file's sender, message_id
  `bulk:<file id>:<seq>`, the file's environment). The items are marked done with their
  result in the SAME transaction as their effects (inbox, request, ticket, outbox), so a
  crash anywhere leaves each item either wholly done or wholly pending: after a restart the
  worker resumes at the first pending item, no item processed twice, none lost (and were an
  item ever run again, its inbox entry would answer it with the stored reply).
  The interactive reply of an item is stored (a later resend of its RequestReference is
  answered with it) but marked sent, never published: the file gets one BulkResult. The
  authority.out messages and events of accepted items are published after the commit.
- Test files (T): the same, inside a savepoint that is rolled back; only the item results are
  kept, and the file is deleted once answered. T ticket numbers come from the T counter.
- No pending item left: the BulkResult (one ItemResult per item) goes to the outbox for the
  sender's reply queue, correlated with part 1, and the file is DONE.
- Meanwhile, at most every `progress_seconds` per file, a BulkProgress (items done of the
  total) goes the same way, after the step's commit; it is not in the outbox but published
  once, in the background (`BestEffort`): losing one is harmless, and neither its count nor
  its publishing can fail or delay an item.

Fairness: a step holds the database for at most about `budget_seconds`, yields the event
loop after each item and ends early (committing what is done) as soon as an interactive
transaction waits (`preempted`, from `InteractiveFirst`), which then goes first. Whole-file
phases are in `bulk_files`, item results in `bulk_results`, publishing in `bulk_publishing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from service.app.bulk_files import apply_cross_item_rules, finish, progress_message
from service.app.bulk_ports import (
    BulkFileRecord,
    BulkResultRenderer,
    BulkStatus,
    PendingBulkItem,
    ReplyReader,
)
from service.app.bulk_publishing import BestEffort, PublishBehind
from service.app.bulk_results import item_inbound, item_result, not_processed
from service.app.clock import processing_date
from service.app.envelope import Inbound, Outbound
from service.app.errors import StorageConflict, StorageUnavailable
from service.app.ports import Clock, Publisher, Transaction, UnitOfWork
from service.app.results import Answered, MessageResult
from service.app.routing import REPLIES_EXCHANGE
from service.domain.codes import Environment

log = logging.getLogger(__name__)

_CHUNK = 32  # items whose commands are read and look-ups preloaded together
_PROGRESS_EVERY = 5000
_REPLY_TYPES = frozenset({"Ticket", "Acknowledgement", "Rejection"})


class ItemProcessor(Protocol):
    """`MessageProcessor.process_in`: one message in the caller's transaction."""

    async def process_in(self, tx: Transaction, inbound: Inbound) -> MessageResult: ...


@dataclass(frozen=True)
class WorkerSettings:
    batch: int = 256  # items per transaction at most
    budget_seconds: float = 0.04  # ... and about this long
    page: int = 2000  # rows read per transaction when scanning a whole file
    max_attempts: int = 5  # an item failing this often is answered as not processed
    idle_seconds: float = 1.0  # polling when nothing is signalled (other instances' files)
    backoff_seconds: float = 0.5
    # The batch look-ups of `Transaction.preload`, a chunk of items at a time: about 2.5x the
    # throughput of one look-up per repository call per item.
    preload: bool = True
    # A BulkProgress to the sender at most this often per file while its items are
    # processed (the first one this long after the process started on the file); 0: none.
    progress_seconds: float = 2.0


@dataclass
class _Batch:
    done: list[tuple[int, str]] = field(default_factory=list)
    failed: int | None = None  # seq of an item to try again
    publish: list[Outbound] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # stored, never published
    test_tickets: int = 0


class _Rehearsal(Exception):
    """Raised inside a test file's savepoint: everything its items did is rolled back."""


class BulkWorker:
    """`run()` until `stop()`; `step()` does one transaction's worth (tests drive it)."""

    def __init__(
        self,
        uow: UnitOfWork,
        processor: ItemProcessor,
        reader: ReplyReader,
        renderer: BulkResultRenderer,
        publisher: Publisher,
        clock: Clock,
        settings: WorkerSettings | None = None,
        *,
        preempted: Callable[[], bool] | None = None,
    ) -> None:
        """`preempted()` True: an interactive message waits for the database, the current
        step ends after its item (see `InteractiveFirst.interactive_waiting`)."""
        self._uow = uow
        self._preempted = preempted or (lambda: False)
        self._processor = processor
        self._reader = reader
        self._renderer = renderer
        self._sent = PublishBehind(publisher)
        self._best_effort = BestEffort(publisher)
        self._clock = clock
        self._settings = settings or WorkerSettings()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._single = False  # after a conflict, go one item at a time once
        self._fetch = self._settings.batch
        self._done: dict[int, int] = {}  # items done per file by this process (progress logs)
        self._progress_at: dict[int, float] = {}  # last BulkProgress (monotonic) per file

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                worked = await self.step()
                failures = 0
            except StorageConflict:
                # Another instance or an interactive message committed the same thing first:
                # the batch is retried item by item, where the inbox answers the duplicate.
                self._single = True
                continue
            except StorageUnavailable as exc:
                failures += 1
                log.warning("bulk worker: storage unavailable (%s), retrying", exc)
                await self._pause(self._settings.backoff_seconds * min(2 ** failures, 30))
                continue
            except Exception:
                failures += 1
                log.exception("bulk worker: step failed")
                await self._pause(self._settings.backoff_seconds * min(2 ** failures, 30))
                continue
            if worked:
                await asyncio.sleep(0)  # let the interactive consumers in
            else:
                self._wake.clear()
                await self._pause(self._settings.idle_seconds)
        await self.close()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def drain(self, max_steps: int = 1_000_000) -> int:
        """Steps until there is nothing left to do; returns how many did something."""
        done = 0
        while done < max_steps and await self.step():
            done += 1
        return done

    async def step(self) -> bool:
        """One transaction of work (plus the reads before it); False when idle."""
        batch: _Batch | None = None
        confirmed = self._sent.confirmed()
        started = time.monotonic()
        async with self._uow.begin() as tx:
            file = await tx.bulk.next_file()
            if file is None:
                await self._mark_sent(tx)
                return False
            if file.status is BulkStatus.PROCESSING:
                limit = 1 if self._single else self._fetch
                items = await tx.bulk.pending_items(file.id, limit)
                if items:
                    batch = await self._items(tx, file, items, confirmed)
        if file.status is BulkStatus.READY:
            await apply_cross_item_rules(self._uow, file, self._settings.page)
        elif batch is None:
            self._progress_at.pop(file.id, None)
            result = await finish(self._uow, self._renderer, file, self._settings.page)
            await self._sent.publish([result] if result is not None else [])
        else:
            self._sent.marked(confirmed)
            self._progress(file, len(batch.done), started)
            if batch.failed is not None:
                await self._pause(self._settings.backoff_seconds)
            await self._sent.publish(batch.publish)
            await self._tell_progress(file)
        return True

    def _progress(self, file: BulkFileRecord, done: int, started: float) -> None:
        log.debug("bulk file %d: %d items in %.1f ms", file.id, done,
                  (time.monotonic() - started) * 1000)
        before = self._done.get(file.id, 0)
        self._done[file.id] = before + done
        if (before + done) // _PROGRESS_EVERY > before // _PROGRESS_EVERY:
            log.info("bulk file %d (%s): %d more items done in this process", file.id,
                     file.file_reference, before + done)

    async def _tell_progress(self, file: BulkFileRecord) -> None:
        """A BulkProgress for the sender when the last one (or the first step on the file
        in this process) is `progress_seconds` old."""
        every = self._settings.progress_seconds
        if every <= 0:
            return
        now = time.monotonic()
        if now - self._progress_at.setdefault(file.id, now) < every:
            return
        self._progress_at[file.id] = now
        try:
            message = await progress_message(self._uow, self._renderer, file)
        except Exception as exc:  # the items are committed; this only costs a progress
            log.warning("bulk file %d: no progress sent (%s: %s)", file.id,
                        type(exc).__name__, exc)
            return
        if message is not None:
            self._best_effort.offer(message)

    async def _mark_sent(self, tx: Transaction) -> None:
        """Idle: what the last steps published is confirmed now, mark it sent."""
        if self._sent.idle:
            return
        await self._sent.settle()
        confirmed = self._sent.confirmed()
        await tx.outbox.mark_sent(confirmed, self._clock.now())
        self._sent.marked(confirmed)

    async def close(self) -> None:
        """Waits for the messages in flight (the relay covers any left unmarked)."""
        await self._sent.close()
        await self._best_effort.close()

    # ---- items ----------------------------------------------------------------------------

    async def _items(
        self, tx: Transaction, file: BulkFileRecord, items: list[PendingBulkItem],
        confirmed: list[str],
    ) -> _Batch:
        now = self._clock.now()
        if file.environment is Environment.TEST:
            batch = await self._rehearse(tx, file, items, now)
        else:
            batch = await self._run(tx, file, items, now)
        # The items' own replies are stored but never published: marked sent at once.
        if batch.replies or confirmed:
            await tx.outbox.mark_sent(batch.replies + confirmed, now)
        await tx.bulk.complete_items(file.id, batch.done)
        if batch.failed is not None:
            await tx.bulk.record_failure(file.id, batch.failed)
        self._single = False
        # Fetch about what the budget allowed this time, plus some room to grow.
        self._fetch = min(self._settings.batch, len(batch.done) * 3 // 2 + _CHUNK)
        return batch

    async def _run(
        self, tx: Transaction, file: BulkFileRecord, items: list[PendingBulkItem],
        now: datetime,
    ) -> _Batch:
        """Items in order until the budget is spent (at least one), a chunk at a time: each
        chunk's commands are read and its look-ups preloaded only when it is reached."""
        batch = _Batch()
        deadline = time.monotonic() + self._settings.budget_seconds
        for start in range(0, len(items), _CHUNK):
            chunk = items[start:start + _CHUNK]
            inbounds = [item_inbound(file, item, now) for item in chunk]
            if self._settings.preload:
                await tx.preload(inbounds)
            for item, inbound in zip(chunk, inbounds, strict=True):
                if batch.done and (time.monotonic() > deadline or self._preempted()):
                    return batch
                if not await self._one(tx, file, item, inbound, batch):
                    return batch
                # Let the event loop run: an interactive delivery gets to say it waits.
                await asyncio.sleep(0)
        return batch

    async def _one(self, tx: Transaction, file: BulkFileRecord, item: PendingBulkItem,
                   inbound: Inbound, batch: _Batch) -> bool:
        """False when the item failed and must be tried again before any later one."""
        result = await self._processor.process_in(tx, inbound)
        if isinstance(result, Answered):
            self._answered(item, result, batch)
        elif item.attempts + 1 >= self._settings.max_attempts:
            log.error("bulk file %d item %d failed %d times: answered as not processed",
                      file.id, item.seq, item.attempts + 1)
            batch.done.append((item.seq, not_processed(item).model_dump_json()))
        else:
            log.warning("bulk file %d item %d failed (%s), will retry", file.id, item.seq,
                        getattr(result, "error", result))
            batch.failed = item.seq  # stop here: items stay in @seq order
            return False
        return True

    async def _rehearse(
        self, tx: Transaction, file: BulkFileRecord, items: list[PendingBulkItem],
        now: datetime,
    ) -> _Batch:
        batch = _Batch()
        try:
            async with tx.savepoint():
                batch = await self._run(tx, file, items, now)
                raise _Rehearsal
        except _Rehearsal:
            pass
        # The T counter was rolled back with the rest: take the numbers the items showed
        # again, so the next batch's T tickets follow on rather than repeat.
        year = processing_date(self._clock.now()).year
        for _ in range(batch.test_tickets):
            await tx.tickets.next_value(Environment.TEST, year)
        batch.publish, batch.replies = [], []
        return batch

    def _answered(self, item: PendingBulkItem, result: Answered, batch: _Batch) -> None:
        reply = None
        others = list(result.outbound)
        first = others[0] if others else None
        if first is not None and first.message_type in _REPLY_TYPES and \
                first.exchange in ("", REPLIES_EXCHANGE):
            reply = others.pop(0)
            batch.replies.append(reply.message_id)
        batch.publish.extend(others)
        outcome = item_result(self._reader, item, reply)
        if outcome.ticket_number and outcome.ticket_number.startswith("T"):
            batch.test_tickets += 1
        batch.done.append((item.seq, outcome.model_dump_json()))

    # ---- whole-file phases ------------------------------------------------------------------
