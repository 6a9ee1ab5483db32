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


# ---- users made by `breakgate sender add` (the operator's path) ------------------------------


def _cli_sender(broker: TestBroker, name: str, database: str) -> Creds:
    import os
    import re
    import subprocess
    import sys

    from support_amqp import _users

    user = f"{broker.prefix}_{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BREAKGATE_")}
    env.update({"BREAKGATE_AMQP_URL": broker.url, "BREAKGATE_DATABASE_URL": database})
    done = subprocess.run([sys.executable, "-m", "service.cli", "sender", "add", user],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r"^password: (\S+)$", done.stdout, re.M)
    assert done.returncode == 0 and found, done.stdout + done.stderr
    _users.setdefault(broker.vhost, []).append(user)
    return Creds(user, found.group(1))


async def test_senders_added_by_the_cli_are_confined(
    broker: TestBroker, connect: Connect, tmp_path: Any
) -> None:
    """What the tests above prove for provisioned users, for users made by `breakgate sender
    add`, plus what they do not try: forging a reply, publishing to the other exchanges,
    deleting or re-binding a queue, binding exchanges, another vhost, management tags."""
    import subprocess

    database = f"sqlite+aiosqlite:///{tmp_path / 'senders.db'}"
    carol = _cli_sender(broker, "cli_carol", database)
    dave = _cli_sender(broker, "cli_dave", database)
    conn = await connect(carol)
    await _publish(conn, sender_exchange(carol.user), "SubmitRequest", user_id=carol.user)

    refused_publishes = [
        (sender_exchange(dave.user), "SubmitRequest"),  # A3
        ("", REQUESTS_QUEUE),  # A4
        ("breakgate.replies", dave.user),  # a forged reply into dave's queue
        ("breakgate.events", "status.SUBMITTED"),
        (AUTHORITY_EXCHANGE, "Decision"),
        ("amq.topic", "anything"),
    ]
    for exchange, key in refused_publishes:
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await _publish(conn, exchange, key)
    with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):  # A1
        await _publish(conn, sender_exchange(carol.user), "SubmitRequest", user_id=dave.user)

    async def refused(action: Callable[[aio_pika.abc.AbstractChannel], Awaitable[object]]
                      ) -> None:
        channel = await conn.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await action(channel)

    async def other_queue(ch: aio_pika.abc.AbstractChannel) -> aio_pika.abc.AbstractQueue:
        return await ch.get_queue(reply_queue(dave.user), ensure=False)

    async def own_queue(ch: aio_pika.abc.AbstractChannel) -> aio_pika.abc.AbstractQueue:
        return await ch.get_queue(reply_queue(carol.user), ensure=False)

    await refused(lambda ch: _then(other_queue(ch), lambda q: q.get(no_ack=True)))  # A5
    await refused(lambda ch: _then(other_queue(ch), lambda q: q.consume(_ignore)))
    await refused(lambda ch: _then(other_queue(ch), lambda q: q.purge()))
    await refused(lambda ch: _then(own_queue(ch), lambda q: q.delete(if_unused=False,
                                                                      if_empty=False)))
    await refused(lambda ch: _then(own_queue(ch), lambda q: q.bind("breakgate.replies",
                                                                    routing_key=dave.user)))
    await refused(lambda ch: ch.declare_queue(reply_queue(carol.user) + ".extra"))  # A6
    await refused(lambda ch: _then(ch.get_exchange(sender_exchange(carol.user), ensure=False),
                                   lambda e: e.bind("breakgate.replies", routing_key="#")))
    channel = await conn.channel()
    own = await own_queue(channel)
    await own.get(no_ack=True, fail=False)  # reading its own queue is allowed

    # The broker closes the connection during Connection.Open: access to vhost refused.
    with pytest.raises((aiormq.exceptions.InvalidFrameError,
                        aiormq.exceptions.ProbableAuthenticationError,
                        aio_pika.exceptions.AMQPConnectionError)):
        other_vhost = broker.user_url(carol.user, carol.password).rsplit("/", 1)[0] + "/"
        await aio_pika.connect(other_vhost)

    users = subprocess.run(["rabbitmqctl", "-q", "list_users", "--no-table-headers"],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    tags = {line.split("\t")[0]: line.split("\t")[1] for line in users.splitlines()
            if "\t" in line}
    assert tags[carol.user] == tags[dave.user] == "[]"  # no management or admin rights


async def _then(first: Awaitable[Any], then: Callable[[Any], Awaitable[object]]) -> object:
    return await then(await first)
