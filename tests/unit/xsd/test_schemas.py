"""The wire-contract schemas (schemas/xsd) and their labelled examples.

Checks that every schema compiles offline with lxml and xmlschema, that every valid example
validates, that every invalid example is refused, and that each invalid example's
`expected-anomalies` label is what the XSD-error mapping of RULES.md 3.0.1 yields for the
errors lxml actually reports. `_anomaly_codes` below is a small reference version of that
mapping (zones by element, 090/091/092 by error kind); the XML adapter is the real one.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

REPO = Path(__file__).resolve().parents[3]
XSD_DIR = REPO / "schemas" / "xsd"
EXAMPLES = XSD_DIR / "examples"
NS = "urn:breakgate:v1"
XS = "http://www.w3.org/2001/XMLSchema"

# Every message root of CONTRACT.md sections 3-5 (29 distinct names), plus NotificationUpdate,
# the document of the notification.<STATE> events (additive, see replies.xsd), and BulkProgress,
# how far a bulk file's items are (additive, see bulk.xsd).
EMPLOYER_ROOTS = (
    "SubmitRequest",
    "CancelRequest",
    "ModifyRequest",
    "AddAttachment",
    "ConsultRequest",
    "SearchRequests",
    "ListNotifications",
    "DecideNotification",
    "UpdateParameters",
    "BulkFile",
)
AUTHORITY_ROOTS = (
    "WorkerPartCompleted",
    "Decision",
    "EmployeeNotification",
    "DimonaDeclaration",
    "GrantMandate",
    "RevokeMandate",
)
OUTBOUND_ROOTS = (
    "Ticket",
    "Acknowledgement",
    "Rejection",
    "RequestDetails",
    "SearchResult",
    "NotificationList",
    "StatusUpdate",
    "BulkReceipt",
    "BulkResult",
    "BulkProgress",
    "RequestSubmitted",
    "RequestCancelled",
    "RequestModified",
    "NotificationDecided",
    "NotificationUpdate",
)
ALL_ROOTS = EMPLOYER_ROOTS + AUTHORITY_ROOTS + OUTBOUND_ROOTS

LABEL = re.compile(r"<!-- expected-anomalies: (none|\d{5}-\d{3}(?: \d{5}-\d{3})*) -->")

XSD_FILES = sorted(XSD_DIR.glob("*.xsd"))
VALID = sorted((EXAMPLES / "valid").glob("*.xml"))
# `rule-*.xml` are XSD-valid on purpose: they break a legal rule, checked through the CLI.
INVALID = sorted(p for p in (EXAMPLES / "invalid").glob("*.xml")
                 if not p.name.startswith("rule-"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _parser() -> etree.XMLParser:
    """The hardened parser settings of the service (DESIGN.md section 2)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), _parser())


@cache
def _lxml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(_parse(XSD_DIR / "breakgate.xsd"))


@cache
def _xs_schema() -> xmlschema.XMLSchema:
    return _xmlschema(XSD_DIR / "breakgate.xsd")


def _xmlschema(path: Path) -> xmlschema.XMLSchema:
    # sandbox: only files under base_url may be read; no network, no other folder.
    return xmlschema.XMLSchema(str(path), base_url=str(XSD_DIR), allow="sandbox")


def _label(path: Path) -> list[str]:
    first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
    match = LABEL.fullmatch(first_line)
    assert match, f"{path.name}: first line must be <!-- expected-anomalies: none|CODE... -->"
    return [] if match.group(1) == "none" else match.group(1).split()


def _root_name(path: Path) -> str:
    return path.name.split(".", 1)[0]


# ---------------------------------------------------------------- (1) schemas compile


@pytest.mark.parametrize("xsd", XSD_FILES, ids=_ids(XSD_FILES))
def test_schema_compiles_with_lxml(xsd: Path) -> None:
    etree.XMLSchema(_parse(xsd))


@pytest.mark.parametrize("xsd", XSD_FILES, ids=_ids(XSD_FILES))
def test_schema_compiles_with_xmlschema(xsd: Path) -> None:
    _xmlschema(xsd)


@pytest.mark.parametrize("xsd", XSD_FILES, ids=_ids(XSD_FILES))
def test_schema_locations_are_local_files(xsd: Path) -> None:
    for ref in _parse(xsd).iterfind(f"{{{XS}}}*[@schemaLocation]"):
        location = ref.get("schemaLocation") or ""
        assert "/" not in location and ":" not in location, f"{xsd.name}: {location}"
        assert (XSD_DIR / location).is_file(), f"{xsd.name}: {location} missing"


def test_message_schemas_share_the_conventions() -> None:
    for xsd in XSD_FILES:
        if xsd.name == "xml.xsd":
            continue
        schema = _parse(xsd).getroot()
        assert schema.get("targetNamespace") == NS, xsd.name
        assert schema.nsmap.get(None) == NS, xsd.name
        assert schema.get("elementFormDefault") == "qualified", xsd.name
        assert schema.get("blockDefault") == "#all", xsd.name
        forbidden = schema.findall(f".//{{{XS}}}any") + schema.findall(f".//{{{XS}}}anyAttribute")
        assert not forbidden, f"{xsd.name} uses a wildcard"
        if xsd.name != "common.xsd":
            includes = [i.get("schemaLocation") for i in schema.iterfind(f"{{{XS}}}include")]
            assert "common.xsd" in includes, xsd.name


# ---------------------------------------------------------------- (2) valid examples


@pytest.mark.parametrize("example", VALID, ids=_ids(VALID))
def test_valid_example_validates(example: Path) -> None:
    doc = _parse(example)
    schema = _lxml_schema()
    errors: Any = schema.error_log
    assert schema.validate(doc), [e.message for e in errors]
    # A valid example may still carry warnings (W anomalies), labelled; never an XSD error.
    assert all(not code.startswith("90000") for code in _label(example))
    assert doc.getroot().tag == f"{{{NS}}}{_root_name(example)}"


@pytest.mark.parametrize("example", VALID, ids=_ids(VALID))
def test_valid_example_validates_with_xmlschema(example: Path) -> None:
    _xs_schema().validate(_parse(example))


# ---------------------------------------------------------------- (3) invalid examples


@pytest.mark.parametrize("example", INVALID, ids=_ids(INVALID))
def test_invalid_example_is_refused(example: Path) -> None:
    doc = _parse(example)
    namespace = etree.QName(doc.getroot()).namespace
    if namespace == NS:
        assert not _lxml_schema().validate(doc)
        assert not _xs_schema().is_valid(doc)
    else:
        expected = "90000-146" if (namespace or "").startswith("urn:breakgate:") else "90000-092"
        assert _label(example) == [expected]


@pytest.mark.parametrize("example", INVALID, ids=_ids(INVALID))
def test_invalid_example_label_matches_the_xsd_errors(example: Path) -> None:
    expected = _label(example)
    assert expected, f"{example.name}: an invalid example must expect at least one anomaly"
    assert sorted(_anomaly_codes(_parse(example))) == sorted(expected)


# ---------------------------------------------------------------- (4) labels


@pytest.mark.parametrize("example", VALID + INVALID, ids=_ids(VALID + INVALID))
def test_example_has_an_expected_anomalies_label(example: Path) -> None:
    _label(example)
    assert _root_name(example) in ALL_ROOTS, f"{example.name}: name must start with a root"


# ---------------------------------------------------------------- (5) roots


def test_breakgate_xsd_declares_exactly_the_contract_roots() -> None:
    declared = {etree.QName(name).localname for name in _xs_schema().elements}
    assert declared == set(ALL_ROOTS)
    assert len(ALL_ROOTS) == len(set(ALL_ROOTS)) == 31


# ---------------------------------------------------------------- (6) BulkProgress

BULK_PROGRESS = (
    f'<BulkProgress xmlns="{NS}" schemaVersion="1.0">'
    "<FileReference>FI.ELO.000042.20261130.A0001.R</FileReference>{fields}</BulkProgress>"
)


@pytest.mark.parametrize("fields", [
    "<ItemsDone>0</ItemsDone><ItemCount>1</ItemCount>",
    "<ItemsDone>49999</ItemsDone><ItemCount>50000</ItemCount>",
])
def test_bulk_progress_validates(fields: str) -> None:
    doc = etree.ElementTree(etree.fromstring(BULK_PROGRESS.format(fields=fields), _parser()))
    assert _lxml_schema().validate(doc) and _xs_schema().is_valid(doc)
    bulk = _xmlschema(XSD_DIR / "bulk.xsd")  # declared with the other bulk replies
    assert bulk.is_valid(doc)


@pytest.mark.parametrize(("fields", "codes"), [
    ("<ItemsDone>-1</ItemsDone><ItemCount>5</ItemCount>", ["90000-008"]),
    ("<ItemsDone>1</ItemsDone>", ["90000-090"]),  # ItemCount missing
    ("<ItemCount>5</ItemCount><ItemsDone>1</ItemsDone>", ["90000-091"]),  # out of order
    ("<ItemsDone>1</ItemsDone><ItemCount>5</ItemCount><Accepted>1</Accepted>", ["90000-092"]),
])
def test_bulk_progress_is_refused_when_malformed(fields: str, codes: list[str]) -> None:
    doc = etree.ElementTree(etree.fromstring(BULK_PROGRESS.format(fields=fields), _parser()))
    assert not _lxml_schema().validate(doc)
    assert not _xs_schema().is_valid(doc)
    assert _anomaly_codes(doc) == codes


@pytest.mark.parametrize("root", ALL_ROOTS)
def test_root_has_examples(root: str) -> None:
    assert any(_root_name(p) == root for p in VALID), f"no valid example for {root}"
    if root in EMPLOYER_ROOTS + AUTHORITY_ROOTS:
        assert any(_root_name(p) == root for p in INVALID), f"no invalid example for {root}"


# ---------------------------------------------------------------- reference mapping
# RULES.md 3.0.1 plus the adapter conventions: one anomaly per lxml error; zone by element.

FIXED_ZONES = {  # these elements have their zone wherever they appear
    "RequestReference": "70015",
    "TicketNumber": "70012",
    "NotificationId": "70014",
    "FileReference": "70018",
    "NOSSRegistrationNbr": "00011",
    "JointCommissionNbr": "00046",
    "NewStartDate": "70004",
}
PARENT_ZONES = {  # every child of these elements
    "OtherEmployer": "70009",
    "Child": "70011",
    "Attachment": "70013",
    "ByCharacteristics": "70020",
    "Postpone": "70016",
    "Refuse": "70016",
    "Contact": "70017",
    "UpdateParameters": "70017",
}
ELEMENT_ZONES = {  # employer-part elements, also inside Accept and authority messages
    "Scheme": "70001",
    "Circumstance": "70001",
    "Motive": "70002",
    "Fraction": "70003",
    "StartDate": "70004",
    "EndDate": "70005",
    "NewEndDate": "70005",
    "NoticeDate": "70006",
    "SeveralEmployers": "70009",
    "EmployerAgreement": "70010",
    "WorkingDaysSystem": "00047",
    "MeanWorkingHours": "00048",
    "RefMeanWorkingHours": "00049",
}
VALUE_FAULTS = {
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
    "SCHEMAV_CVC_ENUMERATION_VALID",
    "SCHEMAV_CVC_PATTERN_VALID",
    "SCHEMAV_CVC_TOTALDIGITS_VALID",
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID",
    "SCHEMAV_CVC_MININCLUSIVE_VALID",
}
LENGTH_FAULTS = {
    "SCHEMAV_CVC_LENGTH_VALID",
    "SCHEMAV_CVC_MINLENGTH_VALID",
    "SCHEMAV_CVC_MAXLENGTH_VALID",
}
FOREIGN_ATTRIBUTE_FAULTS = {  # unexpected attribute, xsi:type, xsi:nil
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2",
    "SCHEMAV_CVC_ELT_3_1",
    "SCHEMAV_CVC_ELT_4_1",
    "SCHEMAV_CVC_ELT_4_2",
    "SCHEMAV_CVC_ELT_4_3",
}


def _zone(ancestry: list[str]) -> str:
    name, parent = ancestry[-1], (ancestry[-2] if len(ancestry) > 1 else "")
    if name in FIXED_ZONES:
        return FIXED_ZONES[name]
    if name == "CompanyID":
        return "70009" if parent == "OtherEmployer" else "00014"
    if name == "INSS" and parent in ("Worker", "ByWorker"):
        return "00024"
    if parent == "Worker" and name in ("Source", "HireDate"):
        return "70019"
    if parent == "SearchRequests" and name in ("Page", "PageSize"):
        return "70020"
    if parent in PARENT_ZONES:
        return PARENT_ZONES[parent]
    return ELEMENT_ZONES.get(name, "90000")


def _lineage(element: etree._Element) -> list[etree._Element]:
    return [*reversed(list(element.iterancestors())), element]


def _declaration(element: etree._Element) -> Any:
    """The xmlschema element declaration that applies to `element`, or None."""
    chain = _lineage(element)
    declaration: Any = _xs_schema().elements.get(etree.QName(chain[0]).localname)
    for child in chain[1:]:
        if declaration is None or declaration.type.has_simple_content():
            return None
        children = declaration.type.content.iter_elements()
        declaration = next((d for d in children if d.name == child.tag), None)
    return declaration


def _allowed_children(parent: etree._Element | None) -> set[str]:
    assert parent is not None
    declaration = _declaration(parent)
    assert declaration is not None
    return {str(d.name) for d in declaration.type.content.iter_elements()}


def _is_date(element: etree._Element) -> bool:
    declaration = _declaration(element)
    return bool(
        declaration is not None
        and declaration.type.is_simple()
        and declaration.type.primitive_type.local_name == "date"
    )


def _element_at(doc: etree._ElementTree, path: str) -> etree._Element:
    prefixes = {p: u for el in doc.iter() for p, u in el.nsmap.items() if p}
    found = doc.xpath(path, namespaces=prefixes)
    assert isinstance(found, list) and len(found) == 1, path
    element = found[0]
    assert isinstance(element, etree._Element), path
    return element


def _anomaly_codes(doc: etree._ElementTree) -> list[str]:
    namespace = etree.QName(doc.getroot()).namespace
    if namespace != NS:
        return ["90000-146" if (namespace or "").startswith("urn:breakgate:") else "90000-092"]
    schema = _lxml_schema()
    if schema.validate(doc):
        return []
    errors: Any = schema.error_log
    return [_code(doc, error) for error in errors]


def _code(doc: etree._ElementTree, error: Any) -> str:
    kind, message = error.type_name, error.message
    element = _element_at(doc, error.path)
    if kind == "SCHEMAV_CVC_ELT_1":  # no global declaration: unknown root
        return "90000-092"
    if kind == "SCHEMAV_ELEMENT_CONTENT":
        if "Missing child element" in message:
            return "90000-090"
        known = _allowed_children(element.getparent())
        return "90000-091" if element.tag in known else "90000-092"
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_4":  # required attribute missing
        return "90000-090"
    if kind in FOREIGN_ATTRIBUTE_FAULTS:
        return "90000-092"
    on_attribute = re.search(r"attribute '[^']+'", message) is not None
    ancestry = [etree.QName(e).localname for e in _lineage(element)]
    zone = "90000" if on_attribute else _zone(ancestry)
    if kind in LENGTH_FAULTS:
        return f"{zone}-093"
    if kind in VALUE_FAULTS:
        return f"{zone}-003" if not on_attribute and _is_date(element) else f"{zone}-008"
    raise AssertionError(f"unmapped lxml error {kind}: {message}")
