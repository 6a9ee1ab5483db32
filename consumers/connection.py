"""Connecting to RabbitMQ: one robust connection (heartbeat 15 s), reconnecting by itself.

aio-pika's robust connection reopens its channels after a connection loss or a broker restart
and, on each, re-declares the exchanges and queues declared through it (with their bindings),
re-applies `basic_qos` and re-registers the consumers. So: declare the topology on a channel
of the robust connection that stays open for the life of the process (`open_topology`), and
give each `BatchConsumer` its own channel of the same connection.

Deliveries received on the old channel are dead after a reconnect (the broker requeued them);
the BatchConsumer drops them and never acks them on the new channel.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterable

import aio_pika
import aiormq
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection

from consumers.topology import declare_authority, declare_core, declare_sender
from service.config import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
# aiormq gives up a silent connection after GRACE x (heartbeat + 1) s, noticed by a loop that
# wakes every heartbeat / 2: with its default 3, up to 48 + 7 = 55 s for a 15 s heartbeat,
# past RELIABILITY.md's 3 x heartbeat (T7, blackholed link). With 2: 32 s + up to 7 s, and the
# broker, which sends a heartbeat every heartbeat / 2, has still missed four in a row.
HEARTBEAT_GRACE_MULTIPLIER = 2


def amqp_url(url: str, *, heartbeat: int = HEARTBEAT_SECONDS, name: str | None = None) -> str:
    """The URL with a heartbeat (unless it already sets one) and a connection name."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("heartbeat", str(heartbeat))
    if name is not None:
        query.setdefault("name", name)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


async def connect(
    settings: Settings, *, name: str = "breakgate", url: str | None = None
) -> AbstractRobustConnection:
    # A class setting, read by every aiormq connection when it is made (reconnects included).
    aiormq.Connection.HEARTBEAT_GRACE_MULTIPLIER = HEARTBEAT_GRACE_MULTIPLIER
    return await aio_pika.connect_robust(
        amqp_url(url or settings.amqp_url, name=name), reconnect_interval=2
    )


async def open_topology(
    connection: AbstractRobustConnection,
    settings: Settings,
    *,
    senders: Iterable[str] = (),
    authority_users: Iterable[str] = (),
) -> AbstractRobustChannel:
    """Declare the core topology and the known senders on a dedicated channel that the caller
    keeps open: the robust channel re-declares all of it after a reconnect."""
    channel = await connection.channel()
    await declare_core(channel, settings)
    for user in senders:
        await declare_sender(channel, user)
    for user in authority_users:
        await declare_authority(channel, user)
    assert isinstance(channel, AbstractRobustChannel)
    return channel
