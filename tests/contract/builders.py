"""Sample records for the contract tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from service.app.envelope import Outbound
from service.app.ports import InboxEntry, StoredRequest
from service.domain.codes import Environment, Fraction, RequestStatus, Scheme

SENDER = "bureau-a"
OTHER_SENDER = "bureau-b"
COMPANY = "0123456749"
OTHER_COMPANY = "0987654321"
INSS = "85073003328"


def inbox_entry(
    message_id: str = "m-1", reference: str | None = "REF-1", sender: str = SENDER
) -> InboxEntry:
    return InboxEntry(
        sender=sender,
        message_id=message_id,
        request_reference=reference,
        content_sha256="ab" * 32,
        reply_message_ids=(f"{sender}:{message_id}:reply:1",),
    )


def outbound(message_id: str = "o-1", **changes: object) -> Outbound:
    values: dict[str, object] = {
        "exchange": "breakgate.replies",
        "routing_key": SENDER,
        "message_id": message_id,
        "correlation_id": f"corr-{message_id}",
        "message_type": "Ticket",
        "body": b"<Ticket>\xc3\xa9\x00\xff</Ticket>",
        "environment": Environment.REAL,
        "headers": {"x-breakgate-version": "1"},
    }
    values.update(changes)
    return Outbound(**values)  # type: ignore[arg-type]


def stored_request(
    ticket: str = "ELO2026-000000001",
    start: date = date(2026, 6, 1),
    end: date | None = date(2026, 11, 30),
    **changes: object,
) -> StoredRequest:
    values: dict[str, object] = {
        "ticket_number": ticket,
        "sender": SENDER,
        "company_id": COMPANY,
        "request_reference": f"REF-{ticket}",
        "inss": INSS,
        "scheme": Scheme.TIME_CREDIT,
        "start_date": start,
        "end_date": end,
        "status": RequestStatus.SUBMITTED,
        "version": 1,
        "submitted_at": datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC),
        "payload_json": json.dumps({"fraction": "HALF", "request_reference": f"REF-{ticket}"}),
        "fraction": Fraction.HALF,
    }
    values.update(changes)
    return StoredRequest(**values)  # type: ignore[arg-type]
