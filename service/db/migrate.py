"""Bring a database to the newest schema revision (`breakgate migrate`), with no alembic.ini.

Safe to run from several instances at once: PostgreSQL serialises them on an advisory lock and
SQLite on `BEGIN IMMEDIATE`, and every later one finds the schema at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from service.db.engine import create_engine
from service.db.errors import translate_errors

MIGRATIONS = Path(__file__).with_name("migrations")
_ADVISORY_LOCK_KEY = 0x6272_6B67  # "brkg"


def alembic_config(database_url: str | None = None) -> Config:
    """The Alembic configuration, built in code (for `command.revision` etc. too)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(database_url: str, revision: str = "head") -> None:
    """Upgrade the schema to `revision` in one transaction. Raises `StorageUnavailable` when
    the database cannot be reached."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, statement_timeout_ms=300_000)
    try:
        with translate_errors:
            async with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
                    )
                await connection.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()
