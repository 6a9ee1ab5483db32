"""A processor wired with fakes, and inbound builders, for the handler tests."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from builders import COMPANY_ID, INSS
from fakes import FakeUnitOfWork
from pydantic import BaseModel

from service.app.clock import FixedClock
from service.app.envelope import Envelope, Inbound
from service.app.ports import EmploymentPeriod, Mandate
from service.app.processor import MessageProcessor
from service.app.routing import OutboundFactory
from service.domain.commands import Command
from service.domain.parameters import LegalParameters

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SENDER = "bureau1"


class JsonRenderer:
    """Renders a model as JSON with its type, so tests read replies without XML."""

    def render(self, reply: object) -> bytes:
        assert isinstance(reply, BaseModel)
        return json.dumps({"type": type(reply).__name__,
                           **reply.model_dump(mode="json")}).encode()


def read(body: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(body)
    return value


def make_processor(uow: FakeUnitOfWork) -> MessageProcessor:
    return MessageProcessor(uow, OutboundFactory(JsonRenderer()), FixedClock(NOW),
                            LegalParameters.default())


def envelope(message_id: str, *, sender: str = SENDER, reply_to: str | None = None,
             correlation_id: str | None = None, authority: bool = False) -> Envelope:
    return Envelope(
        sender=sender, message_id=message_id, correlation_id=correlation_id or message_id,
        body_sha256=hashlib.sha256(message_id.encode()).hexdigest(), received_at=NOW,
        reply_to=reply_to, from_authority=authority,
    )


def inbound(command: Command, message_id: str, **kwargs: Any) -> Inbound:
    reference = getattr(command, "request_reference", None)
    return Inbound(envelope=envelope(message_id, **kwargs), message_type=type(command).__name__,
                   request_reference=reference, command=command)


async def seed_employer(uow: FakeUnitOfWork, *, sender: str = SENDER,
                        company_id: str = COMPANY_ID, inss: str = INSS) -> None:
    """A mandate for the sender and the worker in the personnel file since 2015."""
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(sender, company_id, date(2020, 1, 1), None))
        await tx.personnel.upsert(EmploymentPeriod(company_id, inss, date(2015, 1, 1), None))
