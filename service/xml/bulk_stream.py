"""BulkFile items as a stream: memory stays flat whatever the size of the file (DESIGN.md 3).

`etree.iterparse` reads the file in chunks; each `Item` is validated on its own, inside a
minimal BulkFile envelope so the bulk XSD applies unchanged and anomaly paths read
`/BulkFile/Item[@seq="N"]/...`, then turned into its command and dropped from the tree.
A fault of the file itself (syntax, DOCTYPE, root, depth) ends the stream with one outcome
whose `seq` is None. What only the whole file shows (schemaVersion, FileReference, elements
other than items, item count) is the intake's check of the file as a whole: pass a
`BulkHeader` and the stream also reads the FileReference into it and, at the end, validates
the file's skeleton (the root with everything but its items, and one stand-in item where the
first one was) against the same XSD, ending with a `seq` None outcome when it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from service.domain.anomalies import Anomaly
from service.domain.commands import BulkItemCommand
from service.xml import problems
from service.xml.employer_readers import bulk_item
from service.xml.parser import (
    _VERSION,
    LIMIT_ERRORS,
    NAMESPACE,
    ExternalAccessDenied,
    deny_all_resolver,
)
from service.xml.prolog import check_prolog
from service.xml.reading import content, q
from service.xml.registry import SchemaRegistry
from service.xml.writing import root

# The prolog (declaration, comments, DOCTYPE) must fit in the first chunk to be checked.
_HEAD_BYTES = 64 * 1024


class Readable(Protocol):
    """Any binary file-like: an open file, a BytesIO, a spooled AMQP body."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class BulkHeader:
    """Filled while streaming: the FileReference as written (None when there is none)."""

    file_reference: str | None = None


@dataclass(frozen=True)
class BulkItemOutcome:
    """One item: its command, or the anomalies that refuse it. `seq` None: the file failed."""

    seq: int | None
    command: BulkItemCommand | None
    anomalies: tuple[Anomaly, ...] = ()


class _HeadThenRest:
    """Replays the already-read head, then reads on from the source."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._rest.read(size)


def iter_bulk_items(
    source: Readable, registry: SchemaRegistry, *, max_depth: int,
    header: BulkHeader | None = None,
) -> Iterator[BulkItemOutcome]:
    head = source.read(_HEAD_BYTES)
    refused = check_prolog(head)
    if isinstance(refused, Anomaly):
        yield BulkItemOutcome(None, None, (refused,))
        return
    events = etree.iterparse(
        _HeadThenRest(head, source), events=("start", "end"), resolve_entities=False,
        no_network=True, load_dtd=False, huge_tree=False, collect_ids=False,
    )
    events.resolvers.add(deny_all_resolver())
    try:
        yield from _items(events, registry, max_depth, header)
    except ExternalAccessDenied:
        yield BulkItemOutcome(None, None, (problems.dtd_forbidden(),))
    except etree.XMLSyntaxError as error:
        detail = str(error.msg)
        # ParseError.code is libxml2's error number (absent from lxml-stubs).
        limit = getattr(error, "code", None) in LIMIT_ERRORS
        fault = problems.limit_exceeded(detail) if limit else problems.not_well_formed(detail)
        yield BulkItemOutcome(None, None, (fault,))


def _items(
    events: etree.iterparse, registry: SchemaRegistry, max_depth: int,
    header: BulkHeader | None = None,
) -> Iterator[BulkItemOutcome]:
    depth, file_reference = 0, "-"
    root: etree._Element | None = None
    stand_in = False
    for event, element in events:
        if event == "start":
            depth += 1
            refused = _refuse_start(element, depth, max_depth)
            if refused is not None:
                yield BulkItemOutcome(None, None, (refused,))
                return
            root = element if depth == 1 else root
            continue
        depth -= 1
        if depth == 1 and element.tag == q("FileReference"):
            # Only the items' validation envelopes carry it: a reference the XSD refuses is
            # the skeleton's fault (reported once), not every item's.
            file_reference = content(element).strip()[:64] or "-"
            if header is not None and header.file_reference is None:
                header.file_reference = content(element).strip()
        elif depth == 1 and element.tag == q("Item"):
            if header is not None and not stand_in:
                element.addprevious(_stand_in_item())
                stand_in = True
            yield _item_outcome(element, file_reference, registry)
            _forget(element)
    if header is not None and root is not None:
        skeleton = registry.validate(root)
        if skeleton:
            yield BulkItemOutcome(None, None, skeleton)


def _stand_in_item() -> etree._Element:
    """A valid item, so the skeleton's own faults are the only ones found."""
    item = etree.Element(q("Item"), seq="1")
    cancel = etree.SubElement(item, q("CancelRequest"))
    for name, text in (("RequestReference", "x"), ("Employer", None), ("TicketNumber", "x"),
                       ("Confirm", "true")):
        child = etree.SubElement(cancel, q(name))
        if text is None:
            etree.SubElement(child, q("CompanyID")).text = "x"
        else:
            child.text = text
    return item


def _refuse_start(element: etree._Element, depth: int, max_depth: int) -> Anomaly | None:
    if depth > max_depth:
        return problems.limit_exceeded(f"elements nested deeper than {max_depth} levels")
    if depth == 1:
        # Second lock: the head check refuses a DOCTYPE; this catches one it could not see.
        if element.getroottree().docinfo.doctype:  # type: ignore[attr-defined]
            return problems.dtd_forbidden()
        if element.tag != q("BulkFile"):
            qname = etree.QName(element)
            namespace = qname.namespace or ""
            if namespace != NAMESPACE and _VERSION.fullmatch(namespace):
                return problems.unknown_major_version(qname.localname, namespace)
            return problems.unexpected_root(qname.localname)
    return None


def _item_outcome(
    item: etree._Element, file_reference: str, registry: SchemaRegistry
) -> BulkItemOutcome:
    raw_seq = (item.get("seq") or "").strip()
    seq = int(raw_seq) if raw_seq.isdigit() else None
    envelope = root("BulkFile")
    etree.SubElement(envelope, q("FileReference")).text = file_reference
    envelope.append(item)  # moved, not copied: the stream's tree lets go of it
    anomalies = registry.validate(envelope)
    if anomalies:
        return BulkItemOutcome(seq, None, anomalies)
    command = bulk_item(item)
    return BulkItemOutcome(command.seq, command.command)


def _forget(item: etree._Element) -> None:
    """Frees what the stream has built so far for this item and those before it."""
    item.clear()
    parent = item.getparent()
    if parent is not None:
        while item.getprevious() is not None:
            del parent[0]
