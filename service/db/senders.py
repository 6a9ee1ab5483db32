"""The register of senders and their 6-digit numbers (used in bulk FileReferences)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.db.errors import translate_errors
from service.db.tables import senders


class SenderNumberTaken(Exception):
    """The requested sender number already belongs to another sender."""


async def register_sender(
    engine: AsyncEngine, user: str, *, number: int | None = None, authority: bool = False
) -> str:
    """Returns the sender's number: its existing one, the one asked for, or the next free one.
    Idempotent for an existing sender (its number never changes)."""
    with translate_errors:
        async with engine.begin() as connection:
            existing = (
                await connection.execute(select(senders.c.number).where(senders.c.user == user))
            ).scalar()
            if existing is not None:
                return str(existing)
            chosen = await _choose(connection, number)
            await connection.execute(
                insert(senders).values(
                    user=user, number=chosen, is_authority=authority, created_at=datetime.now(UTC)
                )
            )
            return chosen


async def _choose(connection: AsyncConnection, number: int | None) -> str:
    if number is not None:
        wanted = f"{number:06d}"
        taken = (
            await connection.execute(select(senders.c.user).where(senders.c.number == wanted))
        ).scalar()
        if taken is not None:
            raise SenderNumberTaken(f"sender number {wanted} belongs to {taken!r}")
        return wanted
    highest = (await connection.execute(select(func.max(senders.c.number)))).scalar()
    return f"{int(highest or 0) + 1:06d}"


async def sender_number(engine: AsyncEngine, user: str) -> str | None:
    with translate_errors:
        async with engine.connect() as connection:
            value = (
                await connection.execute(select(senders.c.number).where(senders.c.user == user))
            ).scalar()
    return None if value is None else str(value)
