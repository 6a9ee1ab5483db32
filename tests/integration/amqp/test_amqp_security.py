"""Tenancy on the broker (DESIGN.md section 4; RELIABILITY.md A1, A3-A6): a provisioned sender
writes only to its own exchange and reads only its own reply queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika
import aiormq
import pytest
from aio_pika.abc import AbstractRobustConnection
from support_amqp import Creds, TestBroker, Users

from consumers.topology import (
    AUTHORITY_EXCHANGE,
    AUTHORITY_OUT_EXCHANGE,
    REQUESTS_QUEUE,
    authority_out_queue,
    reply_queue,
    sender_exchange,
)
from service.provisioning import authority_permissions, sender_permissions

pytestmark = pytest.mark.integration

Connect = Callable[[Creds], Awaitable[aio_pika.abc.AbstractConnection]]


@pytest.fixture
async def connect(broker: TestBroker) -> AsyncIterator[Connect]:
    opened: list[aio_pika.abc.AbstractConnection] = []

    async def _connect(creds: Creds) -> aio_pika.abc.AbstractConnection:
        connection = await aio_pika.connect(broker.user_url(creds.user, creds.password))
        opened.append(connection)
        return connection

    yield _connect
    for connection in opened:
        await connection.close()


def _msg(**properties: Any) -> aio_pika.Message:
    return aio_pika.Message(b"<SubmitRequest/>", content_type="application/xml", **properties)


async def _publish(
    connection: aio_pika.abc.AbstractConnection, exchange: str, key: str, **properties: Any
) -> None:
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    target = channel.default_exchange if exchange == "" else await channel.get_exchange(
        exchange, ensure=False
    )
    await target.publish(_msg(**properties), routing_key=key, mandatory=True)
    await channel.close()


async def _ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    return None


def test_permission_regexes_escape_the_user() -> None:
    perms = sender_permissions("acme-01")
    assert (perms.configure, perms.write, perms.read) == (
        "^$", r"^breakgate\.in\.acme\-01$", r"^breakgate\.replies\.acme\-01$"
    )
    auth = authority_permissions("rva")
    assert (auth.configure, auth.write, auth.read) == (
        "^$", r"^breakgate\.authority$", r"^breakgate\.authority\.out\.rva$"
    )
    with pytest.raises(ValueError):
        sender_permissions("a.b")


async def test_sender_publishes_to_its_own_exchange(
    connect: Connect, users: Users, topology: None, admin: AbstractRobustConnection
) -> None:
    alice = await connect(users.alice)
    # A2 (no user_id) and a matching user_id are both accepted and routed.
    await _publish(alice, sender_exchange(users.alice.user), "SubmitRequest")
    await _publish(alice, sender_exchange(users.alice.user), "SubmitRequest",
                   user_id=users.alice.user)
    channel = await admin.channel()
    queue = await channel.declare_queue(REQUESTS_QUEUE, passive=True)
    first = await queue.get(no_ack=True)
    second = await queue.get(no_ack=True)
    assert first.exchange == second.exchange == sender_exchange(users.alice.user)
    assert second.user_id == users.alice.user


async def test_sender_cannot_publish_to_another_senders_exchange(
    connect: Connect, users: Users, topology: None
) -> None:
    alice = await connect(users.alice)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await _publish(alice, sender_exchange(users.bob.user), "SubmitRequest")


async def test_sender_cannot_publish_through_the_default_exchange(
    connect: Connect, users: Users, topology: None
) -> None:
    alice = await connect(users.alice)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await _publish(alice, "", REQUESTS_QUEUE)  # A4


async def test_sender_cannot_spoof_user_id(
    connect: Connect, users: Users, topology: None
) -> None:
    alice = await connect(users.alice)
    with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):  # A1
        await _publish(alice, sender_exchange(users.alice.user), "SubmitRequest",
                       user_id=users.bob.user)


async def test_sender_reads_only_its_own_reply_queue(
    connect: Connect, users: Users, topology: None
) -> None:
    alice = await connect(users.alice)
    channel = await alice.channel()
    own = await channel.get_queue(reply_queue(users.alice.user), ensure=False)
    assert await own.get(no_ack=True, fail=False) is None  # allowed, empty
    tag = await own.consume(_ignore)
    await own.cancel(tag)

    for name in (reply_queue(users.bob.user), REQUESTS_QUEUE):  # A5
        channel = await alice.channel()
        other = await channel.get_queue(name, ensure=False)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await other.consume(_ignore)


async def test_sender_cannot_declare_or_bind(
    connect: Connect, users: Users, topology: None
) -> None:
    alice = await connect(users.alice)
    attempts: list[Callable[[aio_pika.abc.AbstractChannel], Awaitable[object]]] = [
        lambda ch: ch.declare_queue(f"breakgate.replies.{users.alice.user}.mine"),
        lambda ch: ch.declare_queue("", exclusive=True),
        lambda ch: ch.declare_exchange(sender_exchange(users.alice.user), "topic",
                                       durable=True),
        lambda ch: ch.declare_exchange("alice-private", "fanout"),
    ]
    for attempt in attempts:  # A6: configure ^$
        channel = await alice.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await attempt(channel)

    channel = await alice.channel()
    own = await channel.get_queue(reply_queue(users.alice.user), ensure=False)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await own.bind(sender_exchange(users.alice.user), routing_key="#")


async def test_authority_user_writes_only_the_authority_exchange(
    connect: Connect, users: Users, topology: None, admin: AbstractRobustConnection
) -> None:
    authority = await connect(users.authority)
    await _publish(authority, AUTHORITY_EXCHANGE, "Decision", user_id=users.authority.user)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await _publish(authority, sender_exchange(users.alice.user), "SubmitRequest")

    channel = await admin.channel(publisher_confirms=True, on_return_raises=True)
    out = await channel.get_exchange(AUTHORITY_OUT_EXCHANGE)
    await out.publish(_msg(), routing_key="RequestSubmitted", mandatory=True)

    read = await authority.channel()
    own = await read.get_queue(authority_out_queue(users.authority.user), ensure=False)
    assert (await own.get(no_ack=True)).routing_key == "RequestSubmitted"
    read = await authority.channel()
    other = await read.get_queue(reply_queue(users.alice.user), ensure=False)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await other.get(no_ack=True)

    alice = await connect(users.alice)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await _publish(alice, AUTHORITY_EXCHANGE, "Decision")
