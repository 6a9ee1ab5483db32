"""Topology (CONTRACT.md section 1): idempotent declaration, routing by root name."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection
from support_amqp import TestBroker, Users, wait_until

from consumers.topology import (
    AUTHORITY_EXCHANGE,
    AUTHORITY_QUEUE,
    AUTHORITY_ROOTS,
    BULK_QUEUE,
    DEAD_QUEUE,
    DLX_EXCHANGE,
    INTERACTIVE_ROOTS,
    REQUESTS_QUEUE,
    declare_authority,
    declare_core,
    declare_sender,
    reply_queue,
    sender_exchange,
)
from service.config import Settings

pytestmark = pytest.mark.integration


async def _drain(channel: aio_pika.abc.AbstractChannel, name: str) -> list[str]:
    """Routing keys of every message in the queue (consumed)."""
    queue = await channel.declare_queue(name, passive=True)
    keys: list[str] = []
    while (message := await queue.get(no_ack=True, fail=False)) is not None:
        keys.append(message.routing_key or "")
    return keys


async def test_declaration_is_idempotent(
    admin: AbstractRobustConnection, settings: Settings, users: Users, topology: None,
    broker: TestBroker,
) -> None:
    channel = await admin.channel()
    for _ in range(2):
        await declare_core(channel, settings)
        await declare_sender(channel, users.alice.user)
        await declare_authority(channel, users.authority.user)
    assert not channel.is_closed

    queues = broker.list_queues("type", "durable", "arguments")
    for name in (REQUESTS_QUEUE, BULK_QUEUE, AUTHORITY_QUEUE):
        kind, durable, arguments = queues[name]
        assert kind == "quorum" and durable == "true"
        assert "x-delivery-limit" in arguments and str(settings.delivery_limit) in arguments
        assert DLX_EXCHANGE in arguments
        assert "at-least-once" in arguments and "reject-publish" in arguments
    assert queues[DEAD_QUEUE][0] == "quorum"
    assert queues[reply_queue(users.alice.user)][0:2] == ["quorum", "true"]


async def test_each_root_name_reaches_its_queue_and_unknown_keys_return(
    admin: AbstractRobustConnection, users: Users, topology: None
) -> None:
    channel = await admin.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await channel.get_exchange(sender_exchange(users.alice.user))
    for root in (*INTERACTIVE_ROOTS, "BulkFile"):
        await exchange.publish(aio_pika.Message(b"<x/>"), routing_key=root, mandatory=True)

    # No wildcard binding: anything else is unroutable and comes back to a mandatory publisher.
    for key in ("Unknown", "SubmitRequest.extra", "#", "", "WorkerPartCompleted"):
        with pytest.raises(aio_pika.exceptions.PublishError):
            await exchange.publish(aio_pika.Message(b"<x/>"), routing_key=key, mandatory=True)

    authority = await channel.get_exchange(AUTHORITY_EXCHANGE)
    for root in AUTHORITY_ROOTS:
        await authority.publish(aio_pika.Message(b"<x/>"), routing_key=root, mandatory=True)
    with pytest.raises(aio_pika.exceptions.PublishError):
        await authority.publish(aio_pika.Message(b"<x/>"), routing_key="SubmitRequest",
                                mandatory=True)

    assert sorted(await _drain(channel, REQUESTS_QUEUE)) == sorted(INTERACTIVE_ROOTS)
    assert await _drain(channel, BULK_QUEUE) == ["BulkFile"]
    assert sorted(await _drain(channel, AUTHORITY_QUEUE)) == sorted(AUTHORITY_ROOTS)
    await channel.close()


async def test_dead_letter_exchange_routes_to_the_dead_queue(
    admin: AbstractRobustConnection, topology: None
) -> None:
    channel = await admin.channel(publisher_confirms=True, on_return_raises=True)
    dlx = await channel.get_exchange(DLX_EXCHANGE)
    await dlx.publish(aio_pika.Message(b"<x/>"), routing_key="anything", mandatory=True)
    assert await _drain(channel, DEAD_QUEUE) == ["anything"]
    await channel.close()


def test_user_names_that_could_collide_are_refused() -> None:
    from consumers.topology import _check_user

    for bad in ("a.b", "", "a b", "x" * 65, "a#", "a*"):
        with pytest.raises(ValueError):
            _check_user(bad)
    _check_user("payroll-bureau_01")


async def test_robust_connection_redeclares_the_topology_after_a_connection_loss(
    settings: Settings, users: Users, topology: None, broker: TestBroker
) -> None:
    from consumers.connection import connect, open_topology

    connection = await connect(settings, name="breakgate-test-topology")
    keeper = await open_topology(connection, settings, senders=[users.alice.user])
    try:
        # Lose part of the topology behind the service's back, then lose the connection.
        scratch = await aio_pika.connect(broker.url)
        channel = await scratch.channel()
        await channel.exchange_delete(sender_exchange(users.alice.user))
        await channel.queue_delete(BULK_QUEUE)
        await scratch.close()
        broker.close_connections("test: connection loss")
        await asyncio.sleep(0.5)
        await asyncio.wait_for(connection.ready(), timeout=30)

        async def restored() -> bool:
            queues = broker.list_queues("type", "arguments")
            return BULK_QUEUE in queues and "x-delivery-limit" in queues[BULK_QUEUE][1]

        await wait_until(restored, timeout=30, what="the bulk queue re-declared")
        probe = await aio_pika.connect(broker.url)
        channel = await probe.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(sender_exchange(users.alice.user))
        await exchange.publish(aio_pika.Message(b"<x/>"), routing_key="BulkFile", mandatory=True)
        await exchange.publish(aio_pika.Message(b"<x/>"), routing_key="SubmitRequest",
                               mandatory=True)
        assert await _drain(channel, BULK_QUEUE) == ["BulkFile"]
        assert await _drain(channel, REQUESTS_QUEUE) == ["SubmitRequest"]
        await probe.close()
        assert not keeper.is_closed
    finally:
        await connection.close()
