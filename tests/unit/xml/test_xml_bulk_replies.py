"""The XML the bulk use cases read and write: the streamed scan of a whole file (its items,
its FileReference, its skeleton), the item replies read back, the streamed BulkResult."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service import bulk_samples
from service.domain.anomalies import Messages, Severity, anomaly
from service.domain.codes import Action
from service.domain.replies import Acknowledgement, BulkResult, ItemResult, Rejection, Ticket
from service.xml.bulk_replies import StreamingBulkResult, XmlReplyReader
from service.xml.bulk_scan import BulkFileReader
from service.xml.from_reply import render_reply
from service.xml.gateway import XmlGateway

TODAY = date(2026, 12, 1)
REFERENCE = bulk_samples.file_reference("000042", TODAY)
WARNING = anomaly("70017-001", Severity.WARNING, "/SubmitRequest/Employer", "en", "fr", "nl")


def scan(body: bytes, max_bytes: int = 1 << 20) -> tuple[str | None, list[tuple[int | None,
                                                                                  list[str]]]]:
    found = BulkFileReader(max_bytes).scan(body)
    outcomes = [(o.seq, [a.code for a in o.anomalies]) for o in found]
    return found.file_reference, outcomes


def test_a_scan_streams_the_items_and_reads_the_file_reference() -> None:
    body = bulk_samples.bulk_file(REFERENCE, bulk_samples.submissions(3, TODAY))
    assert scan(body) == (REFERENCE, [(1, []), (2, []), (3, [])])


def test_a_body_over_the_limit_is_refused_before_parsing() -> None:
    body = bulk_samples.bulk_file(REFERENCE, bulk_samples.submissions(3, TODAY))
    assert scan(body, max_bytes=100) == (None, [(None, ["90000-093"])])


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b'schemaVersion="1.0"', b'schemaVersion="1.0" extra="x"', "90000-092"),
        (b"</FileReference>", b"</FileReference><Note>hi</Note>", "90000-092"),
        (b"<FileReference>", b"<FileReference>" + b"x" * 70, "70018-093"),
    ],
    ids=["unknown-attribute", "element-between", "reference-too-long"],
)
def test_the_skeleton_of_the_file_is_checked_against_the_schema(
    old: bytes, new: bytes, code: str
) -> None:
    body = bulk_samples.bulk_file(REFERENCE, bulk_samples.submissions(2, TODAY))
    _, outcomes = scan(body.replace(old, new, 1))
    assert outcomes[:2] == [(1, []), (2, [])]
    assert outcomes[2][0] is None and code in outcomes[2][1]


def test_the_streamed_bulk_result_is_the_rendered_one_and_valid() -> None:
    items = (
        ItemResult(seq=1, request_reference="A", ticket_number="ELO2026-000000001",
                   status="ACCEPTED", anomalies=(WARNING,)),
        ItemResult(seq=2, request_reference="B", action=Action.CANCELLED, status="ACCEPTED"),
        ItemResult(seq=3, request_reference="C & <D>", status="REJECTED", anomalies=(
            anomaly("70015-006", Severity.BLOCKING, '/BulkFile/Item[@seq="3"]', "é", "ü",
                    "ĳ"),)),
    )
    streamed = StreamingBulkResult().render_bulk_result(REFERENCE, 2, 1, iter(items))
    assert streamed == render_reply(BulkResult(file_reference=REFERENCE, accepted=2,
                                               rejected=1, items=items))
    decoded = XmlGateway().decode_any(streamed)
    assert decoded.message_type == "BulkResult" and decoded.anomalies == ()


def test_a_bulk_progress_is_rendered_valid() -> None:
    body = StreamingBulkResult().render_progress(REFERENCE, 120, 500)
    decoded = XmlGateway().decode_any(body)
    assert decoded.message_type == "BulkProgress" and decoded.anomalies == ()
    assert b"<ItemsDone>120</ItemsDone><ItemCount>500</ItemCount>" in body


def test_item_replies_are_read_back() -> None:
    reader = XmlReplyReader()
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    ticket = reader.summary(render_reply(Ticket(request_reference="A",
                                                ticket_number="ELO2026-000000001",
                                                submitted_at=at, anomalies=(WARNING,))))
    assert (ticket.kind, ticket.ticket_number, ticket.action) == (
        "Ticket", "ELO2026-000000001", None)
    assert ticket.anomalies == (WARNING,)
    ack = reader.summary(render_reply(Acknowledgement(
        request_reference="B", ticket_number="ELO2026-000000001", action=Action.MODIFIED,
        at=at, messages=Messages(en="Changes made", fr="Modifications", nl="Wijzigingen"))))
    assert (ack.kind, ack.action) == ("Acknowledgement", Action.MODIFIED)
    refused = reader.summary(render_reply(Rejection(request_reference="C",
                                                    anomalies=(WARNING,))))
    assert (refused.kind, [a.code for a in refused.anomalies]) == ("Rejection", ["70017-001"])
