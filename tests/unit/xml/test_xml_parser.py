"""The hardened parse: accepted encodings, prolog checks, limits and the root namespace."""

from __future__ import annotations

import pytest
from xml_hostile_cases import valid

from service.xml.parser import ParsedDocument, XmlFailure, parse_document

MAX = 1024 * 1024
DOC = '<SubmitRequest xmlns="urn:breakgate:v1" schemaVersion="1.0"><Note>{}</Note></SubmitRequest>'


def _parse(body: bytes, max_bytes: int = MAX, max_depth: int = 64) -> ParsedDocument | XmlFailure:
    return parse_document(body, max_bytes=max_bytes, max_depth=max_depth)


def _code(body: bytes, max_bytes: int = MAX, max_depth: int = 64) -> str:
    outcome = _parse(body, max_bytes, max_depth)
    assert isinstance(outcome, XmlFailure), "expected a refusal"
    assert len(outcome.anomalies) == 1
    return outcome.anomalies[0].code


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("utf-8, no declaration", DOC.format("é").encode()),
        ("utf-8 declared", ('<?xml version="1.0" encoding="utf-8"?>' + DOC.format("é")).encode()),
        ("utf-8 BOM", b"\xef\xbb\xbf" + DOC.format("é").encode()),
        ("utf-8 BOM and declaration",
         b"\xef\xbb\xbf" + ('<?xml version="1.0" encoding="UTF-8"?>' + DOC.format("é")).encode()),
        ("utf-16 LE BOM, undeclared", b"\xff\xfe" + DOC.format("é").encode("utf-16-le")),
        ("utf-16 BE BOM, declared",
         b"\xfe\xff" + ('<?xml version="1.0" encoding="UTF-16"?>' + DOC.format("é"))
         .encode("utf-16-be")),
        ("iso-8859-1 declared",
         ("<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?>" + DOC.format("é"))
         .encode("latin-1")),
    ],
)
def test_accepted_encodings(label: str, body: bytes) -> None:
    parsed = _parse(body)
    assert isinstance(parsed, ParsedDocument), label
    assert parsed.message_type == "SubmitRequest" and parsed.namespace == "urn:breakgate:v1"
    assert parsed.root[0].text == "é"


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("utf-16 without BOM", DOC.format("x").encode("utf-16-le")),
        ("utf-16 declared on utf-8 bytes",
         ('<?xml version="1.0" encoding="UTF-16"?>' + DOC.format("x")).encode()),
        ("utf-16 BOM declared utf-8",
         ('<?xml version="1.0" encoding="UTF-8"?>' + DOC.format("x")).encode("utf-16")),
        ("utf-8 BOM declared latin-1",
         b"\xef\xbb\xbf" + ('<?xml version="1.0" encoding="ISO-8859-1"?>' + DOC).encode()),
        ("utf-32 BOM", DOC.format("x").encode("utf-32")),
        ("windows-1252", ('<?xml version="1.0" encoding="windows-1252"?>' + DOC).encode()),
        ("latin-1 bytes undeclared", DOC.format("é").encode("latin-1")),
        ("odd utf-16 length", b"\xff\xfe<\x00a"),
        ("malformed declaration", b'<?xml version="1.0" encoding=UTF-8?><a/>'),
        ("version 2.0", b'<?xml version="2.0"?><a/>'),
    ],
)
def test_refused_encodings_and_declarations(label: str, body: bytes) -> None:
    assert _code(body) == "90000-003", label


def test_xml_1_1_is_not_allowed() -> None:
    assert _code(b'<?xml version="1.1"?>' + valid()) == "90000-146"


@pytest.mark.parametrize(
    "prolog",
    [
        "<!DOCTYPE SubmitRequest>",
        "<!-- a comment --><?pi x?>\n<!doctype SubmitRequest>",
        '<!ENTITY x "y">',
        "<!ELEMENT a ANY>",
    ],
)
def test_any_dtd_declaration_in_the_prolog_is_refused(prolog: str) -> None:
    assert _code(b'<?xml version="1.0"?>' + prolog.encode() + valid()) == "90000-005"
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + prolog + valid().decode())
    assert _code(utf16.encode("utf-16")) == "90000-005"


def test_doctype_text_inside_a_comment_or_cdata_is_harmless() -> None:
    body = valid().replace(b"<Scheme>", b"<!-- <!DOCTYPE x> --><Scheme>")
    assert isinstance(_parse(b"<!-- note -->" + body), ParsedDocument)


def test_size_cap_is_checked_first() -> None:
    outcome = _parse(b"<!DOCTYPE x>" + b" " * 100, max_bytes=50)
    assert isinstance(outcome, XmlFailure) and outcome.anomalies[0].code == "90000-093"
    assert outcome.message_type is None


def test_depth_limit_is_configurable() -> None:
    nested = b'<SubmitRequest xmlns="urn:breakgate:v1">' + b"<a>" * 9 + b"</a>" * 9
    body = nested + b"</SubmitRequest>"
    assert isinstance(_parse(body, max_depth=10), ParsedDocument)
    assert _code(body, max_depth=9) == "90000-093"


def test_long_names_are_a_limit() -> None:
    assert _code(DOC.replace("Note", "N" * 201).encode()) == "90000-093"
    assert _code(DOC.replace("<Note>", '<Note a' + "b" * 200 + '="1">').encode()) == "90000-093"
    assert isinstance(_parse(DOC.replace("Note", "N" * 200).encode()), ParsedDocument)


@pytest.mark.parametrize(
    ("namespace", "code"),
    [("urn:breakgate:v2", "90000-146"), ("urn:breakgate:v10", "90000-146"),
     ("urn:breakgate", "90000-092"), ("urn:other", "90000-092"), (None, "90000-092")],
)
def test_root_namespace(namespace: str | None, code: str) -> None:
    attribute = f' xmlns="{namespace}"' if namespace else ""
    outcome = _parse(f"<SubmitRequest{attribute}/>".encode())
    assert isinstance(outcome, XmlFailure)
    assert [a.code for a in outcome.anomalies] == [code]
    assert outcome.message_type == "SubmitRequest"
    assert outcome.anomalies[0].path == "/SubmitRequest"


def test_known_roots_filter() -> None:
    body = b'<Ticket xmlns="urn:breakgate:v1" schemaVersion="1.0"/>'
    assert isinstance(_parse(body), ParsedDocument)
    refused = parse_document(body, max_bytes=MAX, known_roots=frozenset({"SubmitRequest"}))
    assert isinstance(refused, XmlFailure) and refused.anomalies[0].code == "90000-092"


def test_syntax_errors_say_where() -> None:
    outcome = _parse(b'<SubmitRequest xmlns="urn:breakgate:v1">\n<a></b></SubmitRequest>')
    assert isinstance(outcome, XmlFailure)
    assert "line 2" in outcome.anomalies[0].messages.en
