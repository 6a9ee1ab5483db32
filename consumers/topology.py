"""The broker topology of CONTRACT.md section 1, declared idempotently at start.

Every declaration is re-runnable: the same names, types and arguments each time, so a second
`declare_core` (another instance, a restart) is a no-op for the broker. A queue that already
exists with *different* arguments makes the broker close the channel with PRECONDITION_FAILED;
that is a deployment error and surfaces as such.
"""

from __future__ import annotations

import re
from typing import Any, Final

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

from service.config import Settings

REQUESTS_QUEUE: Final = "breakgate.requests"
BULK_QUEUE: Final = "breakgate.bulk"
AUTHORITY_EXCHANGE: Final = "breakgate.authority"
AUTHORITY_QUEUE: Final = "breakgate.authority.in"
AUTHORITY_OUT_EXCHANGE: Final = "breakgate.authority.out"
REPLIES_EXCHANGE: Final = "breakgate.replies"
EVENTS_EXCHANGE: Final = "breakgate.events"
DLX_EXCHANGE: Final = "breakgate.dlx"
DEAD_QUEUE: Final = "breakgate.dead"
SENDER_EXCHANGE_PREFIX: Final = "breakgate.in."
REPLY_QUEUE_PREFIX: Final = "breakgate.replies."
AUTHORITY_OUT_QUEUE_PREFIX: Final = "breakgate.authority.out."

INTERACTIVE_ROOTS: Final[tuple[str, ...]] = (
    "SubmitRequest",
    "CancelRequest",
    "ModifyRequest",
    "AddAttachment",
    "ConsultRequest",
    "SearchRequests",
    "ListNotifications",
    "DecideNotification",
    "UpdateParameters",
)
BULK_ROOT: Final = "BulkFile"
AUTHORITY_ROOTS: Final[tuple[str, ...]] = (
    "WorkerPartCompleted",
    "Decision",
    "EmployeeNotification",
    "DimonaDeclaration",
    "GrantMandate",
    "RevokeMandate",
)


def sender_exchange(user: str) -> str:
    return f"{SENDER_EXCHANGE_PREFIX}{user}"


def reply_queue(user: str) -> str:
    return f"{REPLY_QUEUE_PREFIX}{user}"


def authority_out_queue(user: str) -> str:
    return f"{AUTHORITY_OUT_QUEUE_PREFIX}{user}"


def intake_queue_arguments(settings: Settings) -> dict[str, Any]:
    """RELIABILITY.md section 1: a delivery limit and an at-least-once dead-letter route."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": settings.delivery_limit,
        "x-dead-letter-exchange": DLX_EXCHANGE,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


_QUORUM: Final[dict[str, Any]] = {"x-queue-type": "quorum"}


async def _quorum_queue(
    channel: AbstractChannel, name: str, arguments: dict[str, Any] | None = None
) -> AbstractQueue:
    return await channel.declare_queue(
        name, durable=True, arguments=dict(arguments if arguments is not None else _QUORUM)
    )


async def _exchange(
    channel: AbstractChannel, name: str, kind: aio_pika.ExchangeType
) -> AbstractExchange:
    return await channel.declare_exchange(name, kind, durable=True)


async def declare_core(channel: AbstractChannel, settings: Settings) -> None:
    """Everything that does not depend on a sender: intake queues, DLX, reply/event exchanges."""
    await _exchange(channel, DLX_EXCHANGE, aio_pika.ExchangeType.FANOUT)
    dead = await _quorum_queue(channel, DEAD_QUEUE)
    await dead.bind(DLX_EXCHANGE, routing_key="")

    intake = intake_queue_arguments(settings)
    await _quorum_queue(channel, REQUESTS_QUEUE, intake)
    await _quorum_queue(channel, BULK_QUEUE, intake)

    await _exchange(channel, AUTHORITY_EXCHANGE, aio_pika.ExchangeType.TOPIC)
    authority_in = await _quorum_queue(channel, AUTHORITY_QUEUE, intake)
    for root in AUTHORITY_ROOTS:
        await authority_in.bind(AUTHORITY_EXCHANGE, routing_key=root)

    await _exchange(channel, REPLIES_EXCHANGE, aio_pika.ExchangeType.DIRECT)
    await _exchange(channel, EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC)
    await _exchange(channel, AUTHORITY_OUT_EXCHANGE, aio_pika.ExchangeType.TOPIC)


async def declare_sender(channel: AbstractChannel, user: str) -> None:
    """The sender's own topic exchange (exact root-name bindings only, no wildcard, so any
    other key is unroutable) and its durable reply queue. Needs `declare_core` first."""
    _check_user(user)
    exchange = sender_exchange(user)
    await _exchange(channel, exchange, aio_pika.ExchangeType.TOPIC)
    # Passive: on a robust channel this returns the queue object `declare_core` registered,
    # so the bindings are restored with it after a reconnect.
    requests = await channel.declare_queue(REQUESTS_QUEUE, passive=True)
    for root in INTERACTIVE_ROOTS:
        await requests.bind(exchange, routing_key=root)
    bulk = await channel.declare_queue(BULK_QUEUE, passive=True)
    await bulk.bind(exchange, routing_key=BULK_ROOT)

    replies = await _quorum_queue(channel, reply_queue(user))
    await replies.bind(REPLIES_EXCHANGE, routing_key=user)


async def declare_authority(channel: AbstractChannel, user: str) -> None:
    """The authority user's queue on `breakgate.authority.out` (everything, `#`)."""
    _check_user(user)
    queue = await _quorum_queue(channel, authority_out_queue(user))
    await queue.bind(AUTHORITY_OUT_EXCHANGE, routing_key="#")


USER_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _check_user(user: str) -> None:
    # A user name becomes part of exchange/queue names and of permission regexes. No dot:
    # `breakgate.replies.<user>.<suffix>` is an accepted reply_to, so a user "a" must never be
    # able to name the queue of a user "a.b".
    if not USER_PATTERN.match(user):
        raise ValueError(f"unsupported sender user name: {user!r}")
