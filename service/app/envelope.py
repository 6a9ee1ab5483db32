"""What the transport tells a use case about one inbound message, and what it must send back.

These are plain data: the consumers fill an `Envelope` from the AMQP delivery, the use cases
return `Outbound` messages, and the producers publish them. Nothing here knows AMQP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from service.domain.anomalies import Anomaly
from service.domain.codes import Environment
from service.domain.commands import Command


@dataclass(frozen=True)
class Envelope:
    """`sender` is the user of the exchange the message came through, never the body."""

    sender: str
    message_id: str
    correlation_id: str
    body_sha256: str
    received_at: datetime
    reply_to: str | None = None
    environment: Environment = Environment.REAL
    from_authority: bool = False  # authority messages are never answered: faults are parked


@dataclass(frozen=True)
class Inbound:
    """One decoded message: a command, or the anomalies that stopped decoding it."""

    envelope: Envelope
    message_type: str | None
    request_reference: str | None
    command: Command | None = None
    anomalies: tuple[Anomaly, ...] = ()


@dataclass(frozen=True)
class Outbound:
    """One message to publish. `message_id` is stable: a re-publication reuses it."""

    exchange: str
    routing_key: str
    message_id: str
    correlation_id: str
    message_type: str
    body: bytes
    environment: Environment = Environment.REAL
    headers: dict[str, str] = field(default_factory=dict)
    # A progress report, not a filing's answer: published once, transient, expiring unread
    # after a minute, dropped when no queue takes it (never in the outbox).
    ephemeral: bool = False
