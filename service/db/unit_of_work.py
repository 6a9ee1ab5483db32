"""`SqlAlchemyUnitOfWork`: one database transaction per batch, one savepoint per message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.app.bulk_ports import BulkRepository
from service.app.envelope import Inbound
from service.app.ports import (
    AttachmentRepository,
    EmployerRepository,
    InboxRepository,
    MandateRepository,
    NotificationRepository,
    OutboxRepository,
    PersonnelRepository,
    RequestRepository,
    TicketCounter,
    Transaction,
    UnitOfWork,
)
from service.db.errors import translate_errors
from service.db.repositories import (
    Clock,
    SqlAttachmentRepository,
    SqlEmployerRepository,
    SqlInboxRepository,
    SqlMandateRepository,
    SqlNotificationRepository,
    SqlOutboxRepository,
    SqlPersonnelRepository,
    SqlRequestRepository,
    SqlTicketCounter,
    utc_now,
)
from service.db.repositories.bulk import SqlBulkRepository
from service.db.repositories.preload import PRELOADED_TABLES, preload
from service.db.repositories.state import TransactionState


class _WriteGuardedConnection:
    """The connection as the repositories see it: before any statement that writes, the
    savepoints opened so far are really created (see `SqlTransaction.savepoint`)."""

    def __init__(
        self, connection: AsyncConnection, before_write: Callable[[str | None], Awaitable[None]]
    ) -> None:
        self._connection = connection
        self._before_write = before_write
        self.dialect = connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if not isinstance(statement, Select):
            table = getattr(statement, "table", None)
            await self._before_write(getattr(table, "name", None))
        return await self._connection.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        await self._before_write(None)
        return await self._connection.exec_driver_sql(statement, parameters)


class SqlTransaction:
    """The repositories of one open transaction, all bound to its connection."""

    def __init__(self, connection: AsyncConnection, clock: Clock) -> None:
        self._connection = connection
        self._state = TransactionState()
        self._depth = 0
        self._materialized = 0  # how many of the open savepoints exist in the database
        state = self._state
        guarded: Any = _WriteGuardedConnection(connection, self._materialize)
        self.inbox: InboxRepository = SqlInboxRepository(guarded, clock, state)
        self.outbox: OutboxRepository = SqlOutboxRepository(guarded, clock, state)
        self.tickets: TicketCounter = SqlTicketCounter(guarded, state)
        self.mandates: MandateRepository = SqlMandateRepository(guarded, state)
        self.personnel: PersonnelRepository = SqlPersonnelRepository(guarded, state)
        self.requests: RequestRepository = SqlRequestRepository(guarded, state)
        self.attachments: AttachmentRepository = SqlAttachmentRepository(guarded, state)
        self.notifications: NotificationRepository = SqlNotificationRepository(guarded)
        self.employers: EmployerRepository = SqlEmployerRepository(guarded, clock, state)
        self.bulk: BulkRepository = SqlBulkRepository(guarded, clock)

    async def preload(self, inbounds: Sequence[Inbound]) -> None:
        """Reads what the batch will need in a few statements (repositories.preload)."""
        await preload(self._connection, self._state, inbounds)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Rolls back to the savepoint on any exception, which propagates; the outer
        transaction stays usable (also on PostgreSQL after a failed statement).

        Lazy: the repositories hold their writes in memory until commit (`state`), so most
        messages write nothing to the database inside their savepoint and need no SAVEPOINT
        round trips; the in-memory state is marked and restored instead. The first statement
        that writes inside creates the savepoints it sits in (`_materialize`)."""
        self._depth += 1
        depth = self._depth
        mark = self._state.mark()
        try:
            yield
        except BaseException:
            if self._materialized >= depth:
                await self._execute(f"ROLLBACK TO SAVEPOINT breakgate_{depth}")
                await self._execute(f"RELEASE SAVEPOINT breakgate_{depth}")
            self._state.rollback_to(mark)
            raise
        else:
            if self._materialized >= depth:
                await self._execute(f"RELEASE SAVEPOINT breakgate_{depth}")
        finally:
            self._materialized = min(self._materialized, depth - 1)
            self._depth -= 1

    async def _materialize(self, table: str | None) -> None:
        if table is None or table in PRELOADED_TABLES:
            self._state.forget_preloaded()
        while self._materialized < self._depth:
            self._materialized += 1
            # Plain SQL with one name per depth rather than `begin_nested()`: its names never
            # repeat, so asyncpg prepared every SAVEPOINT anew (about 500 µs instead of 90).
            await self._execute(f"SAVEPOINT breakgate_{self._materialized}")

    async def _execute(self, sql: str) -> None:
        with translate_errors:
            await self._connection.exec_driver_sql(sql)

    async def flush(self) -> None:
        """Writes what the repositories held back (see `repositories.state`); `begin()` calls it."""
        await self._state.flush(self._connection)


class SqlAlchemyUnitOfWork:
    """`async with uow.begin() as tx:` commits on normal exit and rolls back on an exception.

    Driver errors raised anywhere inside (connect, statements, commit) surface as
    `StorageUnavailable` or `StorageConflict`; other exceptions pass through unchanged.
    `clock` stamps the rows' `created_at`/`updated_at` (tests pass a fixed one)."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock
        # SQLite has one writer, and every transaction here is one (BEGIN IMMEDIATE). The
        # process's own transactions (consumers, reply marks, relay, bulk) therefore queue on
        # a lock, each woken the moment the previous one ends, instead of in SQLite's busy
        # handler, which polls with sleeps of 1, 2, 5, 10... ms and may let a later comer in
        # first. Other processes still meet the busy handler (busy_timeout).
        self._one_writer: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else nullcontext())

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        async with self._one_writer:
            with translate_errors:
                async with self.engine.begin() as connection:
                    transaction = SqlTransaction(connection, self._clock)
                    yield transaction
                    await transaction.flush()


if TYPE_CHECKING:  # mypy proves the adapter implements the port

    def _implements_the_port(uow: SqlAlchemyUnitOfWork) -> UnitOfWork:
        return uow
