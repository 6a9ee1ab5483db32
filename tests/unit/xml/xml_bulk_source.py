"""A BulkFile of any size, produced as it is read: the test itself holds no big bytes."""

from __future__ import annotations

from collections.abc import Iterator

from xml_hostile_cases import REPO

BULK_EXAMPLE = REPO / "schemas" / "xsd" / "examples" / "valid" / "BulkFile.xml"


def first_item_body() -> bytes:
    """The SubmitRequest of the example's first item, without its Item wrapper."""
    text = BULK_EXAMPLE.read_bytes()
    start = text.index(b"<SubmitRequest>")
    end = text.index(b"</SubmitRequest>") + len(b"</SubmitRequest>")
    return text[start:end]


class GeneratedBulkFile:
    """File-like: a BulkFile of `count` SubmitRequest items, made on the fly."""

    def __init__(self, count: int, item: bytes | None = None) -> None:
        self._chunks = self._generate(count, item or first_item_body())
        self._pending = b""

    @staticmethod
    def _generate(count: int, item: bytes) -> Iterator[bytes]:
        yield (b'<?xml version="1.0" encoding="UTF-8"?>\n'
               b'<BulkFile xmlns="urn:breakgate:v1" schemaVersion="1.0">'
               b"<FileReference>FI.ELO.000042.20261130.A0001.R</FileReference>")
        for seq in range(1, count + 1):
            reference = b"BULK-%08d" % seq
            body = item.replace(b"BULK-000042-0001", reference)
            yield b'<Item seq="%d">' % seq + body + b"</Item>\n"
        yield b"</BulkFile>\n"

    def read(self, size: int = -1) -> bytes:
        wanted = size if size > 0 else 1 << 20
        while len(self._pending) < wanted:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk
        out, self._pending = self._pending[:wanted], self._pending[wanted:]
        return out
