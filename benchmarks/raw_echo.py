"""The raw aio-pika ceiling (DESIGN.md section 5): consume, publish a confirmed persistent
reply, ack. Run as its own process, like `breakgate serve`, so both are measured the same way.

    python -m benchmarks.raw_echo AMQP_URL IN_QUEUE OUT_QUEUE PREFETCH [COPY_QUEUE EVENTS]

With COPY_QUEUE and EVENTS it publishes what the contract has breakgate publish for each
accepted SubmitRequest: the reply (OUT_QUEUE), a copy for the authority (COPY_QUEUE, a quorum
queue like `breakgate.authority.out.*`) and an event on the topic exchange EVENTS (not
mandatory, like `breakgate.events`), all three confirmed and persistent, then acks. That is the
ceiling of the contract's own broker traffic, with no decoding, rules or database.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage


async def echo(url: str, in_queue: str, out_queue: str, prefetch: int,
               copy_queue: str | None = None, events: str | None = None) -> None:
    connection = await aio_pika.connect_robust(url)
    consume_channel = await connection.channel()
    await consume_channel.set_qos(prefetch_count=prefetch)
    publish_channel = await connection.channel(publisher_confirms=True)
    queue = await consume_channel.get_queue(in_queue, ensure=False)
    routes: list[tuple[AbstractExchange, str]] = [(publish_channel.default_exchange, out_queue)]
    if copy_queue and events:
        routes.append((publish_channel.default_exchange, copy_queue))
        routes.append((await publish_channel.get_exchange(events, ensure=False), "status"))

    def publish(message: AbstractIncomingMessage, exchange: AbstractExchange,
                key: str) -> Awaitable[object]:
        return exchange.publish(aio_pika.Message(message.body, correlation_id=message.message_id,
                                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                routing_key=key)

    async def handle(message: AbstractIncomingMessage) -> None:
        if len(routes) == 1:  # the plain ceiling: no gather, no extra task per message
            await publish(message, *routes[0])
        else:
            await asyncio.gather(*(publish(message, *route) for route in routes))
        await message.ack()

    pending: set[asyncio.Future[None]] = set()

    def on_message(message: AbstractIncomingMessage) -> None:
        task = asyncio.ensure_future(handle(message))
        pending.add(task)  # a reference, so the task is not collected mid-flight
        task.add_done_callback(pending.discard)

    await queue.consume(on_message)  # type: ignore[arg-type]
    print("echo ready", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(echo(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:7]))
