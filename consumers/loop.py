"""The batching consume loop (DESIGN.md section 2).

One `BatchConsumer` per intake queue, on a channel of its own (delivery tags are per channel and
the batch ack uses `multiple=True`, so the channel must not be shared with another consumer).

    deliveries --(aio-pika callback)--> asyncio.Queue --(worker)--> batch
    batch: identify sender, envelope checks, decode (CPU) -> process_batch (one transaction)
           -> publish the replies of the batch at once (confirms) -> settle the deliveries:
              dead-letters and nacks first, then one ack(multiple=True) per channel

An ack is only ever sent after `process_batch` returned, i.e. after the commit: a SIGKILL at
any point leaves the deliveries unacked and the broker redelivers them; the inbox answers the
redelivery with the stored reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
)
from aio_pika.exceptions import ChannelInvalidStateError

from consumers.memory import release_memory
from consumers.policy import (
    ERROR_CODE_NOT_AUTHORISED,
    ERROR_CODE_PROCESSING_FAILED,
    AttemptTracker,
    Outcome,
    decide,
    describe,
    fault_headers,
)
from consumers.topology import (
    AUTHORITY_EXCHANGE,
    AUTHORITY_QUEUE,
    DEAD_QUEUE,
    SENDER_EXCHANGE_PREFIX,
)
from service import faults
from service.app.envelope import Envelope, Inbound, Outbound
from service.app.errors import StorageUnavailable
from service.app.ports import Clock, Publisher
from service.app.results import Answered, Failed, MessageResult, Parked
from service.app.routing import permitted_reply_queue
from service.config import Settings
from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.commands import Command
from service.xml.problems import type_mismatch

log = logging.getLogger(__name__)

XML_CONTENT_TYPE: Final = "application/xml"
_THREAD_DECODE_BYTES: Final = 256 * 1024
"""Bodies at least this large are decoded in a worker thread so the event loop (heartbeats,
other deliveries' confirms) is never blocked for long by lxml."""


# ---- what the consumer needs from the rest of the service (structural) ------------------------


class Decoded(Protocol):
    """What `XmlGateway.decode` returns: a command, or the anomalies that stopped decoding."""

    @property
    def command(self) -> Command | None: ...
    @property
    def anomalies(self) -> Sequence[Anomaly]: ...
    @property
    def message_type(self) -> str | None: ...
    @property
    def request_reference(self) -> str | None: ...


Decode = Callable[[bytes, str | None], Decoded]
"""`decode(body, expected_type)`: CPU only, no I/O. Enforces the size cap (90000-093)."""


class BatchProcessor(Protocol):
    """`MessageProcessor`: one transaction per batch, a result per inbound, in order. Raises
    `StorageUnavailable` when the database cannot be reached (nothing was committed)."""

    async def process_batch(self, inbounds: Sequence[Inbound]) -> list[MessageResult]: ...


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# ---- envelope-level checks --------------------------------------------------------------------


def _rejection(code: str, path: str | None, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly(code, Severity.BLOCKING, path, en, fr, nl)


def unsupported_content_type(value: str) -> Anomaly:
    return _rejection(
        "90000-146",
        None,
        f"Unsupported content type {value[:80]!r}: messages must be application/xml.",
        f"Type de contenu non supporté {value[:80]!r} : les messages doivent être "
        "application/xml.",
        f"Niet-ondersteund inhoudstype {value[:80]!r}: berichten moeten application/xml zijn.",
    )


def unsupported_encoding(value: str) -> Anomaly:
    return _rejection(
        "90000-146",
        None,
        f"Unsupported content encoding {value[:80]!r}: send the XML uncompressed.",
        f"Encodage de contenu non supporté {value[:80]!r} : envoyez le XML non compressé.",
        f"Niet-ondersteunde inhoudscodering {value[:80]!r}: verstuur de XML ongecomprimeerd.",
    )


def content_type_ok(value: str | None) -> bool:
    """application/xml (parameters such as charset allowed), or absent."""
    if not value:
        return True
    return value.split(";", 1)[0].strip().lower() == XML_CONTENT_TYPE


def encoding_ok(value: str | None) -> bool:
    return not value or value.strip().lower() == "identity"


def honoured_reply_to(reply_to: str | None, sender: str) -> str | None:
    """CONTRACT.md section 1: only Direct Reply-to or the sender's own reply queue(s)."""
    return permitted_reply_queue(sender, reply_to)


def identify_sender(exchange: str | None, queue_name: str, authority_user: str) -> str | None:
    """The broker-set exchange names the sender; None if it names nobody for this queue."""
    if not exchange:
        return None
    if queue_name == AUTHORITY_QUEUE:
        return authority_user if exchange == AUTHORITY_EXCHANGE else None
    if exchange.startswith(SENDER_EXCHANGE_PREFIX):
        user = exchange[len(SENDER_EXCHANGE_PREFIX) :]
        return user or None
    return None


# ---- bookkeeping ------------------------------------------------------------------------------


@dataclass
class ConsumerStats:
    batches: int = 0
    messages: int = 0
    max_batch_seen: int = 0
    acked: int = 0
    retried: int = 0
    dead_lettered: int = 0
    pauses: int = 0
    stale_dropped: int = 0
    returned_on_stop: int = 0
    redelivered: int = 0
    replies_published: int = 0
    replies_unconfirmed: int = 0
    batch_sizes: list[int] = field(default_factory=list)


@dataclass
class _Item:
    """One delivery in a batch and what was decided for it."""

    message: AbstractIncomingMessage
    sender: str | None = None
    key: tuple[str, str] | None = None
    inbound: Inbound | None = None
    verdict: Outcome | None = None
    dead_headers: dict[str, str | int] | None = None
    early: MessageResult | None = None  # decided before process_batch (decode crashed)


class _Stopping(Exception):
    """The consumer is stopping while a batch waits for the database: give the batch back."""


class BatchConsumer:
    """Consumes one queue in batches. Construct, `await start()`, later `await stop()`.

    `channel` must be dedicated to this consumer and opened with publisher confirms (the
    aio-pika default): dead-letter copies are published on it, to `breakgate.dead`.
    `publisher.publish_many` receives the replies of each batch (wrap the reply publisher with
    `producers.relay.MarkingPublisher` to mark the confirmed ones sent in the outbox).
    """

    def __init__(
        self,
        queue_name: str,
        channel: AbstractChannel,
        decode: Decode,
        processor: BatchProcessor,
        publisher: Publisher,
        settings: Settings,
        *,
        clock: Clock | None = None,
        prefetch: int | None = None,
        max_batch: int | None = None,
        authority_user: str | None = None,
        attempts: AttemptTracker | None = None,
    ) -> None:
        self.queue_name = queue_name
        self._channel = channel
        self._decode = decode
        self._processor = processor
        self._publisher = publisher
        self._settings = settings
        self._clock: Clock = clock if clock is not None else UtcClock()
        self._prefetch = prefetch if prefetch is not None else settings.prefetch
        self._max_batch = max(1, max_batch if max_batch is not None else settings.max_batch)
        self._authority_user = (
            authority_user if authority_user is not None else settings.authority_user
        )
        self._attempts = attempts if attempts is not None else AttemptTracker()
        self.stats = ConsumerStats()

        self._deliveries: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._carry: list[_Item] = []
        self._in_flight: list[AbstractIncomingMessage] = []
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._worker: asyncio.Task[None] | None = None
        self._busy = False
        self._settled: set[int] = set()  # ids of deliveries acked by a multiple ack
        self._transient_failures = 0
        self._stop_requested = asyncio.Event()
        self._publishing: asyncio.Task[None] | None = None
        self._closed = False
        self._dead_exchange: AbstractExchange | None = None
        if settings.max_attempts > settings.delivery_limit + 1:
            log.warning(
                "max_attempts=%d exceeds delivery_limit=%d + 1: the broker will dead-letter "
                "(without fault headers) before the consumer does",
                settings.max_attempts,
                settings.delivery_limit,
            )

    # ---- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        await self._channel.set_qos(prefetch_count=self._prefetch)
        # Passive: the topology is declared by the admin connection (consumers.topology). On a
        # robust channel the queue and its consumer are restored after a reconnect.
        self._queue = await self._channel.declare_queue(self.queue_name, passive=True)
        self._dead_exchange = self._channel.default_exchange
        self._worker = asyncio.create_task(self._run(), name=f"consume:{self.queue_name}")
        self._consumer_tag = await self._queue.consume(self._on_message, no_ack=False)
        log.info("consuming %s (prefetch %d, batch %d)", self.queue_name, self._prefetch,
                 self._max_batch)

    async def stop(self, grace: float | None = None) -> None:
        """basic.cancel, finish the batch in flight (within the grace), then give back every
        delivery not processed with nack(requeue=True)."""
        grace = self._settings.shutdown_grace_seconds if grace is None else grace
        deadline = time.monotonic() + grace
        self._stop_requested.set()
        if self._queue is not None and self._consumer_tag is not None:
            try:
                await asyncio.wait_for(self._queue.cancel(self._consumer_tag), timeout=grace)
            except Exception:  # channel already gone: the broker returns everything itself
                log.warning("basic.cancel on %s failed", self.queue_name, exc_info=True)
            self._consumer_tag = None
        worker = self._worker
        if worker is not None:
            if not self._busy:
                worker.cancel()
            else:
                remaining = max(0.0, deadline - time.monotonic())
                await asyncio.wait({worker}, timeout=remaining)
                if not worker.done():
                    log.warning("batch on %s still running after the grace: cancelling",
                                self.queue_name)
                    worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker
        if self._publishing is not None:
            remaining = max(0.1, deadline - time.monotonic())
            await asyncio.wait({self._publishing}, timeout=remaining)
        # Let deliveries already in aio-pika's hands reach the queue before draining it.
        await asyncio.sleep(0)
        self._closed = True
        leftovers = {id(m): m for m in self._in_flight}
        leftovers.update((id(i.message), i.message) for i in self._carry)
        self._in_flight, self._carry = [], []
        while not self._deliveries.empty():
            message = self._deliveries.get_nowait()
            leftovers[id(message)] = message
        await self._give_back(list(leftovers.values()))

    async def _give_back(self, messages: Sequence[AbstractIncomingMessage]) -> None:
        for message in messages:
            if message.processed or id(message) in self._settled or not _live(message):
                continue
            try:
                await message.nack(requeue=True)
                self.stats.returned_on_stop += 1
            except Exception:
                log.debug("could not return a delivery (channel closing?)", exc_info=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        if self._closed:
            await self._give_back([message])
            return
        self._deliveries.put_nowait(message)

    # ---- the worker ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stop_requested.is_set():
            batch: list[_Item] = list(self._carry)
            self._carry = []
            if not batch:
                batch.append(_Item(await self._deliveries.get()))
            while len(batch) < self._max_batch:
                try:
                    batch.append(_Item(self._deliveries.get_nowait()))
                except asyncio.QueueEmpty:
                    break
            self._busy = True
            self._in_flight = [i.message for i in batch]
            try:
                await self._handle(batch)
            except _Stopping:
                return  # the deliveries stay in _in_flight: stop() gives them back
            except Exception:
                # A bug of ours: nothing is acked, the broker redelivers after a reconnect.
                log.exception("unexpected error handling a batch of %s", self.queue_name)
                await self._give_back(self._in_flight)
            finally:
                self._busy = False
            self._in_flight = []

    async def _handle(self, batch: list[_Item]) -> None:
        self._settled = set()
        live = [item for item in batch if _live(item.message)]
        self.stats.stale_dropped += len(batch) - len(live)
        if not live:
            return
        self._count_redeliveries(live)
        faults.crashpoint("after_receive")
        pending = [item for item in live if item.inbound is not None or self._prepare(item)]
        for item in pending:
            if item.inbound is None and item.early is None:  # big body: decode in a thread
                try:
                    item.inbound = await asyncio.to_thread(self._inbound, item)
                except Exception as exc:
                    item.early = Failed(exc)
        to_process = [item for item in pending if item.inbound is not None]
        faults.crashpoint("after_parse")
        if faults.enabled():  # test-only: the slow markers of a batch sleep together
            await asyncio.gather(*(faults.slow_hook(i.message.body) for i in to_process))
        results = await self._process(to_process)
        if to_process:
            faults.crashpoint("after_commit_before_ack")

        outbound: list[Outbound] = []
        for item, result in zip(to_process, results, strict=True):
            self._judge(item, result, outbound)
        for item in pending:
            if item.early is not None:
                self._judge(item, item.early, outbound)

        # Ack first: the replies are committed in the outbox (the relay re-sends what a crash
        # leaves unsent). Their confirms are then awaited while the next batch is processed.
        await self._settle(live)
        faults.crashpoint("after_ack")
        if outbound:
            await self._publish_behind(outbound)
        if any(len(item.message.body) >= _THREAD_DECODE_BYTES for item in live):
            release_memory()  # a large document's parse tree is freed: give it back to the OS
        self.stats.batches += 1
        self.stats.messages += len(live)
        self.stats.max_batch_seen = max(self.stats.max_batch_seen, len(live))
        if len(self.stats.batch_sizes) < 10_000:
            self.stats.batch_sizes.append(len(live))

    def _count_redeliveries(self, live: list[_Item]) -> None:
        """Fresh deliveries the broker marked redelivered (carried items count once)."""
        redelivered = sum(1 for i in live if i.inbound is None and i.message.redelivered)
        if redelivered:
            self.stats.redelivered += redelivered
            log.info("redeliveries seen: %d", redelivered)

    # ---- 1. identify, check, decode -----------------------------------------------------------

    def _prepare(self, item: _Item) -> bool:
        """Fill `item`; False if it is already decided (dead-letter) and not to be processed."""
        message = item.message
        sender = identify_sender(message.exchange, self.queue_name, self._authority_user)
        if sender is None or (message.user_id and message.user_id != sender):
            item.verdict = Outcome.DEAD_LETTER
            item.dead_headers = self._fault(
                message,
                code=ERROR_CODE_NOT_AUTHORISED,
                text=(
                    f"user_id {message.user_id!r} does not match the exchange "
                    f"{message.exchange!r}"
                    if sender is not None
                    else f"no sender for exchange {message.exchange!r} on {self.queue_name}"
                ),
                kind="NotAuthorised",
                attempts=1,
            )
            return False
        item.sender = sender
        message_id = message.message_id or f"sha256:{hashlib.sha256(message.body).hexdigest()}"
        item.key = (sender, message_id)
        if len(message.body) >= _THREAD_DECODE_BYTES:
            return True  # decoded in a thread by _handle
        try:
            item.inbound = self._inbound(item)
        except Exception as exc:  # a bug in decoding: the policy table decides (retry, dead)
            item.early = Failed(exc)
        return True

    def _inbound(self, item: _Item) -> Inbound:
        message = item.message
        assert item.sender is not None and item.key is not None
        body = message.body
        faults.poison_hook(body)
        envelope = Envelope(
            sender=item.sender,
            message_id=item.key[1],
            correlation_id=message.correlation_id or item.key[1],
            body_sha256=hashlib.sha256(body).hexdigest(),
            received_at=self._clock.now(),
            reply_to=honoured_reply_to(message.reply_to, item.sender),
        )
        routing_key = message.routing_key or None
        declared = message.type or None
        refusal: Anomaly | None = None
        if not encoding_ok(message.content_encoding):
            refusal = unsupported_encoding(message.content_encoding or "")
        elif not content_type_ok(message.content_type):
            refusal = unsupported_content_type(message.content_type or "")
        if refusal is not None:
            return Inbound(envelope, message_type=routing_key, request_reference=None,
                           anomalies=(refusal,))
        # The `type` property, when set, must name the root (the gateway checks it); the
        # routing key must too, since it chose the queue (and so the size cap).
        decoded = self._decode(body, declared or routing_key)
        root = decoded.message_type
        if not decoded.anomalies and routing_key and root and root != routing_key:
            return Inbound(envelope, message_type=root,
                           request_reference=decoded.request_reference,
                           anomalies=(type_mismatch(routing_key, root),))
        return Inbound(
            envelope,
            message_type=decoded.message_type,
            request_reference=decoded.request_reference,
            command=decoded.command,
            anomalies=tuple(decoded.anomalies),
        )

    # ---- 2. process, pausing while the database is away ----------------------------------------

    async def _process(self, items: list[_Item]) -> list[MessageResult]:
        if not items:
            return []
        inbounds = [item.inbound for item in items if item.inbound is not None]
        while True:
            try:
                results = await self._processor.process_batch(inbounds)
            except StorageUnavailable as exc:
                await self._pause(exc)
                continue
            except Exception as exc:
                if len(items) == 1:
                    return [Failed(exc)]
                # A batch-level error we cannot attribute: isolate the culprit, one by one.
                log.warning("batch of %d failed (%s): processing one by one", len(items),
                            type(exc).__name__)
                singles: list[MessageResult] = []
                for item in items:
                    singles.extend(await self._process([item]))
                return singles
            if len(results) != len(inbounds):
                raise RuntimeError(
                    f"process_batch returned {len(results)} results for {len(inbounds)} inbounds"
                )
            if not any(
                isinstance(r, Failed) and isinstance(r.error, StorageUnavailable) for r in results
            ):
                self._transient_failures = 0
            return results

    async def _pause(self, exc: BaseException) -> None:
        """PAUSE_AND_RETRY: hold everything (no ack, no nack), back off exponentially."""
        if self._stop_requested.is_set():
            raise _Stopping from exc
        self._transient_failures += 1
        failures = self._transient_failures
        s = self._settings
        delay = min(s.transient_backoff_initial_seconds * 2 ** min(failures - 1, 30),
                    s.transient_backoff_max_seconds)
        self.stats.pauses += 1
        log.warning("storage unavailable (%s): pausing %s for %.2fs (attempt %d)",
                    exc, self.queue_name, delay, failures)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_requested.wait(), timeout=delay)
        if self._stop_requested.is_set():
            raise _Stopping from exc

    # ---- 3. apply the policy table --------------------------------------------------------------

    def _judge(self, item: _Item, result: MessageResult, outbound: list[Outbound]) -> None:
        if item.key is None:
            item.key = ("", f"sha256:{hashlib.sha256(item.message.body).hexdigest()}")
        if isinstance(result, Answered):
            outbound.extend(result.outbound)
            item.verdict = Outcome.ACK
            self._attempts.forget(item.key)
        elif isinstance(result, Parked):
            item.verdict = Outcome.DEAD_LETTER
            item.dead_headers = self._fault(item.message, code=result.code, text=result.reason,
                                            kind="Parked", attempts=1)
            self._attempts.forget(item.key)
        else:
            error = result.error
            attempts = self._attempts.attempts(item.key) + 1
            verdict = decide(error, attempts, self._settings.max_attempts)
            if verdict is Outcome.PAUSE_AND_RETRY:
                item.verdict = Outcome.PAUSE_AND_RETRY  # kept for the next batch, no nack
                return
            if verdict is Outcome.ACK:
                self._attempts.forget(item.key)
            else:
                self._attempts.failed(item.key)
            item.verdict = verdict
            if verdict is Outcome.DEAD_LETTER:
                kind, text = describe(error)
                item.dead_headers = self._fault(item.message, code=ERROR_CODE_PROCESSING_FAILED,
                                                text=text, kind=kind, attempts=attempts)
                self._attempts.forget(item.key)
            else:
                log.warning("message %s of %s failed (%s), attempt %d: %s",
                            item.key[1], item.key[0], type(error).__name__, attempts,
                            verdict.value)

    def _fault(self, message: AbstractIncomingMessage, *, code: str, text: str, kind: str,
               attempts: int) -> dict[str, str | int]:
        return fault_headers(code=code, message=text, exception_type=kind,
                             original_queue=self.queue_name, failed_at=self._clock.now(),
                             attempts=attempts)

    # ---- 4. publish the replies, then settle ----------------------------------------------------

    async def _publish_behind(self, outbound: list[Outbound]) -> None:
        """At most one batch of replies waits for its confirms at a time, in batch order."""
        await self._publish_drained()
        self._publishing = asyncio.create_task(self._publish(outbound),
                                               name=f"publish:{self.queue_name}")

    async def _publish_drained(self) -> None:
        if self._publishing is not None:
            with contextlib.suppress(Exception):
                await self._publishing
            self._publishing = None

    async def _publish(self, outbound: list[Outbound]) -> None:
        try:
            confirmed = await self._publisher.publish_many(outbound)
        except Exception:
            # Committed in the outbox: the relay re-sends (policy: PublishFailed -> ACK).
            log.exception("publishing %d replies failed; the outbox relay will re-send",
                          len(outbound))
            confirmed = set()
        except asyncio.CancelledError:
            # aiormq cancels the confirm futures of a connection that died. This task must not
            # end cancelled: the worker awaits it before the next batch and would die with it.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            log.warning("publishing %d replies was cut by a connection loss; the outbox relay "
                        "will re-send", len(outbound))
            confirmed = set()
        self.stats.replies_published += len(confirmed)
        self.stats.replies_unconfirmed += len(outbound) - len(confirmed)

    async def _settle(self, items: list[_Item]) -> None:
        dead = [item for item in items if item.verdict is Outcome.DEAD_LETTER]
        if dead:
            published = await asyncio.gather(*(self._dead_letter(item) for item in dead))
            for item, ok in zip(dead, published, strict=True):
                # Not in breakgate.dead: requeue, the broker's delivery limit is the backstop.
                item.verdict = Outcome.ACK if ok else Outcome.RETRY
                if ok:
                    self.stats.dead_lettered += 1

        for item in items:
            if item.verdict is Outcome.RETRY:
                await _quietly(item.message.nack(requeue=True))
                self.stats.retried += 1
            elif item.verdict is Outcome.PAUSE_AND_RETRY:
                self._carry.append(item)

        acks = [item.message for item in items if item.verdict is Outcome.ACK]
        held = [item.message for item in self._carry]
        await self._ack(acks, held)
        self._in_flight = held
        if self._carry:
            await self._pause(StorageUnavailable("a message of the batch"))

    async def _ack(self, acks: list[AbstractIncomingMessage],
                   held: list[AbstractIncomingMessage]) -> None:
        """One ack(multiple=True) per channel up to the last tag below any delivery still held;
        the ones above it one by one. Every lower unsettled tag is in this batch (FIFO)."""
        by_channel: dict[int, tuple[Any, list[AbstractIncomingMessage]]] = {}
        for message in acks:
            if not _live(message) or message.delivery_tag is None:
                continue
            channel = message.channel
            by_channel.setdefault(id(channel), (channel, []))[1].append(message)
        for key, (_, messages) in by_channel.items():
            floor = min(
                (m.delivery_tag for m in held
                 if m.delivery_tag is not None and _live(m) and id(m.channel) == key),
                default=None,
            )
            messages.sort(key=lambda m: m.delivery_tag or 0)
            below = [m for m in messages if floor is None or (m.delivery_tag or 0) < floor]
            above = messages[len(below):]
            if below:
                await _quietly(below[-1].ack(multiple=True))
                self._settled.update(id(m) for m in below)
            for message in above:
                await _quietly(message.ack())
            self.stats.acked += len(messages)

    async def _dead_letter(self, item: _Item) -> bool:
        """Publish a copy to breakgate.dead (default exchange, confirmed); True once confirmed."""
        message = item.message
        assert item.dead_headers is not None and self._dead_exchange is not None
        headers: dict[str, Any] = {}
        if message.headers:
            headers.update(message.headers)
        headers.update(item.dead_headers)
        headers["x-original-exchange"] = message.exchange or ""
        headers["x-original-routing-key"] = message.routing_key or ""
        if message.user_id:
            headers["x-original-user-id"] = message.user_id
        copy = aio_pika.Message(
            message.body,
            headers=headers,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type=message.type,
            reply_to=message.reply_to,
            timestamp=message.timestamp,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            result = await asyncio.wait_for(
                self._dead_exchange.publish(copy, routing_key=DEAD_QUEUE, mandatory=True),
                timeout=self._settings.publish_confirm_timeout_seconds,
            )
        except Exception:
            log.exception("dead-lettering a message of %s failed", self.queue_name)
            return False
        # With confirms the broker's Basic.Ack comes back; a return (unroutable) does not.
        confirmed = getattr(result, "name", None) == "Basic.Ack"
        if not confirmed:
            log.error("dead-letter copy not confirmed (%r): requeueing instead", result)
        return confirmed


def _live(message: AbstractIncomingMessage) -> bool:
    """False once the channel the delivery came on is closed (reconnect): the broker has
    already requeued it and a new delivery will come on the new channel."""
    try:
        return not message.channel.is_closed
    except ChannelInvalidStateError:
        return False


async def _quietly(settle: Awaitable[None]) -> None:
    try:
        await settle
    except Exception:
        # The channel died between the check and the frame: the broker requeues the delivery.
        log.warning("settling a delivery failed", exc_info=True)
