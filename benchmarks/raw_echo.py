"""The raw aio-pika ceiling (DESIGN.md section 5): consume, publish a confirmed persistent
reply, ack. Run as its own process, like `breakgate serve`, so both are measured the same way.

    python -m benchmarks.raw_echo AMQP_URL IN_QUEUE OUT_QUEUE PREFETCH
"""

from __future__ import annotations

import asyncio
import sys

import aio_pika
from aio_pika.abc import AbstractIncomingMessage


async def echo(url: str, in_queue: str, out_queue: str, prefetch: int) -> None:
    connection = await aio_pika.connect_robust(url)
    consume_channel = await connection.channel()
    await consume_channel.set_qos(prefetch_count=prefetch)
    publish_channel = await connection.channel(publisher_confirms=True)
    queue = await consume_channel.get_queue(in_queue, ensure=False)

    async def handle(message: AbstractIncomingMessage) -> None:
        reply = aio_pika.Message(message.body, correlation_id=message.message_id,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        await publish_channel.default_exchange.publish(reply, routing_key=out_queue)
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
    asyncio.run(echo(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
