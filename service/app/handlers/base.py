"""What every handler receives and returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service.app.envelope import Envelope, Outbound
from service.app.ports import Transaction
from service.app.results import Parked
from service.app.routing import OutboundFactory
from service.domain.anomalies import Anomaly
from service.domain.parameters import LegalParameters
from service.domain.replies import Rejection


@dataclass(frozen=True)
class HandlerContext:
    tx: Transaction
    envelope: Envelope
    now: datetime
    today: date
    parameters: LegalParameters
    outbound: OutboundFactory

    def reply(self, model: object) -> Outbound:
        return self.outbound.reply(self.envelope, model)

    def event(self, exchange: str, routing_key: str, model: object, kind: str) -> Outbound:
        return self.outbound.event(self.envelope, exchange, routing_key, model, kind)


@dataclass(frozen=True)
class Outcome:
    """`claims_reference`: the message was accepted, so its RequestReference is used up and a
    resend gets this answer again. The reply to the sender, if any, comes first."""

    outbound: tuple[Outbound, ...] = ()
    claims_reference: bool = False
    parked: Parked | None = None


MAX_REPLY_ANOMALIES = 200
"""A rejection lists at most this many anomalies (the first ones, in rule order): a message
repeating a faulty element could otherwise turn 8 MB into a reply ten times larger and seconds
of rendering (RELIABILITY.md T14)."""


def rejected(hc: HandlerContext, reference: str | None, anomalies: Sequence[Anomaly]) -> Outcome:
    """A business refusal: answered, acked, nothing stored but the inbox record."""
    listed = tuple(anomalies)[:MAX_REPLY_ANOMALIES]
    return Outcome(outbound=(hc.reply(Rejection(request_reference=reference,
                                                anomalies=listed)),))


Handler = Callable[[Any, HandlerContext], Awaitable[Outcome]]
