"""`breakgate demo`: a demo employer with a mandate and a personnel file, then submissions sent
as a payroll bureau, answered with tickets by the running service."""

from __future__ import annotations

import asyncio
import secrets
import socket
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from service import samples
from service.admin import add_sender
from service.client.send import Journal, SendResult, publish_authority, send_files
from service.config import Settings
from service.db.engine import create_engine
from service.db.tables import personnel

DEMO_SENDER = "demo-bureau"
WORKERS = 3


class BrokerUnreachable(Exception):
    """RabbitMQ does not answer on the configured host and port."""


@dataclass(frozen=True)
class DemoOutcome:
    results: list[SendResult]


def require_broker(amqp_url: str) -> None:
    parts = urllib.parse.urlsplit(amqp_url)
    host, port = parts.hostname or "localhost", parts.port or 5672
    try:
        with socket.create_connection((host, port), timeout=3):
            return
    except OSError as error:
        raise BrokerUnreachable(
            f"RabbitMQ is not reachable at {host}:{port} ({error}). Start it with "
            "`rabbitmq-server -detached` (or point BREAKGATE_AMQP_URL at one)") from None


def _with_user(url: str, user: str, password: str) -> str:
    parts = urllib.parse.urlsplit(url)
    netloc = (f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
              f"@{parts.hostname or 'localhost'}" + (f":{parts.port}" if parts.port else ""))
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


async def _wait_for_personnel(settings: Settings, company_id: str, expected: int,
                              timeout: float = 30) -> None:
    engine = create_engine(settings.database_url)
    try:
        for _ in range(int(timeout * 5)):
            async with engine.connect() as connection:
                count = (await connection.execute(select(func.count()).select_from(personnel)
                         .where(personnel.c.company_id == company_id))).scalar_one()
            if count >= expected:
                return
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    raise TimeoutError("the personnel file was not filled: is `breakgate serve` running?")


async def run_demo(settings: Settings, today: date,
                   say: Callable[[str], None] = print) -> DemoOutcome:
    require_broker(settings.amqp_url)
    bureau = await add_sender(settings, DEMO_SENDER, password=secrets.token_urlsafe(18))
    authority = await add_sender(settings, settings.authority_user, authority=True,
                                 password=secrets.token_urlsafe(18))
    say(f"sender {bureau.user} (number {bureau.number}) and authority user {authority.user} "
        "provisioned")
    # A different worker range each day, so a rerun never overlaps yesterday's demo requests.
    first = today.toordinal() % 100_000 * WORKERS
    workers = [samples.worker_inss(first + i) for i in range(WORKERS)]
    authority_messages = [samples.grant_mandate(bureau.user).encode()]
    authority_messages += [samples.dimona_declaration(inss).encode() for inss in workers]
    await publish_authority(_with_user(settings.amqp_url, authority.user, authority.password),
                            authority.user, authority_messages)
    await _wait_for_personnel(settings, samples.DEMO_COMPANY_ID, WORKERS)
    say(f"mandate for employer {samples.DEMO_COMPANY_ID} and {WORKERS} workers in its "
        "personnel file")
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, inss in enumerate(workers):
            path = Path(folder) / f"demo-{index + 1}.xml"
            path.write_text(samples.submit_request(f"DEMO-{today}-{index + 1}", inss, today))
            paths.append(path)
        results = await send_files(
            _with_user(settings.amqp_url, bureau.user, bureau.password), bureau.user, paths,
            Journal(Path(folder) / "journal.jsonl"), timeout=30)
    return DemoOutcome(results)
