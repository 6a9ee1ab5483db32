"""What one transaction keeps in memory so that a 256-message batch costs a few statements per
message instead of one round trip per repository call.

Held back until commit (written by `flush`, just before it):
- ticket counters: the first `next_value` of a transaction locks the counter row and reads it;
  later numbers are handed out in memory; the last one is written back at commit. The row stays
  locked from that first read to the commit, so no other transaction can take a number in
  between: gap-free and never reused, with two statements per counter per batch.
- new requests and outbox messages: inserted together at commit (one executemany per table).
  Reads of the same transaction see them; other transactions see them at commit, as before. A
  duplicate within the transaction conflicts at once; a duplicate of another transaction's row
  conflicts at commit (only a bug can cause one: ticket numbers come from the counter, and
  outbox ids from the inbound message, which the inbox claims first).

Read once per transaction (a batch is one instant: on SQLite nobody else writes during it, on
PostgreSQL a change committed meanwhile is seen by the next batch):
- employers' rows, mandate checks. The transaction's own writes update or drop them.

Savepoints snapshot this state (`mark`) and restore it when they roll back (`rollback_to`),
exactly as the database discards the rows and the row lock taken inside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from service.app.envelope import Outbound
from service.app.ports import EmploymentPeriod, InboxEntry, StoredRequest
from service.db.errors import translate_errors
from service.db.tables import inbox, outbox, requests, ticket_counters

R = TypeVar("R")
CounterKey = tuple[str, int]  # (environment, year)
MandateKey = tuple[str, str, date]  # (sender, company_id, on)

_INSERT_REQUESTS = insert(requests)
# A plain INSERT: a copy of the same message committed meanwhile by another worker makes the
# whole batch fail with StorageConflict (the consumer then retries it message by message).
_INSERT_INBOX = insert(inbox)
_INSERT_OUTBOX = insert(outbox)
_WRITE_COUNTER = (
    update(ticket_counters)
    .where(
        ticket_counters.c.environment == bindparam("b_environment"),
        ticket_counters.c.year == bindparam("b_year"),
    )
    .values(value=bindparam("b_value"))
)


@dataclass(frozen=True)
class EmployerRow:
    noss: str | None
    sector: str | None
    accepts_notifications: bool
    headcounts: dict[int, int]


@dataclass(frozen=True)
class Mark:
    counters: dict[CounterKey, tuple[int, int]]
    requests: tuple[int, int]  # (rows added, rows written) when the savepoint opened
    outbox: tuple[int, int]
    inbox: tuple[int, int]


@dataclass
class Inserts(Generic[R]):
    """Rows for one table, in order, with the records they stand for (by key) and how many of
    them are written already (the relay's reads write the outbox out before the commit)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, R] = field(default_factory=dict)  # insertion order = row order
    written: int = 0

    def add(self, key: str, record: R, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.records[key] = record

    def unwritten(self) -> list[R]:
        return list(self.records.values())[self.written :]

    def unwritten_record(self, key: str) -> R | None:
        """The record of `key` while its row is still held back; once written, the database
        has the truth (it may have been updated since)."""
        record = self.records.get(key)
        if record is None or self.written == 0:
            return record
        return record if key in list(self.records)[self.written :] else None

    def position(self) -> tuple[int, int]:
        return len(self.rows), self.written

    def rollback_to(self, position: tuple[int, int]) -> None:
        # The database undid the rows written since; the state forgets the rows added since.
        count, self.written = position
        for key in list(self.records)[count:]:
            del self.records[key]
        del self.rows[count:]

    async def write(self, connection: AsyncConnection, statement: Insert) -> None:
        if self.written < len(self.rows):
            with translate_errors:
                await connection.execute(statement, self.rows[self.written :])
            self.written = len(self.rows)


@dataclass
class TransactionState:
    # counter -> (value read when locked or last written, last value handed out)
    counters: dict[CounterKey, tuple[int, int]] = field(default_factory=dict)
    requests: Inserts[StoredRequest] = field(default_factory=Inserts)  # by ticket number
    outbox: Inserts[Outbound] = field(default_factory=Inserts)  # by message id
    employers: dict[str, EmployerRow | None] = field(default_factory=dict)
    mandates: dict[MandateKey, bool] = field(default_factory=dict)
    inbox: Inserts[InboxEntry] = field(default_factory=Inserts)  # by "sender\0message_id"
    # Preloaded committed rows (repositories.preload); None = known to be absent.
    known_inbox_ids: dict[tuple[str, str], InboxEntry | None] = field(default_factory=dict)
    known_inbox_refs: dict[tuple[str, str], InboxEntry | None] = field(default_factory=dict)
    personnel: dict[tuple[str, str], list[EmploymentPeriod]] = field(default_factory=dict)
    worker_requests: dict[tuple[str, str], list[StoredRequest]] = field(default_factory=dict)

    def mark(self) -> Mark:
        return Mark(dict(self.counters), self.requests.position(), self.outbox.position(),
                    self.inbox.position())

    def rollback_to(self, mark: Mark) -> None:
        self.counters = dict(mark.counters)
        self.requests.rollback_to(mark.requests)
        self.outbox.rollback_to(mark.outbox)
        self.inbox.rollback_to(mark.inbox)
        self.employers.clear()
        self.mandates.clear()

    def inbox_reference(self, sender: str, reference: str) -> InboxEntry | None:
        """This transaction's own inbox entry for a RequestReference, if any."""
        for entry in reversed(self.inbox.unwritten()):
            if entry.sender == sender and entry.request_reference == reference:
                return entry
        return None

    def forget_preloaded(self) -> None:
        """An immediate write may change what was preloaded: read it afresh from now on."""
        self.personnel.clear()
        self.worker_requests.clear()

    async def write_requests(self, connection: AsyncConnection) -> None:
        """Writes the requests held back now: before a statement that updates them or refers
        to them (history, attachments: foreign keys)."""
        await self.requests.write(connection, _INSERT_REQUESTS)

    async def flush(self, connection: AsyncConnection) -> None:
        """Writes everything held back; `SqlAlchemyUnitOfWork.begin()` calls it at commit."""
        await self.inbox.write(connection, _INSERT_INBOX)
        await self.requests.write(connection, _INSERT_REQUESTS)
        await self.outbox.write(connection, _INSERT_OUTBOX)
        for (environment, year), (stored, last) in self.counters.items():
            if last != stored:
                with translate_errors:
                    await connection.execute(
                        _WRITE_COUNTER,
                        {"b_environment": environment, "b_year": year, "b_value": last},
                    )
                self.counters[(environment, year)] = (last, last)
