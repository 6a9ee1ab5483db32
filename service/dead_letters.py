"""`breakgate dead list | retry ID... | discard ID...`: operating on `breakgate.dead`.

The dead-letter queue is a quorum queue read with basic.get and manual acks: every message is
taken (unacked) for the duration of one command, the chosen ones are acked (after a confirmed
re-publication, for a retry) and all the others are returned with nack(requeue=True). Nothing
is ever removed before its replacement is confirmed, so a crash of the command loses nothing.

An ID is a stable hash of the message_id and the time it failed, so it does not change between
`list` and `retry` while other messages come and go. Bodies are never shown (they hold INSS):
only the fault headers, the original route, the size and the body's SHA-256.

Every retry and discard is appended to a JSONL audit file (`settings.dead_letter_audit_path`):
when, who (the OS user), what (id, message_id, original route, error code) and the outcome.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from consumers.connection import connect
from consumers.policy import ERROR_CODE_NOT_AUTHORISED
from consumers.topology import DEAD_QUEUE
from service.config import Settings

log = logging.getLogger(__name__)

FAULT_HEADERS: Final = (
    "x-error-code", "x-error-message", "x-exception-type", "x-original-queue", "x-failed-at",
    "x-attempts", "x-original-exchange", "x-original-routing-key", "x-original-user-id",
)
_DROPPED_ON_RETRY: Final = (*FAULT_HEADERS, "x-death", "x-first-death-exchange",
                            "x-first-death-queue", "x-first-death-reason",
                            "x-last-death-exchange", "x-last-death-queue",
                            "x-last-death-reason", "x-delivery-count")
REDRIVEN_HEADER: Final = "x-breakgate-redriven-from"


class DeadLetterError(Exception):
    """An operator error (unknown id, a message that must not be re-driven)."""


@dataclass(frozen=True)
class DeadLetter:
    """What `list` shows of one dead-lettered message (never its body)."""

    id: str
    message_id: str | None
    message_type: str | None
    size: int
    body_sha256: str
    error_code: str | None
    error_message: str | None
    exception_type: str | None
    original_queue: str | None
    original_exchange: str | None
    original_routing_key: str | None
    failed_at: str | None
    attempts: int | None
    reason: str | None  # the broker's x-death reason (delivery_limit, expired, ...) if any

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Action:
    action: str
    id: str
    ok: bool
    detail: str
    letter: DeadLetter


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _first_death(headers: Mapping[str, Any]) -> Mapping[str, Any]:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        return deaths[0]
    return {}


def describe(message: AbstractIncomingMessage) -> DeadLetter:
    headers: Mapping[str, Any] = message.headers or {}
    death = _first_death(headers)
    keys = death.get("routing-keys")
    death_key = _text(keys[0]) if isinstance(keys, list) and keys else None
    failed_at = _text(headers.get("x-failed-at")) or _text(death.get("time"))
    attempts = headers.get("x-attempts")
    if attempts is None and death.get("count") is not None:
        attempts = death.get("count")
    body_sha256 = hashlib.sha256(message.body).hexdigest()
    identity = f"{message.message_id or ''}\0{failed_at or ''}\0{body_sha256}"
    return DeadLetter(
        id=hashlib.sha256(identity.encode()).hexdigest()[:12],
        message_id=message.message_id,
        message_type=message.type,
        size=len(message.body),
        body_sha256=body_sha256,
        error_code=_text(headers.get("x-error-code")),
        error_message=_text(headers.get("x-error-message")),
        exception_type=_text(headers.get("x-exception-type")),
        original_queue=_text(headers.get("x-original-queue")) or _text(death.get("queue")),
        original_exchange=(_text(headers.get("x-original-exchange"))
                           if "x-original-exchange" in headers else _text(death.get("exchange"))),
        original_routing_key=_text(headers.get("x-original-routing-key")) or death_key,
        failed_at=failed_at,
        attempts=int(attempts) if isinstance(attempts, int | str) and str(attempts).isdigit()
        else None,
        reason=_text(death.get("reason")),
    )


class _Taken:
    """Every message of breakgate.dead, taken unacked on one channel for one command."""

    def __init__(self, channel: AbstractChannel) -> None:
        self.channel = channel
        self.messages: list[tuple[DeadLetter, AbstractIncomingMessage]] = []

    async def take_all(self) -> None:
        queue = await self.channel.declare_queue(DEAD_QUEUE, passive=True)
        while (message := await queue.get(no_ack=False, fail=False, timeout=10)) is not None:
            self.messages.append((describe(message), message))

    async def give_back(self, keep: Iterable[AbstractIncomingMessage]) -> None:
        done = {id(m) for m in keep}
        for _, message in self.messages:
            if id(message) not in done and not message.processed:
                await message.nack(requeue=True)


async def _with_taken(settings: Settings) -> tuple[aio_pika.abc.AbstractConnection, _Taken]:
    connection = await connect(settings, name="breakgate-dead")
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    taken = _Taken(channel)
    await taken.take_all()
    return connection, taken


async def list_dead(settings: Settings) -> list[DeadLetter]:
    connection, taken = await _with_taken(settings)
    try:
        await taken.give_back(())
        return [letter for letter, _ in taken.messages]
    finally:
        await connection.close()


async def retry(settings: Settings, ids: Sequence[str]) -> list[Action]:
    return await _act(settings, ids, "retry")


async def discard(settings: Settings, ids: Sequence[str]) -> list[Action]:
    return await _act(settings, ids, "discard")


async def _act(settings: Settings, ids: Sequence[str], action: str) -> list[Action]:
    wanted = list(dict.fromkeys(ids))
    connection, taken = await _with_taken(settings)
    actions: list[Action] = []
    settled: list[AbstractIncomingMessage] = []
    try:
        by_id = {letter.id: (letter, message) for letter, message in taken.messages}
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            raise DeadLetterError(f"no dead-lettered message with id {', '.join(unknown)}")
        for item_id in wanted:
            letter, message = by_id[item_id]
            if action == "discard":
                await message.ack()
                settled.append(message)
                actions.append(Action(action, item_id, True, "removed", letter))
                continue
            ok, detail = await _redrive(taken.channel, letter, message)
            if ok:
                await message.ack()
                settled.append(message)
            actions.append(Action(action, item_id, ok, detail, letter))
    finally:
        try:
            await taken.give_back(settled)
        finally:
            await connection.close()
            if actions:
                record(Path(settings.dead_letter_audit_path), actions)
    return actions


async def _redrive(channel: AbstractChannel, letter: DeadLetter,
                   message: AbstractIncomingMessage) -> tuple[bool, str]:
    if letter.error_code == ERROR_CODE_NOT_AUTHORISED:
        return False, ("not re-driven: the sender identity did not match the exchange "
                       "(00014-155); discard it")
    if letter.original_exchange is None or not letter.original_routing_key:
        return False, "not re-driven: no original exchange/routing key in its headers"
    headers = {k: v for k, v in (message.headers or {}).items() if k not in _DROPPED_ON_RETRY}
    headers[REDRIVEN_HEADER] = letter.id
    copy = aio_pika.Message(
        message.body, headers=headers, content_type=message.content_type,
        content_encoding=message.content_encoding, message_id=message.message_id,
        correlation_id=message.correlation_id, type=message.type, reply_to=message.reply_to,
        timestamp=message.timestamp, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )  # no user_id (the exchange names the sender), no expiration (it must not expire again)
    exchange = (channel.default_exchange if letter.original_exchange == ""
                else await channel.get_exchange(letter.original_exchange, ensure=False))
    try:
        await exchange.publish(copy, routing_key=letter.original_routing_key, mandatory=True,
                               timeout=30)
    except Exception as error:  # returned, nacked, timed out: it stays in breakgate.dead
        return False, f"not re-driven: {type(error).__name__}: {error}"
    return True, f"re-published to {letter.original_exchange or '(default)'} " \
                 f"with routing key {letter.original_routing_key}"


def record(path: Path, actions: Sequence[Action]) -> None:
    """Append one JSON line per action to the audit file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    operator = _operator()
    at = datetime.now(UTC).isoformat()
    with path.open("a", encoding="utf-8") as audit:
        for item in actions:
            letter = item.letter
            audit.write(json.dumps({
                "at": at, "operator": operator, "action": item.action, "id": item.id,
                "ok": item.ok, "detail": item.detail, "message_id": letter.message_id,
                "original_queue": letter.original_queue,
                "original_exchange": letter.original_exchange,
                "original_routing_key": letter.original_routing_key,
                "error_code": letter.error_code, "failed_at": letter.failed_at,
                "body_sha256": letter.body_sha256,
            }, ensure_ascii=False) + "\n")


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return "unknown"
