"""The XML adapter's one entry point: bytes -> command or anomalies, reply -> bytes.

`decode` runs V-MSG-1 in the rulebook's order (size, DOCTYPE, well-formedness, namespace and
root, the AMQP `type` property, then the XSD) and only then reads the command, so a command
always comes from a schema-valid document. CPU only, no I/O: safe to call from a worker
thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from service.domain.anomalies import Anomaly
from service.domain.commands import Command
from service.xml import problems
from service.xml.bulk_stream import BulkItemOutcome, Readable, iter_bulk_items
from service.xml.from_reply import render_reply
from service.xml.parser import DEFAULT_MAX_DEPTH, ParsedDocument, parse_document
from service.xml.registry import SchemaRegistry, shared_registry
from service.xml.to_command import INBOUND_ROOTS, request_reference, to_command

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# CONTRACT.md section 2; a reference of any other shape is not echoed in a Rejection.
_REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,36}")


@dataclass(frozen=True)
class Decoded:
    """The outcome of `decode`: a command, or the anomalies that refused the message.

    `message_type` is the root's local name when the document could be parsed;
    `request_reference` is set whenever it could be read in the contract's shape.
    """

    message_type: str | None
    command: Command | None
    request_reference: str | None
    anomalies: tuple[Anomaly, ...] = ()

    @property
    def ok(self) -> bool:
        return self.command is not None


class XmlGateway:
    """Hardened parse, XSD validation, XML <-> domain models."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        schema_dir: Path | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.registry: SchemaRegistry = shared_registry(schema_dir)

    def decode(self, body: bytes, expected_type: str | None = None) -> Decoded:
        parsed = parse_document(
            body, max_bytes=self.max_bytes, max_depth=self.max_depth, known_roots=INBOUND_ROOTS
        )
        if not isinstance(parsed, ParsedDocument):
            return Decoded(parsed.message_type, None, None, parsed.anomalies)
        reference = _readable_reference(parsed.root)
        if expected_type is not None and expected_type != parsed.message_type:
            mismatch = problems.type_mismatch(expected_type, parsed.message_type)
            return Decoded(parsed.message_type, None, reference, (mismatch,))
        anomalies = self.registry.validate(parsed.root)
        if anomalies:
            return Decoded(parsed.message_type, None, reference, anomalies)
        return Decoded(parsed.message_type, to_command(parsed.root), reference)

    def decode_any(self, body: bytes) -> Decoded:
        """Like `decode`, for any root of the contract: inbound roots give their command,
        reply and event roots (which have no command) are only parsed and validated. For tools
        such as `breakgate check`, never for sender input on the queues."""
        parsed = parse_document(
            body, max_bytes=self.max_bytes, max_depth=self.max_depth,
            known_roots=self.registry.roots,
        )
        if not isinstance(parsed, ParsedDocument):
            return Decoded(parsed.message_type, None, None, parsed.anomalies)
        if parsed.message_type in INBOUND_ROOTS:
            return self.decode(body)
        return Decoded(parsed.message_type, None, None, self.registry.validate(parsed.root))

    def render(self, reply: object) -> bytes:
        """Reply or event model -> UTF-8 XML of replies.xsd / bulk.xsd."""
        return render_reply(reply)

    def iter_bulk_items(self, source: Readable) -> Iterator[BulkItemOutcome]:
        """Streams the items of a BulkFile (see `bulk_stream`)."""
        return iter_bulk_items(source, self.registry, max_depth=self.max_depth)


def _readable_reference(root: etree._Element) -> str | None:
    value = request_reference(root)
    return value if value is not None and _REFERENCE.fullmatch(value) else None
