"""Bulk intake and worker wired with fakes (storage) and the real XML adapter, for the unit
tests of the bulk use cases."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app_support import NOW, SENDER
from fakes import FakeUnitOfWork
from lxml import etree

from service import bulk_samples, samples
from service.app.bulk_intake import BulkIntake
from service.app.bulk_worker import BulkWorker, WorkerSettings
from service.app.clock import FixedClock
from service.app.envelope import Envelope, Outbound
from service.app.ports import EmploymentPeriod, Mandate, UnitOfWork
from service.app.processor import MessageProcessor
from service.app.routing import OutboundFactory
from service.domain.codes import Environment
from service.domain.parameters import LegalParameters
from service.xml.bulk_replies import StreamingBulkResult, XmlReplyReader
from service.xml.bulk_scan import BulkFileReader
from service.xml.gateway import XmlGateway

NUMBER = "000042"
TODAY = date(2026, 12, 1)  # NOW in Europe/Brussels
COMPANY = samples.DEMO_COMPANY_ID
NS = {"b": "urn:breakgate:v1"}


def reference(sequence: str = "A0001", environment: str = "R", parts: int | None = None,
              part: int | None = None) -> str:
    return bulk_samples.file_reference(NUMBER, TODAY, sequence, environment, parts, part)


def items(count: int, *, start: int = 0, prefix: str = "BULK") -> list[tuple[int, str]]:
    return list(bulk_samples.submissions(count, TODAY, start=start, prefix=prefix))


def body(file_reference: str, entries: Sequence[tuple[int, str]]) -> bytes:
    return bulk_samples.bulk_file(file_reference, entries)


async def seeded(workers: int = 10, *, sender: str = SENDER) -> FakeUnitOfWork:
    """A mandate for the sender, `workers` workers in the personnel file, the sender number."""
    uow = FakeUnitOfWork(clock=lambda: NOW)
    uow.state.bulk.sender_numbers[sender] = NUMBER
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(sender, COMPANY, date(2020, 1, 1), None))
        for i in range(workers):
            await tx.personnel.upsert(EmploymentPeriod(COMPANY, samples.worker_inss(i),
                                                       date(2015, 1, 1), None))
    return uow


def envelope(message_id: str, *, correlation_id: str | None = None, sender: str = SENDER,
             reply_to: str | None = None) -> Envelope:
    return Envelope(sender=sender, message_id=message_id,
                    correlation_id=correlation_id or message_id,
                    body_sha256=hashlib.sha256(message_id.encode()).hexdigest(),
                    received_at=NOW, reply_to=reply_to)


@dataclass
class RecordingPublisher:
    sent: list[Outbound] = field(default_factory=list)

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        self.sent.extend(messages)
        return {m.message_id for m in messages}

    def of_type(self, message_type: str) -> list[Outbound]:
        return [m for m in self.sent if m.message_type == message_type]


def outbound() -> OutboundFactory:
    return OutboundFactory(XmlGateway())


def make_intake(uow: UnitOfWork, **kwargs: Any) -> BulkIntake:
    return BulkIntake(uow, BulkFileReader(64 * 1024 * 1024), outbound(), FixedClock(NOW),
                      LegalParameters.default(), **kwargs)


def make_worker(uow: FakeUnitOfWork, publisher: RecordingPublisher | None = None,
                **settings: Any) -> BulkWorker:
    """No BulkProgress unless `progress_seconds` is given (tests count what is published)."""
    processor = MessageProcessor(uow, outbound(), FixedClock(NOW), LegalParameters.default())
    return BulkWorker(uow, processor, XmlReplyReader(), StreamingBulkResult(),
                      publisher or RecordingPublisher(), FixedClock(NOW),
                      WorkerSettings(**{"budget_seconds": 60.0, "backoff_seconds": 0.0,
                                        "progress_seconds": 0.0, **settings}))


@dataclass(frozen=True)
class Receipt:
    file_reference: str
    result_code: int
    item_count: int
    codes: tuple[str, ...]
    environment: Environment


def receipt(message: Outbound) -> Receipt:
    assert message.message_type == "BulkReceipt"
    root = etree.fromstring(message.body)
    return Receipt(root.findtext("b:FileReference", namespaces=NS) or "",
                   int(root.findtext("b:ResultCode", namespaces=NS) or -1),
                   int(root.findtext("b:ItemCount", namespaces=NS) or -1),
                   tuple(c.text or "" for c in root.iterfind(".//b:Code", namespaces=NS)),
                   message.environment)


@dataclass(frozen=True)
class Line:
    seq: int
    reference: str
    ticket: str | None
    action: str | None
    status: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    file_reference: str
    accepted: int
    rejected: int
    lines: tuple[Line, ...]


def result(body_: bytes) -> Result:
    root = etree.fromstring(body_)
    lines = tuple(
        Line(int(e.get("seq") or 0), e.findtext("b:RequestReference", namespaces=NS) or "",
             e.findtext("b:TicketNumber", namespaces=NS), e.findtext("b:Action", namespaces=NS),
             e.findtext("b:Status", namespaces=NS) or "",
             tuple(c.text or "" for c in e.iterfind("b:Anomaly/b:Code", namespaces=NS)))
        for e in root.iterfind("b:ItemResult", namespaces=NS)
    )
    return Result(root.findtext("b:FileReference", namespaces=NS) or "",
                  int(root.findtext("b:Accepted", namespaces=NS) or -1),
                  int(root.findtext("b:Rejected", namespaces=NS) or -1), lines)
