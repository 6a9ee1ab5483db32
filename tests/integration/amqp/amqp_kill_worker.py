"""A consumer process for the SIGKILL test: `python amqp_kill_worker.py AMQP_URL LOG_FILE`.

Its stub processor "commits" a batch by appending the message ids to LOG_FILE (fsync'ed)
before returning, like a database commit; the consumer acks after that. The test kills it with
SIGKILL at a random moment and checks that nothing acked is missing from the log.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from stub_decoding import decode_reference

from consumers.connection import connect
from consumers.loop import BatchConsumer
from consumers.topology import REPLIES_EXCHANGE, REQUESTS_QUEUE
from producers.publisher import ReplyPublisher
from service.app.envelope import Inbound, Outbound
from service.app.results import Answered, MessageResult
from service.config import Settings


class _CommitLog:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    async def process_batch(self, inbounds: Sequence[Inbound]) -> list[MessageResult]:
        await asyncio.sleep(0.01)  # "the transaction"
        lines = "".join(f"{i.envelope.message_id}\n" for i in inbounds)
        os.write(self._fd, lines.encode())
        os.fsync(self._fd)  # COMMIT
        return [
            Answered((Outbound(REPLIES_EXCHANGE, i.envelope.sender, f"r-{i.envelope.message_id}",
                               i.envelope.correlation_id, "Ticket", b"<Ticket/>"),))
            for i in inbounds
        ]


async def main(url: str, log_path: str) -> None:
    settings = Settings(amqp_url=url, prefetch=50, max_batch=10)
    connection = await connect(settings, name="breakgate-kill-worker")
    publisher = await ReplyPublisher.open(connection, settings)
    consumer = BatchConsumer(REQUESTS_QUEUE, await connection.channel(), decode_reference,
                             _CommitLog(log_path), publisher, settings)
    await consumer.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
