"""The outbox relay and the "publish, then mark sent" step (DESIGN.md section 2, steps 5 and 7).

The consumer publishes the replies of its batch right after the commit; `publish_and_mark`
then marks the confirmed ones sent in one update. Whatever was not confirmed (nack, return,
timeout, a crash between commit and publish) stays unsent, and `OutboxRelay` re-publishes it
once it is older than `relay_grace_seconds`. The `message_id` is stable, so a re-publication is
a duplicate receivers drop, never a second reply. On PostgreSQL `outbox.unsent` claims rows with
`FOR UPDATE SKIP LOCKED`, so N relays never send the same row at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from service import faults
from service.app.envelope import Outbound
from service.app.errors import StorageUnavailable
from service.app.ports import Clock, Publisher, UnitOfWork
from service.config import Settings

log = logging.getLogger(__name__)


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def publish_and_mark(
    uow: UnitOfWork,
    publisher: Publisher,
    messages: Sequence[Outbound],
    *,
    clock: Clock | None = None,
) -> set[str]:
    """Publish with confirms, then mark the confirmed ones sent in one update. Returns the
    confirmed ids. A failed mark is only logged: the relay re-sends, receivers dedupe."""
    if not messages:
        return set()
    if faults.enabled():
        confirmed = await _publish_with_crashpoint(publisher, messages)
    else:
        confirmed = await publisher.publish_many(messages)
    faults.crashpoint("relay_after_confirm_before_mark_sent")
    if confirmed:
        at = (clock or _UtcClock()).now()
        # Keep the outbox order: mark in the order the messages were given.
        ids = [m.message_id for m in messages if m.message_id in confirmed]
        try:
            async with uow.begin() as tx:
                await tx.outbox.mark_sent(ids, at)
        except Exception:
            log.warning("marking %d confirmed replies sent failed; the relay will re-send them",
                        len(ids), exc_info=True)
    return confirmed


async def _publish_with_crashpoint(publisher: Publisher, messages: Sequence[Outbound]) -> set[str]:
    """Test-only: the publishes are on the wire (frames written), their confirms not yet
    read, when `relay_after_publish_before_confirm` may fire."""
    publishing = asyncio.ensure_future(publisher.publish_many(messages))
    for _ in range(3):
        await asyncio.sleep(0)
    faults.crashpoint("relay_after_publish_before_confirm")
    return await publishing


class MarkingPublisher:
    """A `Publisher` that also marks what it published: give it to the BatchConsumer.

    Marks are gathered for `mark_delay` seconds and written in one transaction: a mark per
    batch would put a second commit (an fsync on SQLite, the single writer) in front of the
    next batch. The delay stays far below the relay's grace, so the relay does not re-send
    what was confirmed; if a crash loses the marks, it does (receivers dedupe)."""

    def __init__(self, uow: UnitOfWork, publisher: Publisher, clock: Clock | None = None,
                 *, mark_delay: float = 0.2) -> None:
        self._uow = uow
        self._publisher = publisher
        self._clock: Clock = clock if clock is not None else _UtcClock()
        self._delay = mark_delay
        self._pending: list[str] = []
        self._marker: asyncio.Task[None] | None = None

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        confirmed = await self._publisher.publish_many(messages)
        self._pending.extend(m.message_id for m in messages if m.message_id in confirmed)
        if self._pending and (self._marker is None or self._marker.done()):
            self._marker = asyncio.create_task(self._mark_later(), name="outbox-marks")
        return confirmed

    async def flush(self) -> None:
        """Writes the gathered marks now (on shutdown, and in tests)."""
        if self._marker is not None and not self._marker.done():
            self._marker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._marker
        await self._mark()

    async def _mark_later(self) -> None:
        await asyncio.sleep(self._delay)
        await self._mark()

    async def _mark(self) -> None:
        ids, self._pending = self._pending, []
        if not ids:
            return
        try:
            async with self._uow.begin() as tx:
                await tx.outbox.mark_sent(ids, self._clock.now())
        except Exception:
            log.warning("marking %d confirmed replies sent failed; the relay will re-send them",
                        len(ids), exc_info=True)


class OutboxRelay:
    """Every `relay_interval_seconds`: unsent rows older than `relay_grace_seconds` ->
    publish -> mark the confirmed ones sent. `run()` until `stop()`; `relay_once()` for tests."""

    def __init__(
        self,
        uow: UnitOfWork,
        publisher: Publisher,
        settings: Settings,
        clock: Clock | None = None,
        *,
        batch_limit: int = 500,
    ) -> None:
        self._uow = uow
        self._publisher = publisher
        self._settings = settings
        self._clock: Clock = clock if clock is not None else _UtcClock()
        self._limit = batch_limit
        self._stop = asyncio.Event()

    async def relay_once(self) -> int:
        """One pass; returns how many rows were confirmed (looping while full pages come)."""
        total = 0
        while True:
            cutoff = self._clock.now() - timedelta(seconds=self._settings.relay_grace_seconds)
            async with self._uow.begin() as tx:
                rows = await tx.outbox.unsent(cutoff, self._limit)
            if not rows:
                return total
            messages = [row.message for row in rows]
            confirmed = await publish_and_mark(self._uow, self._publisher, messages,
                                               clock=self._clock)
            total += len(confirmed)
            if confirmed != {m.message_id for m in messages}:
                log.warning("relay: %d of %d outbox rows not confirmed, retrying next pass",
                            len(messages) - len(confirmed), len(messages))
                return total
            if len(rows) < self._limit:
                return total

    async def run(self) -> None:
        interval = self._settings.relay_interval_seconds
        while not self._stop.is_set():
            try:
                sent = await self.relay_once()
                if sent:
                    log.info("relay re-sent %d outbox rows", sent)
            except StorageUnavailable as exc:
                log.warning("relay: storage unavailable (%s)", exc)
            except Exception:
                log.exception("relay pass failed")
            except asyncio.CancelledError:
                # aiormq cancels the confirm futures of a connection that died: that must not
                # end the relay for good (the outbox would never be re-sent, RELIABILITY.md
                # T7). Only a cancellation of this task itself stops it.
                task = asyncio.current_task()
                if self._stop.is_set() or (task is not None and task.cancelling()):
                    raise
                log.warning("relay pass cancelled by a connection loss; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=interval)

    def stop(self) -> None:
        self._stop.set()
