"""libxml2's schema error log -> anomalies, as RULES.md 3.0.1 maps them.

One anomaly per fault: libxml2 may report one bad value twice (the facet, then the type),
and those collapse into one. Codes: 90000-090 missing (Path = the parent), -091 order,
-092 unknown, `<zone>-003` bad date, `<zone>-008` value outside the domain, `<zone>-093`
length. The list is capped: a document with 50,000 bad attributes gets a readable reply.
"""

from __future__ import annotations

import re

from lxml import etree

from service.domain.anomalies import Anomaly
from service.xml import xsd_messages as says
from service.xml.content_model import ContentIndex, NamePath
from service.xml.paths import clean_path, element_at, local_name
from service.xml.zones import WHOLE_MESSAGE, zone_of

MAX_ANOMALIES = 50

_T = etree.ErrorTypes
_LENGTH = frozenset({_T.SCHEMAV_CVC_LENGTH_VALID, _T.SCHEMAV_CVC_MINLENGTH_VALID,
                     _T.SCHEMAV_CVC_MAXLENGTH_VALID})
_UNEXPECTED_ATTRIBUTE = frozenset({_T.SCHEMAV_CVC_COMPLEX_TYPE_3_2_1,
                                   _T.SCHEMAV_CVC_COMPLEX_TYPE_3_2_2})
_UNEXPECTED_CONTENT = frozenset({_T.SCHEMAV_CVC_COMPLEX_TYPE_2_1, _T.SCHEMAV_CVC_COMPLEX_TYPE_2_2,
                                 _T.SCHEMAV_CVC_COMPLEX_TYPE_2_3, _T.SCHEMAV_CVC_COMPLEX_TYPE_2_4})
# xsi:type and xsi:nil: a sender may not switch or empty a declared type.
_XSI = frozenset({_T.SCHEMAV_CVC_ELT_3_1, _T.SCHEMAV_CVC_ELT_3_2_1, _T.SCHEMAV_CVC_ELT_3_2_2,
                  _T.SCHEMAV_CVC_ELT_4_1, _T.SCHEMAV_CVC_ELT_4_2, _T.SCHEMAV_CVC_ELT_4_3})

_ATTRIBUTE = re.compile(r"^Element '[^']*', attribute '(?:\{(?P<ns>[^}]*)\})?(?P<name>[^']*)'")
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_NIL = frozenset({_T.SCHEMAV_CVC_ELT_3_1, _T.SCHEMAV_CVC_ELT_3_2_1, _T.SCHEMAV_CVC_ELT_3_2_2})
_MISSING_ATTRIBUTE = re.compile(r"The attribute '(?:\{[^}]*\})?([^']*)' is required")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")


def anomalies_from_log(
    root: etree._Element, log: etree._ListErrorLog, index: ContentIndex
) -> tuple[Anomaly, ...]:
    # Keyed by what the sender reads, so a facet error and the type error that libxml2
    # reports right after it for the same value become one anomaly.
    found: dict[tuple[str, str | None, str], Anomaly] = {}
    for entry in log:
        element = element_at(root, entry.path)
        anomaly = _translate(entry, element, index)
        found.setdefault((anomaly.code, anomaly.path, anomaly.messages.en), anomaly)
        if len(found) >= MAX_ANOMALIES:
            break
    return tuple(found.values())


def _translate(
    entry: etree._LogEntry, element: etree._Element, index: ContentIndex
) -> Anomaly:
    kind, message = entry.type, entry.message
    path, name = clean_path(element), local_name(element)
    attribute = _attribute_name(message)
    if kind == _T.SCHEMAV_ELEMENT_CONTENT:
        return _content_error(element, message, index)
    if kind == _T.SCHEMAV_CVC_COMPLEX_TYPE_4:
        missing = _MISSING_ATTRIBUTE.search(message)
        return says.missing_attribute(path, missing[1] if missing else "?")
    if kind in _XSI or (attribute and kind in _UNEXPECTED_ATTRIBUTE):
        attr = attribute or ("xsi:nil" if kind in _NIL else "xsi:type")
        return says.unexpected_attribute(f"{path}/@{attr}", attr)
    if kind in _UNEXPECTED_CONTENT:
        return says.unexpected_content(path, name)
    if attribute:
        # Attributes (schemaVersion, seq) have no zone of their own.
        return _value_error(kind, f"{path}/@{attribute}", attribute, WHOLE_MESSAGE, False)
    zone = zone_of(name, _parent_name(element))
    return _value_error(kind, path, name, zone, index.is_date(_name_path(element)))


def _value_error(kind: int, path: str, name: str, zone: str, is_date: bool) -> Anomaly:
    if kind in _LENGTH:
        return says.bad_length(zone, path, name)
    if is_date:
        return says.bad_date(zone, path, name)
    return says.not_in_domain(zone, path, name)


def _content_error(element: etree._Element, message: str, index: ContentIndex) -> Anomaly:
    """libxml2 reports one content-model fault per element: a missing child, or a child
    that is not expected where it stands."""
    expected = _expected_names(message)
    if "Missing child element" in message:
        return says.missing_element(clean_path(element), _required_of(expected, index, element))
    return _unexpected_child(element, expected, index)


def _unexpected_child(
    element: etree._Element, expected: list[str], index: ContentIndex
) -> Anomaly:
    """Unknown to its parent (092), standing where a missing required one should be (090 on
    the parent), one too many (090) or out of order (091)."""
    parent, name = element.getparent(), local_name(element)
    model = None if parent is None else index.model(_name_path(parent))
    if parent is None or model is None or name not in model.order:
        return says.unexpected_element(clean_path(element), name)
    if _takes_place_of_missing(element, expected, model.order):
        return says.missing_element(clean_path(parent), _required_of(expected, index, parent))
    if any(local_name(e) == name for e in element.itersiblings(preceding=True)):
        return says.too_many(clean_path(element), name)
    return says.out_of_order(clean_path(element), name)


def _takes_place_of_missing(
    element: etree._Element, expected: list[str], order: dict[str, int]
) -> bool:
    """True when every element libxml2 expected belongs before this one and none of them
    comes later: they are missing, not misplaced."""
    if not expected:
        return False
    later = {local_name(e) for e in element.itersiblings() if isinstance(e.tag, str)}
    position = order[local_name(element)]
    return later.isdisjoint(expected) and all(order.get(x, -1) < position for x in expected)


def _attribute_name(message: str) -> str | None:
    """The attribute an error is about, `xsi:`-prefixed for the instance namespace."""
    match = _ATTRIBUTE.match(message)
    if match is None:
        return None
    return f"xsi:{match['name']}" if match["ns"] == _XSI_NS else match["name"]


def _expected_names(message: str) -> list[str]:
    match = _EXPECTED.search(message)
    if match is None:
        return []
    names = (n.strip() for n in match[1].split(","))
    return [re.sub(r"^\{[^}]*\}", "", n) for n in names if n]


def _required_of(
    expected: list[str], index: ContentIndex, parent: etree._Element
) -> list[str]:
    """The required ones among libxml2's expected names (it lists optional ones too)."""
    model = index.model(_name_path(parent))
    required = [n for n in expected if model is not None and n in model.required]
    return required or expected


def _parent_name(element: etree._Element) -> str | None:
    parent = element.getparent()
    return None if parent is None else local_name(parent)


def _name_path(element: etree._Element) -> NamePath:
    names = [local_name(element)]
    names.extend(local_name(a) for a in element.iterancestors())
    return tuple(reversed(names))
