"""In-memory adapters of the storage ports, for handler tests. They pass the same contract tests
(tests/contract) as the SQL ones, so what a handler test proves holds on SQLite and PostgreSQL.

Transactions are serialised (like SQLite's BEGIN IMMEDIATE): one at a time, a rollback restores
the snapshot taken at `begin()`, a savepoint the one taken when it opened. Failures can be
queued to test the callers' error handling:

    uow.begin_errors.append(StorageUnavailable("down"))   # raised by the next begin()
    uow.commit_errors.append(StorageConflict("late"))     # raised by the next commit
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from fakes_bulk import FakeBulkRepository, FakeBulkState

from service.app.bulk_ports import BulkRepository
from service.app.envelope import Inbound, Outbound
from service.app.errors import StorageConflict, StorageUnavailable
from service.app.ports import (
    AttachmentRepository,
    EmployerRepository,
    EmploymentPeriod,
    InboxEntry,
    InboxRepository,
    Mandate,
    MandateRepository,
    NotificationRepository,
    OutboxRepository,
    OutboxRow,
    PersonnelRepository,
    RequestRepository,
    StoredAttachment,
    StoredNotification,
    StoredRequest,
    TicketCounter,
    Transaction,
    UnitOfWork,
)
from service.domain.codes import Environment, Fraction, NotificationState, RequestStatus, Scheme
from service.domain.commands import UpdateParameters
from service.domain.replies import HistoryEntry, RequestSummary
from service.domain.rules.context import EmployerProfile
from service.domain.search import SearchCriteria, matches, newest_first

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _OutboxRecord:
    row: OutboxRow
    sent_at: datetime | None = None


@dataclass(frozen=True)
class _Employer:
    noss: str | None = None
    parameters: UpdateParameters | None = None


@dataclass
class FakeState:
    """Every stored value is immutable, so a shallow copy of the containers is a snapshot."""

    inbox: dict[tuple[str, str], InboxEntry] = field(default_factory=dict)
    outbox: dict[str, _OutboxRecord] = field(default_factory=dict)
    outbox_last_id: int = 0
    tickets: dict[tuple[Environment, int], int] = field(default_factory=dict)
    mandates: list[Mandate] = field(default_factory=list)
    personnel: dict[tuple[str, str, date], EmploymentPeriod] = field(default_factory=dict)
    requests: dict[str, StoredRequest] = field(default_factory=dict)
    employers: dict[str, _Employer] = field(default_factory=dict)
    headcounts: dict[str, dict[int, int]] = field(default_factory=dict)
    # by ticket number; tuples, so a shallow copy of the dict is a snapshot
    history: dict[str, tuple[HistoryEntry, ...]] = field(default_factory=dict)
    attachments: dict[str, tuple[tuple[StoredAttachment, bytes], ...]] = field(
        default_factory=dict)
    notifications: dict[str, StoredNotification] = field(default_factory=dict)
    bulk: FakeBulkState = field(default_factory=FakeBulkState)

    def snapshot(self) -> FakeState:
        copied = copy.copy(self)
        for name in ("inbox", "outbox", "tickets", "personnel", "requests", "employers",
                     "history", "attachments", "notifications"):
            setattr(copied, name, dict(getattr(self, name)))
        copied.mandates = list(self.mandates)
        copied.bulk = self.bulk.copy()
        copied.headcounts = {company: dict(years) for company, years in self.headcounts.items()}
        return copied

    def restore(self, snapshot: FakeState) -> None:
        self.__dict__.update(snapshot.snapshot().__dict__)


class FakeInboxRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def by_message_id(self, sender: str, message_id: str) -> InboxEntry | None:
        return self._state.inbox.get((sender, message_id))

    async def by_reference(self, sender: str, request_reference: str) -> InboxEntry | None:
        for entry in self._state.inbox.values():
            if entry.sender == sender and entry.request_reference == request_reference:
                return entry
        return None

    async def add(self, entry: InboxEntry) -> None:
        same_reference = entry.request_reference is not None and (
            await self.by_reference(entry.sender, entry.request_reference) is not None
        )
        if (entry.sender, entry.message_id) in self._state.inbox or same_reference:
            raise StorageConflict("inbox: this message or request reference is already stored")
        self._state.inbox[(entry.sender, entry.message_id)] = replace(
            entry, reply_message_ids=tuple(entry.reply_message_ids)
        )


class FakeOutboxRepository:
    def __init__(self, state: FakeState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    async def add(self, message: Outbound) -> None:
        if message.message_id in self._state.outbox:
            raise StorageConflict(f"outbox: message {message.message_id!r} is already stored")
        self._state.outbox_last_id += 1
        # A stored copy: the caller may mutate its headers dict afterwards.
        stored = replace(message, headers=json.loads(json.dumps(message.headers)))
        row = OutboxRow(id=self._state.outbox_last_id, message=stored, created_at=self._clock())
        self._state.outbox[message.message_id] = _OutboxRecord(row)

    async def by_message_ids(self, message_ids: Sequence[str]) -> list[Outbound]:
        outbox = self._state.outbox
        return [outbox[key].row.message for key in message_ids if key in outbox]

    async def unsent(self, created_before: datetime, limit: int) -> list[OutboxRow]:
        rows = [
            record.row
            for record in self._state.outbox.values()
            if record.sent_at is None and record.row.created_at < created_before
        ]
        return sorted(rows, key=lambda row: row.id)[:limit]

    async def mark_sent(self, message_ids: Sequence[str], at: datetime) -> None:
        for key in message_ids:
            record = self._state.outbox.get(key)
            if record is not None and record.sent_at is None:
                self._state.outbox[key] = replace(record, sent_at=at)


class FakeTicketCounter:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def next_value(self, environment: Environment, year: int) -> int:
        value = self._state.tickets.get((environment, year), 0) + 1
        self._state.tickets[(environment, year)] = value
        return value


class FakeMandateRepository:
    """Validity inclusive at both ends; `revoke(on=D)` ends the pair's mandates on D."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def grant(self, mandate: Mandate) -> None:
        self._state.mandates.append(mandate)

    async def revoke(self, sender: str, company_id: str, on: date) -> None:
        self._state.mandates = [
            replace(m, valid_to=on)
            if m.sender == sender
            and m.company_id == company_id
            and (m.valid_to is None or m.valid_to > on)
            else m
            for m in self._state.mandates
        ]

    async def holds(self, sender: str, company_id: str, on: date) -> bool:
        return any(
            m.sender == sender
            and m.company_id == company_id
            and m.valid_from <= on
            and (m.valid_to is None or on <= m.valid_to)
            for m in self._state.mandates
        )

    async def ever_granted_for(self, company_id: str) -> bool:
        return any(m.company_id == company_id for m in self._state.mandates)

    async def mandated_senders(self, company_id: str, on: date) -> list[str]:
        return sorted({m.sender for m in self._state.mandates
                       if await self.holds(m.sender, company_id, on)})


class FakePersonnelRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def upsert(self, period: EmploymentPeriod) -> None:
        self._state.personnel[(period.company_id, period.inss, period.entry_date)] = period

    async def periods(self, company_id: str, inss: str) -> list[EmploymentPeriod]:
        found = [
            period
            for (company, worker, _), period in self._state.personnel.items()
            if company == company_id and worker == inss
        ]
        return sorted(found, key=lambda period: period.entry_date)


class FakeRequestRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def add(self, request: StoredRequest) -> None:
        if request.ticket_number in self._state.requests:
            raise StorageConflict(f"requests: ticket {request.ticket_number} is already stored")
        self._state.requests[request.ticket_number] = request

    async def by_ticket(self, company_id: str, ticket_number: str) -> StoredRequest | None:
        request = self._state.requests.get(ticket_number)
        return request if request is not None and request.company_id == company_id else None

    async def overlapping(
        self, company_id: str, inss: str, scheme: Scheme, start: date, end: date | None
    ) -> list[StoredRequest]:
        found = [
            r
            for r in self._state.requests.values()  # in insertion order, like the id
            if r.company_id == company_id
            and r.inss == inss
            and r.scheme == scheme
            and (r.end_date is None or r.end_date >= start)
            and (end is None or r.start_date <= end)
        ]
        return sorted(found, key=lambda r: r.start_date)

    async def count(self) -> int:
        return len(self._state.requests)

    async def by_ticket_for_authority(self, ticket_number: str) -> StoredRequest | None:
        return self._state.requests.get(ticket_number)

    async def for_worker(self, company_id: str, inss: str, scheme: Scheme) -> list[StoredRequest]:
        return await self.overlapping(company_id, inss, scheme, date.min, None)

    async def update_status(
        self, ticket_number: str, status: RequestStatus, version: int, expected_version: int
    ) -> None:
        self._state.requests[ticket_number] = replace(
            self._at_version(ticket_number, expected_version), status=status, version=version)

    async def set_end_date(
        self, ticket_number: str, end_date: date | None, payload_json: str,
        expected_version: int,
    ) -> None:
        self._state.requests[ticket_number] = replace(
            self._at_version(ticket_number, expected_version), end_date=end_date,
            payload_json=payload_json)

    def _at_version(self, ticket_number: str, expected_version: int) -> StoredRequest:
        request = self._state.requests.get(ticket_number)
        if request is None or request.version != expected_version:
            raise StorageConflict(
                f"requests: {ticket_number} is no longer at version {expected_version}")
        return request

    async def add_history(self, ticket_number: str, entry: HistoryEntry) -> None:
        if ticket_number not in self._state.requests:
            raise StorageConflict(f"request_history: no request {ticket_number}")  # the FK
        self._state.history[ticket_number] = (*self._state.history.get(ticket_number, ()), entry)

    async def history(self, ticket_number: str) -> list[HistoryEntry]:
        # stable: entries with the same time stay in insertion order, like the id
        return sorted(self._state.history.get(ticket_number, ()), key=lambda e: e.at)

    async def search(
        self, company_id: str, criteria: SearchCriteria
    ) -> tuple[int, list[StoredRequest]]:
        mine = {r.ticket_number: r for r in self._state.requests.values()
                if r.company_id == company_id}
        found = sorted((s for s in map(_summary, mine.values()) if matches(s, criteria)),
                       key=newest_first, reverse=True)
        page = found[criteria.offset:criteria.offset + criteria.page_size]
        return len(found), [mine[s.ticket_number] for s in page]


def _summary(request: StoredRequest) -> RequestSummary:
    fraction = request.fraction or Fraction(json.loads(request.payload_json)["fraction"])
    return RequestSummary(
        ticket_number=request.ticket_number, request_reference=request.request_reference,
        inss=request.inss, scheme=request.scheme, fraction=fraction,
        start_date=request.start_date, end_date=request.end_date, status=request.status,
        submitted_at=request.submitted_at,
    )


class FakeAttachmentRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def add(self, ticket_number: str, attachment: StoredAttachment, content: bytes) -> None:
        if ticket_number not in self._state.requests:
            raise StorageConflict(f"attachments: no request {ticket_number}")  # the FK
        stored = self._state.attachments.get(ticket_number, ())
        if any(a.file_name == attachment.file_name for a, _ in stored):
            raise StorageConflict(
                f"attachments: {ticket_number} already has {attachment.file_name!r}")
        self._state.attachments[ticket_number] = (*stored, (attachment, bytes(content)))

    async def for_request(self, ticket_number: str) -> list[StoredAttachment]:
        return [a for a, _ in self._state.attachments.get(ticket_number, ())]


class FakeNotificationRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def add(self, notification: StoredNotification) -> None:
        if notification.notification_id in self._state.notifications:
            raise StorageConflict(
                f"notifications: {notification.notification_id!r} is already stored")
        self._state.notifications[notification.notification_id] = notification

    async def by_id(self, notification_id: str) -> StoredNotification | None:
        return self._state.notifications.get(notification_id)

    async def get(self, company_id: str, notification_id: str) -> StoredNotification | None:
        found = self._state.notifications.get(notification_id)
        return found if found is not None and found.company_id == company_id else None

    async def in_state(
        self, company_id: str, state: NotificationState
    ) -> list[StoredNotification]:
        found = [n for n in self._state.notifications.values()
                 if n.company_id == company_id and n.state is state]
        return sorted(found, key=lambda n: (n.received_at, n.notification_id))

    async def decide(
        self, notification_id: str, state: NotificationState, at: datetime, *,
        new_start_date: date | None = None, ticket_number: str | None = None,
        reason: str | None = None,
    ) -> None:
        found = self._state.notifications.get(notification_id)
        if found is None or found.state is not NotificationState.PENDING:
            raise StorageConflict(f"notifications: {notification_id!r} is no longer PENDING")
        self._state.notifications[notification_id] = replace(
            found, state=state, decided_at=at, new_start_date=new_start_date,
            ticket_number=ticket_number, reason=reason)


class FakeEmployerRepository:
    def __init__(self, state: FakeState) -> None:
        self._state = state

    async def profile(self, company_id: str) -> EmployerProfile | None:
        employer = self._state.employers.get(company_id)
        if employer is None or employer.parameters is None:
            return None
        return EmployerProfile(
            sector=employer.parameters.sector,
            headcounts=dict(self._state.headcounts.get(company_id, {})),
            accepts_notifications=employer.parameters.accept_employee_notifications,
        )

    async def registered_noss(self, company_id: str) -> str | None:
        employer = self._state.employers.get(company_id)
        return None if employer is None else employer.noss

    async def record_noss(self, company_id: str, noss: str) -> None:
        """Keeps the NOSS already registered, if any (the first one seen, V-ID-9)."""
        employer = self._state.employers.get(company_id, _Employer())
        if employer.noss is None:
            self._state.employers[company_id] = replace(employer, noss=noss)

    async def save_parameters(self, parameters: UpdateParameters, reference_year: int) -> None:
        company_id = parameters.employer.company_id
        employer = self._state.employers.get(company_id, _Employer())
        self._state.employers[company_id] = replace(employer, parameters=parameters)
        self._state.headcounts.setdefault(company_id, {})[reference_year] = parameters.headcount


class FakeTransaction:
    def __init__(self, state: FakeState, clock: Clock) -> None:
        self._state = state
        self.inbox: InboxRepository = FakeInboxRepository(state)
        self.outbox: OutboxRepository = FakeOutboxRepository(state, clock)
        self.tickets: TicketCounter = FakeTicketCounter(state)
        self.mandates: MandateRepository = FakeMandateRepository(state)
        self.personnel: PersonnelRepository = FakePersonnelRepository(state)
        self.requests: RequestRepository = FakeRequestRepository(state)
        self.attachments: AttachmentRepository = FakeAttachmentRepository(state)
        self.notifications: NotificationRepository = FakeNotificationRepository(state)
        self.employers: EmployerRepository = FakeEmployerRepository(state)
        self.bulk: BulkRepository = FakeBulkRepository(lambda: state.bulk, clock)

    async def preload(self, inbounds: Sequence[Inbound]) -> None:
        """Everything is in memory already."""

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        snapshot = self._state.snapshot()
        try:
            yield
        except BaseException:
            self._state.restore(snapshot)
            raise


class FakeUnitOfWork:
    """`state` is public so tests can arrange and inspect it directly; `commits` and
    `rollbacks` count finished transactions."""

    def __init__(self, *, clock: Clock = utc_now, lock_timeout: float = 5.0) -> None:
        self.state = FakeState()
        self.begin_errors: list[Exception] = []
        self.commit_errors: list[Exception] = []
        self.commits = 0
        self.rollbacks = 0
        self._clock = clock
        self._lock_timeout = lock_timeout
        self._lock: asyncio.Lock | None = None

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        if self.begin_errors:
            raise self.begin_errors.pop(0)
        async with self._serialised():
            snapshot = self.state.snapshot()
            try:
                yield FakeTransaction(self.state, self._clock)
                if self.commit_errors:
                    raise self.commit_errors.pop(0)
            except BaseException:
                self.state.restore(snapshot)
                self.rollbacks += 1
                raise
            self.commits += 1

    @asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        # Like SQLite's busy timeout: a transaction waiting too long for the previous one
        # (say, a handler that opens a second one inside the first) fails as unavailable.
        if self._lock is None:
            self._lock = asyncio.Lock()
        try:
            await asyncio.wait_for(self._lock.acquire(), self._lock_timeout)
        except TimeoutError:
            raise StorageUnavailable("fake database is locked") from None
        try:
            yield
        finally:
            self._lock.release()


def _type_check(uow: FakeUnitOfWork, tx: FakeTransaction) -> tuple[UnitOfWork, Transaction]:
    return uow, tx  # mypy: the fakes implement the ports
