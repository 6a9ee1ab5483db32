"""The exactly-once machinery: inbox, outbox and ticket counters (RELIABILITY.md section 2)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app.envelope import Outbound
from service.app.errors import StorageConflict
from service.app.ports import InboxEntry, OutboxRow
from service.db.errors import translate_errors
from service.db.repositories._sql import Clock
from service.db.repositories.state import TransactionState
from service.db.tables import inbox, outbox, ticket_counters
from service.domain.codes import Environment

# ---- inbox -------------------------------------------------------------------------------------

_INBOX_COLUMNS = (
    inbox.c.sender,
    inbox.c.message_id,
    inbox.c.request_reference,
    inbox.c.content_sha256,
    inbox.c.reply_message_ids,
)
_INBOX_BY_MESSAGE_ID = select(*_INBOX_COLUMNS).where(
    inbox.c.sender == bindparam("sender"), inbox.c.message_id == bindparam("key")
)
_INBOX_BY_REFERENCE = select(*_INBOX_COLUMNS).where(
    inbox.c.sender == bindparam("sender"), inbox.c.request_reference == bindparam("key")
)


def _inbox_entry(row: Row[*tuple[Any, ...]]) -> InboxEntry:
    return InboxEntry(
        sender=row.sender,
        message_id=row.message_id,
        request_reference=row.request_reference,
        content_sha256=row.content_sha256,
        reply_message_ids=tuple(json.loads(row.reply_message_ids)),
    )


class SqlInboxRepository:
    """Both unique keys are database constraints. Entries are written at commit with the rest
    of the batch (see `state`); reads see them before. A copy of the same message committed
    meanwhile by another worker fails the commit with `StorageConflict`."""

    def __init__(self, connection: AsyncConnection, clock: Clock,
                 state: TransactionState) -> None:
        self._connection = connection
        self._clock = clock
        self._state = state

    async def by_message_id(self, sender: str, message_id: str) -> InboxEntry | None:
        pending = self._state.inbox.records.get(_key(sender, message_id))
        if pending is not None:
            return pending
        if (sender, message_id) in self._state.known_inbox_ids:
            return self._state.known_inbox_ids[(sender, message_id)]
        return await self._one(_INBOX_BY_MESSAGE_ID, sender, message_id)

    async def by_reference(self, sender: str, request_reference: str) -> InboxEntry | None:
        pending = self._state.inbox_reference(sender, request_reference)
        if pending is not None:
            return pending
        if (sender, request_reference) in self._state.known_inbox_refs:
            return self._state.known_inbox_refs[(sender, request_reference)]
        return await self._one(_INBOX_BY_REFERENCE, sender, request_reference)

    async def add(self, entry: InboxEntry) -> None:
        clash = await self.by_message_id(entry.sender, entry.message_id)
        if clash is None and entry.request_reference is not None:
            clash = await self.by_reference(entry.sender, entry.request_reference)
        if clash is not None:
            raise StorageConflict("inbox: this message or request reference is already stored")
        row = {
            "sender": entry.sender,
            "message_id": entry.message_id,
            "request_reference": entry.request_reference,
            "content_sha256": entry.content_sha256,
            "reply_message_ids": json.dumps(list(entry.reply_message_ids)),
            "created_at": self._clock(),
        }
        self._state.inbox.add(_key(entry.sender, entry.message_id), entry, row)

    async def _one(self, statement: Any, sender: str, key: str) -> InboxEntry | None:
        with translate_errors:
            result = await self._connection.execute(statement, {"sender": sender, "key": key})
        row = result.first()
        return None if row is None else _inbox_entry(row)


def _key(sender: str, message_id: str) -> str:
    return f"{sender}\0{message_id}"


# ---- outbox ------------------------------------------------------------------------------------

_INSERT_OUTBOX = insert(outbox)
_OUTBOX_COLUMNS = (
    outbox.c.id,
    outbox.c.exchange,
    outbox.c.routing_key,
    outbox.c.message_id,
    outbox.c.correlation_id,
    outbox.c.message_type,
    outbox.c.body,
    outbox.c.environment,
    outbox.c.headers,
    outbox.c.created_at,
)
_OUTBOX_BY_MESSAGE_IDS = select(*_OUTBOX_COLUMNS).where(
    outbox.c.message_id.in_(bindparam("message_ids", expanding=True))
)
# SQLite renders no FOR UPDATE (one writer at a time anyway); PostgreSQL lets relays on several
# instances claim disjoint rows.
_OUTBOX_UNSENT = (
    select(*_OUTBOX_COLUMNS)
    .where(outbox.c.sent_at.is_(None), outbox.c.created_at < bindparam("created_before"))
    .order_by(outbox.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_OUTBOX_MARK_SENT = (
    update(outbox)
    .where(outbox.c.message_id.in_(bindparam("message_ids", expanding=True)))
    .where(outbox.c.sent_at.is_(None))
    .values(sent_at=bindparam("sent_at"))
)


def _outbound(row: Row[*tuple[Any, ...]]) -> Outbound:
    return Outbound(
        exchange=row.exchange,
        routing_key=row.routing_key,
        message_id=row.message_id,
        correlation_id=row.correlation_id,
        message_type=row.message_type,
        body=bytes(row.body),
        environment=Environment(row.environment),
        headers=json.loads(row.headers),
    )


class SqlOutboxRepository:
    """New messages are inserted at commit, all at once (see `state`); `by_message_ids` sees
    them before. The relay's `unsent` and `mark_sent` write them out first."""

    def __init__(self, connection: AsyncConnection, clock: Clock, state: TransactionState) -> None:
        self._connection = connection
        self._clock = clock
        self._state = state

    async def add(self, message: Outbound) -> None:
        if message.message_id in self._state.outbox.records:
            raise StorageConflict(f"outbox: message {message.message_id!r} is already stored")
        row = {
            "message_id": message.message_id,
            "exchange": message.exchange,
            "routing_key": message.routing_key,
            "correlation_id": message.correlation_id,
            "message_type": message.message_type,
            "environment": message.environment.value,
            "headers": json.dumps(message.headers, sort_keys=True),
            "body": message.body,
            "created_at": self._clock(),
        }
        # A copy: the caller may change its headers dict afterwards, the stored row will not.
        stored = replace(message, headers=dict(message.headers))
        self._state.outbox.add(message.message_id, stored, row)

    async def by_message_ids(self, message_ids: Sequence[str]) -> list[Outbound]:
        added = self._state.outbox.records
        found = {key: added[key] for key in message_ids if key in added}
        stored = [key for key in message_ids if key not in found]
        if stored:
            with translate_errors:
                result = await self._connection.execute(
                    _OUTBOX_BY_MESSAGE_IDS, {"message_ids": stored}
                )
            found.update((row.message_id, _outbound(row)) for row in result)
        return [found[message_id] for message_id in message_ids if message_id in found]

    async def unsent(self, created_before: datetime, limit: int) -> list[OutboxRow]:
        await self._state.outbox.write(self._connection, _INSERT_OUTBOX)
        with translate_errors:
            result = await self._connection.execute(
                _OUTBOX_UNSENT, {"created_before": created_before, "limit": limit}
            )
        return [
            OutboxRow(id=row.id, message=_outbound(row), created_at=row.created_at)
            for row in result
        ]

    async def mark_sent(self, message_ids: Sequence[str], at: datetime) -> None:
        if not message_ids:
            return
        await self._state.outbox.write(self._connection, _INSERT_OUTBOX)
        with translate_errors:
            await self._connection.execute(
                _OUTBOX_MARK_SENT, {"message_ids": list(message_ids), "sent_at": at}
            )


# ---- ticket counters ---------------------------------------------------------------------------


def _lock_counter_statements() -> dict[str, Any]:
    # Creates the row at 0 if needed, locks it (the no-op DO UPDATE takes the row lock, and
    # under READ COMMITTED waits for and then reads the latest committed value) and returns
    # the value: one round trip. Both databases support upsert with RETURNING.
    statements: dict[str, Any] = {}
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
        statements[name] = (
            dialect_insert(ticket_counters)
            .values(environment=bindparam("environment"), year=bindparam("year"), value=0)
            .on_conflict_do_update(
                index_elements=["environment", "year"],
                set_={"value": ticket_counters.c.value},
            )
            .returning(ticket_counters.c.value)
        )
    return statements


_LOCK_COUNTER = _lock_counter_statements()


class SqlTicketCounter:
    """A counter row per (environment, year), locked by the first number a transaction takes
    and written back at its commit (see `state`): a rolled-back batch or savepoint gives its
    numbers back, a committed one never reuses them."""

    def __init__(self, connection: AsyncConnection, state: TransactionState) -> None:
        self._connection = connection
        self._state = state

    async def next_value(self, environment: Environment, year: int) -> int:
        key = (environment.value, year)
        counter = self._state.counters.get(key)
        if counter is None:
            stored = await self._lock(environment, year)
            counter = (stored, stored)
        value = counter[1] + 1
        self._state.counters[key] = (counter[0], value)
        return value

    async def _lock(self, environment: Environment, year: int) -> int:
        statement = _LOCK_COUNTER[self._connection.dialect.name]
        with translate_errors:
            result = await self._connection.execute(
                statement, {"environment": environment.value, "year": year}
            )
        value = result.scalar_one()
        assert isinstance(value, int)
        return value
