"""Test databases: a fresh migrated PostgreSQL database per test session, migrated SQLite files.

PostgreSQL is required, never optional: when it is unreachable the tests that need it fail
with a message saying how to start it (a skipped database test hides a broken adapter).

    BREAKGATE_TEST_DATABASE_URL   admin URL of the server (default below); the session creates
                                  `breakgate_test_<random>` there and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.db.engine import database_url
from service.db.migrate import migrate
from service.db.tables import metadata

ADMIN_URL_VARIABLE = "BREAKGATE_TEST_DATABASE_URL"
DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

T = TypeVar("T")


def admin_url() -> str:
    return os.environ.get(ADMIN_URL_VARIABLE, DEFAULT_ADMIN_URL)


def run_isolated(coroutine: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine on its own loop in another thread: safe from sync session fixtures,
    whatever loop pytest-asyncio has set up in this one."""

    async def main() -> T:
        return await coroutine()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, main()).result()


def fail_unreachable(url: str, error: BaseException) -> NoReturn:
    shown = make_url(url).render_as_string(hide_password=True)
    pytest.fail(
        f"PostgreSQL not reachable at {shown} ({type(error).__name__}: {error}): "
        f"start it with `{START_HINT}`, or point {ADMIN_URL_VARIABLE} at a server",
        pytrace=False,
    )


async def _admin_execute(url: str, *statements: str) -> None:
    engine = create_async_engine(database_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_postgres_database(admin: str | None = None) -> str:
    """Creates and migrates `breakgate_test_<random>`; returns its URL."""
    admin = admin or admin_url()
    name = f"breakgate_test_{secrets.token_hex(4)}"
    try:
        await _admin_execute(admin, f'CREATE DATABASE "{name}"')
    except Exception as error:
        fail_unreachable(admin, error)
    url = str(database_url(admin).set(database=name).render_as_string(hide_password=False))
    await migrate(url)
    return url


async def drop_postgres_database(url: str, admin: str | None = None) -> None:
    name = make_url(url).database
    await _admin_execute(admin or admin_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_test_database() -> Iterator[str]:
    """A migrated database for the session, dropped at the end (even after failures)."""
    url = run_isolated(create_postgres_database)
    try:
        yield url
    finally:
        run_isolated(lambda: drop_postgres_database(url))


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy per test (cheaper than migrating each time)."""
    path = directory / "template.db"
    run_isolated(lambda: migrate(sqlite_url(path)))
    return path


def copy_sqlite(template: Path, path: Path) -> str:
    # The template's engine was disposed: the WAL is checkpointed into the main file.
    shutil.copyfile(template, path)
    return sqlite_url(path)


async def truncate_all(engine: AsyncEngine) -> None:
    """Empties every table of the schema (PostgreSQL), between tests sharing one database."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class MutableClock:
    """A clock the tests set and advance; the units of work stamp rows with it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
