"""Driver errors surface as StorageUnavailable (transient) or StorageConflict (lost a race)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from service.app.errors import StorageConflict, StorageUnavailable
from service.db.engine import create_engine
from service.db.errors import storage_error_for, translate_errors
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.codes import Environment


class _DriverError(Exception):
    def __init__(self, sqlstate: str | None = None) -> None:
        super().__init__("driver says no")
        self.sqlstate = sqlstate


def _wrapped(kind: type[sa_exc.DBAPIError], sqlstate: str | None = None) -> sa_exc.DBAPIError:
    return kind("SELECT 1", {}, _DriverError(sqlstate))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_wrapped(sa_exc.IntegrityError), StorageConflict),
        (_wrapped(sa_exc.DBAPIError, "23505"), StorageConflict),  # unique_violation
        (_wrapped(sa_exc.DBAPIError, "40001"), StorageConflict),  # serialization_failure
        (_wrapped(sa_exc.DBAPIError, "40P01"), StorageConflict),  # deadlock_detected
        (_wrapped(sa_exc.OperationalError), StorageUnavailable),  # sqlite: database is locked
        (_wrapped(sa_exc.InterfaceError), StorageUnavailable),
        (_wrapped(sa_exc.DBAPIError, "57014"), StorageUnavailable),  # statement timeout
        (_wrapped(sa_exc.DBAPIError, "08006"), StorageUnavailable),  # connection failure
        (_wrapped(sa_exc.DBAPIError, "57P01"), StorageUnavailable),  # admin shutdown
        (_wrapped(sa_exc.DBAPIError, "53300"), StorageUnavailable),  # too many connections
        (_DriverError("08001"), StorageUnavailable),  # raw asyncpg error at connect
        (sa_exc.TimeoutError("pool exhausted"), StorageUnavailable),
        (ConnectionRefusedError(), StorageUnavailable),
        (TimeoutError(), StorageUnavailable),
        (_wrapped(sa_exc.ProgrammingError, "42601"), None),  # a bug: not a storage fault
        (_wrapped(sa_exc.DataError, "22001"), None),
        (ValueError("bad"), None),
        (StorageConflict("already ours"), None),
    ],
)
def test_the_translation_table(error: Exception, expected: type[Exception] | None) -> None:
    assert storage_error_for(error) is expected


def test_an_invalidated_connection_is_unavailable() -> None:
    error = sa_exc.DBAPIError("SELECT 1", {}, _DriverError("XX000"), connection_invalidated=True)
    assert storage_error_for(error) is StorageUnavailable


def test_translation_keeps_the_cause_and_drops_the_statement() -> None:
    original = _wrapped(sa_exc.OperationalError)
    with pytest.raises(StorageUnavailable) as raised, translate_errors:
        raise original
    assert raised.value.__cause__ is original
    assert "SELECT" not in str(raised.value)


async def test_an_unreachable_postgres_is_unavailable() -> None:
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        with pytest.raises(StorageUnavailable):
            async with SqlAlchemyUnitOfWork(engine).begin():
                pass
    finally:
        await engine.dispose()


async def test_a_locked_sqlite_database_is_unavailable(sqlite_url: str) -> None:
    path = Path(sqlite_url.split("///", 1)[1])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    engine = create_engine(sqlite_url, busy_timeout_ms=50)
    try:
        with pytest.raises(StorageUnavailable, match="locked"):
            async with SqlAlchemyUnitOfWork(engine).begin() as tx:
                await tx.tickets.next_value(Environment.REAL, 2026)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await engine.dispose()


async def test_a_postgres_statement_timeout_is_unavailable(postgres_url: str) -> None:
    engine = create_engine(postgres_url, statement_timeout_ms=50)
    try:
        async with engine.connect() as connection:
            with pytest.raises(StorageUnavailable, match="statement timeout"), translate_errors:
                await connection.execute(text("SELECT pg_sleep(1)"))
    finally:
        await engine.dispose()
