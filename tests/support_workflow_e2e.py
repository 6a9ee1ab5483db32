"""End-to-end support for the employer workflow: XML for every message kind (dated relative to
the processing day, like `service.samples`), an observer queue on breakgate.events and
breakgate.authority.out, and a reader that keeps each message's exchange and routing key."""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from lxml import etree
from support_service import (
    NS,
    Account,
    Deployment,
    Reply,
    collect_replies,
    consume_until,
    publish,
)

from service import samples
from service.samples import NAMESPACE, Timing

COMPANY = samples.DEMO_COMPANY_ID
OTHER_COMPANY = "0100000169"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
OBSERVER = "test.observer"


def today() -> date:
    return date.today()


def timing() -> Timing:
    return Timing.for_day(today())


def _root(name: str, inner: str) -> bytes:
    return f'<{name} xmlns="{NAMESPACE}" schemaVersion="1.0">{inner}</{name}>'.encode()


def _head(reference: str, company: str) -> str:
    return (f"<RequestReference>{reference}</RequestReference>"
            f"<Employer><CompanyID>{company}</CompanyID></Employer>")


# ---- employer messages -------------------------------------------------------------------------


def cancel(reference: str, ticket: str, company: str = COMPANY) -> bytes:
    return _root("CancelRequest", _head(reference, company)
                 + f"<TicketNumber>{ticket}</TicketNumber><Confirm>true</Confirm>")


def modify(reference: str, ticket: str, new_end: date, company: str = COMPANY) -> bytes:
    return _root("ModifyRequest", _head(reference, company)
                 + f"<TicketNumber>{ticket}</TicketNumber><NewEndDate>{new_end}</NewEndDate>")


def attachment_xml(name: str, data: bytes = PDF, content_type: str = "application/pdf") -> str:
    return (f"<Attachment><FileName>{name}</FileName><ContentType>{content_type}</ContentType>"
            f"<Content>{base64.b64encode(data).decode()}</Content></Attachment>")


def add_attachment(reference: str, ticket: str, name: str = "attestation.pdf",
                   data: bytes = PDF, company: str = COMPANY) -> bytes:
    return _root("AddAttachment", _head(reference, company)
                 + f"<TicketNumber>{ticket}</TicketNumber>" + attachment_xml(name, data))


def consult(reference: str, ticket: str, company: str = COMPANY) -> bytes:
    return _root("ConsultRequest", _head(reference, company)
                 + f"<TicketNumber>{ticket}</TicketNumber>")


def search(reference: str, company: str = COMPANY, *, inss: str | None = None,
           start_from: date | None = None, start_to: date | None = None) -> bytes:
    if inss is not None:
        criteria = f"<ByWorker><INSS>{inss}</INSS></ByWorker>"
    else:
        criteria = "<ByCharacteristics>" + "".join(
            f"<{name}>{value}</{name}>" for name, value in
            (("StartFrom", start_from), ("StartTo", start_to)) if value is not None
        ) + "</ByCharacteristics>"
    return _root("SearchRequests", _head(reference, company) + criteria)


def list_notifications(reference: str, company: str = COMPANY, state: str = "PENDING") -> bytes:
    return _root("ListNotifications", _head(reference, company) + f"<State>{state}</State>")


def postpone(reference: str, notification_id: str, new_start: date,
             company: str = COMPANY) -> bytes:
    return _root("DecideNotification", _head(reference, company)
                 + f"<NotificationId>{notification_id}</NotificationId>"
                 + f"<Postpone><NewStartDate>{new_start}</NewStartDate></Postpone>")


def refuse(reference: str, notification_id: str, reason: str, company: str = COMPANY) -> bytes:
    return _root("DecideNotification", _head(reference, company)
                 + f"<NotificationId>{notification_id}</NotificationId>"
                 + f"<Refuse><Reason>{reason}</Reason></Refuse>")


def accept(reference: str, notification_id: str, notice: date, company: str = COMPANY) -> bytes:
    regimes = (
        "<RegimeBefore><WorkingDaysSystem>500</WorkingDaysSystem><MeanWorkingHours>3800"
        "</MeanWorkingHours><RefMeanWorkingHours>3800</RefMeanWorkingHours></RegimeBefore>"
        "<RegimeDuring><WorkingDaysSystem>400</WorkingDaysSystem><MeanWorkingHours>3040"
        "</MeanWorkingHours><RefMeanWorkingHours>3800</RefMeanWorkingHours></RegimeDuring>"
    )
    return _root("DecideNotification", _head(reference, company)
                 + f"<NotificationId>{notification_id}</NotificationId>"
                 + f"<Accept><NoticeDate>{notice}</NoticeDate>{regimes}"
                 + "<SeveralEmployers>false</SeveralEmployers></Accept>")


def update_parameters(reference: str, company: str = COMPANY, *, accepts: bool = True,
                      email: str = "hr@example.be", headcount: int = 45) -> bytes:
    return _root("UpdateParameters", _head(reference, company)
                 + f"<Contact><Name>Marie Dupont</Name><Email>{email}</Email></Contact>"
                 + "<Sector>PRIVATE</Sector><JointCommissionNbr>200</JointCommissionNbr>"
                 + f"<Headcount>{headcount}</Headcount><AcceptEmployeeNotifications>"
                 + f"{'true' if accepts else 'false'}</AcceptEmployeeNotifications>")


def submit(reference: str, worker: int = 0, company: str = COMPANY) -> bytes:
    return samples.submit_request(reference, samples.worker_inss(worker), today(),
                                  company_id=company).encode()


# ---- authority messages ------------------------------------------------------------------------


def worker_part_completed(ticket: str) -> bytes:
    return _root("WorkerPartCompleted", f"<TicketNumber>{ticket}</TicketNumber>"
                 f"<CompletedOn>{today()}</CompletedOn>")


def decision(ticket: str, outcome: str = "GRANTED", reason: str | None = None) -> bytes:
    said = f"<Reason>{reason}</Reason>" if reason else ""
    return _root("Decision", f"<TicketNumber>{ticket}</TicketNumber><Outcome>{outcome}</Outcome>"
                 f"<DecidedOn>{today()}</DecidedOn>{said}")


def employee_notification(notification_id: str, worker: int = 0, company: str = COMPANY, *,
                          palliative: bool = False) -> bytes:
    """TIME_CREDIT TRAINING ONE_FIFTH over `timing()` noticed yesterday, or a month of
    palliative care from next Monday."""
    t, notice = timing(), today() - timedelta(days=1)
    if palliative:
        start = notice + timedelta(days=7 - notice.weekday())
        leave = ("<Scheme>PALLIATIVE_CARE</Scheme><Fraction>FULL</Fraction>"
                 f"<RequestedStartDate>{start}</RequestedStartDate>"
                 f"<RequestedEndDate>{start + timedelta(days=29)}</RequestedEndDate>")
    else:
        leave = ("<Scheme>TIME_CREDIT</Scheme><Motive>TRAINING</Motive>"
                 f"<Fraction>ONE_FIFTH</Fraction><RequestedStartDate>{t.start}"
                 f"</RequestedStartDate><RequestedEndDate>{t.end}</RequestedEndDate>")
    return _root("EmployeeNotification",
                 f"<NotificationId>{notification_id}</NotificationId>"
                 f"<Employer><CompanyID>{company}</CompanyID></Employer>"
                 f"<Worker><INSS>{samples.worker_inss(worker)}</INSS><LastName>Peeters"
                 "</LastName><FirstName>An</FirstName></Worker>"
                 f"{leave}<NoticeDate>{notice}</NoticeDate>")


# ---- sending and reading -----------------------------------------------------------------------


@dataclass
class Employer:
    """A sender of one deployment, with its own message ids, and a reply reader."""

    dep: Deployment
    account: Account
    sent: int = 0

    @property
    def queue(self) -> str:
        return f"breakgate.replies.{self.account.user}"

    async def send(self, *bodies: bytes) -> list[str]:
        ids = [f"{self.account.user}-{self.sent + n}" for n in range(1, len(bodies) + 1)]
        self.sent += len(bodies)
        await publish(self.dep.url_for(self.account), f"breakgate.in.{self.account.user}",
                      list(zip(ids, bodies, strict=True)), user=self.account.user)
        return ids

    async def replies(self, count: int, idle: float = 0.0) -> list[Reply]:
        return await collect_replies(self.dep.url_for(self.account), self.queue, count,
                                     timeout=60, idle=idle)

    async def ask(self, body: bytes) -> Reply:
        """One message, its one reply (nothing else may arrive for this sender meanwhile)."""
        [message_id] = await self.send(body)
        [reply] = await self.replies(1)
        assert reply.correlation_id == message_id, reply
        return reply


async def as_authority(dep: Deployment, *bodies: bytes, prefix: str = "auth") -> None:
    key = f"{prefix}-{time.monotonic_ns()}"
    await publish(dep.url_for(dep.authority), "breakgate.authority",
                  [(f"{key}-{i}", body) for i, body in enumerate(bodies)],
                  user=dep.authority.user)


@dataclass(frozen=True)
class Seen:
    """A message read from a queue, with where it was published."""

    exchange: str
    routing_key: str
    kind: str
    message_id: str
    correlation_id: str
    headers: dict[str, Any]
    body: bytes

    def text(self, path: str) -> str | None:
        return etree.fromstring(self.body).findtext(path, namespaces=NS)


async def observe(dep: Deployment, queue: str = OBSERVER) -> str:
    """A queue bound with `#` to breakgate.events and breakgate.authority.out."""
    connection = await aio_pika.connect(dep.admin_url)
    try:
        channel = await connection.channel()
        observer = await channel.declare_queue(queue, durable=True,
                                               arguments={"x-queue-type": "classic"})
        for exchange in ("breakgate.events", "breakgate.authority.out"):
            await observer.bind(exchange, routing_key="#")
    finally:
        await connection.close()
    return queue


async def read_queue(url: str, queue: str, count: int, *, timeout: float = 60,
                     idle: float = 0.0) -> list[Seen]:
    """Reads (and acks) `count` messages, then `idle` seconds more for extras; duplicates
    (same message_id, re-published by the relay) are dropped."""
    seen: dict[str, Seen] = {}

    def take(message: AbstractIncomingMessage) -> None:
        seen.setdefault(str(message.message_id), Seen(
            exchange=message.exchange or "", routing_key=message.routing_key or "",
            kind=etree.QName(etree.fromstring(message.body)).localname,
            message_id=str(message.message_id),
            correlation_id=str(message.correlation_id),
            headers=dict(message.headers or {}), body=message.body))

    await consume_until(url, queue, lambda: len(seen) >= count, take, timeout=timeout,
                        idle=idle)
    return list(seen.values())


def kinds(found: Sequence[Reply | Seen]) -> list[str]:
    return [m.kind for m in found]


def routes(found: Sequence[Seen]) -> list[tuple[str, str]]:
    return [(m.exchange, m.routing_key) for m in found]


def text_of(message: Reply | Seen, path: str) -> str | None:
    """The text at `path` (XPath with the `b:` prefix) of a reply's or message's body."""
    return etree.fromstring(message.body).findtext(path, namespaces=NS)


def count_of(message: Reply | Seen, path: str) -> int:
    return len(etree.fromstring(message.body).findall(path, namespaces=NS))


async def execute(dep: Deployment, statement: Any) -> None:
    """Runs one SQLAlchemy statement on the deployment's database (both dialects)."""
    from service.db.engine import create_engine

    engine = create_engine(dep.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(statement)
    finally:
        await engine.dispose()
