"""Async engines for the two supported databases, tuned for the exactly-once design.

SQLite (the single-instance default): WAL, `synchronous=FULL` (a commit survives power loss),
foreign keys on, a 5 s busy timeout, and every transaction opened with `BEGIN IMMEDIATE`. The
write lock is then taken up front, where the busy timeout applies; a deferred `BEGIN` that
upgrades to a writer later fails at once with "database is locked" whatever the timeout.

PostgreSQL (asyncpg): READ COMMITTED with unique constraints and counter rows; server-side
statement and idle-in-transaction timeouts so a lost client or a blackholed link never holds
locks for long; pre-ping so a restarted server costs one failed checkout, not a failed batch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def database_url(url: str | URL) -> URL:
    """`sqlite:///x.db` and `postgresql://...` are accepted for their async drivers."""
    parsed = make_url(url)
    driver = _DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    statement_timeout_ms: int = 15_000,
    busy_timeout_ms: int = 5_000,
    echo: bool = False,
) -> AsyncEngine:
    """An `AsyncEngine` for a SQLite or PostgreSQL URL. Nothing connects until first use."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout_ms, echo)
    if parsed.get_backend_name() == "postgresql":
        return _postgresql_engine(parsed, pool_size, max_overflow, statement_timeout_ms, echo)
    raise ValueError(f"unsupported database: {parsed.get_backend_name()!r}")


def _sqlite_engine(url: URL, busy_timeout_ms: int, echo: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,  # parameters may hold an INSS; errors end up in logs
        # isolation_level=None: the sqlite3 module emits no BEGIN/COMMIT of its own, so the
        # `begin` listener below decides how a transaction starts.
        connect_args={"isolation_level": None, "timeout": busy_timeout_ms / 1000},
    )
    pragmas = (
        f"PRAGMA busy_timeout = {int(busy_timeout_ms)}",  # first: the next one may wait
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA temp_store = MEMORY",  # savepoint journals: one per message of a batch
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgresql_engine(
    url: URL, pool_size: int, max_overflow: int, statement_timeout_ms: int, echo: bool
) -> AsyncEngine:
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=10,
        pool_recycle=1800,
        connect_args={
            "timeout": 10,  # connect timeout, seconds
            "command_timeout": 2 * statement_timeout_ms / 1000,  # client side backstop
            "server_settings": {
                "application_name": "breakgate",
                "statement_timeout": str(statement_timeout_ms),
                "idle_in_transaction_session_timeout": str(2 * statement_timeout_ms),
                "lock_timeout": str(statement_timeout_ms),
                # asyncpg prepares every statement; a generic plan cached while a table was
                # small (a fresh deployment, no ANALYZE yet) keeps scanning it once it has
                # grown: 52 ms instead of 0.5 ms per look-up at 60,000 rows. Plan each time.
                "plan_cache_mode": "force_custom_plan",
            },
        },
    )
