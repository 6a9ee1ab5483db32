"""Realistic BulkFiles of any size, for the tests, the benchmarks and `python -m
benchmarks.make_bulk`. Every item is a SubmitRequest of `service.samples` for its own worker
(`worker_inss(start + i)`), so a file is accepted item by item once the sender holds a mandate
for the employer and the workers are in its personnel file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from service import samples

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<BulkFile xmlns="{ns}" schemaVersion="1.0">'


def file_reference(sender_number: str, day: date, sequence: str = "A0001",
                   environment: str = "R", parts: int | None = None,
                   part: int | None = None) -> str:
    """`FI.ELO.<sender>.<YYYYMMDD>.<sequence>.<R|T>[.<parts>.<part>]`."""
    text = f"FI.ELO.{sender_number}.{day:%Y%m%d}.{sequence}.{environment}"
    return text if parts is None else f"{text}.{parts}.{part}"


def submissions(count: int, today: date, *, start: int = 0, prefix: str = "BULK",
                company_id: str = samples.DEMO_COMPANY_ID) -> Iterator[tuple[int, str]]:
    """(seq, SubmitRequest element without namespace) for seq 1..count."""
    for i in range(count):
        worker = start + i
        yield i + 1, samples.submit_request(f"{prefix}-{worker}", samples.worker_inss(worker),
                                            today, company_id=company_id, root=False)


def chunks(reference: str, items: Iterable[tuple[int, str]]) -> Iterator[bytes]:
    """The file as a stream of byte chunks (one per item)."""
    yield (HEAD.format(ns=samples.NAMESPACE)
           + f"<FileReference>{escape(reference)}</FileReference>").encode()
    for seq, message in items:
        yield f'<Item seq="{seq}">{message}</Item>'.encode()
    yield b"</BulkFile>"


def bulk_file(reference: str, items: Iterable[tuple[int, str]]) -> bytes:
    return b"".join(chunks(reference, items))


def write_bulk_file(out: Path | BinaryIO, count: int, *, sender_number: str, today: date,
                    sequence: str = "A0001", environment: str = "R", start: int = 0,
                    prefix: str = "BULK") -> str:
    """Writes a `count`-item file (streamed: any size); returns its FileReference."""
    reference = file_reference(sender_number, today, sequence, environment)
    items = submissions(count, today, start=start, prefix=prefix)
    if isinstance(out, Path):
        with out.open("wb") as handle:
            handle.writelines(chunks(reference, items))
    else:
        out.writelines(chunks(reference, items))
    return reference
