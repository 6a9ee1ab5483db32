"""The hostile XML corpus of RELIABILITY.md section 5 (kinds 1-46), built from the valid
SubmitRequest example. Cases aimed at files or URLs point at canaries the tests own.

`expected` is the exact anomaly code the XML adapter must answer, "ACCEPT" when decode must
give a command, or "RULE:<code>" when the XML layer accepts and a named rule refuses.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
VALID_SUBMIT = REPO / "schemas" / "xsd" / "examples" / "valid" / "SubmitRequest.xml"
ROOT_START = b'<SubmitRequest xmlns="urn:breakgate:v1" schemaVersion="1.0">'
MAX_BYTES = 8 * 1024 * 1024

NOT_WELL_FORMED = "90000-003"
XML_VERSION = "90000-146"
DTD_FORBIDDEN = "90000-005"
UNEXPECTED_ROOT = "90000-092"
LIMIT = "90000-093"


@dataclass(frozen=True)
class Canaries:
    """Where an attack would reach if the parser followed it."""

    folder: Path  # every canary file lives here; the watch covers the folder
    http: str  # base URL of the local HTTP canary, e.g. http://127.0.0.1:4711

    @property
    def file(self) -> Path:
        return self.folder / "secret.txt"

    @property
    def dtd(self) -> Path:
        return self.folder / "evil.dtd"

    @property
    def xsd(self) -> Path:
        return self.folder / "evil.xsd"

    def create(self) -> None:
        self.file.write_text("canary secret\n")
        self.dtd.write_text('<!ENTITY leak "canary">\n')
        self.xsd.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>\n')


@dataclass(frozen=True)
class Case:
    number: str
    title: str
    expected: str
    build: Callable[[Canaries], bytes]
    max_ms: float = 2000.0
    aims_at_canary: bool = False


def valid() -> bytes:
    """The valid SubmitRequest example without its label comment."""
    text = VALID_SUBMIT.read_bytes()
    return text[text.index(b"<SubmitRequest") :]


def _replace(old: bytes, new: bytes) -> Callable[[Canaries], bytes]:
    def build(_: Canaries) -> bytes:
        body = valid()
        assert old in body, old
        return body.replace(old, new, 1)

    return build


def _const(body: bytes) -> Callable[[Canaries], bytes]:
    return lambda _: body


def _with_doctype(doctype: Callable[[Canaries], str]) -> Callable[[Canaries], bytes]:
    def build(c: Canaries) -> bytes:
        body = valid().replace(b"<LastName>Janssens</LastName>", b"<LastName>&e;</LastName>")
        return b'<?xml version="1.0"?>\n' + doctype(c).encode() + b"\n" + body

    return build


def _billion_laughs(_: Canaries) -> bytes:
    lines = ['<!ENTITY e0 "lol">']
    lines += [f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    lines.append('<!ENTITY e "&e9;">')
    return _with_doctype(lambda c: "<!DOCTYPE SubmitRequest [" + "".join(lines) + "]>")(_)


def _quadratic(_: Canaries) -> bytes:
    doctype = '<!DOCTYPE SubmitRequest [<!ENTITY a "' + "x" * 50_000 + '">]>'
    body = valid().replace(b"<LastName>Janssens</LastName>",
                           b"<LastName>" + b"&a;" * 20_000 + b"</LastName>")
    return doctype.encode() + b"\n" + body


def _nested(depth: int) -> Callable[[Canaries], bytes]:
    return _replace(b"</Worker>", b"</Worker>" + b"<x>" * depth + b"</x>" * depth)


def _many_elements(count: int) -> Callable[[Canaries], bytes]:
    items = b"<Circumstance>CCT_BASIS</Circumstance>" * count
    return _replace(b"<Child>", items + b"<Child>")


def _foreign_root(namespace_attrs: str) -> Callable[[Canaries], bytes]:
    def build(c: Canaries) -> bytes:
        attrs = namespace_attrs.format(http=c.http, xsd=c.xsd)
        return f"<Evil {attrs}><Payload>1</Payload></Evil>".encode()

    return build


def _root_attrs(extra: Callable[[Canaries], str]) -> Callable[[Canaries], bytes]:
    def build(c: Canaries) -> bytes:
        start = ROOT_START[:-1] + b" " + extra(c).encode() + b">"
        return valid().replace(ROOT_START, start, 1)

    return build


XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
_ATTRS = b" ".join(b'a%d="1"' % i for i in range(50_000))

CASES: list[Case] = [
    Case("1", "empty body", NOT_WELL_FORMED, _const(b"")),
    Case("2", "whitespace only", NOT_WELL_FORMED, _const(b"  \n\t \r\n ")),
    Case("3", "JSON body", NOT_WELL_FORMED, _const(b'{"RequestReference": "HR-1"}')),
    Case("4", "gzip bytes", NOT_WELL_FORMED, lambda _: gzip.compress(valid())),
    Case("5", "truncated document", NOT_WELL_FORMED, lambda _: valid()[: len(valid()) // 2]),
    Case("6", "trailing garbage", NOT_WELL_FORMED, lambda _: valid() + b"<Extra/>garbage"),
    Case("7", "duplicate attribute", NOT_WELL_FORMED,
         _root_attrs(lambda _: 'schemaVersion="1.0"')),
    Case("8", "undeclared prefix", NOT_WELL_FORMED,
         _replace(b"<Scheme>", b"<p:Note>x</p:Note><Scheme>")),
    Case("9", "invalid UTF-8 bytes", NOT_WELL_FORMED,
         _replace(b"Janssens", b"Jan\xff\xfe\xc3sens")),
    Case("10", "declares UTF-16, is UTF-8", NOT_WELL_FORMED,
         lambda _: b'<?xml version="1.0" encoding="UTF-16"?>\n' + valid()),
    Case("11", "unknown encoding name", NOT_WELL_FORMED,
         lambda _: b'<?xml version="1.0" encoding="x-breakgate-42"?>\n' + valid()),
    Case("12", "NUL byte", NOT_WELL_FORMED, _replace(b"Janssens", b"Jans\x00sens")),
    Case("13", "&#x1; character reference", NOT_WELL_FORMED,
         _replace(b"Janssens", b"Jans&#x1;sens")),
    Case("14", "raw ESC control character", NOT_WELL_FORMED,
         _replace(b"Janssens", b"Jans\x1bsens")),
    Case("15", "UTF-8 BOM + valid", "ACCEPT", lambda _: b"\xef\xbb\xbf" + valid()),
    Case("16", "UTF-16 BOM + valid", "ACCEPT",
         lambda _: ('<?xml version="1.0" encoding="UTF-16"?>\n' + valid().decode())
         .encode("utf-16")),
    Case("17", "ISO-8859-1 declared + valid", "ACCEPT",
         lambda _: b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
         + valid().replace(b"Janssens", "Müller".encode("latin-1"))),
    Case("18", "XML 1.1 declaration", XML_VERSION,
         lambda _: b'<?xml version="1.1" encoding="UTF-8"?>\n' + valid()),
    Case("19", "internal DOCTYPE, harmless entity", DTD_FORBIDDEN,
         _with_doctype(lambda _: '<!DOCTYPE SubmitRequest [<!ENTITY e "Janssens">]>')),
    Case("20", "billion laughs", DTD_FORBIDDEN, _billion_laughs, max_ms=100.0),
    Case("21", "quadratic blowup", DTD_FORBIDDEN, _quadratic),
    Case("22", "XXE file://", DTD_FORBIDDEN, _with_doctype(
        lambda c: f'<!DOCTYPE SubmitRequest [<!ENTITY e SYSTEM "file://{c.file}">]>'),
        aims_at_canary=True),
    Case("23", "XXE http", DTD_FORBIDDEN, _with_doctype(
        lambda c: f'<!DOCTYPE SubmitRequest [<!ENTITY e SYSTEM "{c.http}/xxe">]>'),
        aims_at_canary=True),
    Case("24", "external DTD subset (http)", DTD_FORBIDDEN, _with_doctype(
        lambda c: f'<!DOCTYPE SubmitRequest SYSTEM "{c.http}/evil.dtd">'), aims_at_canary=True),
    Case("25", "external DTD subset (local file)", DTD_FORBIDDEN, _with_doctype(
        lambda c: f'<!DOCTYPE SubmitRequest SYSTEM "{c.dtd}">'), aims_at_canary=True),
    Case("26a", "external parameter entity (http)", DTD_FORBIDDEN, _with_doctype(
        lambda c: f'<!DOCTYPE SubmitRequest [<!ENTITY % p SYSTEM "{c.http}/evil.dtd"> %p;]>'),
        aims_at_canary=True),
    Case("26b", "external parameter entity (local)", DTD_FORBIDDEN, _with_doctype(
        lambda c: f'<!DOCTYPE SubmitRequest [<!ENTITY % p SYSTEM "file://{c.dtd}"> %p;]>'),
        aims_at_canary=True),
    Case("27", "XInclude element", "90000-092", lambda c: valid().replace(
        b"<Scheme>", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{c.file}"'
        ' parse="text"/><Scheme>'.encode(), 1), aims_at_canary=True),
    Case("28", "xsi:schemaLocation, other namespace (http)", UNEXPECTED_ROOT,
         _foreign_root(f'xmlns="urn:attacker" {XSI} '
                       'xsi:schemaLocation="urn:attacker {http}/evil.xsd"'),
         aims_at_canary=True),
    Case("29", "xsi:schemaLocation, other namespace (file)", UNEXPECTED_ROOT,
         _foreign_root(f'xmlns="urn:attacker" {XSI} xsi:schemaLocation="urn:attacker {{xsd}}"'),
         aims_at_canary=True),
    Case("30", "xsi:schemaLocation for our namespace (http)", "ACCEPT", _root_attrs(
        lambda c: f'{XSI} xsi:schemaLocation="urn:breakgate:v1 {c.http}/evil.xsd"'),
        aims_at_canary=True),
    Case("31", "xsi:noNamespaceSchemaLocation", UNEXPECTED_ROOT,
         _foreign_root(f'{XSI} xsi:noNamespaceSchemaLocation="{{http}}/evil.xsd"'),
         aims_at_canary=True),
    Case("32a", "wrong root namespace", UNEXPECTED_ROOT,
         _replace(b'xmlns="urn:breakgate:v1"', b'xmlns="urn:other:v1"')),
    Case("32b", "unknown root local name", UNEXPECTED_ROOT,
         lambda _: valid().replace(b"SubmitRequest", b"SubmitRequests")),
    Case("33", "xsi:type substitution", "90000-092",
         _root_attrs(lambda _: f'{XSI} xsi:type="SubmitRequestContent"')),
    Case("34", "depth 300", LIMIT, _nested(300)),
    Case("35", "depth 100 000", LIMIT, _nested(100_000)),
    Case("36", "12 MB text node", LIMIT,
         _replace(b"Janssens", b"J" * (12 * 1024 * 1024))),
    Case("37a", "200k elements, 18 MB", LIMIT, lambda _: valid().replace(
        b"<Child>", b"<Circumstance>CCT_BASIS</Circumstance>" * 200_000
        + b"<Padding>" + b"p" * (10 * 1024 * 1024) + b"</Padding><Child>", 1)),
    Case("37b", "under the cap: 200k elements, 7.6 MB", "ACCEPT", _many_elements(200_000)),
    Case("38", "60k-character element name", LIMIT,
         _replace(b"<Scheme>", b"<" + b"N" * 60_000 + b"/><Scheme>")),
    Case("39", "50k attributes", "90000-092",
         lambda _: valid().replace(ROOT_START, ROOT_START[:-1] + b" " + _ATTRS + b">", 1),
         max_ms=1000.0),
    Case("40", "missing required element", "90000-090",
         _replace(b"<Fraction>ONE_FIFTH</Fraction>", b"")),
    Case("41", "decimal 12,50", "00048-008",
         _replace(b"<MeanWorkingHours>3040<", b"<MeanWorkingHours>12,50<")),
    Case("42", "NaN", "00048-008", _replace(b"<MeanWorkingHours>3040<", b"<MeanWorkingHours>NaN<")),
    Case("43", "1e400", "00048-008",
         _replace(b"<MeanWorkingHours>3040<", b"<MeanWorkingHours>1e400<")),
    Case("44", "30-digit amount (totalDigits)", "00048-008",
         _replace(b"<MeanWorkingHours>3040<", b"<MeanWorkingHours>" + b"9" * 30 + b"<")),
    Case("45a", "RequestReference with spaces", "RULE:70015-003",
         _replace(b"HR-2026-0001", b"HR 2026 0001")),
    Case("45b", "RequestReference with U+202E", "RULE:70015-003",
         _replace(b"HR-2026-0001", "HR-\u202e1000-6202".encode())),
    Case("46a", "text over maxLength", "70015-093",
         _replace(b"HR-2026-0001", b"R" * 65)),
    Case("46b", "unexpected extra element", "90000-092",
         _replace(b"<Scheme>", b"<Note>hello</Note><Scheme>")),
]
