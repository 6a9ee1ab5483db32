"""`breakgate send`: publish employer messages as a sender and collect their replies.

Replies come back through RabbitMQ's direct reply-to, so they reach only this run and never
disturb the sender's own reply queue. Resumable: the journal records each file's message_id
and reply; a rerun re-publishes the unanswered files with the same message_id, and breakgate
answers a redelivery with the reply it stored (no second ticket).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from lxml import etree

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"


@dataclass
class SendResult:
    file: str
    message_id: str
    reply_type: str | None = None
    ticket: str | None = None
    codes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def rejected(self) -> bool:
        return self.reply_type == "Rejection" or self.error is not None


def root_name(body: bytes) -> str | None:
    """The root's local name, read with a parser that loads nothing external."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.QName(etree.fromstring(body, parser)).localname
    except etree.XMLSyntaxError:
        return None


def message_id_for(path: Path, body: bytes) -> str:
    """Stable per content: re-sending the same file after a crash is a redelivery."""
    return "send-" + hashlib.sha256(path.name.encode() + b"\0" + body).hexdigest()[:32]


def summarise_reply(body: bytes) -> tuple[str | None, str | None, list[str]]:
    """(root, ticket number, anomaly codes) of a reply."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(body, parser)
    ns = {"b": "urn:breakgate:v1"}
    ticket = root.findtext("b:TicketNumber", namespaces=ns)
    codes = [c.text or "" for c in root.iterfind(".//b:Anomaly/b:Code", namespaces=ns)]
    return etree.QName(root).localname, ticket, codes


class Journal:
    """One JSON line per event (published, answered); read back to resume."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answered: dict[str, SendResult] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if record.get("event") == "answered":
                    result = SendResult(**record["result"])
                    self.answered[result.message_id] = result

    def record_answer(self, result: SendResult) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps({"event": "answered", "result": result.__dict__}) + "\n")


AUTHORITY_EXCHANGE = "breakgate.authority"


async def publish_authority(amqp_url: str, user: str, bodies: Sequence[bytes]) -> int:
    """Authority messages get no reply: publish with confirms, return how many were routed."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(AUTHORITY_EXCHANGE, ensure=False)
        sent = 0
        for body in bodies:
            root = root_name(body)
            message = aio_pika.Message(
                body, content_type="application/xml", user_id=user, type=root,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id="auth-" + hashlib.sha256(body).hexdigest()[:32])
            await exchange.publish(message, routing_key=root or "", mandatory=True)
            sent += 1
        return sent
    finally:
        await connection.close()


async def send_files(
    amqp_url: str, user: str, paths: Sequence[Path], journal: Journal, *,
    timeout: float = 60.0, on_progress: Callable[[int, int], None] | None = None,
) -> list[SendResult]:
    bodies = {p: p.read_bytes() for p in paths}
    ids = {p: message_id_for(p, bodies[p]) for p in paths}
    results = {ids[p]: journal.answered.get(ids[p]) or SendResult(str(p), ids[p]) for p in paths}
    pending = {mid for mid, r in results.items() if r.reply_type is None}
    done = asyncio.Event()
    if not pending:
        done.set()

    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)

        async def on_reply(message: AbstractIncomingMessage) -> None:
            mid = message.correlation_id
            if mid in pending:
                kind, ticket, codes = summarise_reply(message.body)
                result = results[mid]
                result.reply_type, result.ticket, result.codes = kind, ticket, codes
                journal.record_answer(result)
                pending.discard(mid)
                if on_progress:
                    on_progress(len(paths) - len(pending), len(paths))
                if not pending:
                    done.set()

        queue = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await queue.consume(on_reply, no_ack=True)
        exchange = await channel.get_exchange(f"breakgate.in.{user}", ensure=False)
        for path in paths:
            if ids[path] in pending:
                await _publish(exchange, user, path, bodies[path], ids[path], results)
        pending.difference_update(mid for mid, r in results.items() if r.error)
        if not pending:
            done.set()
        try:
            await asyncio.wait_for(done.wait(), timeout=timeout)
        except TimeoutError:
            for mid in pending:
                results[mid].error = f"no reply within {timeout:.0f}s (run again to resume)"
    finally:
        await connection.close()
    return [results[ids[p]] for p in paths]


async def _publish(exchange: aio_pika.abc.AbstractExchange, user: str, path: Path, body: bytes,
                   message_id: str, results: dict[str, SendResult]) -> None:
    root = root_name(body)
    if root is None:
        results[message_id].error = "not well-formed XML: not sent"
        return
    message = aio_pika.Message(
        body, content_type="application/xml", delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message_id, correlation_id=message_id, user_id=user, type=root,
        reply_to=DIRECT_REPLY_TO,
    )
    try:
        await exchange.publish(message, routing_key=root, mandatory=True)
    except aio_pika.exceptions.PublishError:
        results[message_id].error = f"unroutable: no binding for {root!r}"
