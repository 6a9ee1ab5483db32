"""A rejection lists at most MAX_REPLY_ANOMALIES anomalies (RELIABILITY.md T14)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app_support import JsonRenderer, envelope, read

from service.app.handlers.base import MAX_REPLY_ANOMALIES, HandlerContext, rejected
from service.app.routing import OutboundFactory
from service.domain.anomalies import Severity, anomaly
from service.domain.parameters import LegalParameters


def test_a_rejection_lists_at_most_the_cap() -> None:
    hc = HandlerContext(tx=None, envelope=envelope("m1"),  # type: ignore[arg-type]
                        now=datetime(2026, 12, 1, tzinfo=UTC), today=date(2026, 12, 1),
                        parameters=LegalParameters.default(),
                        outbound=OutboundFactory(JsonRenderer()))
    many = [anomaly("70001-006", Severity.BLOCKING, f"/SubmitRequest/Circumstance[{i}]",
                    "en", "fr", "nl") for i in range(5 * MAX_REPLY_ANOMALIES)]
    (reply,) = rejected(hc, "R1", many).outbound
    listed = read(reply.body)["anomalies"]
    assert len(listed) == MAX_REPLY_ANOMALIES
    assert listed[0]["path"] == "/SubmitRequest/Circumstance[0]"  # the first ones, in order
