"""The `breakgate.bulk` consumer: one BulkFile delivery at a time, on a channel of its own with
its own (small) prefetch, apart from the interactive queues (DESIGN.md section 3).

    delivery -> identify the sender (exchange), envelope checks -> intake (stream, check the
    file as a whole, store it with its receipt: one transaction) -> publish the receipt -> ack

The delivery is acked right after its intake committed, seconds after it arrived whatever the
number of items: the items are processed later by the bulk worker, from the database, so no
delivery is held unacked for minutes (RELIABILITY.md 1, consumer_timeout). A SIGKILL before
the ack leaves the delivery unacked; its redelivery is answered from the inbox with the same
receipt. Failures follow the ack-policy table of `consumers.policy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from typing import Any, Protocol

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from aio_pika.exceptions import ChannelInvalidStateError

from consumers.loop import (
    UtcClock,
    content_type_ok,
    encoding_ok,
    honoured_reply_to,
    identify_sender,
    unsupported_content_type,
    unsupported_encoding,
)
from consumers.policy import (
    ERROR_CODE_NOT_AUTHORISED,
    ERROR_CODE_PROCESSING_FAILED,
    AttemptTracker,
    Outcome,
    decide,
    describe,
    fault_headers,
)
from consumers.topology import BULK_QUEUE, BULK_ROOT, DEAD_QUEUE
from service.app.envelope import Envelope
from service.app.errors import StorageUnavailable
from service.app.ports import Clock, Publisher
from service.app.results import Answered
from service.config import Settings
from service.domain.anomalies import Anomaly
from service.xml.problems import type_mismatch

log = logging.getLogger(__name__)


class Intake(Protocol):
    """`service.app.bulk_intake.BulkIntake`."""

    async def receive(self, envelope: Envelope, body: bytes) -> Answered: ...
    async def refuse(self, envelope: Envelope, anomalies: tuple[Anomaly, ...]) -> Answered: ...


class _Stopping(Exception):
    pass


class BulkIntakeConsumer:
    """Construct, `await start()`, later `await stop()`. `channel` is this consumer's own."""

    def __init__(
        self,
        channel: AbstractChannel,
        intake: Intake,
        publisher: Publisher,
        settings: Settings,
        *,
        clock: Clock | None = None,
        prefetch: int | None = None,
        attempts: AttemptTracker | None = None,
    ) -> None:
        self.queue_name = BULK_QUEUE
        self._channel = channel
        self._intake = intake
        self._publisher = publisher
        self._settings = settings
        self._clock: Clock = clock if clock is not None else UtcClock()
        self._prefetch = prefetch if prefetch is not None else settings.bulk_prefetch
        self._attempts = attempts if attempts is not None else AttemptTracker()
        self._deliveries: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._worker: asyncio.Task[None] | None = None
        self._current: AbstractIncomingMessage | None = None
        self._stopping = asyncio.Event()
        self._closed = False
        self.received = 0
        self.acked = 0

    async def start(self) -> None:
        await self._channel.set_qos(prefetch_count=self._prefetch)
        self._queue = await self._channel.declare_queue(self.queue_name, passive=True)
        self._worker = asyncio.create_task(self._run(), name=f"consume:{self.queue_name}")
        self._tag = await self._queue.consume(self._on_message, no_ack=False)
        log.info("consuming %s (prefetch %d)", self.queue_name, self._prefetch)

    async def stop(self, grace: float | None = None) -> None:
        """basic.cancel, let the delivery in hand finish (within the grace), give back the
        rest with nack(requeue=True)."""
        grace = self._settings.shutdown_grace_seconds if grace is None else grace
        deadline = time.monotonic() + grace
        self._stopping.set()
        if self._queue is not None and self._tag is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._queue.cancel(self._tag), timeout=grace)
            self._tag = None
        if self._worker is not None:
            if self._current is None:
                self._worker.cancel()
            await asyncio.wait({self._worker}, timeout=max(0.0, deadline - time.monotonic()))
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker
        await asyncio.sleep(0)
        self._closed = True
        leftovers = [self._current] if self._current is not None else []
        while not self._deliveries.empty():
            leftovers.append(self._deliveries.get_nowait())
        for message in leftovers:
            await _give_back(message)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        if self._closed:
            await _give_back(message)
            return
        self._deliveries.put_nowait(message)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            message = await self._deliveries.get()
            self._current = message
            try:
                await self._handle(message)
            except _Stopping:
                return  # stop() gives the delivery back
            except Exception:
                log.exception("unexpected error on a delivery of %s", self.queue_name)
                await _give_back(message)
            self._current = None

    # ---- one delivery -----------------------------------------------------------------------

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        if not _live(message):
            return
        self.received += 1
        sender = identify_sender(message.exchange, self.queue_name, self._settings.authority_user)
        if sender is None or (message.user_id and message.user_id != sender):
            await self._dead_letter(message, code=ERROR_CODE_NOT_AUTHORISED, kind="NotAuthorised",
                                    text=f"user_id {message.user_id!r} / exchange "
                                         f"{message.exchange!r} name no sender", attempts=1)
            return
        envelope = await self._envelope(message, sender)
        key = (sender, envelope.message_id)
        while True:
            try:
                answer = await self._intake_call(message, envelope)
                break
            except StorageUnavailable as exc:
                await self._pause(exc)
            except Exception as exc:
                attempts = self._attempts.failed(key)
                verdict = decide(exc, attempts, self._settings.max_attempts)
                if verdict is Outcome.DEAD_LETTER:
                    kind, text = describe(exc)
                    await self._dead_letter(message, code=ERROR_CODE_PROCESSING_FAILED,
                                            kind=kind, text=text, attempts=attempts)
                    self._attempts.forget(key)
                else:
                    log.warning("bulk delivery %s of %s failed (%s), attempt %d: requeued",
                                envelope.message_id, sender, type(exc).__name__, attempts)
                    await _quietly(message.nack(requeue=True))
                return
        self._attempts.forget(key)
        try:
            await self._publisher.publish_many(answer.outbound)
        except Exception:
            log.warning("publishing a BulkReceipt failed; the relay will re-send it",
                        exc_info=True)
        await _quietly(message.ack())
        self.acked += 1

    async def _envelope(self, message: AbstractIncomingMessage, sender: str) -> Envelope:
        # Hashing tens of megabytes takes a while: in a thread (hashlib lets go of the GIL),
        # not in the event loop the interactive consumers share.
        digest = (await asyncio.to_thread(hashlib.sha256, message.body)).hexdigest()
        message_id = message.message_id or f"sha256:{digest}"
        return Envelope(
            sender=sender, message_id=message_id,
            correlation_id=message.correlation_id or message_id,
            body_sha256=digest, received_at=self._clock.now(),
            reply_to=honoured_reply_to(message.reply_to, sender),
        )

    async def _intake_call(self, message: AbstractIncomingMessage,
                           envelope: Envelope) -> Answered:
        refusal: Anomaly | None = None
        if not encoding_ok(message.content_encoding):
            refusal = unsupported_encoding(message.content_encoding or "")
        elif not content_type_ok(message.content_type):
            refusal = unsupported_content_type(message.content_type or "")
        elif message.type and message.type != BULK_ROOT:
            refusal = type_mismatch(message.type, BULK_ROOT)
        if refusal is not None:
            return await self._intake.refuse(envelope, (refusal,))
        return await self._intake.receive(envelope, message.body)

    async def _pause(self, exc: BaseException) -> None:
        if self._stopping.is_set():
            raise _Stopping from exc
        delay = self._settings.transient_backoff_initial_seconds
        log.warning("storage unavailable (%s): pausing %s for %.2fs", exc, self.queue_name,
                    delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)
        if self._stopping.is_set():
            raise _Stopping from exc

    async def _dead_letter(self, message: AbstractIncomingMessage, *, code: str, kind: str,
                           text: str, attempts: int) -> None:
        headers: dict[str, Any] = dict(message.headers or {})
        headers.update(fault_headers(code=code, message=text, exception_type=kind,
                                     original_queue=self.queue_name,
                                     failed_at=self._clock.now(), attempts=attempts))
        headers["x-original-exchange"] = message.exchange or ""
        headers["x-original-routing-key"] = message.routing_key or ""
        copy = aio_pika.Message(
            message.body, headers=headers, content_type=message.content_type,
            content_encoding=message.content_encoding, message_id=message.message_id,
            correlation_id=message.correlation_id, type=message.type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            result = await asyncio.wait_for(
                self._channel.default_exchange.publish(copy, routing_key=DEAD_QUEUE,
                                                       mandatory=True),
                timeout=self._settings.publish_confirm_timeout_seconds,
            )
        except Exception:
            log.exception("dead-lettering a bulk delivery failed: requeueing it")
            await _quietly(message.nack(requeue=True))
            return
        if getattr(result, "name", None) == "Basic.Ack":
            await _quietly(message.ack())
        else:
            await _quietly(message.nack(requeue=True))


def _live(message: AbstractIncomingMessage) -> bool:
    try:
        return not message.channel.is_closed
    except ChannelInvalidStateError:
        return False


async def _give_back(message: AbstractIncomingMessage) -> None:
    if message.processed or not _live(message):
        return
    with contextlib.suppress(Exception):
        await message.nack(requeue=True)


async def _quietly(settle: Any) -> None:
    try:
        await settle
    except Exception:
        log.warning("settling a bulk delivery failed", exc_info=True)
