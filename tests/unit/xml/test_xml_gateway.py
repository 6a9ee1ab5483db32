"""XmlGateway.decode beyond the corpora: the type property, what is read and how, the
schema registry and xmlschema on the failure path."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree
from xml_canaries import HttpCanary
from xml_hostile_cases import ROOT_START, valid

from service.domain import commands as c
from service.domain.codes import NotificationState, WorkerSource
from service.xml.gateway import XmlGateway
from service.xml.parser import ParsedDocument, parse_document
from service.xml.registry import shared_registry
from service.xml.xsd_errors import MAX_ANOMALIES

EXAMPLES = shared_registry().schema_dir / "examples" / "valid"


@pytest.fixture(scope="module")
def gateway() -> XmlGateway:
    return XmlGateway()


def _submit(gateway: XmlGateway, body: bytes) -> c.SubmitRequest:
    decoded = gateway.decode(body)
    assert isinstance(decoded.command, c.SubmitRequest), decoded.anomalies
    return decoded.command


def test_type_property_must_match_the_root(gateway: XmlGateway) -> None:
    assert gateway.decode(valid(), expected_type="SubmitRequest").ok
    refused = gateway.decode(valid(), expected_type="CancelRequest")
    assert [a.code for a in refused.anomalies] == ["90000-003"]
    assert refused.message_type == "SubmitRequest"
    assert refused.request_reference == "HR-2026-0001"


def test_reference_is_echoed_only_in_the_contract_shape(gateway: XmlGateway) -> None:
    broken = valid().replace(b"<Fraction>ONE_FIFTH</Fraction>", b"")
    assert gateway.decode(broken).request_reference == "HR-2026-0001"
    odd = broken.replace(b"HR-2026-0001", b"HR 2026 0001")
    assert gateway.decode(odd).request_reference is None
    assert gateway.decode(b"not xml").request_reference is None


def test_replies_are_not_inbound_messages(gateway: XmlGateway) -> None:
    refused = gateway.decode((EXAMPLES / "Ticket.xml").read_bytes())
    assert [a.code for a in refused.anomalies] == ["90000-092"]
    assert refused.message_type == "Ticket"


def test_codes_lose_surrounding_whitespace_free_text_does_not(gateway: XmlGateway) -> None:
    body = (valid()
            .replace(b"TIME_CREDIT", b"TIME_<!-- x -->CRE<![CDATA[DIT]]>")
            .replace(b"HR-2026-0001", b"  HR-2026-0001\n")
            .replace(b"<LastName>Janssens</LastName>", b"<LastName> van Dijk </LastName>")
            .replace(b"<SeveralEmployers>false", b"<SeveralEmployers> 0 ")
            .replace(b"<StartDate>2027-03-01", b"<StartDate> 2027-03-01 "))
    command = _submit(gateway, body)
    assert command.scheme.value == "TIME_CREDIT"
    assert command.request_reference == "HR-2026-0001"
    assert command.worker.last_name == " van Dijk "
    assert command.several_employers is False
    assert command.start_date == date(2027, 3, 1)


def test_defaults_of_optional_elements(gateway: XmlGateway) -> None:
    command = _submit(gateway, valid())
    assert command.worker.source is WorkerSource.DIMONA
    assert command.circumstances == () and command.attachments == ()
    search = gateway.decode((EXAMPLES / "SearchRequests.by-worker.xml").read_bytes()).command
    assert isinstance(search, c.SearchRequests) and isinstance(search.criteria, c.ByWorker)
    listing = gateway.decode((EXAMPLES / "ListNotifications.xml").read_bytes()).command
    assert isinstance(listing, c.ListNotifications)
    assert listing.state in set(NotificationState)


def test_several_employers_and_circumstances(gateway: XmlGateway) -> None:
    command = _submit(gateway, (EXAMPLES / "SubmitRequest.several-employers.xml").read_bytes())
    assert command.several_employers is True
    assert command.other_employer is not None and command.other_employer.company_id


def test_decisions_of_a_notification(gateway: XmlGateway) -> None:
    kinds = {}
    for name in ("DecideNotification.xml", "DecideNotification.postpone.xml",
                 "DecideNotification.refuse.xml"):
        command = gateway.decode((EXAMPLES / name).read_bytes()).command
        assert isinstance(command, c.DecideNotification)
        kinds[name] = type(command.decision)
    assert set(kinds.values()) == {c.Accept, c.Postpone, c.Refuse}


def test_anomalies_are_capped(gateway: XmlGateway) -> None:
    attributes = b" ".join(b'x%d="1"' % i for i in range(500))
    body = valid().replace(ROOT_START, ROOT_START[:-1] + b" " + attributes + b">", 1)
    refused = gateway.decode(body)
    assert len(refused.anomalies) == MAX_ANOMALIES
    assert refused.anomalies[0].path == "/SubmitRequest/@x0"


def test_one_registry_per_schema_folder() -> None:
    assert XmlGateway().registry is XmlGateway(max_bytes=10).registry
    assert "SubmitRequest" in shared_registry().roots
    assert shared_registry().family("BulkResult") == "bulk"


def test_xmlschema_explains_without_following_location_hints(gateway: XmlGateway) -> None:
    with HttpCanary().running() as canary:
        body = valid().replace(
            ROOT_START,
            ROOT_START[:-1] + b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            b' xsi:schemaLocation="urn:breakgate:v1 ' + canary.base.encode() + b'/evil.xsd">',
        ).replace(b"<Fraction>ONE_FIFTH</Fraction>", b"")
        parsed = parse_document(body, max_bytes=gateway.max_bytes)
        assert isinstance(parsed, ParsedDocument)
        reasons = gateway.registry.validate_with_xmlschema(parsed.root)
        assert canary.hits == []
    assert reasons and any("Fraction" in reason for reason in reasons)
    assert gateway.registry.validate_with_xmlschema(
        etree.fromstring((EXAMPLES / "Ticket.xml").read_bytes())) == []


def test_decode_is_repeatable(gateway: XmlGateway) -> None:
    first = gateway.decode(valid())
    assert all(gateway.decode(valid()) == first for _ in range(20))
