"""Storage throughput of one batch transaction (a measurement, not a test).

    PYTHONPATH=.:tests .venv/bin/python tests/contract/measure_batch.py [--batches 40]

Per message: inbox insert, ticket, request insert, outbox insert (the "4 statements" of the
brief; the ticket and the request are held back to the commit, see service/db/repositories/
pending.py, so 2 round trips per message). Then the handler's hot path: the same plus inbox by
message id, inbox by reference and the mandate check (5 round trips), without and with a
savepoint per message (SAVEPOINT + RELEASE: 7). One commit per 256 messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

from support_db import (
    create_postgres_database,
    drop_postgres_database,
    sqlite_url,
)

from service.app.envelope import Outbound
from service.app.ports import InboxEntry, Mandate, StoredRequest, Transaction
from service.db.engine import create_engine
from service.db.migrate import migrate
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.codes import Environment, RequestStatus, Scheme

BATCH = 256
PAYLOAD = json.dumps({"fraction": "HALF", "padding": "x" * 1200})
Step = Callable[[Transaction, str, int], Awaitable[None]]


async def write_only(tx: Transaction, sender: str, n: int) -> None:
    key = f"{sender}-{n}"
    await tx.inbox.add(InboxEntry(sender, key, f"REF-{key}", "ab" * 32, (f"{key}:reply",)))
    ticket = await tx.tickets.next_value(Environment.REAL, 2026)
    await tx.requests.add(
        StoredRequest(
            ticket_number=f"ELO2026-{ticket:09d}",
            sender=sender,
            company_id="0123456749",
            request_reference=f"REF-{key}",
            inss=f"{n % 10**11:011d}",
            scheme=Scheme.TIME_CREDIT,
            start_date=date(2026, 6, 1),
            end_date=date(2026, 11, 30),
            status=RequestStatus.SUBMITTED,
            version=1,
            submitted_at=datetime.now(UTC),
            payload_json=PAYLOAD,
        )
    )
    await tx.outbox.add(
        Outbound("breakgate.replies", sender, f"{key}:reply", key, "Ticket", b"<Ticket/>" * 60)
    )


async def reads_then_writes(tx: Transaction, sender: str, n: int) -> None:
    key = f"{sender}-{n}"
    assert await tx.inbox.by_message_id(sender, key) is None
    assert await tx.inbox.by_reference(sender, f"REF-{key}") is None
    assert await tx.mandates.holds(sender, "0123456749", date(2026, 3, 2))
    await write_only(tx, sender, n)


async def hot_path(tx: Transaction, sender: str, n: int) -> None:
    async with tx.savepoint():
        await reads_then_writes(tx, sender, n)


async def submit_like(tx: Transaction, sender: str, n: int) -> None:
    """The storage calls of service/app/handlers/submit.py for an accepted request."""
    key = f"{sender}-{n}"
    company, inss = f"{n % 20:010d}", f"{n % 10**11:011d}"
    async with tx.savepoint():
        assert await tx.inbox.by_message_id(sender, key) is None
        assert await tx.inbox.by_reference(sender, f"REF-{key}") is None
        await tx.mandates.holds(sender, company, date(2026, 3, 2))
        await tx.employers.registered_noss(company)
        await tx.employers.profile(company)
        await tx.personnel.periods(company, inss)
        await tx.requests.overlapping(company, inss, Scheme.TIME_CREDIT, date(2026, 6, 1), None)
        ticket = await tx.tickets.next_value(Environment.REAL, 2026)
        await tx.employers.registered_noss(company)
        await tx.requests.add(
            StoredRequest(
                f"ELO2026-{ticket:09d}",
                sender,
                company,
                f"REF-{key}",
                inss,
                Scheme.TIME_CREDIT,
                date(2026, 6, 1),
                None,
                RequestStatus.SUBMITTED,
                1,
                datetime.now(UTC),
                PAYLOAD,
            )
        )
        for kind in ("reply", "authority", "event"):
            await tx.outbox.add(
                Outbound("breakgate.replies", sender, f"{key}:{kind}", key, kind, b"<x/>" * 120)
            )
        await tx.inbox.add(InboxEntry(sender, key, f"REF-{key}", "ab" * 32, (f"{key}:reply",)))


async def run(url: str, step: Step, batches: int, label: str) -> None:
    engine = create_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    sender = f"{label}-{time.monotonic_ns()}"
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(sender, "0123456749", date(2026, 1, 1), None))
    try:
        async with uow.begin() as tx:  # warm up: connections, prepared statements
            for n in range(10**6, 10**6 + BATCH):
                await step(tx, sender, n)
        started = time.perf_counter()
        for batch in range(batches):
            async with uow.begin() as tx:
                for n in range(batch * BATCH, (batch + 1) * BATCH):
                    await step(tx, sender, n)
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    total = batches * BATCH
    print(f"{label:<36} {total:>6} msgs  {elapsed:6.2f} s  {total / elapsed:8.0f} msg/s")


async def main(batches: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = sqlite_url(Path(directory) / "measure.db")
        await migrate(url)
        await run(url, write_only, batches, "sqlite   4 statements")
        await run(url, reads_then_writes, batches, "sqlite   hot path, no savepoint")
        await run(url, hot_path, batches, "sqlite   hot path + savepoint")
        await run(url, submit_like, batches, "sqlite   SubmitRequest, 20 employers")
    url = await create_postgres_database()
    try:
        await run(url, write_only, batches, "postgres 4 statements")
        await run(url, reads_then_writes, batches, "postgres hot path, no savepoint")
        await run(url, hot_path, batches, "postgres hot path + savepoint")
        await run(url, submit_like, batches, "postgres SubmitRequest, 20 employers")
    finally:
        await drop_postgres_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    asyncio.run(main(parser.parse_args().batches))
