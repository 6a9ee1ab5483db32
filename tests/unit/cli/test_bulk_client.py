"""`breakgate send` for bulk files, offline parts: detecting a BulkFile, splitting it into parts
that fit the limit (FileReference rewritten, @seq kept), writing the results as CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service import bulk_samples
from service.client.bulk import (
    BulkJournal,
    Receipt,
    ResultLine,
    _Session,
    result_lines,
    write_csv,
)
from service.client.bulk_parts import (
    NotSplittable,
    is_bulk_file,
    items,
    part_bodies,
    plan,
)
from service.domain.anomalies import Severity, anomaly
from service.domain.commands import BulkFile
from service.domain.replies import BulkProgress, BulkResult, ItemResult
from service.xml.from_reply import render_reply
from service.xml.gateway import XmlGateway

TODAY = date(2026, 12, 1)


@pytest.fixture
def bulk_path(tmp_path: Path) -> Path:
    path = tmp_path / "payroll.xml"
    bulk_samples.write_bulk_file(path, 40, sender_number="000042", today=TODAY)
    return path


def test_a_bulk_file_is_told_from_an_interactive_message(bulk_path: Path, tmp_path: Path):
    single = tmp_path / "single.xml"
    single.write_text(bulk_samples.samples.submit_request("R-1", "75113099746", TODAY))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<BulkFile")
    assert is_bulk_file(bulk_path)
    assert not is_bulk_file(single) and not is_bulk_file(broken)


def test_a_file_under_the_limit_is_sent_as_it_is(bulk_path: Path) -> None:
    [part] = plan(bulk_path, 64 * 1024 * 1024)
    assert (part.part, part.parts) == (1, 1)
    assert part.reference == "FI.ELO.000042.20261201.A0001.R"
    [(_, body)] = list(part_bodies(bulk_path, [part]))
    assert body == bulk_path.read_bytes()


def test_a_large_file_is_split_into_parts_that_fit_and_keep_every_item(bulk_path: Path):
    limit = bulk_path.stat().st_size // 3
    parts = plan(bulk_path, limit)
    assert len(parts) >= 3
    gateway = XmlGateway(max_bytes=limit)
    seqs: list[int] = []
    for part, body in part_bodies(bulk_path, parts):
        assert len(body) <= limit
        decoded = gateway.decode(body)
        assert isinstance(decoded.command, BulkFile), decoded.anomalies
        assert decoded.command.file_reference == (
            f"FI.ELO.000042.20261201.A0001.R.{len(parts)}.{part.part}")
        seqs += [item.seq for item in decoded.command.items]
    assert seqs == list(range(1, 41))
    assert len({p.message_id for p in parts}) == len(parts)
    assert plan(bulk_path, limit) == parts  # stable: a resumed send reuses the ids


def test_only_the_parts_asked_for_are_built(bulk_path: Path) -> None:
    parts = plan(bulk_path, bulk_path.stat().st_size // 3)
    built = [part.part for part, _ in part_bodies(bulk_path, parts[1:])]
    assert built == [p.part for p in parts[1:]]


def test_an_item_larger_than_the_limit_cannot_be_split(bulk_path: Path) -> None:
    with pytest.raises(NotSplittable):
        plan(bulk_path, 900)


def test_items_are_read_with_their_seq(bulk_path: Path) -> None:
    found = list(items(bulk_path))
    assert [seq for seq, _ in found] == list(range(1, 41))
    assert found[0][1].startswith(b'<Item seq="1"><SubmitRequest>')


def test_results_are_written_as_csv(tmp_path: Path) -> None:
    body = render_reply(BulkResult(file_reference="F", accepted=1, rejected=1, items=(
        ItemResult(seq=1, request_reference="A", ticket_number="ELO2026-000000001",
                   status="ACCEPTED"),
        ItemResult(seq=2, request_reference="B", status="REJECTED", anomalies=(
            anomaly("70015-006", Severity.BLOCKING, None, "en", "fr", "nl"),)),
    )))
    lines = result_lines(body)
    assert lines == [ResultLine(1, "A", "ACCEPTED", "ELO2026-000000001", ""),
                     ResultLine(2, "B", "REJECTED", "", "70015-006(B)")]
    path = tmp_path / "out.csv"
    write_csv(path, lines)
    with path.open() as handle:
        rows = list(csv.reader(handle))
    assert rows == [["seq", "request_reference", "status", "ticket_or_action", "anomalies"],
                    ["1", "A", "ACCEPTED", "ELO2026-000000001", ""],
                    ["2", "B", "REJECTED", "", "70015-006(B)"]]


# ---- the items bar, moved by the service's BulkProgress ---------------------------------------


@dataclass
class Bars:
    calls: list[tuple[int, int]] = field(default_factory=list)

    def parts(self, confirmed: int, receipts: int, total: int) -> None:
        pass

    def items(self, done: int, total: int) -> None:
        self.calls.append((done, total))


@dataclass
class Delivery:
    """What `_Session._on_reply` reads of an incoming message."""

    type: str
    correlation_id: str
    body: bytes
    acked: bool = False

    async def ack(self) -> None:
        self.acked = True


def progress_body(done: int, total: int = 40) -> bytes:
    return render_reply(BulkProgress(file_reference="FI.ELO.000042.20261201.A0001.R",
                                     items_done=done, item_count=total))


def session(bulk_path: Path, tmp_path: Path, bars: Bars) -> _Session:
    parts = plan(bulk_path, 64 * 1024 * 1024)
    return _Session("amqp://unused", "bureau1", bulk_path, parts,
                    BulkJournal(tmp_path / "journal.jsonl"), 5.0, bars)


async def reply(s: _Session, message: Delivery, *, durable: bool = True) -> None:
    incoming: Any = message
    await s._on_reply(incoming, durable=durable)


async def test_a_bulk_progress_moves_the_items_bar(bulk_path: Path, tmp_path: Path) -> None:
    bars = Bars()
    s = session(bulk_path, tmp_path, bars)
    ours = s.parts[0].message_id

    first = Delivery("BulkProgress", ours, progress_body(12))
    await reply(s, first)
    late = Delivery("BulkProgress", ours, progress_body(5))  # overtaken by the one above
    await reply(s, late)
    direct = Delivery("BulkProgress", ours, progress_body(30))
    await reply(s, direct, durable=False)

    assert bars.calls == [(12, 40), (30, 40)]
    assert first.acked and late.acked  # taken off the durable queue
    assert not direct.acked  # direct reply-to: no ack
    assert s.held == []


async def test_another_files_progress_is_dropped_not_held(bulk_path: Path, tmp_path: Path):
    bars = Bars()
    s = session(bulk_path, tmp_path, bars)
    other = Delivery("BulkProgress", "someone-elses-file", progress_body(7))
    await reply(s, other)
    assert bars.calls == []
    assert other.acked and s.held == []
    receipt = Delivery("BulkReceipt", "someone-elses-file", b"<x/>")
    await reply(s, receipt)
    assert not receipt.acked and s.held == [receipt]  # other replies are left for their owner


async def test_progress_before_the_receipts_is_kept_and_ends_at_the_total(
    bulk_path: Path, tmp_path: Path,
) -> None:
    bars = Bars()
    s = session(bulk_path, tmp_path, bars)
    part = s.parts[0]
    await reply(s, Delivery("BulkProgress", part.message_id, progress_body(25)))
    s.receipts[part.message_id] = Receipt(part.part, part.message_id, 1, 40)
    s.result_in.set()
    await s._wait()
    assert bars.calls == [(25, 40), (25, 40), (40, 40)]  # never back to 0
