"""XPaths as anomalies show them, and the way back from libxml2's error paths to elements.

An anomaly Path has no namespace prefixes and a position only where a name repeats among
its siblings (`/SubmitRequest/Circumstance[2]`); a bulk item is named by its `seq`
(`/BulkFile/Item[@seq="3"]/...`), as the bulk rules name it.
"""

from __future__ import annotations

import re

from lxml import etree

# Longest Path the reply schema accepts (XPathText).
MAX_PATH_LENGTH = 1000

_SEGMENT = re.compile(r"(?:(?P<prefix>[^:\[\]/]+):)?(?P<name>[^:\[\]/]+)(?P<index>\[[0-9]+\])?")


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def clean_path(element: etree._Element) -> str:
    """The prefix-free XPath of `element`, with positions only where needed."""
    segments: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        segments.append(_segment(node))
        node = node.getparent()
    path = "/" + "/".join(reversed(segments))
    return path[:MAX_PATH_LENGTH]


def _segment(node: etree._Element) -> str:
    name = local_name(node)
    parent = node.getparent()
    if parent is None:
        return name
    seq = node.get("seq")
    if name == "Item" and seq is not None and seq.strip().isdigit():
        return f'{name}[@seq="{seq.strip()}"]'
    same = list(parent.iterchildren(node.tag))
    if len(same) == 1:
        return name
    return f"{name}[{same.index(node) + 1}]"


def element_at(root: etree._Element, error_path: str | None) -> etree._Element:
    """The element a libxml2 error path points at, or the root when it cannot be followed.

    libxml2 writes `/*/*[3]` for default-namespace elements and `/p:A/p:B[2]` for prefixed
    ones; prefixes are rewritten to local-name tests so the path needs no namespace map.
    """
    if not error_path or not error_path.startswith("/"):
        return root
    steps = []
    for raw in error_path.strip("/").split("/"):
        match = _SEGMENT.fullmatch(raw)
        if match is None:
            return root
        name, index = match["name"], match["index"] or ""
        test = "*" if name == "*" else f"*[local-name()='{name}']"
        steps.append(test + index)
    try:
        found = root.getroottree().xpath("/" + "/".join(steps))
    except etree.XPathError:
        return root
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return root
