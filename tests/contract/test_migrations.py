"""The Alembic revisions build exactly the schema of service/db/tables.py, on both databases,
and `migrate()` is idempotent and safe to run from several instances at once."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from support_db import create_postgres_database, drop_postgres_database, sqlite_url

from service.db.engine import create_engine
from service.db.migrate import alembic_config, migrate
from service.db.tables import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _schema_state(url: str) -> tuple[list[Any], str | None]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
            version = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar()
    finally:
        await engine.dispose()
    return differences, version


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_sqlite_schema_matches_the_tables_and_migrating_again_is_a_no_op(
    tmp_path: Any,
) -> None:
    url = sqlite_url(tmp_path / "fresh.db")
    await migrate(url)
    await migrate(url)
    assert await _schema_state(url) == ([], _head())


async def test_sqlite_downgrades_to_nothing_and_back(tmp_path: Any) -> None:
    url = sqlite_url(tmp_path / "fresh.db")
    await migrate(url)
    await migrate(url, "base")
    await migrate(url)
    assert await _schema_state(url) == ([], _head())


async def test_postgres_schema_matches_the_tables(postgres_url: str) -> None:
    await migrate(postgres_url)
    assert await _schema_state(postgres_url) == ([], _head())


async def test_instances_starting_together_migrate_once() -> None:
    url = await create_postgres_database()  # migrated once already; start again from base
    try:
        await migrate(url, "base")
        await asyncio.gather(*(migrate(url) for _ in range(3)))
        assert await _schema_state(url) == ([], _head())
    finally:
        await drop_postgres_database(url)
