"""BatchConsumer against the real broker, with a stub processor (the database is faked)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from support_amqp import TestBroker, Users, wait_until

from consumers.connection import connect
from consumers.loop import BatchConsumer
from consumers.topology import (
    AUTHORITY_EXCHANGE,
    AUTHORITY_QUEUE,
    DEAD_QUEUE,
    REPLIES_EXCHANGE,
    REQUESTS_QUEUE,
    reply_queue,
    sender_exchange,
)
from producers.publisher import ReplyPublisher
from service.app.envelope import Inbound, Outbound
from service.app.errors import StorageUnavailable
from service.app.results import Answered, Failed, MessageResult, Parked
from service.config import Settings
from service.domain.anomalies import Anomaly
from service.domain.commands import Command
from service.xml.problems import type_mismatch

pytestmark = pytest.mark.integration


# ---- stubs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StubDecoded:
    message_type: str | None
    request_reference: str | None
    command: Command | None = None
    anomalies: tuple[Anomaly, ...] = ()


def stub_decode(body: bytes, expected_type: str | None) -> StubDecoded:
    """Like the gateway: the root is the body's first word when it looks like a root name."""
    reference = body[:36].decode("latin-1")
    root = reference if reference.endswith("Request") else "SubmitRequest"
    if expected_type is not None and expected_type != root:
        return StubDecoded(root, reference, anomalies=(type_mismatch(expected_type, root),))
    return StubDecoded(message_type=root, request_reference=reference)


@dataclass
class StubProcessor:
    """Answers each inbound with one reply; bodies containing FAIL fail, PARK are parked.
    `down_calls` first calls raise StorageUnavailable (the database is away); `gate`, when set,
    blocks every call until it is opened."""

    down_calls: int = 0
    gate: asyncio.Event | None = None
    calls: int = 0
    entered: int = 0
    entered_sizes: list[int] = field(default_factory=list)
    batches: list[list[Inbound]] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)

    async def process_batch(self, inbounds: Sequence[Inbound]) -> list[MessageResult]:
        self.entered += 1
        self.entered_sizes.append(len(inbounds))
        if self.gate is not None:
            await self.gate.wait()
        self.calls += 1
        if self.calls <= self.down_calls:
            raise StorageUnavailable("database is down (stub)")
        self.batches.append(list(inbounds))
        results: list[MessageResult] = []
        for inbound in inbounds:
            envelope = inbound.envelope
            self.attempts[envelope.message_id] += 1
            ref = inbound.request_reference or ""
            if "FLAKY" in ref and self.attempts[envelope.message_id] < 3:
                results.append(Failed(StorageUnavailable("row lock timeout (stub)")))
            elif "FAIL" in ref:
                results.append(Failed(RuntimeError(f"boom on {envelope.message_id}")))
            elif "PARK" in ref:
                results.append(Parked("70012-241", "cancellation crossed the worker"))
            else:
                exchange, key = (
                    ("", envelope.reply_to) if envelope.reply_to
                    else (REPLIES_EXCHANGE, envelope.sender)
                )
                results.append(Answered((Outbound(
                    exchange=exchange,
                    routing_key=key,
                    message_id=f"reply:{envelope.sender}:{envelope.message_id}",
                    correlation_id=envelope.correlation_id,
                    message_type="Ticket",
                    body=b"<Ticket/>",
                ),)))
        return results

    @property
    def inbounds(self) -> list[Inbound]:
        return [inbound for batch in self.batches for inbound in batch]


# ---- helpers ----------------------------------------------------------------------------------


async def publish(
    connection: AbstractRobustConnection, exchange: str, bodies: Sequence[bytes], *,
    key: str = "SubmitRequest", ids: Sequence[str] | None = None, **properties: Any,
) -> None:
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    target = await channel.get_exchange(exchange, ensure=False)
    properties.setdefault("content_type", "application/xml")
    for start in range(0, len(bodies), 250):
        await asyncio.gather(*(
            target.publish(
                aio_pika.Message(body, message_id=(ids[i] if ids else f"m{i}"), **properties),
                routing_key=key, mandatory=True,
            )
            for i, body in enumerate(bodies[start:start + 250], start)
        ))
    await channel.close()


async def queue_messages(
    channel: AbstractChannel, name: str
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    queue = await channel.declare_queue(name, passive=True)
    out = []
    while (message := await queue.get(no_ack=True, fail=False)) is not None:
        out.append(message)
    return out


@dataclass
class Running:
    consumer: BatchConsumer
    publisher: ReplyPublisher
    connection: AbstractRobustConnection


@pytest.fixture
async def start(
    settings: Settings, topology: None
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    running: list[Running] = []

    async def _start(processor: StubProcessor, *, queue: str = REQUESTS_QUEUE,
                     **kwargs: Any) -> Running:
        connection = await connect(settings, name="breakgate-test-consumer")
        publisher = await ReplyPublisher.open(connection, settings)
        channel = await connection.channel()
        consumer = BatchConsumer(queue, channel, stub_decode, processor, publisher, settings,
                                 **kwargs)
        await consumer.start()
        run = Running(consumer, publisher, connection)
        running.append(run)
        return run

    yield _start
    for run in running:
        await run.consumer.stop(grace=1)
        await run.connection.close()


# ---- tests ------------------------------------------------------------------------------------


async def test_thousand_messages_in_batches_all_acked_and_answered(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    n = 1000
    await publish(admin, sender_exchange(users.alice.user), [f"REF{i}".encode() for i in range(n)])
    processor = StubProcessor()
    began = time.perf_counter()
    run = await start(processor)
    # Acks go out right after the commit; the replies' confirms are awaited behind them.
    await wait_until(lambda: run.consumer.stats.acked >= n
                     and run.consumer.stats.replies_published >= n, timeout=60,
                     what="1000 acks and 1000 confirmed replies")
    elapsed = time.perf_counter() - began
    stats = run.consumer.stats
    print(f"\nconsumer: {n} messages in {elapsed:.2f}s = {n / elapsed:.0f} msg/s; "
          f"{stats.batches} batches, max {stats.max_batch_seen}, sizes {stats.batch_sizes[:12]}")

    assert stats.messages == n and stats.replies_published == n
    assert stats.replies_unconfirmed == 0 and stats.dead_lettered == 0 and stats.retried == 0
    assert stats.max_batch_seen > 1 and stats.batches < n
    assert len(processor.inbounds) == n
    assert {i.envelope.sender for i in processor.inbounds} == {users.alice.user}

    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (0, 0), timeout=20,
                     what="an empty intake queue with nothing unacked")
    channel = await admin.channel()
    replies = await queue_messages(channel, reply_queue(users.alice.user))
    assert len(replies) == n
    assert {m.correlation_id for m in replies} == {f"m{i}" for i in range(n)}


async def test_failed_message_is_retried_then_dead_lettered_with_fault_headers(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker, settings: Settings,
) -> None:
    exchange = sender_exchange(users.alice.user)
    await publish(admin, exchange, [b"OK-1", b"OK-2"], ids=["ok1", "ok2"])
    # A8: forged retry headers change nothing; our own count decides.
    await publish(admin, exchange, [b"FAIL-1"], ids=["bad"], headers={
        "x-delivery-count": 100, "x-death": [{"count": 50, "queue": REQUESTS_QUEUE}],
        "x-attempts": "999", "x-error-code": "forged",
    })
    processor = StubProcessor()
    run = await start(processor)
    channel = await admin.channel()
    dead: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def dead_arrived() -> bool:
        dead.extend(await queue_messages(channel, DEAD_QUEUE))
        return bool(dead)

    await wait_until(dead_arrived, timeout=30, what="the dead-lettered copy")
    assert processor.attempts["bad"] == settings.max_attempts == 3
    assert processor.attempts["ok1"] == processor.attempts["ok2"] == 1
    (copy,) = dead
    headers = copy.headers
    assert headers["x-error-code"] == "PROCESSING_FAILED"
    assert headers["x-attempts"] == 3
    assert headers["x-exception-type"] == "builtins.RuntimeError"
    assert "boom on bad" in str(headers["x-error-message"])
    assert headers["x-original-queue"] == REQUESTS_QUEUE
    assert headers["x-original-exchange"] == exchange
    assert "T" in str(headers["x-failed-at"])
    assert copy.body == b"FAIL-1" and copy.message_id == "bad"
    assert run.consumer.stats.retried == 2 and run.consumer.stats.dead_lettered == 1
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (0, 0), timeout=20,
                     what="an empty intake queue")
    replies = await queue_messages(channel, reply_queue(users.alice.user))
    assert sorted(m.correlation_id or "" for m in replies) == ["ok1", "ok2"]


async def test_storage_unavailable_pauses_then_processes_the_batch_once(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    n = 40
    await publish(admin, sender_exchange(users.alice.user), [f"R{i}".encode() for i in range(n)])
    processor = StubProcessor(down_calls=4)
    run = await start(processor)
    await wait_until(lambda: run.consumer.stats.acked >= n, timeout=30, what="all acked")
    stats = run.consumer.stats
    assert stats.pauses >= 4
    assert stats.retried == 0 and stats.dead_lettered == 0
    assert all(count == 1 for count in processor.attempts.values())
    assert len(processor.attempts) == n
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (0, 0), timeout=20,
                     what="an empty intake queue")
    channel = await admin.channel()
    assert await queue_messages(channel, DEAD_QUEUE) == []
    # Never requeued while the database was away: no delivery was marked redelivered.
    assert len(await queue_messages(channel, reply_queue(users.alice.user))) == n


async def test_one_message_with_a_transient_error_is_held_not_requeued(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    bodies = [b"A0", b"A1", b"FLAKY", b"A3", b"A4"]
    await publish(admin, sender_exchange(users.alice.user), bodies,
                  ids=["a0", "a1", "flaky", "a3", "a4"])
    processor = StubProcessor()
    run = await start(processor)
    await wait_until(lambda: run.consumer.stats.acked >= 5, what="all acked")
    assert processor.attempts["flaky"] == 3
    assert all(processor.attempts[k] == 1 for k in ("a0", "a1", "a3", "a4"))
    stats = run.consumer.stats
    assert stats.retried == 0 and stats.dead_lettered == 0 and stats.pauses >= 2
    await publish(admin, sender_exchange(users.alice.user), [b"B"], ids=["after"])
    await wait_until(lambda: run.consumer.stats.acked >= 6, what="the channel still works")
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (0, 0), timeout=20,
                     what="an empty intake queue")


async def test_user_id_of_another_user_is_dead_lettered_without_reply(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    # The admin may set its own user_id on a sender's exchange; it does not name that sender.
    await publish(admin, sender_exchange(users.alice.user), [b"X"], ids=["spoofed"],
                  user_id=broker.admin_user)
    await publish(admin, sender_exchange(users.alice.user), [b"Y"], ids=["fine"])
    processor = StubProcessor()
    run = await start(processor)
    await wait_until(lambda: run.consumer.stats.acked >= 2, what="both settled")
    assert [i.envelope.message_id for i in processor.inbounds] == ["fine"]
    channel = await admin.channel()
    (dead,) = await queue_messages(channel, DEAD_QUEUE)
    assert dead.headers["x-error-code"] == "00014-155"
    assert dead.headers["x-original-user-id"] == broker.admin_user
    assert dead.user_id is None
    replies = await queue_messages(channel, reply_queue(users.alice.user))
    assert [m.correlation_id for m in replies] == ["fine"]


async def test_envelope_checks_and_reply_to(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users,
) -> None:
    alice, bob = users.alice.user, users.bob.user
    ex = sender_exchange(alice)
    await publish(admin, ex, [b"A"], ids=["json"], content_type="application/json")
    await publish(admin, ex, [b"B"], ids=["gzip"], content_encoding="gzip")
    await publish(admin, ex, [b"C"], ids=["typed"], type="CancelRequest")
    await publish(admin, ex, [b"CancelRequest"], ids=["wrong-key"])  # key SubmitRequest
    await publish(admin, ex, [b"D"], ids=["charset"],
                  content_type="application/xml; charset=utf-8", type="SubmitRequest")
    await publish(admin, ex, [b"E"], ids=["other-reply"], reply_to=reply_queue(bob))  # A7
    await publish(admin, ex, [b"F"], ids=["own-reply"], reply_to=reply_queue(alice),
                  correlation_id="c-1")
    processor = StubProcessor()
    run = await start(processor)
    await wait_until(lambda: run.consumer.stats.acked >= 7, what="7 settled")

    by_id = {i.envelope.message_id: i for i in processor.inbounds}
    assert [a.code for a in by_id["json"].anomalies] == ["90000-146"]
    assert [a.code for a in by_id["gzip"].anomalies] == ["90000-146"]
    assert [a.code for a in by_id["typed"].anomalies] == ["90000-003"]  # gateway's code
    assert [a.code for a in by_id["wrong-key"].anomalies] == ["90000-003"]
    assert by_id["wrong-key"].message_type == "CancelRequest"
    assert by_id["charset"].anomalies == () and by_id["charset"].message_type == "SubmitRequest"
    assert by_id["other-reply"].envelope.reply_to is None
    assert by_id["own-reply"].envelope.reply_to == reply_queue(alice)
    assert by_id["own-reply"].envelope.correlation_id == "c-1"
    assert by_id["json"].envelope.correlation_id == "json"
    # bob's queue is untouched; alice's own queue got her replies, including the reply_to one.
    channel = await admin.channel()
    assert await queue_messages(channel, reply_queue(bob)) == []
    assert len(await queue_messages(channel, reply_queue(alice))) == 7


def test_message_without_message_id_is_keyed_on_the_body_hash(settings: Settings) -> None:
    # aiormq always fills in a message_id, so other clients are imitated with a stand-in.
    import hashlib
    from types import SimpleNamespace

    from consumers.loop import _Item

    consumer = BatchConsumer(REQUESTS_QUEUE, None, stub_decode, StubProcessor(),  # type: ignore[arg-type]
                             None, settings)  # type: ignore[arg-type]
    message = SimpleNamespace(
        exchange="breakgate.in.acme", routing_key="SubmitRequest", user_id=None, body=b"<x/>",
        message_id=None, correlation_id=None, reply_to="breakgate.replies.acme.q1",
        content_type=None, content_encoding=None, type=None, headers={},
    )
    item = _Item(message)  # type: ignore[arg-type]
    assert consumer._prepare(item) and item.inbound is not None
    digest = hashlib.sha256(b"<x/>").hexdigest()
    envelope = item.inbound.envelope
    assert envelope.sender == "acme"
    assert envelope.message_id == envelope.correlation_id == f"sha256:{digest}"
    assert envelope.body_sha256 == digest
    assert envelope.reply_to == "breakgate.replies.acme.q1"
    assert item.inbound.anomalies == ()  # no content_type: accepted, the body decides


async def test_authority_queue_sender_and_parked(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users,
) -> None:
    await publish(admin, AUTHORITY_EXCHANGE, [b"PARK-1"], key="Decision", ids=["p1"])
    await publish(admin, AUTHORITY_EXCHANGE, [b"OK"], key="GrantMandate", ids=["g1"])
    processor = StubProcessor()
    run = await start(processor, queue=AUTHORITY_QUEUE)
    await wait_until(lambda: run.consumer.stats.acked >= 2, what="2 settled")
    assert {i.envelope.sender for i in processor.inbounds} == {users.authority.user}
    channel = await admin.channel()
    (dead,) = await queue_messages(channel, DEAD_QUEUE)
    assert dead.headers["x-error-code"] == "70012-241"
    assert dead.headers["x-exception-type"] == "Parked"
    assert dead.headers["x-original-queue"] == AUTHORITY_QUEUE


async def test_stop_finishes_the_batch_in_flight_and_returns_the_rest(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    n = 50
    await publish(admin, sender_exchange(users.alice.user), [f"S{i}".encode() for i in range(n)])
    gate = asyncio.Event()
    processor = StubProcessor(gate=gate)
    run = await start(processor, prefetch=20, max_batch=5)
    await wait_until(lambda: processor.entered == 1, what="the first batch in flight")
    first = processor.entered_sizes[0]
    await wait_until(lambda: run.consumer._deliveries.qsize() == 20 - first,
                     what="prefetch filled")
    stopping = asyncio.create_task(run.consumer.stop(grace=5))
    await asyncio.sleep(0.3)
    assert not stopping.done()
    gate.set()
    await stopping
    stats = run.consumer.stats
    assert stats.acked == first and stats.returned_on_stop == 20 - first
    assert processor.calls == 1
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (n - first, 0), timeout=20,
                     what="the rest ready, nothing unacked")


async def test_stop_after_the_grace_returns_the_batch_in_flight_too(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    n = 30
    await publish(admin, sender_exchange(users.alice.user), [f"S{i}".encode() for i in range(n)])
    processor = StubProcessor(gate=asyncio.Event())  # never opens: a hung database call
    run = await start(processor, prefetch=10, max_batch=4)
    await wait_until(lambda: processor.entered == 1, what="the first batch in flight")
    began = time.monotonic()
    await run.consumer.stop(grace=0.5)
    assert time.monotonic() - began < 3
    assert run.consumer.stats.acked == 0 and run.consumer.stats.returned_on_stop == 10
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (n, 0), timeout=20,
                     what="everything back in the queue")


async def test_stop_during_a_database_outage_returns_everything(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    await publish(admin, sender_exchange(users.alice.user), [b"Z1", b"Z2", b"Z3"])
    processor = StubProcessor(down_calls=10_000)
    run = await start(processor)
    await wait_until(lambda: run.consumer.stats.pauses >= 2, what="a pause")
    await run.consumer.stop(grace=2)
    assert run.consumer.stats.acked == 0 and run.consumer.stats.returned_on_stop == 3
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (3, 0), timeout=20,
                     what="everything back in the queue")


async def test_consumer_recovers_after_the_connection_is_killed(
    start: Callable[..., Awaitable[Running]], admin: AbstractRobustConnection,
    users: Users, broker: TestBroker,
) -> None:
    exchange = sender_exchange(users.alice.user)
    processor = StubProcessor()
    run = await start(processor)
    await publish(admin, exchange, [b"before"], ids=["before"])
    await wait_until(lambda: run.consumer.stats.acked >= 1, what="the first message")

    broker.close_connections("test: broker-side connection loss")
    await asyncio.sleep(0.5)
    await asyncio.wait_for(run.connection.ready(), timeout=30)
    fresh = await aio_pika.connect_robust(broker.url)
    await publish(fresh, exchange, [f"after{i}".encode() for i in range(20)],
                  ids=[f"after{i}" for i in range(20)])
    await fresh.close()
    await wait_until(lambda: run.consumer.stats.acked >= 21, timeout=60,
                     what="messages consumed after the reconnect")
    await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (0, 0), timeout=20,
                     what="an empty intake queue")
    fresh = await aio_pika.connect_robust(broker.url)
    channel = await fresh.channel()
    replies = await queue_messages(channel, reply_queue(users.alice.user))
    assert {m.correlation_id for m in replies} >= {"before", *(f"after{i}" for i in range(20))}
    await fresh.close()


async def test_sigkill_at_any_point_loses_nothing(
    admin: AbstractRobustConnection, users: Users, broker: TestBroker, topology: None,
    tmp_path: Path,
) -> None:
    """Acks come only after the commit: whatever a SIGKILL interrupts is either committed
    (in the log) or still in the queue; usually both for the batch in flight."""
    n = 600
    ids = [f"k{i}" for i in range(n)]
    await publish(admin, sender_exchange(users.alice.user), [i.encode() for i in ids], ids=ids)
    log_path = tmp_path / "commits.log"
    log_path.touch()
    worker = Path(__file__).with_name("amqp_kill_worker.py")
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "tests")])}

    def committed() -> list[str]:
        return log_path.read_text().split()

    for threshold in (random.randint(20, 120), random.randint(200, 320), 450):
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(worker), broker.url, str(log_path),
            stdout=asyncio.subprocess.PIPE, env=env, cwd=str(root),
        )
        assert process.stdout is not None
        assert (await asyncio.wait_for(process.stdout.readline(), 30)).strip() == b"ready"
        await wait_until(partial(lambda t: len(committed()) >= t, threshold), timeout=60,
                         interval=0.001, what=f"{threshold} commits")
        process.send_signal(signal.SIGKILL)
        await process.wait()

    await wait_until(lambda: broker.counts(REQUESTS_QUEUE)[1] == 0, timeout=30,
                     what="the killed worker's deliveries requeued")
    channel = await admin.channel()
    remaining = {m.message_id for m in await queue_messages(channel, REQUESTS_QUEUE)}
    done = set(committed())
    assert done | remaining == set(ids), f"lost: {sorted(set(ids) - done - remaining)[:10]}"
    assert len(done) < n, "the kills came too late to prove anything"
