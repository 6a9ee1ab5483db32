"""Real-RabbitMQ test support: a throw-away vhost per test session, users, and small helpers.

The base URL comes from `BREAKGATE_TEST_AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/`).
If RabbitMQ cannot be reached the tests FAIL with a message saying so; they never skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from service import provisioning
from service.config import Settings

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def base_amqp_url() -> str:
    return os.environ.get("BREAKGATE_TEST_AMQP_URL", DEFAULT_AMQP_URL)


def with_vhost(url: str, vhost: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


def with_credentials(url: str, user: str, password: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{netloc}@{host}{port}"))


def require_rabbitmq(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    try:
        with socket.create_connection((host, port), timeout=5):
            return
    except OSError as exc:
        pytest.fail(
            f"RabbitMQ is not reachable at {host}:{port} ({exc}). These integration tests need a "
            "real broker: start it (`rabbitmq-server -detached`) or point "
            "BREAKGATE_TEST_AMQP_URL at one.",
            pytrace=False,
        )


@dataclass(frozen=True)
class TestBroker:
    """The session's vhost on the real broker."""

    __test__ = False  # not a test class

    base_url: str
    vhost: str
    url: str  # admin (guest) URL on the vhost
    admin_user: str
    settings: Settings  # used for provisioning (management_url / amqp_url)
    prefix: str  # unique prefix for the users created in this session

    def user_url(self, user: str, password: str) -> str:
        return with_credentials(self.url, user, password)

    def list_queues(self, *columns: str) -> dict[str, list[str]]:
        """`rabbitmqctl list_queues` for the vhost: {queue name: [the columns]}."""
        done = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", self.vhost, "--no-table-headers",
             "name", *columns],
            capture_output=True, text=True, timeout=60, check=True,
        )
        rows: dict[str, list[str]] = {}
        for line in done.stdout.splitlines():
            fields = line.split("\t")
            if fields and fields[0]:
                rows[fields[0]] = fields[1:]
        return rows

    def counts(self, queue: str) -> tuple[int, int]:
        """(messages_ready, messages_unacknowledged) of a queue."""
        row = self.list_queues("messages_ready", "messages_unacknowledged")[queue]
        return int(row[0]), int(row[1])

    def close_connections(self, reason: str = "test") -> None:
        subprocess.run(
            ["rabbitmqctl", "-q", "close_all_connections", "-p", self.vhost, reason],
            capture_output=True, text=True, timeout=60, check=True,
        )


def broker_session() -> Iterator[TestBroker]:
    """Generator for a session fixture: a fresh vhost `breakgate-test-<random>` with full
    permissions for the admin user of the base URL, deleted (with the users made) at the end."""
    base = base_amqp_url()
    require_rabbitmq(base)
    parts = urllib.parse.urlsplit(base)
    admin = urllib.parse.unquote(parts.username or "guest")
    token = secrets.token_hex(4)
    vhost = f"breakgate-test-{token}"
    settings = Settings(amqp_url=base)
    try:
        provisioning.create_vhost(vhost, grant=admin, settings=settings)
    except provisioning.ProvisioningError as exc:
        pytest.fail(f"cannot create the test vhost {vhost!r} on RabbitMQ: {exc}", pytrace=False)
    broker = TestBroker(
        base_url=base,
        vhost=vhost,
        url=with_vhost(base, vhost),
        admin_user=admin,
        settings=settings,
        prefix=f"bgt{token}",
    )
    made: list[str] = []
    _users[broker.vhost] = made
    try:
        yield broker
    finally:
        for user in made:
            with contextlib.suppress(provisioning.ProvisioningError):
                provisioning.delete_sender(user, settings=settings)
        provisioning.delete_vhost(vhost, settings=settings)


_users: dict[str, list[str]] = {}


@dataclass(frozen=True)
class Creds:
    user: str
    password: str


@dataclass(frozen=True)
class Users:
    alice: Creds
    bob: Creds
    authority: Creds


def provision(broker: TestBroker, name: str, *, authority: bool = False) -> tuple[str, str]:
    """A RabbitMQ user unique to this session, with sender (or authority) permissions on the
    session's vhost; deleted when the session ends. Returns (user, password)."""
    user = f"{broker.prefix}_{name}"
    done = provisioning.provision_sender(
        user, vhost=broker.vhost, authority=authority, settings=broker.settings
    )
    _users.setdefault(broker.vhost, []).append(user)
    return done.user, done.password


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], *, timeout: float = 30.0,
    interval: float = 0.02, what: str = "condition",
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)
