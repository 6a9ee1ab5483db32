"""`breakgate send` for bulk files, offline parts: detecting a BulkFile, splitting it into parts
that fit the limit (FileReference rewritten, @seq kept), writing the results as CSV."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from service import bulk_samples
from service.client.bulk import ResultLine, result_lines, write_csv
from service.client.bulk_parts import (
    NotSplittable,
    is_bulk_file,
    items,
    part_bodies,
    plan,
)
from service.domain.anomalies import Severity, anomaly
from service.domain.commands import BulkFile
from service.domain.replies import BulkResult, ItemResult
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
