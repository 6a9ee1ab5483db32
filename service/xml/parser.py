"""The hardened parse: the only way sender bytes become an lxml tree (V-MSG-1, RELIABILITY 5).

Order matters: size first (nothing is decoded of an oversized body), then the prolog checks
(encoding, version, DTD) on the raw bytes, then libxml2 with every external access disabled
and a resolver that refuses all, then the structural limits and the root namespace.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree

from service.domain.anomalies import Anomaly
from service.xml import problems
from service.xml.prolog import check_prolog

NAMESPACE = "urn:breakgate:v1"
FAMILY_PREFIX = "urn:breakgate:"
DEFAULT_MAX_DEPTH = 64
MAX_NAME_LENGTH = 200

LIMIT_ERRORS = frozenset({etree.ErrorTypes.ERR_RESOURCE_LIMIT, etree.ErrorTypes.ERR_NAME_TOO_LONG})
_VERSION = re.compile(r"urn:breakgate:v[0-9]+")


class ExternalAccessDenied(Exception):
    """Raised by the resolver: nothing outside the message may be read."""


class _DenyAllResolver(etree.Resolver):
    # With load_dtd=False and no DOCTYPE this is never reached; it is the second lock on the
    # door, because lxml has opened files named as external DTDs despite resolve_entities.
    # lxml-stubs predate the context argument of Resolver.resolve.
    def resolve(  # type: ignore[override]
        self, system_url: str | None, public_id: str | None, context: Any
    ) -> Any:
        raise ExternalAccessDenied(f"external resource refused: {system_url or public_id}")


def deny_all_resolver() -> etree.Resolver:
    return _DenyAllResolver()


def hardened_parser(resolver: etree.Resolver | None = None) -> etree.XMLParser:
    """A fresh parser with every external access disabled.

    `resolver` replaces the deny-all resolver; only the schema registry passes one, to
    serve its own schema folder.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        collect_ids=False,
    )
    parser.resolvers.add(resolver or _DenyAllResolver())
    return parser


_local = threading.local()


def _thread_parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads; one per thread avoids a rebuild per call.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = hardened_parser()
        _local.parser = parser
    return parser


@dataclass(frozen=True)
class ParsedDocument:
    """A well-formed document whose root is in the breakgate v1 namespace."""

    root: etree._Element
    message_type: str
    namespace: str


@dataclass(frozen=True)
class XmlFailure:
    """The document was refused before schema validation."""

    anomalies: tuple[Anomaly, ...]
    message_type: str | None = None


def parse_document(
    body: bytes,
    *,
    max_bytes: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    known_roots: frozenset[str] | None = None,
) -> ParsedDocument | XmlFailure:
    """Parse sender bytes safely; `known_roots` (local names) refuses any other root."""
    if len(body) > max_bytes:
        return XmlFailure((problems.too_large(len(body), max_bytes),))
    prolog = check_prolog(body)
    if isinstance(prolog, Anomaly):
        return XmlFailure((prolog,))
    root = _libxml2_parse(body)
    if isinstance(root, Anomaly):
        return XmlFailure((root,))
    limit = _structural_limit(root, max_depth)
    if limit is not None:
        return XmlFailure((limit,))
    return _check_root(root, known_roots)


def _libxml2_parse(body: bytes) -> etree._Element | Anomaly:
    parser = _thread_parser()
    try:
        return etree.fromstring(body, parser)
    except ExternalAccessDenied:
        return problems.dtd_forbidden()
    except etree.XMLSyntaxError as error:
        if any(entry.type in LIMIT_ERRORS for entry in parser.error_log):
            return problems.limit_exceeded(_detail(error))
        return problems.not_well_formed(_detail(error))


def _detail(error: etree.XMLSyntaxError) -> str:
    message = (error.msg or "").strip().rstrip(".")
    return message.replace("\n", " ") or "unreadable document"


def _structural_limit(root: etree._Element, max_depth: int) -> Anomaly | None:
    """Depth and name length, checked by XPath so the walk runs in libxml2, not Python."""
    if _too_deep(max_depth)(root):
        return problems.limit_exceeded(f"elements nested deeper than {max_depth} levels")
    if _long_name(root):
        return problems.limit_exceeded(f"a name longer than {MAX_NAME_LENGTH} characters")
    return None


_DEPTH_CHECKS: dict[int, etree.XPath] = {}


def _too_deep(max_depth: int) -> etree.XPath:
    check = _DEPTH_CHECKS.get(max_depth)
    if check is None:
        # An element exists at level max_depth + 1 (the root is level 1).
        check = etree.XPath("boolean(/" + "/".join(["*"] * (max_depth + 1)) + ")")
        _DEPTH_CHECKS[max_depth] = check
    return check


_long_name = etree.XPath(
    f"boolean(//*[string-length(local-name()) > {MAX_NAME_LENGTH}]"
    f" | //@*[string-length(local-name()) > {MAX_NAME_LENGTH}])"
)


def _check_root(
    root: etree._Element, known_roots: frozenset[str] | None
) -> ParsedDocument | XmlFailure:
    qname = etree.QName(root)
    local, namespace = qname.localname, qname.namespace or ""
    if namespace == NAMESPACE:
        if known_roots is None or local in known_roots:
            return ParsedDocument(root, local, namespace)
        return XmlFailure((problems.unexpected_root(local),), local)
    if namespace.startswith(FAMILY_PREFIX) and _VERSION.fullmatch(namespace):
        return XmlFailure((problems.unknown_major_version(local, namespace),), local)
    return XmlFailure((problems.unexpected_root(local),), local)
