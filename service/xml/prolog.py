"""Checks on the raw bytes before libxml2 sees them: encoding, XML version, DTD.

They run first because libxml2 would otherwise act on what they refuse: it accepts XML 1.1,
guesses UTF-16 without a byte order mark, and reads a DOCTYPE (possibly opening an external
subset) before any option of ours can intervene. Every check is a cheap scan of the prolog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.anomalies import Anomaly
from service.xml import problems

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")

_DECLARATION = re.compile(
    r"<\?xml\s+version\s*=\s*(['\"])(?P<version>[^'\"]*)\1"
    r"(?:\s+encoding\s*=\s*(['\"])(?P<encoding>[^'\"]*)\3)?"
    r"(?:\s+standalone\s*=\s*(['\"])(?:yes|no)\5)?\s*\?>"
)
# Markup declarations only exist inside or as a DTD; any of them in the prolog is refused.
_DTD_KEYWORDS = ("DOCTYPE", "ENTITY", "ELEMENT", "ATTLIST", "NOTATION")
_ASCII_ENCODINGS = frozenset({"UTF-8", "ISO-8859-1"})


@dataclass(frozen=True)
class Prolog:
    """What the sniffing learnt: the encoding libxml2 will decode with."""

    encoding: str


def check_prolog(body: bytes) -> Prolog | Anomaly:
    """The accepted encoding of `body`, or the anomaly that refuses it (003, 005 or 146)."""
    if body.startswith(_UTF32_BOMS):
        return problems.bad_encoding("UTF-32 is not accepted")
    if body.startswith(_UTF16_BOMS):
        return _check_utf16(body)
    return _check_ascii_compatible(body)


def _check_utf16(body: bytes) -> Prolog | Anomaly:
    try:
        text = body.decode("utf-16")
    except UnicodeDecodeError:
        return problems.bad_encoding("invalid UTF-16 bytes")
    if "\x00" in text:
        return problems.not_well_formed("NUL character")
    declared = _declaration(text)
    if isinstance(declared, Anomaly):
        return declared
    if declared not in (None, "UTF-16"):
        return problems.bad_encoding(f"UTF-16 bytes declared as {declared}")
    return _refuse_dtd(text) or Prolog("UTF-16")


def _check_ascii_compatible(body: bytes) -> Prolog | Anomaly:
    bom = body.startswith(_UTF8_BOM)
    # A NUL byte is never legal XML 1.0; in these encodings it also betrays UTF-16/32 text
    # without a byte order mark, which libxml2 would otherwise decode by guessing.
    if b"\x00" in body:
        return problems.bad_encoding("NUL byte or UTF-16/32 without a byte order mark")
    # latin-1 maps every byte to one character: the markup of the prolog reads the same in
    # UTF-8 and ISO-8859-1, and decoding cannot fail.
    text = body[3:].decode("latin-1") if bom else body.decode("latin-1")
    declared = _declaration(text)
    if isinstance(declared, Anomaly):
        return declared
    encoding = declared or "UTF-8"
    if encoding not in _ASCII_ENCODINGS or (bom and encoding != "UTF-8"):
        return problems.bad_encoding(f"declared encoding {encoding}")
    return _refuse_dtd(text) or Prolog(encoding)


def _declaration(text: str) -> str | Anomaly | None:
    """The declared encoding name (upper case), None when undeclared, or the anomaly."""
    if not text.startswith("<?xml") or text[5:6] not in (" ", "\t", "\r", "\n"):
        return None
    match = _DECLARATION.match(text)
    if match is None:
        return problems.not_well_formed("malformed XML declaration")
    version = match["version"]
    if version != "1.0":
        if re.fullmatch(r"1\.[0-9]+", version):
            return problems.xml_version(version)
        return problems.not_well_formed(f"unknown XML version {version}")
    encoding = match["encoding"]
    return encoding.upper() if encoding is not None else None


def _refuse_dtd(text: str) -> Anomaly | None:
    """DTD_FORBIDDEN if a markup declaration precedes the root; else None.

    Walks the prolog only (declaration, PIs, comments, whitespace); what follows is the
    root or garbage, which libxml2 judges.
    """
    i, size = 0, len(text)
    while i < size:
        if text[i] in " \t\r\n":
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        elif text.startswith("<!", i):
            keyword = text[i + 2 : i + 10].upper()
            return problems.dtd_forbidden() if keyword.startswith(_DTD_KEYWORDS) else None
        else:
            return None
    return None
