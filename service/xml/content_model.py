"""What the XSD says each element may contain, read once with xmlschema.

libxml2's error log says "this element is not expected" but not whether the element is
unknown (90000-092), misplaced (90000-091) or stands where a missing required one should
be (90000-090); nor whether a bad value was a date (zone-003) or another type (zone-008).
This index answers both, keyed by the chain of local names from the root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xmlschema

NamePath = tuple[str, ...]

# Deep enough for every breakgate message; a guard against a recursive content model.
_MAX_DEPTH = 16


@dataclass
class ChildModel:
    """The children of one element declaration, in content-model order."""

    order: dict[str, int] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)


@dataclass
class ContentIndex:
    children: dict[NamePath, ChildModel] = field(default_factory=dict)
    primitive: dict[NamePath, str] = field(default_factory=dict)

    def model(self, path: NamePath) -> ChildModel | None:
        return self.children.get(path)

    def is_date(self, path: NamePath) -> bool:
        return self.primitive.get(path) in ("date", "dateTime")


def load_xmlschema(schema_file: Path) -> Any:
    """The schema as xmlschema sees it, reading only files beside `schema_file`."""
    source = schema_file.resolve()
    return xmlschema.XMLSchema(
        str(source), base_url=str(source.parent), allow="sandbox", defuse="always"
    )


def build_index(schema: Any) -> ContentIndex:
    index = ContentIndex()
    for name, element in schema.elements.items():
        _walk(index, (name,), element)
    return index


def _walk(index: ContentIndex, path: NamePath, element: Any) -> None:
    xsd_type = element.type
    if xsd_type.is_simple() or xsd_type.has_simple_content():
        index.primitive[path] = _primitive_name(xsd_type)
        return
    if len(path) >= _MAX_DEPTH or path in index.children:
        return
    model = ChildModel()
    index.children[path] = model
    for position, child in enumerate(xsd_type.content.iter_elements()):
        model.order.setdefault(child.local_name, position)
        if child.min_occurs > 0 and not _in_optional_group(child):
            model.required.add(child.local_name)
        _walk(index, (*path, child.local_name), child)


def _in_optional_group(child: Any) -> bool:
    # An element of a choice is not required on its own; neither is one inside an
    # optional group. The parent chain of an xmlschema particle leads to its groups.
    group = child.parent
    while group is not None and hasattr(group, "model"):
        if group.model == "choice" or group.min_occurs == 0:
            return True
        group = group.parent
    return False


def _primitive_name(xsd_type: Any) -> str:
    simple = xsd_type if xsd_type.is_simple() else xsd_type.content
    primitive = getattr(simple, "primitive_type", None)
    return str(primitive.local_name) if primitive is not None else "string"
