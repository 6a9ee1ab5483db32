"""The ports the use cases need, as Protocols. Adapters (service.db, the fakes) implement them.

Every adapter passes the same abstract contract tests (tests/contract) as its fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from service.app.bulk_ports import BulkRepository
from service.app.envelope import Inbound, Outbound
from service.domain.codes import Environment, Fraction, NotificationState, RequestStatus, Scheme
from service.domain.commands import UpdateParameters
from service.domain.replies import HistoryEntry
from service.domain.rules.context import EmployerProfile
from service.domain.search import SearchCriteria

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
    payload_json: str  # the SubmitRequest as JSON (without attachment content): RequestDetails
    fraction: Fraction | None = None


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment as RequestDetails shows it; its content is stored beside it."""

    file_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class StoredNotification:
    """An employee notification (RULES 5.2). `new_start_date` once POSTPONED,
    `ticket_number` once ACCEPTED, `reason` the refusal reason or auto-refusal code."""

    notification_id: str
    company_id: str
    inss: str
    payload_json: str  # the EmployeeNotification as JSON
    state: NotificationState
    received_at: datetime
    decided_at: datetime | None = None
    new_start_date: date | None = None
    ticket_number: str | None = None
    reason: str | None = None


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
    async def mandated_senders(self, company_id: str, on: date) -> list[str]:
        """Every sender holding a mandate for the employer on `on`, sorted (V-MAN-4)."""
        ...


class PersonnelRepository(Protocol):
    """The Dimona personnel file; every read is per employer (V-PFL-6)."""

    async def upsert(self, period: EmploymentPeriod) -> None: ...
    async def periods(self, company_id: str, inss: str) -> list[EmploymentPeriod]: ...


class RequestRepository(Protocol):
    """Employer-side reads are per employer (V-MAN-2). Updates are keyed by ticket (the
    caller has found the request through its employer, or is the authority) and guarded by
    the version the caller read: another transaction's change in between raises
    `StorageConflict` (the message is retried and sees the new state)."""

    async def add(self, request: StoredRequest) -> None: ...
    async def by_ticket(self, company_id: str, ticket_number: str) -> StoredRequest | None: ...
    async def by_ticket_for_authority(self, ticket_number: str) -> StoredRequest | None:
        """Any employer's request: only for the authority channel (WorkerPartCompleted,
        Decision), which is not an employer's tenant."""
        ...
    async def overlapping(
        self, company_id: str, inss: str, scheme: Scheme, start: date, end: date | None
    ) -> list[StoredRequest]: ...
    async def for_worker(self, company_id: str, inss: str, scheme: Scheme) -> list[StoredRequest]:
        """Every request of the employer, worker and scheme, whatever its status, by start
        date (V-MSG-4, V-CAP-1, V-DUR-5)."""
        ...
    async def update_status(
        self, ticket_number: str, status: RequestStatus, version: int, expected_version: int
    ) -> None: ...
    async def set_end_date(
        self, ticket_number: str, end_date: date | None, payload_json: str,
        expected_version: int,
    ) -> None:
        """ModifyRequest: the new end date, and the stored SubmitRequest that carries it."""
        ...
    async def add_history(self, ticket_number: str, entry: HistoryEntry) -> None: ...
    async def history(self, ticket_number: str) -> list[HistoryEntry]:
        """Stored changes, oldest first (the submission itself is not a stored entry)."""
        ...
    async def search(
        self, company_id: str, criteria: SearchCriteria
    ) -> tuple[int, list[StoredRequest]]:
        """(every match, this page): submitted on or after `criteria.submitted_from`
        (Europe/Brussels days), newest first (submitted_at, then ticket number)."""
        ...
    async def count(self) -> int: ...


class AttachmentRepository(Protocol):
    """Attachments of a request, by ticket (found through its employer first); a file name
    is unique per request (StorageConflict)."""

    async def add(self, ticket_number: str, attachment: StoredAttachment, content: bytes) -> None:
        ...
    async def for_request(self, ticket_number: str) -> list[StoredAttachment]:
        """In the order they were added."""
        ...


class NotificationRepository(Protocol):
    """Employee notifications. `get` and `in_state` are per employer (V-MAN-2); `by_id` is
    for the authority channel (V-NTF-2: a NotificationId is unique across employers)."""

    async def add(self, notification: StoredNotification) -> None: ...
    async def by_id(self, notification_id: str) -> StoredNotification | None: ...
    async def get(self, company_id: str, notification_id: str) -> StoredNotification | None: ...
    async def in_state(
        self, company_id: str, state: NotificationState
    ) -> list[StoredNotification]:
        """Oldest first (received_at, then id)."""
        ...
    async def decide(
        self, notification_id: str, state: NotificationState, at: datetime, *,
        new_start_date: date | None = None, ticket_number: str | None = None,
        reason: str | None = None,
    ) -> None:
        """PENDING -> `state`; `StorageConflict` when it is no longer PENDING."""
        ...


class EmployerRepository(Protocol):
    async def profile(self, company_id: str) -> EmployerProfile | None: ...
    async def registered_noss(self, company_id: str) -> str | None: ...
    async def record_noss(self, company_id: str, noss: str) -> None: ...
    async def save_parameters(self, parameters: UpdateParameters, reference_year: int) -> None:
        """Replaces every parameter; the headcount is stored for `reference_year` (V-PAR-6)."""
        ...


class Transaction(Protocol):
    """One open transaction and its repositories. `savepoint()` isolates one message of a
    batch: an unexpected error rolls back only that message's changes."""

    inbox: InboxRepository
    outbox: OutboxRepository
    tickets: TicketCounter
    mandates: MandateRepository
    personnel: PersonnelRepository
    requests: RequestRepository
    attachments: AttachmentRepository
    notifications: NotificationRepository
    employers: EmployerRepository
    bulk: BulkRepository

    def savepoint(self) -> AbstractAsyncContextManager[None]: ...

    async def preload(self, inbounds: Sequence[Inbound]) -> None:
        """A hint: read in a few statements what this batch will look up (inbox entries,
        workers' personnel periods and requests). Adapters may do nothing."""
        ...


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
