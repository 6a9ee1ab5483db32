"""Reading a BulkFile on the sender's side and splitting it into parts that fit the broker's
message limit (CONTRACT.md section 3: `FileReference ... .<parts>.<part>`, `@seq` kept).

Everything streams (iterparse, one item at a time): a file of any size costs the memory of
one part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

NAMESPACE = "urn:breakgate:v1"
_Q = "{" + NAMESPACE + "}"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<BulkFile xmlns="{ns}" schemaVersion="1.0">'
_TAIL = b"</BulkFile>"
_DEFAULT_NS = f' xmlns="{NAMESPACE}"'.encode()
_SNIFF = 4096
MAX_PARTS = 9999  # the FileReference allows four digits


class NotSplittable(Exception):
    """The file is too large and cannot be split (already a part, one item too large...)."""


def _events(path: Path, events: tuple[str, ...]) -> etree.iterparse:
    return etree.iterparse(str(path), events=events, resolve_entities=False, no_network=True,
                           load_dtd=False, huge_tree=False)


def is_bulk_file(path: Path) -> bool:
    """True when the root element is a BulkFile (reads only the beginning of the file)."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF)
    if b"BulkFile" not in head:
        return False
    try:
        for _, element in _events(path, ("start",)):
            return bool(element.tag == _Q + "BulkFile")
    except etree.XMLSyntaxError:
        return False
    return False


def file_reference(path: Path) -> str:
    for _, element in _events(path, ("end",)):
        if element.tag == _Q + "FileReference":
            return (element.text or "").strip()
        if element.tag == _Q + "Item":
            break
    raise NotSplittable("no FileReference before the first item")


def items(path: Path) -> Iterator[tuple[int, bytes]]:
    """(seq, the Item element's XML) in document order."""
    depth = 0
    for event, element in _events(path, ("start", "end")):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 1 and element.tag == _Q + "Item":
            text = etree.tostring(element, encoding="UTF-8", xml_declaration=False,
                                  with_tail=False)
            yield int(element.get("seq") or 0), text.replace(_DEFAULT_NS, b"", 1)
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


@dataclass(frozen=True)
class Part:
    """Part `part` of `parts`: items `first` to `last` (0-based positions in the file)."""

    part: int
    parts: int
    reference: str
    first: int
    last: int
    message_id: str


def _head(reference: str) -> bytes:
    return (_HEAD.format(ns=NAMESPACE) + f"<FileReference>{reference}</FileReference>").encode()


def plan(path: Path, max_bytes: int) -> list[Part]:
    """One part (the file as it is) when it fits, else as few parts as the items allow, each
    under `max_bytes` with its envelope."""
    reference = file_reference(path)
    sha = digest(path)
    if path.stat().st_size <= max_bytes:
        return [Part(1, 1, reference, 0, -1, _message_id(sha, 1, 1))]
    if reference.count(".") > 5:
        raise NotSplittable(f"{reference} is already a part and larger than {max_bytes} bytes")
    room = max_bytes - len(_head(f"{reference}.{MAX_PARTS}.{MAX_PARTS}")) - len(_TAIL)
    bounds: list[tuple[int, int]] = []
    size, first, position = 0, 0, -1
    for position, (seq, text) in enumerate(items(path)):
        if len(text) > room:
            raise NotSplittable(f"item {seq} alone is larger than the limit")
        if size + len(text) > room:
            bounds.append((first, position - 1))
            size, first = 0, position
        size += len(text)
    bounds.append((first, position))
    if len(bounds) > MAX_PARTS:
        raise NotSplittable(f"more than {MAX_PARTS} parts")
    n = len(bounds)
    return [Part(k, n, f"{reference}.{n}.{k}", a, b, _message_id(sha, n, k))
            for k, (a, b) in enumerate(bounds, start=1)]


def _message_id(file_sha: str, parts: int, part: int) -> str:
    """Stable for the same file content: a resumed send re-publishes under the same id, and
    breakgate answers the redelivery with the receipt it stored."""
    return "bulk-" + hashlib.sha256(f"{file_sha}:{parts}:{part}".encode()).hexdigest()[:32]


def part_bodies(path: Path, parts: list[Part]) -> Iterator[tuple[Part, bytes]]:
    """The bytes to publish for each of `parts` (a subset of one plan, in order), built in
    one pass over the file; only one part is in memory at a time."""
    if not parts:
        return
    if parts[0].parts == 1:
        yield parts[0], path.read_bytes()
        return
    wanted = iter(parts)
    current = next(wanted)
    chunks = [_head(current.reference)]
    for position, (_, text) in enumerate(items(path)):
        if position < current.first:
            continue
        chunks.append(text)
        if position == current.last:
            chunks.append(_TAIL)
            yield current, b"".join(chunks)
            following = next(wanted, None)
            if following is None:
                return
            current, chunks = following, [_head(following.reference)]
