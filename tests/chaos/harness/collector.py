"""The reply collector (RELIABILITY.md 4.1, `chaos/collector.py`): consumes every tenant's
`breakgate.replies.<user>` queue and logs each delivery (JSONL and memory): message_id,
correlation_id, request_reference, kind, version, ticket, codes, body sha256, arrival time.

It reconnects by itself (robust connection), so a broker restart or `close_all_connections`
does not end the collection; a reply redelivered after such a loss is logged again (it is a
redundant delivery, which is exactly what a real receiver would see).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from lxml import etree

NS = {"b": "urn:breakgate:v1"}


@dataclass(frozen=True)
class ReplySeen:
    tenant: str
    message_id: str
    correlation_id: str
    kind: str
    request_reference: str | None
    ticket: str | None
    codes: tuple[str, ...]
    version: str | None
    body_sha256: str
    redelivered: bool
    at: float


def parse(tenant: str, message: AbstractIncomingMessage) -> ReplySeen:
    try:
        root = etree.fromstring(message.body)
        kind = etree.QName(root).localname
        reference = root.findtext("b:RequestReference", namespaces=NS)
        ticket = root.findtext("b:TicketNumber", namespaces=NS)
        codes = tuple(c.text or "" for c in root.iterfind(".//b:Anomaly/b:Code", namespaces=NS))
        version = root.findtext("b:Version", namespaces=NS)
    except etree.XMLSyntaxError:  # a reply must always be well-formed: make it visible
        kind, reference, ticket, codes, version = "UNPARSEABLE", None, None, (), None
    return ReplySeen(
        tenant=tenant, message_id=str(message.message_id),
        correlation_id=str(message.correlation_id), kind=kind, request_reference=reference,
        ticket=ticket, codes=codes, version=version,
        body_sha256=hashlib.sha256(message.body).hexdigest(),
        redelivered=bool(message.redelivered), at=time.time(),
    )


class ReplyCollector:
    """`await start(tenants)`, then `replies`, `wait_for(...)`, `await stop()`."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.url = url
        self.log_path = log_path
        self.replies: list[ReplySeen] = []
        self.bodies: dict[str, bytes] = {}  # by reply message_id
        self.last_at = time.time()
        self._connection: AbstractRobustConnection | None = None
        self._paused: set[str] = set()
        self._tags: dict[str, tuple[aio_pika.abc.AbstractQueue, str]] = {}
        log_path.parent.mkdir(parents=True, exist_ok=True)

    async def start(self, tenants: Iterable[str]) -> None:
        self._connection = await aio_pika.connect_robust(self.url, reconnect_interval=1)
        for tenant in tenants:
            await self.resume(tenant)

    async def pause(self, tenant: str) -> None:
        """Stop consuming one tenant's queue (its replies pile up in the broker)."""
        queue, tag = self._tags.pop(tenant)
        await queue.cancel(tag)

    async def resume(self, tenant: str) -> None:
        assert self._connection is not None
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=200)
        # Declared (passively) through the robust channel, so that the queue and its consumer
        # are restored after a reconnect; `get_queue(ensure=False)` would not be.
        queue = await channel.declare_queue(f"breakgate.replies.{tenant}", passive=True)

        async def on_reply(message: AbstractIncomingMessage) -> None:
            seen = parse(tenant, message)
            self.replies.append(seen)
            self.bodies[seen.message_id] = message.body
            self.last_at = seen.at
            with self.log_path.open("a") as out:
                out.write(json.dumps(asdict(seen)) + "\n")
            with contextlib.suppress(Exception):
                await message.ack()

        self._tags[tenant] = (queue, await queue.consume(on_reply))

    async def stop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = None

    def correlation_ids(self) -> set[str]:
        return {r.correlation_id for r in self.replies}

    async def wait_for(self, message_ids: Iterable[str], *, timeout: float,
                       idle: float = 0.0) -> set[str]:
        """Until every id has a reply (by correlation_id), then `idle` quiet seconds.
        Returns the ids still unanswered at the timeout."""
        wanted = set(message_ids)
        deadline = time.monotonic() + timeout
        while True:
            missing = wanted - self.correlation_ids()
            if not missing or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        if idle:
            while time.time() - self.last_at < idle and time.monotonic() < deadline + idle:
                await asyncio.sleep(0.1)
        return wanted - self.correlation_ids()
