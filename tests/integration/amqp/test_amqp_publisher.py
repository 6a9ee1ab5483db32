"""ReplyPublisher: confirmed ids only; every reply persistent with the contract's properties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection
from support_amqp import Users

from consumers.topology import REPLIES_EXCHANGE, reply_queue
from producers.publisher import ReplyPublisher
from producers.relay import MarkingPublisher, OutboxRelay, publish_and_mark
from service.app.envelope import Outbound
from service.app.ports import OutboxRow
from service.config import Settings
from service.domain.codes import Environment

pytestmark = pytest.mark.integration


def _outbound(message_id: str, *, exchange: str = REPLIES_EXCHANGE, key: str,
              environment: Environment = Environment.REAL) -> Outbound:
    return Outbound(
        exchange=exchange,
        routing_key=key,
        message_id=message_id,
        correlation_id=f"corr-{message_id}",
        message_type="Ticket",
        body=f"<Ticket id='{message_id}'/>".encode(),
        environment=environment,
        headers={"x-extra": "1"},
    )


async def _all(channel: aio_pika.abc.AbstractChannel, queue_name: str
               ) -> list[aio_pika.abc.AbstractIncomingMessage]:
    queue = await channel.declare_queue(queue_name, passive=True)
    out = []
    while (message := await queue.get(no_ack=True, fail=False)) is not None:
        out.append(message)
    return out


async def test_publish_many_returns_confirmed_ids_and_leaves_out_the_unroutable(
    admin: AbstractRobustConnection, settings: Settings, users: Users, topology: None
) -> None:
    publisher = await ReplyPublisher.open(admin, settings)
    alice = users.alice.user
    messages = [
        _outbound("m1", key=alice),
        _outbound("m2", key=alice, environment=Environment.TEST),
        _outbound("lost", key="nobody-has-this-key"),          # returned: not confirmed
        _outbound("m3", exchange="", key=reply_queue(alice)),   # default exchange (reply_to)
        _outbound("lost2", exchange="", key="breakgate.replies.nobody"),
    ]
    confirmed = await publisher.publish_many(messages)
    assert confirmed == {"m1", "m2", "m3"}

    # The channel survives returns: the next batch goes through.
    assert await publisher.publish_many([_outbound("m4", key=alice)]) == {"m4"}
    assert await publisher.publish_many([]) == set()

    channel = await admin.channel()
    received = await _all(channel, reply_queue(alice))
    assert [m.message_id for m in received] == ["m1", "m2", "m3", "m4"]
    first = received[0]
    assert first.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert first.content_type == "application/xml"
    assert first.type == "Ticket"
    assert first.correlation_id == "corr-m1"
    assert first.timestamp is not None
    assert first.headers["x-breakgate-environment"] == "R"
    assert first.headers["x-extra"] == "1"
    assert received[1].headers["x-breakgate-environment"] == "T"
    await publisher.close()


async def test_an_ephemeral_message_is_transient_expiring_and_not_mandatory(
    admin: AbstractRobustConnection, settings: Settings, users: Users, topology: None
) -> None:
    publisher = await ReplyPublisher.open(admin, settings)
    alice = users.alice.user
    progress = replace(_outbound("p1", key=alice), message_type="BulkProgress", ephemeral=True)
    unheard = replace(_outbound("p2", key="nobody-has-this-key"), ephemeral=True)

    # Unroutable but not mandatory: confirmed (dropped by the broker), not returned.
    assert await publisher.publish_many([progress, unheard]) == {"p1", "p2"}

    [received] = await _all(await admin.channel(), reply_queue(alice))
    assert received.message_id == "p1"
    assert received.delivery_mode == aio_pika.DeliveryMode.NOT_PERSISTENT
    assert received.expiration is not None and 0 < float(received.expiration) <= 60
    await publisher.close()


async def test_publish_many_pipelines(
    admin: AbstractRobustConnection, settings: Settings, users: Users, topology: None
) -> None:
    publisher = await ReplyPublisher.open(admin, settings)
    messages = [_outbound(f"p{i}", key=users.alice.user) for i in range(500)]
    started = datetime.now(UTC)
    confirmed = await publisher.publish_many(messages)
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert confirmed == {m.message_id for m in messages}
    assert elapsed < 10, f"500 confirmed publishes took {elapsed:.1f}s: not pipelined?"
    await publisher.close()


# ---- publish_and_mark and the relay, with an in-memory outbox ---------------------------------


class _Outbox:
    def __init__(self, rows: Sequence[Outbound]) -> None:
        self.rows = {m.message_id: m for m in rows}
        self.sent: dict[str, datetime] = {}
        self.mark_calls = 0

    async def unsent(self, created_before: datetime, limit: int) -> list[OutboxRow]:
        old = datetime(2000, 1, 1, tzinfo=UTC)
        pending = [m for k, m in self.rows.items() if k not in self.sent]
        return [OutboxRow(i, m, old) for i, m in enumerate(pending[:limit])]

    async def mark_sent(self, message_ids: Sequence[str], at: datetime) -> None:
        self.mark_calls += 1
        for message_id in message_ids:
            self.sent[message_id] = at


class _Tx:
    def __init__(self, outbox: _Outbox) -> None:
        self.outbox = outbox


class _Uow:
    def __init__(self, outbox: _Outbox) -> None:
        self.outbox = outbox

    def begin(self):  # type: ignore[no-untyped-def]
        outbox = self.outbox

        class _Ctx:
            async def __aenter__(self) -> _Tx:
                return _Tx(outbox)

            async def __aexit__(self, *exc: object) -> None:
                return None

        return _Ctx()


async def test_publish_and_mark_and_the_relay(
    admin: AbstractRobustConnection, settings: Settings, users: Users, topology: None
) -> None:
    publisher = await ReplyPublisher.open(admin, settings)
    alice = users.alice.user
    good = [_outbound(f"r{i}", key=alice) for i in range(5)]
    bad = _outbound("unroutable", key="nobody")
    outbox = _Outbox([*good, bad])
    uow = _Uow(outbox)

    confirmed = await publish_and_mark(uow, publisher, good[:2])  # type: ignore[arg-type]
    assert confirmed == {"r0", "r1"} and set(outbox.sent) == {"r0", "r1"}
    assert outbox.mark_calls == 1

    marking = MarkingPublisher(uow, publisher)  # type: ignore[arg-type]
    assert await marking.publish_many([good[2]]) == {"r2"}
    await marking.flush()  # marks are gathered, then written in one transaction

    relay = OutboxRelay(uow, publisher, settings)  # type: ignore[arg-type]
    assert await relay.relay_once() == 2  # r3, r4; the unroutable one stays unsent
    assert set(outbox.sent) == {"r0", "r1", "r2", "r3", "r4"}
    assert "unroutable" not in outbox.sent
    await publisher.close()
