"""Low-level writing of reply XML: values in their XSD lexical form, text made XML-safe.

lxml escapes markup in text, so a free-text field holding `</Note><Evil/>` (say from a
CDATA section in the request) comes back as characters, never as elements. Characters XML
1.0 cannot carry at all (controls, lone surrogates) are replaced, and texts are cut to the
reply schema's limits, so rendering never fails on what a sender once wrote.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import Enum

from lxml import etree

from service.domain.anomalies import Anomaly
from service.xml.parser import NAMESPACE
from service.xml.reading import q

SCHEMA_VERSION = "1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_MESSAGE = 2000  # MessageText
MAX_PATH = 1000  # XPathText

Value = str | int | bool | date | datetime | Enum

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def safe(text: str, limit: int | None = None) -> str:
    cleaned = _NOT_XML.sub("\ufffd", text)
    return cleaned[:limit] if limit is not None else cleaned


def lexical(value: Value) -> str:
    """The XSD lexical form of a model value."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # Handlers use an aware clock; a naive value is taken as UTC rather than sent
        # without the offset the Timestamp type requires.
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return safe(str(value))


def root(name: str) -> etree._Element:
    # lxml-stubs do not know the None key that makes a namespace the default one.
    element = etree.Element(q(name), nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    element.set("schemaVersion", SCHEMA_VERSION)
    return element


def add(parent: etree._Element, name: str, value: Value) -> etree._Element:
    element = etree.SubElement(parent, q(name))
    element.text = lexical(value)
    return element


def opt(parent: etree._Element, name: str, value: Value | None) -> None:
    if value is not None:
        add(parent, name, value)


def group(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, q(name))


def messages(parent: etree._Element, en: str, fr: str, nl: str) -> None:
    for lang, text in (("en", en), ("fr", fr), ("nl", nl)):
        element = etree.SubElement(parent, q("Message"))
        element.set(XML_LANG, lang)
        # MessageText has minLength 1.
        element.text = safe(text, MAX_MESSAGE) or "-"


def anomalies(parent: etree._Element, found: tuple[Anomaly, ...]) -> None:
    for item in found:
        element = group(parent, "Anomaly")
        add(element, "Code", item.code)
        add(element, "Severity", item.severity)
        if item.path:
            add(element, "Path", safe(item.path, MAX_PATH))
        messages(element, item.messages.en, item.messages.fr, item.messages.nl)


def serialise(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")
