"""End-to-end support: a private vhost and database per deployment, `breakgate serve` run as a
real process, senders provisioned through `breakgate sender add`, and a client that publishes
as a sender and reads its reply queue.

Services that cannot be reached make the tests fail (support_amqp / support_db), never skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from lxml import etree
from sqlalchemy import text
from support_amqp import base_amqp_url, require_rabbitmq, with_credentials, with_vhost
from support_db import create_postgres_database, drop_postgres_database, run_isolated

from service import provisioning, samples
from service.config import Settings

NS = {"b": "urn:breakgate:v1"}
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Account:
    user: str
    password: str


@dataclass
class Deployment:
    """One isolated breakgate: its vhost, its database, its users."""

    vhost: str
    admin_url: str
    database_url: str
    workdir: Path
    authority: Account
    senders: dict[str, Account] = field(default_factory=dict)
    processes: list[ServeProcess] = field(default_factory=list)
    settings_env: dict[str, str] = field(default_factory=dict)  # BREAKGATE_* for every process

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BREAKGATE_")}
        env.update({
            "BREAKGATE_AMQP_URL": self.admin_url,
            "BREAKGATE_DATABASE_URL": self.database_url,
            "BREAKGATE_AUTHORITY_USER": self.authority.user,
            "BREAKGATE_HTTP_PORT": "0",
            "BREAKGATE_RELAY_GRACE_SECONDS": "2",
            "BREAKGATE_LOG_LEVEL": "INFO",
            **self.settings_env,
            **extra,
        })
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "service.cli", *args], env=self.env(),
                              cwd=self.workdir, capture_output=True, text=True, timeout=120,
                              check=check)

    def add_sender(self, name: str, *, authority: bool = False) -> Account:
        user = f"{self.vhost}-{name}"
        args = ["sender", "add", user] + (["--authority"] if authority else [])
        done = self.cli(*args)
        password = re.search(r"^password: (\S+)$", done.stdout, re.M)
        assert password, done.stdout + done.stderr
        account = Account(user, password.group(1))
        if not authority:
            self.senders[name] = account
        return account

    def url_for(self, account: Account) -> str:
        return with_credentials(self.admin_url, account.user, account.password)

    def serve(self, **env: str) -> ServeProcess:
        process = ServeProcess.start(self, len(self.processes), env)
        self.processes.append(process)
        return process

    async def scalar(self, sql: str) -> int:
        from service.db.engine import create_engine

        engine = create_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                return int((await connection.execute(text(sql))).scalar() or 0)
        finally:
            await engine.dispose()


class ServeProcess:
    def __init__(self, popen: subprocess.Popen[bytes], log: Path) -> None:
        self.popen = popen
        self.log = log

    @classmethod
    def start(cls, deployment: Deployment, index: int, env: dict[str, str]) -> ServeProcess:
        log = deployment.workdir / f"serve-{index}.log"
        handle = log.open("wb")
        popen = subprocess.Popen([sys.executable, "-m", "service.cli", "serve"],
                                 env=deployment.env(**env), cwd=deployment.workdir,
                                 stdout=handle, stderr=subprocess.STDOUT)
        process = cls(popen, log)
        process.wait_ready()
        return process

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "breakgate serving" in self.log.read_text(errors="replace"):
                return
            if self.popen.poll() is not None:
                raise AssertionError(f"breakgate serve exited early:\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"breakgate serve not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(30)

    def terminate(self, timeout: float = 15) -> float:
        """SIGTERM; returns how long the process took to exit."""
        started = time.monotonic()
        self.popen.send_signal(signal.SIGTERM)
        self.popen.wait(timeout)
        return time.monotonic() - started


@contextlib.contextmanager
def deployment(tmp_path: Path, database: str, *, env: dict[str, str] | None = None,
               database_url: str | None = None) -> Iterator[Deployment]:
    """A fresh vhost (with the authority user) and a fresh `sqlite` or `postgresql` database.
    `env`: BREAKGATE_* settings for every process (CLI and serve); `database_url`: use this
    (already created) database instead of making one."""
    base = base_amqp_url()
    require_rabbitmq(base)
    vhost = f"bg{secrets.token_hex(3)}"
    settings = Settings(amqp_url=base)
    admin = "guest"
    provisioning.create_vhost(vhost, grant=admin, settings=settings)
    own_database = database_url is None
    if database_url is None:
        database_url = (f"sqlite+aiosqlite:///{tmp_path / 'breakgate.db'}"
                        if database == "sqlite" else run_isolated(create_postgres_database))
    dep = Deployment(vhost=vhost, admin_url=with_vhost(base, vhost), database_url=database_url,
                     workdir=tmp_path, authority=Account("", ""), settings_env=dict(env or {}))
    try:
        if database == "postgresql":
            dep.cli("migrate")
        dep.authority = dep.add_sender("authority", authority=True)
        yield dep
    finally:
        for process in dep.processes:
            if process.popen.poll() is None:
                process.kill()
        users = [a.user for a in dep.senders.values()] + [dep.authority.user]
        for user in users:
            with contextlib.suppress(Exception):
                provisioning.delete_sender(user, settings=settings) if user else None
        provisioning.delete_vhost(vhost, settings=settings)
        if database == "postgresql" and own_database:
            run_isolated(lambda: drop_postgres_database(database_url))


# ---- client side --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    message_id: str
    correlation_id: str
    kind: str
    reference: str | None
    ticket: str | None
    codes: tuple[str, ...]
    body: bytes


def parse_reply(message: AbstractIncomingMessage) -> Reply:
    root = etree.fromstring(message.body)
    return Reply(
        message_id=str(message.message_id), correlation_id=str(message.correlation_id),
        kind=etree.QName(root).localname,
        reference=root.findtext("b:RequestReference", namespaces=NS),
        ticket=root.findtext("b:TicketNumber", namespaces=NS),
        codes=tuple(c.text or "" for c in root.iterfind(".//b:Anomaly/b:Code", namespaces=NS)),
        body=message.body,
    )


async def publish(url: str, exchange_name: str, bodies: Sequence[tuple[str, bytes]], *,
                  user: str, reply_to: str | None = None) -> None:
    """Publishes (message_id, body) pairs with confirms, pipelined."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(exchange_name, ensure=False)
        pending = []
        for message_id, body in bodies:
            root = _root_or_default(body)
            message = aio_pika.Message(body, message_id=message_id, user_id=user, type=root,
                                       content_type="application/xml", reply_to=reply_to,
                                       delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            pending.append(exchange.publish(message, routing_key=root, mandatory=True))
            if len(pending) >= 200:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await connection.close()


def _root_or_default(body: bytes) -> str:
    """The routing key: the root name, or SubmitRequest for a body that is not XML at all."""
    match = re.search(rb"<(?:\w+:)?(\w+)", body)
    return match.group(1).decode() if match else "SubmitRequest"


async def consume_until(url: str, queue: str, enough: Callable[[], bool],
                        take: Callable[[AbstractIncomingMessage], None], *,
                        timeout: float = 60, idle: float = 0.0) -> None:
    """Gives each message of `queue` to `take` (and acks it) until `enough()`, then `idle`
    seconds more for extras; at most `timeout` seconds in all before that."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=500)
        q = await channel.get_queue(queue, ensure=False)
        deadline = time.monotonic() + timeout
        async with q.iterator() as messages:
            while not enough() or idle:
                left = deadline - time.monotonic() if not enough() else idle
                if left <= 0:
                    break
                try:
                    message = await asyncio.wait_for(messages.__anext__(), timeout=left)
                except TimeoutError:
                    break
                take(message)
                await message.ack()
    finally:
        await connection.close()


async def collect_replies(url: str, queue: str, count: int, *, timeout: float = 60,
                          idle: float = 0.0) -> list[Reply]:
    """Reads (and acks) replies until `count` arrived, then `idle` more seconds for extras."""
    replies: list[Reply] = []
    await consume_until(url, queue, lambda: len(replies) >= count,
                        lambda message: replies.append(parse_reply(message)),
                        timeout=timeout, idle=idle)
    return replies


async def seed_workers(dep: Deployment, sender: Account, count: int, *,
                       company_id: str = samples.DEMO_COMPANY_ID) -> None:
    """GrantMandate for the sender and one Dimona declaration per worker, as the authority."""
    bodies = [("mandate-" + sender.user, samples.grant_mandate(sender.user,
                                                               company_id=company_id).encode())]
    bodies += [(f"dimona-{company_id}-{i}",
                samples.dimona_declaration(samples.worker_inss(i), company_id=company_id).encode())
               for i in range(count)]
    await publish(dep.url_for(dep.authority), "breakgate.authority", bodies,
                  user=dep.authority.user)


def submissions(count: int, *, start: int = 0, prefix: str = "REQ") -> list[tuple[str, bytes]]:
    today = date.today()
    return [(f"msg-{prefix}-{i}",
             samples.submit_request(f"{prefix}-{i}", samples.worker_inss(i), today).encode())
            for i in range(start, start + count)]


async def wait_for_rows(dep: Deployment, sql: str, expected: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (found := await dep.scalar(sql)) < expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{sql!r}: {found} rows after {timeout}s, expected {expected}")
        await asyncio.sleep(0.2)


async def seeded(dep: Deployment, sender: Account, workers: int) -> None:
    await seed_workers(dep, sender, workers)
    await wait_for_rows(dep, "select count(*) from personnel", workers)
    await wait_for_rows(dep, "select count(*) from mandates", 1)
