"""`breakgate send` for a BulkFile: split it into parts when it is larger than the message
limit, publish each part (confirmed), collect a BulkReceipt per part, then wait for the one
BulkResult and write it next to the input as `<file>.result.xml` and `<file>.result.csv`.

Receipts come back through direct reply-to; the BulkResult, which may come much later, goes
to the sender's durable reply queue `breakgate.replies.<user>` (a receipt whose direct
reply-to consumer is gone lands there too), and so do the BulkProgress messages sent while
the items are processed (items done of the total: the items bar moves with them). Only our
own messages are acked there; any other is left for its owner (returned to the queue when we
disconnect), except another file's BulkProgress: best effort by contract, it is taken off the
queue rather than held (held messages count against the prefetch, and an abandoned file's
progress could fill it).

Resumable: the journal records each part once the broker confirmed it, and each receipt. A
rerun re-publishes every part without a recorded receipt under the same message_id, which
breakgate answers from its inbox (same receipt, the file is not stored twice); parts already
answered are not sent again.
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from lxml import etree

from service.client.bulk_parts import Part, part_bodies, plan

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
_NS = {"b": "urn:breakgate:v1"}
_PREFETCH = 200


@dataclass
class Receipt:
    part: int
    message_id: str
    result_code: int
    item_count: int
    anomalies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ResultLine:
    seq: int
    request_reference: str
    status: str
    ticket_or_action: str
    anomalies: str


@dataclass
class BulkOutcome:
    file: str
    receipts: list[Receipt] = field(default_factory=list)
    lines: list[ResultLine] = field(default_factory=list)
    error: str | None = None
    outputs: tuple[Path, Path] | None = None

    @property
    def accepted(self) -> int:
        return sum(line.status == "ACCEPTED" for line in self.lines)

    @property
    def rejected(self) -> bool:
        """Anything short of every item accepted."""
        return (self.error is not None or not self.lines
                or any(line.status != "ACCEPTED" for line in self.lines))


class Progress(Protocol):
    def parts(self, confirmed: int, receipts: int, total: int) -> None: ...
    def items(self, done: int, total: int) -> None: ...


class BulkJournal:
    """JSON lines, shared with the interactive journal (which ignores these events)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.receipts: dict[str, Receipt] = {}
        self.results: set[str] = set()  # message_id of part 1 of each file answered
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if record.get("event") == "bulk-receipt":
                    receipt = Receipt(**record["receipt"])
                    self.receipts[receipt.message_id] = receipt
                elif record.get("event") == "bulk-result":
                    self.results.add(record["message_id"])

    def _write(self, record: dict[str, object]) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")

    def confirmed(self, file: Path, part: Part) -> None:
        self._write({"event": "bulk-part-confirmed", "file": str(file), "part": part.part,
                     "parts": part.parts, "message_id": part.message_id})

    def received(self, receipt: Receipt) -> None:
        self.receipts[receipt.message_id] = receipt
        self._write({"event": "bulk-receipt", "receipt": asdict(receipt)})

    def finished(self, file: Path, first: Part, outputs: tuple[Path, Path]) -> None:
        self.results.add(first.message_id)
        self._write({"event": "bulk-result", "file": str(file), "message_id": first.message_id,
                     "outputs": [str(p) for p in outputs]})


def outputs_for(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + ".result.xml"), path.with_name(path.name + ".result.csv")


async def send_bulk_file(
    amqp_url: str, user: str, path: Path, journal: BulkJournal, *, max_bytes: int,
    timeout: float = 3600.0, progress: Progress | None = None,
) -> BulkOutcome:
    parts = plan(path, max_bytes)
    xml_path, csv_path = outputs_for(path)
    if parts[0].message_id in journal.results and xml_path.exists():
        # Answered in an earlier run: the result was taken off the queue then.
        done = BulkOutcome(str(path), lines=result_lines(xml_path.read_bytes()),
                           outputs=(xml_path, csv_path))
        done.receipts = [journal.receipts[p.message_id] for p in parts
                         if p.message_id in journal.receipts]
        return done
    return await _Session(amqp_url, user, path, parts, journal, timeout, progress).run()


class _Session:
    def __init__(self, amqp_url: str, user: str, path: Path, parts: list[Part],
                 journal: BulkJournal, timeout: float, progress: Progress | None) -> None:
        self.url, self.user, self.path, self.parts = amqp_url, user, path, parts
        self.journal, self.timeout, self.progress = journal, timeout, progress
        self.outcome = BulkOutcome(str(path))
        self.ids = {p.message_id: p for p in parts}
        self.receipts: dict[str, Receipt] = {
            m: journal.receipts[m] for m in self.ids if m in journal.receipts}
        self.confirmed = len(self.receipts)
        self.all_receipts = asyncio.Event()
        self.result: bytes | None = None
        self.result_in = asyncio.Event()
        self.held: list[AbstractIncomingMessage] = []
        self.items_done = 0  # the most a BulkProgress said (they may arrive out of order)

    def _report(self) -> None:
        if self.progress is not None:
            self.progress.parts(self.confirmed, len(self.receipts), len(self.parts))

    async def run(self) -> BulkOutcome:
        connection = await aio_pika.connect(self.url)
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            await channel.set_qos(prefetch_count=_PREFETCH)
            direct = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
            await direct.consume(lambda m: self._on_reply(m, durable=False), no_ack=True)
            durable = await channel.get_queue(f"breakgate.replies.{self.user}", ensure=False)
            await durable.consume(lambda m: self._on_reply(m, durable=True), no_ack=False)
            exchange = await channel.get_exchange(f"breakgate.in.{self.user}", ensure=False)
            self._report()
            await self._publish(exchange)
            await self._wait()
        finally:
            await connection.close()  # anything held goes back to the reply queue
        return self.outcome

    async def _publish(self, exchange: aio_pika.abc.AbstractExchange) -> None:
        todo = [p for p in self.parts if p.message_id not in self.receipts]
        bodies = part_bodies(self.path, todo)
        while (built := await asyncio.to_thread(next, bodies, None)) is not None:
            part, body = built
            message = aio_pika.Message(
                body, content_type="application/xml", type="BulkFile", user_id=self.user,
                message_id=part.message_id, correlation_id=part.message_id,
                reply_to=DIRECT_REPLY_TO, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await exchange.publish(message, routing_key="BulkFile", mandatory=True)
            self.journal.confirmed(self.path, part)  # only once the broker confirmed it
            self.confirmed += 1
            self._report()

    async def _wait(self) -> None:
        try:
            if len(self.receipts) < len(self.parts):
                await asyncio.wait_for(self.all_receipts.wait(), timeout=self.timeout)
        except TimeoutError:
            self.outcome.error = "no receipt for every part in time (run again to resume)"
            return
        self.outcome.receipts = sorted(self.receipts.values(), key=lambda r: r.part)
        refused = [r for r in self.outcome.receipts if r.result_code != 1]
        if refused:
            self.outcome.error = "; ".join(
                f"part {r.part} refused: {' '.join(r.anomalies)}" for r in refused)
            return
        total = sum(r.item_count for r in self.outcome.receipts)
        if self.progress is not None:
            self.progress.items(min(self.items_done, total), total)
        try:
            await asyncio.wait_for(self.result_in.wait(), timeout=self.timeout)
        except TimeoutError:
            self.outcome.error = "no BulkResult in time (run again to resume)"
            return
        if self.progress is not None:
            self.progress.items(total, total)

    async def _on_reply(self, message: AbstractIncomingMessage, *, durable: bool) -> None:
        kind = message.type or _root(message.body)
        correlation = message.correlation_id or ""
        if kind == "BulkReceipt" and correlation in self.ids:
            if correlation not in self.receipts:
                receipt = _receipt(self.ids[correlation], message.body)
                self.journal.received(receipt)
                self.receipts[correlation] = receipt
                self._report()
            if len(self.receipts) == len(self.parts):
                self.all_receipts.set()
        elif kind == "BulkResult" and correlation == self.parts[0].message_id:
            if self.result is None:
                self.result = message.body
                self._write_result(message.body)
            self.result_in.set()
        elif kind == "BulkProgress":
            if correlation == self.parts[0].message_id and self.result is None:
                self._on_progress(message.body)
            # Any file's: acked (dropped) on the durable queue, never held (best effort).
        elif durable:
            self.held.append(message)  # someone else's: not ours to ack
            return
        if durable:
            await message.ack()  # after the result is written and journaled

    def _on_progress(self, body: bytes) -> None:
        counted = _progress(body)
        if counted is None or counted[0] <= self.items_done:
            return  # unreadable, or older than one already shown
        self.items_done = counted[0]
        if self.progress is not None:
            self.progress.items(*counted)

    def _write_result(self, body: bytes) -> None:
        xml_path, csv_path = outputs_for(self.path)
        xml_path.write_bytes(body)
        self.outcome.lines = result_lines(body)
        write_csv(csv_path, self.outcome.lines)
        self.outcome.outputs = (xml_path, csv_path)
        self.journal.finished(self.path, self.parts[0], self.outcome.outputs)


def _root(body: bytes) -> str | None:
    try:
        return etree.QName(etree.fromstring(body)).localname
    except etree.XMLSyntaxError:
        return None


def _codes(element: etree._Element) -> list[str]:
    return [f"{a.findtext('b:Code', namespaces=_NS)}({a.findtext('b:Severity', namespaces=_NS)})"
            for a in element.iterfind("b:Anomaly", namespaces=_NS)]


def _receipt(part: Part, body: bytes) -> Receipt:
    root = etree.fromstring(body)
    return Receipt(part=part.part, message_id=part.message_id,
                   result_code=int(root.findtext("b:ResultCode", namespaces=_NS) or 0),
                   item_count=int(root.findtext("b:ItemCount", namespaces=_NS) or 0),
                   anomalies=_codes(root))


def _progress(body: bytes) -> tuple[int, int] | None:
    """(ItemsDone, ItemCount) of a BulkProgress; None if it cannot be read."""
    try:
        root = etree.fromstring(body)
        done = int(root.findtext("b:ItemsDone", namespaces=_NS) or "")
        total = int(root.findtext("b:ItemCount", namespaces=_NS) or "")
    except (etree.XMLSyntaxError, ValueError):
        return None
    return (done, total) if 0 <= done <= total else None


def result_lines(body: bytes) -> list[ResultLine]:
    root = etree.fromstring(body)
    return [
        ResultLine(
            seq=int(e.get("seq") or 0),
            request_reference=e.findtext("b:RequestReference", namespaces=_NS) or "",
            status=e.findtext("b:Status", namespaces=_NS) or "",
            ticket_or_action=(e.findtext("b:TicketNumber", namespaces=_NS)
                              or e.findtext("b:Action", namespaces=_NS) or ""),
            anomalies=" ".join(_codes(e)),
        )
        for e in root.iterfind("b:ItemResult", namespaces=_NS)
    ]


CSV_HEADER = ("seq", "request_reference", "status", "ticket_or_action", "anomalies")


def write_csv(path: Path, lines: Sequence[ResultLine]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for line in lines:
            writer.writerow([line.seq, line.request_reference, line.status,
                             line.ticket_or_action, line.anomalies])
