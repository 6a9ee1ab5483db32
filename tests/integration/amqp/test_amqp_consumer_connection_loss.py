"""A connection loss that cancels the confirms of a batch's replies must not end the consumer:
the worker awaits the previous batch's publishing before the next one, and a publishing task
that ended cancelled used to take the worker with it (RELIABILITY.md T7, found by the proxy
blackhole)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection
from stub_decoding import decode_reference
from support_amqp import TestBroker, Users, wait_until

from consumers.connection import connect
from consumers.loop import BatchConsumer
from consumers.topology import REPLIES_EXCHANGE, REQUESTS_QUEUE, sender_exchange
from service.app.envelope import Inbound, Outbound
from service.app.results import Answered, MessageResult
from service.config import Settings

pytestmark = pytest.mark.integration




class _Processor:
    async def process_batch(self, inbounds: Sequence[Inbound]) -> list[MessageResult]:
        return [Answered((Outbound(REPLIES_EXCHANGE, i.envelope.sender,
                                   f"r-{i.envelope.message_id}", i.envelope.correlation_id,
                                   "Ticket", b"<Ticket/>"),)) for i in inbounds]


class _CutPublisher:
    """The first batch's confirms are cancelled, as aiormq does when the connection dies."""

    def __init__(self) -> None:
        self.calls = 0

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        self.calls += 1
        if self.calls == 1:
            raise asyncio.CancelledError
        return {m.message_id for m in messages}


async def test_cancelled_confirms_do_not_stop_the_consumer(
    settings: Settings, topology: None, admin: AbstractRobustConnection, users: Users,
    broker: TestBroker,
) -> None:
    connection = await connect(settings, name="breakgate-test-cut")
    publisher = _CutPublisher()
    consumer = BatchConsumer(REQUESTS_QUEUE, await connection.channel(), decode_reference,
                             _Processor(), publisher, settings, max_batch=1, prefetch=1)
    await consumer.start()
    try:
        channel = await admin.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(sender_exchange(users.alice.user), ensure=False)
        for i in range(5):
            await exchange.publish(aio_pika.Message(f"REF{i}".encode(), message_id=f"c{i}"),
                                   routing_key="SubmitRequest")
        await wait_until(lambda: consumer.stats.acked >= 5, timeout=30, what="5 acks")
        await wait_until(lambda: publisher.calls >= 5, timeout=30, what="5 publishes")
        assert consumer.stats.replies_unconfirmed >= 1
        await wait_until(lambda: broker.counts(REQUESTS_QUEUE) == (0, 0), timeout=20,
                         what="an empty intake queue")
    finally:
        await consumer.stop(grace=1)
        await connection.close()
