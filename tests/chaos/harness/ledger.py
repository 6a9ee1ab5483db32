"""Tenant publishers and the publish ledger (RELIABILITY.md 4.1, `chaos/load.py`).

Every publish attempt is one JSON line: tenant, request_reference, sha256 of the body,
message_id, attempt number, outcome (ack | nack | return | timeout | conn_error) and when.
Unconfirmed publishes are retried with the *same* message (same RequestReference and
message_id), as the tenant contract asks; a message is `confirmed` once one attempt got a
broker Ack, `indeterminate` if none did.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection

from service import samples


@dataclass(frozen=True)
class Filing:
    """One message a tenant sends. `expect`: "ticket", "reject:<code>" or "dead"."""

    tenant: str  # the sender's RabbitMQ user
    reference: str
    message_id: str
    body: bytes
    expect: str = "ticket"
    routing_key: str = "SubmitRequest"
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def submit_filing(tenant: str, reference: str, worker: int, today: date, *,
                  message_id: str | None = None, expect: str = "ticket",
                  last_name: str | None = None, marker: bytes = b"") -> Filing:
    """A SubmitRequest the rules accept (worker `worker` must be in the personnel file).
    `marker` (a fault-hook comment) goes right after the root start tag."""
    body = samples.submit_request(reference, samples.worker_inss(worker), today).encode()
    if last_name is not None:
        body = body.replace(b"<LastName>Peeters</LastName>",
                            f"<LastName>{last_name}</LastName>".encode())
    if marker:
        cut = body.index(b">") + 1
        body = body[:cut] + marker + body[cut:]
    return Filing(tenant, reference, message_id or f"{tenant}:{reference}", body, expect)


@dataclass(frozen=True)
class Attempt:
    tenant: str
    request_reference: str
    sha256: str
    message_id: str
    attempt: int
    outcome: str
    published_at: float  # time.time()
    settled_at: float


class Ledger:
    """Append-only JSONL of publish attempts, also kept in memory. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.attempts: list[Attempt] = []
        self.filings: dict[str, Filing] = {}  # by message_id
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, attempt: Attempt) -> None:
        with self._lock:
            self.attempts.append(attempt)
            with self.path.open("a") as out:
                out.write(json.dumps(asdict(attempt)) + "\n")

    def register(self, filings: Iterable[Filing]) -> None:
        for filing in filings:
            self.filings[filing.message_id] = filing

    def confirmed_ids(self) -> set[str]:
        return {a.message_id for a in self.attempts if a.outcome == "ack"}

    def attempted_ids(self) -> set[str]:
        return {a.message_id for a in self.attempts}

    def confirmed_at(self) -> dict[str, float]:
        """message_id -> when its first Ack arrived."""
        out: dict[str, float] = {}
        for a in self.attempts:
            if a.outcome == "ack" and a.message_id not in out:
                out[a.message_id] = a.settled_at
        return out

    def retries(self) -> int:
        return sum(1 for a in self.attempts if a.attempt > 1)


def _outcome(error: BaseException) -> str:
    if isinstance(error, aio_pika.exceptions.PublishError):
        return "return"
    if isinstance(error, aio_pika.exceptions.DeliveryError):
        return "nack"
    if isinstance(error, TimeoutError):
        return "timeout"
    return "conn_error"


class TenantPublisher:
    """Publishes a tenant's filings through its own exchange with its own credentials,
    confirms on, `on_return_raises=True`, `user_id` set; reconnects after a connection loss."""

    def __init__(self, url: str, user: str, ledger: Ledger, *, window: int = 200,
                 confirm_timeout: float = 15.0, max_attempts: int = 20,
                 set_user_id: bool = True) -> None:
        self.url = url
        self.user = user
        self.ledger = ledger
        self.window = window
        self.confirm_timeout = confirm_timeout
        self.max_attempts = max_attempts
        self.set_user_id = set_user_id
        self._connection: AbstractConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def _ready(self) -> aio_pika.abc.AbstractExchange:
        if self._exchange is not None and self._connection is not None \
                and not self._connection.is_closed:
            return self._exchange
        await self.close()
        self._connection = await aio_pika.connect(self.url, timeout=10)
        channel = await self._connection.channel(publisher_confirms=True,
                                                 on_return_raises=True)
        self._exchange = await channel.get_exchange(f"breakgate.in.{self.user}", ensure=False)
        return self._exchange

    async def close(self) -> None:
        if self._connection is not None and not self._connection.is_closed:
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = None
        self._exchange = None

    async def publish(self, filings: Sequence[Filing]) -> None:
        """Publishes every filing until confirmed (or `max_attempts`), pipelined."""
        self.ledger.register(filings)
        pending = list(filings)
        attempt = 0
        while pending and attempt < self.max_attempts:
            attempt += 1
            failed: list[Filing] = []
            for start in range(0, len(pending), self.window):
                chunk = pending[start:start + self.window]
                results = await self._publish_chunk(chunk, attempt)
                failed.extend(f for f, ok in zip(chunk, results, strict=True) if not ok)
            pending = failed
            if pending:
                await asyncio.sleep(min(0.2 * attempt, 2.0))

    async def _publish_chunk(self, chunk: Sequence[Filing], attempt: int) -> list[bool]:
        try:
            exchange = await self._ready()
        except Exception:
            now = time.time()
            for filing in chunk:
                self._record(filing, attempt, "conn_error", now, now)
            await self.close()
            return [False] * len(chunk)
        started = time.time()
        outcomes = await asyncio.gather(
            *(self._one(exchange, f) for f in chunk), return_exceptions=True)
        ok: list[bool] = []
        broken = False
        for filing, result in zip(chunk, outcomes, strict=True):
            outcome = "ack" if result is None else _outcome(result)  # type: ignore[arg-type]
            broken |= outcome == "conn_error"
            self._record(filing, attempt, outcome, started, time.time())
            ok.append(outcome == "ack")
        if broken:
            await self.close()
        return ok

    async def _one(self, exchange: aio_pika.abc.AbstractExchange, filing: Filing) -> None:
        properties: dict[str, Any] = {
            "content_type": "application/xml",
            "delivery_mode": aio_pika.DeliveryMode.PERSISTENT,
            "message_id": filing.message_id,
            "type": filing.routing_key,
        }
        if self.set_user_id:
            properties["user_id"] = self.user
        properties.update(filing.properties)
        message = aio_pika.Message(filing.body, **properties)
        # A Nack raises DeliveryError, a return PublishError (on_return_raises).
        await exchange.publish(message, routing_key=filing.routing_key, mandatory=True,
                               timeout=self.confirm_timeout)

    def _record(self, filing: Filing, attempt: int, outcome: str, started: float,
                settled: float) -> None:
        self.ledger.record(Attempt(filing.tenant, filing.reference, filing.sha256,
                                   filing.message_id, attempt, outcome, started, settled))
