"""Every reply and event model rendered from a realistic instance: valid against its XSD, and
its key fields read back from the XML."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from lxml import etree

from service.domain import replies as r
from service.domain.anomalies import Severity, anomaly
from service.domain.codes import (
    Action,
    Fraction,
    Motive,
    NotificationDecision,
    NotificationState,
    RequestStatus,
    Scheme,
)
from service.domain.commands import Child, CompanyRef, SubmitRequest
from service.xml.employer_readers import submit_request
from service.xml.from_reply import RENDERED_TYPES
from service.xml.gateway import XmlGateway
from service.xml.parser import ParsedDocument, parse_document
from service.xml.reading import Fields

NS = {"b": "urn:breakgate:v1"}
BRUSSELS_WINTER = timezone(timedelta(hours=1))
AT = datetime(2026, 12, 1, 9, 15, 2, 318000, tzinfo=BRUSSELS_WINTER)
MARKUP = "</Note><Evil/>]]>&amp;"
WARNING = anomaly("00011-004", Severity.WARNING, "/SubmitRequest/Employer/NOSSRegistrationNbr",
                  "The NOSS number's check digits look wrong.",
                  "Les chiffres de contrôle du numéro ONSS semblent erronés.",
                  "De controlecijfers van het RSZ-nummer lijken fout.")
BLOCKING = anomaly("70004-021", Severity.BLOCKING, "/SubmitRequest/StartDate",
                   "Start date " + MARKUP, "Date de début", "Begindatum")


@pytest.fixture(scope="module")
def gateway() -> XmlGateway:
    return XmlGateway()


@pytest.fixture(scope="module")
def stored_request(gateway: XmlGateway) -> SubmitRequest:
    body = (gateway.registry.schema_dir / "examples" / "valid" /
            "SubmitRequest.several-employers.xml").read_bytes()
    decoded = gateway.decode(body)
    assert isinstance(decoded.command, SubmitRequest)
    return decoded.command


def _instances(request: SubmitRequest) -> list[object]:
    company = CompanyRef(company_id="0123456749")
    return [
        r.Ticket(request_reference="HR-1", ticket_number="ELO2026-000000123", submitted_at=AT,
                 anomalies=(WARNING,)),
        r.Acknowledgement(request_reference="HR-2", ticket_number="ELO2026-000000123",
                          action=Action.CANCELLED, at=AT,
                          messages=r.changes_made(Action.CANCELLED)),
        r.Acknowledgement(request_reference="HR-3", action=Action.PARAMETERS_UPDATED,
                          at=AT.astimezone(UTC), messages=r.changes_made(Action.PARAMETERS_UPDATED),
                          anomalies=(WARNING,)),
        r.Rejection(request_reference="HR-4", anomalies=(BLOCKING, WARNING)),
        r.Rejection(anomalies=(BLOCKING,)),
        r.RequestDetails(
            ticket_number="ELO2026-000000123", status=RequestStatus.SUBMITTED,
            submitted_at=AT, request=request,
            attachments=(r.AttachmentInfo(file_name="birth.pdf", content_type="application/pdf",
                                          size=51, sha256="ab" * 32),),
            history=(r.HistoryEntry(at=AT, kind="SUBMITTED"),
                     r.HistoryEntry(at=AT, kind="MODIFIED", detail="EndDate " + MARKUP)),
        ),
        r.SearchResult(page=1, page_size=100, total=1, requests=(r.RequestSummary(
            ticket_number="ELO2026-000000123", request_reference="HR-1", inss="75113099746",
            scheme=Scheme.TIME_CREDIT, fraction=Fraction.HALF, start_date=date(2027, 3, 1),
            status=RequestStatus.GRANTED, submitted_at=AT),)),
        r.NotificationList(notifications=(r.NotificationSummary(
            notification_id="NTF.1", inss="88123199507", last_name="Peeters", first_name=None,
            scheme=Scheme.TIME_CREDIT, motive=Motive.TRAINING, fraction=Fraction.ONE_FIFTH,
            requested_start_date=date(2027, 1, 1), notice_date=date(2026, 10, 1),
            state=NotificationState.PENDING, received_at=AT,
            child=Child(birth_date=date(2022, 1, 1))),)),
        r.NotificationList(),
        r.BulkReceipt(file_reference="FI.ELO.000042.20261130.A0001.R", result_code=0,
                      item_count=2, anomalies=(BLOCKING,)),
        r.BulkResult(file_reference="FI.ELO.000042.20261130.A0001.R", accepted=2, rejected=1,
                     items=(r.ItemResult(seq=1, request_reference="B-1",
                                         ticket_number="ELO2026-000000124", status="ACCEPTED",
                                         anomalies=(WARNING,)),
                            r.ItemResult(seq=2, request_reference="B-2",
                                         action=Action.CANCELLED, status="ACCEPTED"),
                            r.ItemResult(seq=3, request_reference="B-3", status="REJECTED",
                                         anomalies=(BLOCKING,)))),
        r.BulkProgress(file_reference="FI.ELO.000042.20261130.A0001.R", items_done=1200,
                       item_count=5000),
        r.StatusUpdate(ticket_number="ELO2026-000000123", request_reference="HR-1",
                       status=RequestStatus.REFUSED, changed_at=AT, reason=MARKUP, version=3),
        r.RequestSubmitted(ticket_number="ELO2026-000000123", employer=company,
                           inss="75113099746", scheme=Scheme.PARENTAL_LEAVE,
                           fraction=Fraction.FULL, start_date=date(2027, 3, 1),
                           end_date=date(2027, 3, 31), notification_id="NTF.1",
                           submitted_at=AT),
        r.RequestCancelled(ticket_number="ELO2026-000000123", at=AT),
        r.RequestModified(ticket_number="ELO2026-000000123", new_end_date=date(2027, 9, 30),
                          at=AT),
        r.RequestModified(ticket_number="ELO2026-000000123", at=AT),  # attachments changed
        r.NotificationUpdate(notification_id="NTF.1", employer=company,
                             state=NotificationState.PENDING, changed_at=AT),
        r.NotificationUpdate(notification_id="NTF.1", employer=company,
                             state=NotificationState.ACCEPTED, changed_at=AT,
                             ticket_number="ELO2026-000000123"),
        r.NotificationDecided(notification_id="NTF.1", employer=company,
                              decision=NotificationDecision.AUTO_REFUSED,
                              anomalies=(BLOCKING,), decided_at=AT),
        r.NotificationDecided(notification_id="NTF.2", employer=company,
                              decision=NotificationDecision.POSTPONED,
                              new_start_date=date(2027, 6, 1), decided_at=AT),
    ]


def _read_back(gateway: XmlGateway, body: bytes) -> etree._Element:
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    parsed = parse_document(body, max_bytes=gateway.max_bytes)
    assert isinstance(parsed, ParsedDocument), parsed
    assert parsed.root.get("schemaVersion") == "1.0"
    anomalies = gateway.registry.validate(parsed.root)
    assert anomalies == (), [(a.code, a.path, a.messages.en) for a in anomalies]
    return parsed.root


def _text(root: etree._Element, path: str) -> str:
    return str(root.xpath(f"string({path})", namespaces=NS))


def test_every_reply_model_has_a_renderer(stored_request: SubmitRequest) -> None:
    assert {type(i) for i in _instances(stored_request)} == set(RENDERED_TYPES)


def test_every_rendering_is_valid_and_reads_back(
    gateway: XmlGateway, stored_request: SubmitRequest
) -> None:
    for instance in _instances(stored_request):
        root = _read_back(gateway, gateway.render(instance))
        assert etree.QName(root).localname == type(instance).__name__
        for field in ("request_reference", "ticket_number", "notification_id",
                      "file_reference"):
            value = getattr(instance, field, None)
            element = "".join(part.capitalize() for part in field.split("_"))
            if value is not None:
                assert _text(root, f"/*/b:{element}") == value, (type(instance), field)


def test_request_details_carry_the_whole_stored_request(
    gateway: XmlGateway, stored_request: SubmitRequest
) -> None:
    details = r.RequestDetails(ticket_number="ELO2026-000000123", status=RequestStatus.GRANTED,
                               submitted_at=AT, request=stored_request)
    root = _read_back(gateway, gateway.render(details))
    # SubmitRequestFields has the same shape in both documents: the inbound reader reads it.
    assert submit_request(Fields(root)) == stored_request.model_copy(update={"attachments": ()})
    assert stored_request.other_employer is not None


def test_acknowledgement_carries_three_languages_then_the_warnings(gateway: XmlGateway) -> None:
    ack = r.Acknowledgement(request_reference="HR-5", action=Action.MODIFIED, at=AT,
                            messages=r.changes_made(Action.MODIFIED), anomalies=(WARNING,))
    root = _read_back(gateway, gateway.render(ack))
    assert root.xpath("/b:Acknowledgement/b:Message/@xml:lang", namespaces=NS) == [
        "en", "fr", "nl"]
    assert _text(root, "/b:Acknowledgement/b:Message[1]") == ack.messages.en
    assert _text(root, "/b:Acknowledgement/b:Anomaly/b:Code") == "00011-004"
    assert _text(root, "/b:Acknowledgement/b:Anomaly/b:Severity") == "W"
    names = [etree.QName(child).localname for child in root]
    assert names[-4:] == ["Message", "Message", "Message", "Anomaly"]


def test_timestamps_carry_their_offset(gateway: XmlGateway) -> None:
    body = gateway.render(r.RequestCancelled(ticket_number="T", at=AT))
    assert b"<At>2026-12-01T09:15:02.318000+01:00</At>" in body
    naive = gateway.render(r.RequestCancelled(ticket_number="T", at=datetime(2026, 1, 1, 8)))
    assert b"<At>2026-01-01T08:00:00+00:00</At>" in naive


def test_markup_in_free_text_round_trips(
    gateway: XmlGateway, stored_request: SubmitRequest
) -> None:
    """RELIABILITY 5: CDATA with markup is accepted and the reply escapes it."""
    body = (gateway.registry.schema_dir / "examples" / "valid" / "SubmitRequest.xml").read_bytes()
    body = body.replace(b"<LastName>Janssens</LastName>",
                        b"<LastName><![CDATA[</Note><Evil/>]]>&amp;<!-- c --></LastName>")
    decoded = gateway.decode(body)
    assert isinstance(decoded.command, SubmitRequest)
    assert decoded.command.worker.last_name == "</Note><Evil/>&"
    details = r.RequestDetails(ticket_number="ELO2026-000000001", status=RequestStatus.SUBMITTED,
                               submitted_at=AT, request=decoded.command)
    root = _read_back(gateway, gateway.render(details))
    assert _text(root, "/b:RequestDetails/b:Worker/b:LastName") == "</Note><Evil/>&"
    assert not root.xpath("//b:Evil", namespaces=NS)
    update = _read_back(gateway, gateway.render(r.StatusUpdate(
        ticket_number="T", request_reference="R", status=RequestStatus.REFUSED,
        changed_at=AT, reason=MARKUP)))
    assert _text(update, "/b:StatusUpdate/b:Reason") == MARKUP


def test_anomalies_render_code_severity_path_and_three_languages(gateway: XmlGateway) -> None:
    root = _read_back(gateway, gateway.render(r.Rejection(request_reference="HR-9",
                                                           anomalies=(BLOCKING,))))
    assert _text(root, "//b:Anomaly/b:Code") == "70004-021"
    assert _text(root, "//b:Anomaly/b:Severity") == "B"
    assert _text(root, "//b:Anomaly/b:Path") == "/SubmitRequest/StartDate"
    langs = root.xpath("//b:Anomaly/b:Message/@xml:lang", namespaces=NS)
    assert langs == ["en", "fr", "nl"]
    assert _text(root, "//b:Anomaly/b:Message[1]") == BLOCKING.messages.en


def test_texts_xml_cannot_carry_are_replaced_not_fatal(gateway: XmlGateway) -> None:
    odd = anomaly("90000-003", Severity.BLOCKING, None, "bad \x01 byte" + "x" * 3000, "f", "n")
    root = _read_back(gateway, gateway.render(r.Rejection(anomalies=(odd,))))
    message = _text(root, "//b:Anomaly/b:Message[1]")
    assert message.startswith("bad \ufffd byte") and len(message) == 2000
    assert not root.xpath("//b:Anomaly/b:Path", namespaces=NS)


def test_unknown_models_are_refused(gateway: XmlGateway) -> None:
    with pytest.raises(TypeError):
        gateway.render(object())
