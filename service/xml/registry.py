"""The compiled XSDs: one lxml schema per message family, picked by (namespace, root name).

Compiled once per schema folder and shared (compiling and indexing take a fraction of a
second, validating a request tens of microseconds). Schema documents are read with the same
hardened parser as messages, plus a resolver that serves files of the schema folder only:
nothing is ever fetched from a URL, even for xml.xsd.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import xmlschema
from lxml import etree

from service.domain.anomalies import Anomaly
from service.xml.content_model import ContentIndex, build_index, load_xmlschema
from service.xml.parser import NAMESPACE, ExternalAccessDenied, hardened_parser
from service.xml.xsd_errors import anomalies_from_log

FAMILIES = ("employer", "bulk", "authority", "replies")
ALL_IN_ONE = "breakgate.xsd"
_XSD = "{http://www.w3.org/2001/XMLSchema}"


def default_schema_dir() -> Path:
    """The repository's `schemas/xsd`, found from this package (no settings needed)."""
    return Path(__file__).resolve().parents[2] / "schemas" / "xsd"


class _SchemaFolderResolver(etree.Resolver):
    """Serves includes and imports from the schema folder; refuses everything else."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._folder = folder

    # lxml-stubs predate the context argument and resolve_filename.
    def resolve(  # type: ignore[override]
        self, system_url: str | None, public_id: str | None, context: Any
    ) -> Any:
        url = system_url or ""
        local = unquote(urlparse(url).path) if url.startswith("file:") else url
        path = Path(local).resolve()
        if path.parent != self._folder or not path.is_file():
            raise ExternalAccessDenied(f"schema resource outside {self._folder}: {url}")
        return self.resolve_filename(str(path), context)  # type: ignore[attr-defined]


class SchemaRegistry:
    """Every breakgate root and the compiled schema that validates it."""

    def __init__(self, schema_dir: Path | None = None) -> None:
        self.schema_dir = (schema_dir or default_schema_dir()).resolve()
        self._schemas: dict[str, etree.XMLSchema] = {}
        # An lxml schema keeps the error log of its last run on itself: validation and
        # reading the log must not interleave between threads.
        self._locks: dict[str, threading.Lock] = {}
        self._family_of: dict[str, str] = {}
        for family in FAMILIES:
            document = self._read(f"{family}.xsd")
            self._schemas[family] = etree.XMLSchema(document)
            self._locks[family] = threading.Lock()
            for root in _global_elements(document):
                self._family_of[root] = family
        self.xmlschema: Any = load_xmlschema(self.schema_dir / ALL_IN_ONE)
        self.index: ContentIndex = build_index(self.xmlschema)

    @property
    def roots(self) -> frozenset[str]:
        return frozenset(self._family_of)

    def family(self, root: str) -> str | None:
        return self._family_of.get(root)

    def schema_for(self, namespace: str, root: str) -> etree.XMLSchema | None:
        family = self._family_of.get(root) if namespace == NAMESPACE else None
        return self._schemas[family] if family is not None else None

    def validate(self, root: etree._Element) -> tuple[Anomaly, ...]:
        """No anomaly when `root` is valid; else the anomalies of RULES.md 3.0.1."""
        qname = etree.QName(root)
        family = self._family_of.get(qname.localname) if qname.namespace == NAMESPACE else None
        if family is None:
            raise LookupError(f"no schema for root {qname.text}")
        schema = self._schemas[family]
        with self._locks[family]:
            if schema.validate(root.getroottree()):
                return ()
            log = schema.error_log
        return anomalies_from_log(root, log, self.index)

    def validate_with_xmlschema(self, document: etree._Element) -> list[str]:
        """xmlschema's detailed error texts, for tooling and the failure path only.

        The document is handed over already parsed, and location hints are off: the
        sender's xsi:schemaLocation is never followed.
        """
        resource = xmlschema.XMLResource(document, allow="none", defuse="always")
        errors = self.xmlschema.iter_errors(resource, use_location_hints=False)
        return [str(error.reason or error.message) for error in errors]

    def _read(self, name: str) -> etree._ElementTree:
        parser = hardened_parser(resolver=_SchemaFolderResolver(self.schema_dir))
        return etree.parse(str(self.schema_dir / name), parser)


@functools.cache
def shared_registry(schema_dir: Path | None = None) -> SchemaRegistry:
    """One registry per schema folder and process: gateways built in many places compile
    the XSDs once."""
    return SchemaRegistry(schema_dir)


def validate_with_xmlschema(
    document: etree._Element, registry: SchemaRegistry | None = None
) -> list[str]:
    """xmlschema's error texts for `document` (see SchemaRegistry.validate_with_xmlschema)."""
    return (registry or shared_registry()).validate_with_xmlschema(document)


def _global_elements(document: etree._ElementTree) -> list[str]:
    return [str(e.get("name")) for e in document.getroot().iterchildren(f"{_XSD}element")]
