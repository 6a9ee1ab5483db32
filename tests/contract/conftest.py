"""Every contract test runs against the fake, SQLite (a migrated temp file) and PostgreSQL (a
fresh database for the session, emptied between tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes import FakeUnitOfWork
from support_db import (
    MutableClock,
    copy_sqlite,
    migrated_sqlite_template,
    postgres_test_database,
    truncate_all,
)

from service.app.ports import UnitOfWork
from service.db.engine import create_engine
from service.db.unit_of_work import SqlAlchemyUnitOfWork

BACKENDS = ["fake", "sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_test_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return copy_sqlite(sqlite_template, tmp_path / "breakgate.db")


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def uow(
    backend: str, clock: MutableClock, request: pytest.FixtureRequest
) -> AsyncIterator[UnitOfWork]:
    if backend == "fake":
        yield FakeUnitOfWork(clock=clock)
        return
    if backend == "sqlite":
        engine = create_engine(request.getfixturevalue("sqlite_url"))
    else:
        engine = create_engine(request.getfixturevalue("postgres_url"))
        await truncate_all(engine)
    try:
        yield SqlAlchemyUnitOfWork(engine, clock=clock)
    finally:
        await engine.dispose()
