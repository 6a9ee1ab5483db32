"""The ports the use cases need, as Protocols. Adapters (service.db, the fakes) implement them.

Every adapter passes the same abstract contract tests (tests/contract) as its fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from service.app.envelope import Outbound
from service.domain.codes import Environment, RequestStatus, Scheme
from service.domain.rules.context import EmployerProfile

# ---- stored records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    """What was answered to one inbound message, so a redelivery or a resend gets the same."""

    sender: str
    message_id: str
    request_reference: str | None
    content_sha256: str
    reply_message_ids: tuple[str, ...]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    message: Outbound
    created_at: datetime


@dataclass(frozen=True)
class Mandate:
    sender: str
    company_id: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class EmploymentPeriod:
    company_id: str
    inss: str
    entry_date: date
    exit_date: date | None
    last_name: str | None = None
    first_name: str | None = None


@dataclass(frozen=True)
class StoredRequest:
    ticket_number: str
    sender: str
    company_id: str
    request_reference: str
    inss: str
    scheme: Scheme
    start_date: date
    end_date: date | None
    status: RequestStatus
    version: int
    submitted_at: datetime
    payload_json: str  # the SubmitRequest as JSON: the source of RequestDetails


# ---- repositories -----------------------------------------------------------------------------


class InboxRepository(Protocol):
    """Inbound messages already answered; unique per (sender, message_id) and per
    (sender, request_reference)."""

    async def by_message_id(self, sender: str, message_id: str) -> InboxEntry | None: ...
    async def by_reference(self, sender: str, request_reference: str) -> InboxEntry | None: ...
    async def add(self, entry: InboxEntry) -> None: ...


class OutboxRepository(Protocol):
    """Replies and events written in the same transaction as the state change they report."""

    async def add(self, message: Outbound) -> None: ...
    async def by_message_ids(self, message_ids: Sequence[str]) -> list[Outbound]: ...
    async def unsent(self, created_before: datetime, limit: int) -> list[OutboxRow]: ...
    async def mark_sent(self, message_ids: Sequence[str], at: datetime) -> None: ...


class TicketCounter(Protocol):
    """Gap-free, never reused counters, one per (environment, year)."""

    async def next_value(self, environment: Environment, year: int) -> int: ...


class MandateRepository(Protocol):
    """Validity is inclusive at both ends. `revoke(sender, company, on)`: every mandate of that
    pair that ran later than `on` (or was open) now ends on `on`."""

    async def grant(self, mandate: Mandate) -> None: ...
    async def revoke(self, sender: str, company_id: str, on: date) -> None: ...
    async def holds(self, sender: str, company_id: str, on: date) -> bool: ...
    async def ever_granted_for(self, company_id: str) -> bool: ...


class PersonnelRepository(Protocol):
    """The Dimona personnel file; every read is per employer (V-PFL-6)."""

    async def upsert(self, period: EmploymentPeriod) -> None: ...
    async def periods(self, company_id: str, inss: str) -> list[EmploymentPeriod]: ...


class RequestRepository(Protocol):
    async def add(self, request: StoredRequest) -> None: ...
    async def by_ticket(self, company_id: str, ticket_number: str) -> StoredRequest | None: ...
    async def overlapping(
        self, company_id: str, inss: str, scheme: Scheme, start: date, end: date | None
    ) -> list[StoredRequest]: ...
    async def count(self) -> int: ...


class EmployerRepository(Protocol):
    async def profile(self, company_id: str) -> EmployerProfile | None: ...
    async def registered_noss(self, company_id: str) -> str | None: ...
    async def record_noss(self, company_id: str, noss: str) -> None: ...


class Transaction(Protocol):
    """One open transaction and its repositories. `savepoint()` isolates one message of a
    batch: an unexpected error rolls back only that message's changes."""

    inbox: InboxRepository
    outbox: OutboxRepository
    tickets: TicketCounter
    mandates: MandateRepository
    personnel: PersonnelRepository
    requests: RequestRepository
    employers: EmployerRepository

    def savepoint(self) -> AbstractAsyncContextManager[None]: ...


class UnitOfWork(Protocol):
    """`async with uow.begin() as tx:` commits on normal exit, rolls back on an exception.
    Driver errors surface as `service.app.errors.StorageUnavailable` or `StorageConflict`."""

    def begin(self) -> AbstractAsyncContextManager[Transaction]: ...


# ---- outbound transport and rendering ---------------------------------------------------------


class Publisher(Protocol):
    """Publishes with confirms. Returns the message_ids the broker confirmed; a message
    missing from the result was not sent (nack, return, timeout) and stays in the outbox."""

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]: ...


class ReplyRenderer(Protocol):
    """Reply or event model -> XML bytes (implemented by service.xml)."""

    def render(self, reply: object) -> bytes: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
