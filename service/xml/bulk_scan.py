"""The bulk intake's reading of a delivery: size cap, then the streamed items and the file's
skeleton (`bulk_stream`), with the FileReference read on the way. CPU only: the intake runs
it in a worker thread."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from service.xml import problems
from service.xml.bulk_stream import BulkHeader, BulkItemOutcome, iter_bulk_items
from service.xml.parser import DEFAULT_MAX_DEPTH
from service.xml.registry import SchemaRegistry, shared_registry


class BulkFileScan:
    """Iterate once: every item's outcome, then (if the file as a whole fails) one outcome
    with `seq` None. `file_reference` is set once the iteration has passed it."""

    def __init__(self, body: bytes, registry: SchemaRegistry, max_bytes: int,
                 max_depth: int) -> None:
        self._body = body
        self._registry = registry
        self._max_bytes = max_bytes
        self._max_depth = max_depth
        self._header = BulkHeader()

    @property
    def file_reference(self) -> str | None:
        return self._header.file_reference

    def __iter__(self) -> Iterator[BulkItemOutcome]:
        if len(self._body) > self._max_bytes:
            yield BulkItemOutcome(None, None,
                                  (problems.too_large(len(self._body), self._max_bytes),))
            return
        yield from iter_bulk_items(io.BytesIO(self._body), self._registry,
                                   max_depth=self._max_depth, header=self._header)


class BulkFileReader:
    """Implements `service.app.bulk_ports.BulkScanner`."""

    def __init__(self, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH,
                 schema_dir: Path | None = None) -> None:
        self._max_bytes = max_bytes
        self._max_depth = max_depth
        self._registry = shared_registry(schema_dir)

    def scan(self, body: bytes) -> BulkFileScan:
        return BulkFileScan(body, self._registry, self._max_bytes, self._max_depth)
