"""Streaming the items of a BulkFile: same commands as decode, per-item anomalies, flat memory."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xml_bulk_source import BULK_EXAMPLE, GeneratedBulkFile
from xml_hostile_cases import REPO

from service.domain.commands import BulkFile, SubmitRequest
from service.xml.gateway import XmlGateway


@pytest.fixture(scope="module")
def gateway() -> XmlGateway:
    return XmlGateway()


def test_stream_gives_the_same_items_as_decode(gateway: XmlGateway) -> None:
    body = BULK_EXAMPLE.read_bytes()
    whole = gateway.decode(body).command
    assert isinstance(whole, BulkFile)
    streamed = list(gateway.iter_bulk_items(io.BytesIO(body)))
    assert all(o.anomalies == () for o in streamed)
    assert [(o.seq, o.command) for o in streamed] == [(i.seq, i.command) for i in whole.items]


def test_a_bad_item_is_refused_alone(gateway: XmlGateway) -> None:
    body = BULK_EXAMPLE.read_bytes().replace(b"<Scheme>TIME_CREDIT", b"<Scheme>NAP", 1)
    outcomes = list(gateway.iter_bulk_items(io.BytesIO(body)))
    first, *others = outcomes
    assert first.seq == 1 and first.command is None
    assert [(a.code, a.path) for a in first.anomalies] == [
        ("70001-008", '/BulkFile/Item[@seq="1"]/SubmitRequest/Scheme')
    ]
    assert others and all(o.command is not None for o in others)


def test_an_interactive_only_item_is_refused(gateway: XmlGateway) -> None:
    body = (REPO / "schemas/xsd/examples/invalid/BulkFile.consult-item.xml").read_bytes()
    refused = [o for o in gateway.iter_bulk_items(io.BytesIO(body)) if o.command is None]
    assert [[a.code for a in o.anomalies] for o in refused] == [["90000-092"]]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'<!DOCTYPE BulkFile SYSTEM "/etc/passwd"><BulkFile xmlns="urn:breakgate:v1"/>',
         "90000-005"),
        (b'<SubmitRequest xmlns="urn:breakgate:v1"/>', "90000-092"),
        (b'<?xml version="1.1"?><BulkFile xmlns="urn:breakgate:v1"/>', "90000-146"),
        (b'<BulkFile xmlns="urn:breakgate:v1">' + b"<a>" * 70 + b"</a>" * 70 + b"</BulkFile>",
         "90000-093"),
        (b"", "90000-003"),
        (b'<BulkFile xmlns="urn:breakgate:v1"><FileReference>' + b"x" * (11 * 1024 * 1024)
         + b"</FileReference></BulkFile>", "90000-093"),
    ],
    ids=["doctype", "wrong-root", "xml-1.1", "too-deep", "empty", "huge-text-node"],
)
def test_file_level_faults_end_the_stream(gateway: XmlGateway, body: bytes, code: str) -> None:
    outcomes = list(gateway.iter_bulk_items(io.BytesIO(body)))
    assert [(o.seq, [a.code for a in o.anomalies]) for o in outcomes] == [(None, [code])]


def test_items_before_a_syntax_error_are_still_given(gateway: XmlGateway) -> None:
    source = GeneratedBulkFile(3)
    body = b"".join(iter(lambda: source.read(4096), b""))
    outcomes = list(gateway.iter_bulk_items(io.BytesIO(body[:-40] + b"</Oops>")))
    assert [o.seq for o in outcomes[:2]] == [1, 2]
    assert outcomes[-1].seq is None and outcomes[-1].anomalies[0].code == "90000-003"


def test_generated_items_stream(gateway: XmlGateway) -> None:
    outcomes = gateway.iter_bulk_items(GeneratedBulkFile(500))
    commands = [o.command for o in outcomes]
    assert len(commands) == 500 and all(isinstance(c, SubmitRequest) for c in commands)


_CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from xml_bulk_source import GeneratedBulkFile
from service.xml.gateway import XmlGateway
gateway = XmlGateway()
list(gateway.iter_bulk_items(GeneratedBulkFile(50)))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = sum(o.command is not None for o in gateway.iter_bulk_items(GeneratedBulkFile(20000)))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"count": count, "growth_kb": after - before}))
"""


def test_memory_stays_flat_over_a_23_mb_file(tmp_path: Path) -> None:
    """20,000 items (about 23 MB; a whole-tree parse of it peaks around 350 MB) add less than
    30 MB to the peak RSS of a fresh process."""
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, str(script), str(Path(__file__).parent)], cwd=REPO,
                         env=env, capture_output=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    result = json.loads(run.stdout)
    assert result["count"] == 20000
    assert result["growth_kb"] < 30 * 1024, result
