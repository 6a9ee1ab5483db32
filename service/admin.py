"""Operator actions behind the CLI: provisioning senders (RabbitMQ user, permissions, topology,
register entry). Kept out of cli.py so the CLI stays a thin shell."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from consumers.connection import connect
from consumers.topology import declare_authority, declare_core, declare_sender
from service import provisioning
from service.config import Settings
from service.db.engine import create_engine
from service.db.migrate import migrate
from service.db.senders import register_sender


@dataclass(frozen=True)
class SenderAdded:
    user: str
    number: str
    password: str
    vhost: str
    authority: bool


def vhost_of(amqp_url: str) -> str:
    path = urllib.parse.urlsplit(amqp_url).path
    return urllib.parse.unquote(path[1:]) if len(path) > 1 else "/"


async def add_sender(
    settings: Settings, user: str, *, authority: bool = False, password: str | None = None,
    number: int | None = None,
) -> SenderAdded:
    """Register, then provision the broker user, then declare its exchange and queues. Each step
    is idempotent, so re-running after a failure completes the job."""
    if settings.database_url.startswith("sqlite"):
        await migrate(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        assigned = await register_sender(engine, user, number=number, authority=authority)
    finally:
        await engine.dispose()
    vhost = vhost_of(settings.amqp_url)
    made = provisioning.provision_sender(user, password, vhost=vhost, authority=authority,
                                         settings=settings)
    connection = await connect(settings, name="breakgate-admin")
    try:
        channel = await connection.channel()
        await declare_core(channel, settings)
        if authority:
            await declare_authority(channel, user)
        else:
            await declare_sender(channel, user)
    finally:
        await connection.close()
    return SenderAdded(user, assigned, made.password, vhost, authority)
