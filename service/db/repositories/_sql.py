"""Small helpers shared by the repositories: dialect-specific INSERTs built once, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def insert_ignoring_duplicates(table: Table) -> dict[str, Insert]:
    """`INSERT ... ON CONFLICT DO NOTHING` per dialect name, for any unique key of the table.

    A duplicate then costs no exception: on PostgreSQL a failed INSERT would abort the whole
    transaction (the batch), this one leaves it usable and reports rowcount 0."""
    return {
        "postgresql": postgresql.insert(table).on_conflict_do_nothing(),
        "sqlite": sqlite.insert(table).on_conflict_do_nothing(),
    }


def insert_or_update(table: Table, key: list[str], updated: list[str]) -> dict[str, Insert]:
    """`INSERT ... ON CONFLICT (key) DO UPDATE SET updated = excluded.updated` per dialect."""
    statements: dict[str, Insert] = {}
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
        statement = insert(table)
        statements[name] = statement.on_conflict_do_update(
            index_elements=key, set_={column: statement.excluded[column] for column in updated}
        )
    return statements
