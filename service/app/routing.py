"""Where replies and events go, and their stable message ids (CONTRACT.md section 1)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any

from service.app.envelope import Envelope, Outbound
from service.app.ports import ReplyRenderer

REPLIES_EXCHANGE = "breakgate.replies"
EVENTS_EXCHANGE = "breakgate.events"
AUTHORITY_OUT_EXCHANGE = "breakgate.authority.out"
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
# Internal header (never published): where a reply goes when its `reply_to` queue is gone.
FALLBACK_ROUTING_KEY = "x-breakgate-fallback-routing-key"


def stable_message_id(*parts: str) -> str:
    """The same inputs give the same id, so a re-publication is deduped by receivers.
    Hashed, because senders choose their message ids and may put any character in them."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return digest[:32]


def permitted_reply_queue(sender: str, reply_to: str | None) -> str | None:
    """`reply_to` is honoured only for the sender's own queues or direct reply-to."""
    if not reply_to:
        return None
    # The broker rewrites direct reply-to into `amq.rabbitmq.reply-to.<channel token>`.
    if reply_to == DIRECT_REPLY_TO or reply_to.startswith(DIRECT_REPLY_TO + "."):
        return reply_to
    own = re.escape(f"breakgate.replies.{sender}")
    return reply_to if re.fullmatch(rf"{own}(\.[A-Za-z0-9._:-]+)?", reply_to) else None


class OutboundFactory:
    """Renders reply and event models into `Outbound` messages with their routes."""

    def __init__(self, renderer: ReplyRenderer) -> None:
        self._renderer = renderer

    def reply(self, envelope: Envelope, model: object, kind: str = "reply") -> Outbound:
        return Outbound(
            **_reply_route(envelope),
            message_id=stable_message_id(envelope.sender, envelope.message_id, kind),
            correlation_id=envelope.correlation_id,
            message_type=type(model).__name__,
            body=self._renderer.render(model),
            environment=envelope.environment,
        )

    def event(
        self, envelope: Envelope, exchange: str, routing_key: str, model: object, kind: str
    ) -> Outbound:
        """An event caused by `envelope`: its correlation_id is the cause's message_id."""
        return Outbound(
            exchange=exchange,
            routing_key=routing_key,
            message_id=stable_message_id(envelope.sender, envelope.message_id, kind),
            correlation_id=envelope.message_id,
            message_type=type(model).__name__,
            body=self._renderer.render(model),
            environment=envelope.environment,
        )

    def to_sender(self, cause: Envelope, sender: str, model: object, kind: str) -> Outbound:
        """A message for a sender that is not the reply to its own message (a StatusUpdate,
        V-MAN-4): to its durable reply queue, through `breakgate.replies` with its user as
        routing key, never to a per-message `reply_to`; correlation_id = the message_id of
        the message that caused it (CONTRACT.md section 1)."""
        return Outbound(
            exchange=REPLIES_EXCHANGE,
            routing_key=sender,
            message_id=stable_message_id(cause.sender, cause.message_id, kind),
            correlation_id=cause.message_id,
            message_type=type(model).__name__,
            body=self._renderer.render(model),
            environment=cause.environment,
        )

    @staticmethod
    def rerouted(stored: Outbound, envelope: Envelope) -> Outbound:
        """A stored reply re-published for a redelivery goes where the redelivery asks (its
        `reply_to` may be a new direct reply-to token); same message_id, same content."""
        if stored.message_id != stable_message_id(envelope.sender, envelope.message_id, "reply"):
            return stored  # events, authority messages and status updates keep their route
        return replace(stored, **_reply_route(envelope))

    @staticmethod
    def resend(first: Outbound, envelope: Envelope) -> Outbound:
        """A resend of the same RequestReference: the first reply's content under the resend's
        own correlation_id and a new message_id (CONTRACT.md, delivery guarantees)."""
        return Outbound(
            **_reply_route(envelope),
            message_id=stable_message_id(envelope.sender, envelope.message_id, "reply"),
            correlation_id=envelope.correlation_id,
            message_type=first.message_type,
            body=first.body,
            environment=first.environment,
        )


def _reply_route(envelope: Envelope) -> dict[str, Any]:
    """A permitted `reply_to` queue (with the sender's own queue as fallback, for when that
    queue or direct reply-to consumer is gone), else `breakgate.replies` / sender."""
    queue = permitted_reply_queue(envelope.sender, envelope.reply_to)
    if queue is None:
        return {"exchange": REPLIES_EXCHANGE, "routing_key": envelope.sender}
    return {"exchange": "", "routing_key": queue,
            "headers": {FALLBACK_ROUTING_KEY: envelope.sender}}
