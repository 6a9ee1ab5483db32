"""Typed reading of a schema-valid element's children, shared by every message reader.

`Fields` indexes an element's children by local name once, so each lookup is a dict hit
(lxml's `find` costs about a microsecond per call, and a SubmitRequest makes sixty).
Readers trust the XSD: a required child exists and a value has its type's lexical form, so a
missing element here is a programming error (KeyError), not a sender's fault.
Coded and identifier values lose surrounding whitespace (the XSD keeps it for xs:string);
free text is kept exactly as sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import cast

from lxml import etree

from service.xml.parser import NAMESPACE

_PREFIX = "{" + NAMESPACE + "}"
_CUT = len(_PREFIX)


def q(name: str) -> str:
    """The qualified tag of a breakgate element."""
    return _PREFIX + name


def content(element: etree._Element) -> str:
    if len(element) == 0:
        return element.text or ""
    # Text split by comments, PIs or CDATA sections: itertext joins it and skips comments.
    return "".join(cast("Iterator[str]", element.itertext()))


def to_date(value: str) -> date:
    return date.fromisoformat(value.strip())


def to_bool(value: str) -> bool:
    # xs:boolean's four lexical forms: true, false, 1, 0.
    return value.strip() in ("true", "1")


class Fields:
    """The children of one element, by local name."""

    __slots__ = ("_children", "element")

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        children: dict[str, list[etree._Element]] = {}
        for child in element:
            tag = child.tag
            if isinstance(tag, str):  # comments and PIs have a function as tag
                name = tag[_CUT:] if tag.startswith(_PREFIX) else tag
                children.setdefault(name, []).append(child)
        self._children = children

    def find(self, name: str) -> etree._Element | None:
        found = self._children.get(name)
        return found[0] if found else None

    def need(self, name: str) -> etree._Element:
        found = self._children.get(name)
        if not found:
            raise KeyError(f"{name} missing under a schema-valid {self.element.tag}")
        return found[0]

    def each(self, name: str) -> list[etree._Element]:
        return self._children.get(name, [])

    def part(self, name: str) -> Fields:
        return Fields(self.need(name))

    def opt_part(self, name: str) -> Fields | None:
        found = self.find(name)
        return None if found is None else Fields(found)

    def text(self, name: str) -> str:
        return content(self.need(name)).strip()

    def opt_text(self, name: str) -> str | None:
        found = self.find(name)
        return None if found is None else content(found).strip()

    def free(self, name: str) -> str:
        return content(self.need(name))

    def opt_free(self, name: str) -> str | None:
        found = self.find(name)
        return None if found is None else content(found)

    def day(self, name: str) -> date:
        return to_date(self.text(name))

    def opt_day(self, name: str) -> date | None:
        value = self.opt_text(name)
        return None if value is None else to_date(value)

    def number(self, name: str) -> int:
        return int(self.text(name))

    def opt_number(self, name: str) -> int | None:
        value = self.opt_text(name)
        return None if value is None else int(value)

    def flag(self, name: str) -> bool:
        return to_bool(self.text(name))

    def opt_flag(self, name: str) -> bool | None:
        value = self.opt_text(name)
        return None if value is None else to_bool(value)
