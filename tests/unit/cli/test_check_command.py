"""`breakgate check` (CONTRACT.md section 6) on the labelled examples and on hostile files."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "schemas" / "xsd" / "examples"
AS_OF = "2026-12-01"  # the day the examples' labels are evaluated on (examples/README.md)
LABEL = re.compile(rb"<!--\s*expected-anomalies:\s*([^>]*?)\s*-->")

runner = CliRunner()


def expected_codes(path: Path) -> list[str]:
    match = LABEL.search(path.read_bytes()[:500])
    assert match, f"{path.name} has no expected-anomalies label"
    label = match.group(1).decode()
    return [] if label == "none" else sorted(label.split())


def check_json(*paths: Path) -> tuple[int, list[dict[str, object]]]:
    result = runner.invoke(app, ["check", "--json", "--as-of", AS_OF, *map(str, paths)])
    return result.exit_code, json.loads(result.stdout)


VALID = sorted((EXAMPLES / "valid").glob("*.xml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.xml"))


def test_every_valid_example_is_accepted_with_exit_0():
    code, verdicts = check_json(*VALID)
    assert code == 0
    assert len(verdicts) == len(VALID)
    assert {v["status"] for v in verdicts} <= {"accepted", "warnings"}


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_each_valid_example_carries_exactly_its_labelled_warnings(path: Path):
    code, [verdict] = check_json(path)
    codes = sorted(a["code"] for a in verdict["anomalies"])  # type: ignore[attr-defined]
    assert code == 0
    assert codes == expected_codes(path)
    assert verdict["status"] == ("warnings" if codes else "accepted")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_each_invalid_example_is_rejected_with_exactly_its_labelled_codes(path: Path):
    code, [verdict] = check_json(path)
    assert code == 1
    assert verdict["status"] == "rejected"
    codes = sorted(a["code"] for a in verdict["anomalies"])  # type: ignore[attr-defined]
    assert codes == expected_codes(path)


def test_json_output_has_the_contract_fields():
    code, [verdict] = check_json(EXAMPLES / "valid" / "SubmitRequest.xml")
    assert code == 0
    assert verdict == {"file": str(EXAMPLES / "valid" / "SubmitRequest.xml"),
                       "status": "accepted", "message_type": "SubmitRequest", "anomalies": []}


def test_text_output_is_one_line_per_file_and_rejected_wins_the_exit_code():
    bad = next(p for p in INVALID if p.name.startswith("rule-"))
    result = runner.invoke(app, ["check", "--as-of", AS_OF, str(VALID[0]), str(bad)])
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 1
    assert len(lines) == 2
    assert lines[0].endswith(": accepted")
    assert ": rejected: " in lines[1]


def test_warnings_are_accepted_with_exit_0(tmp_path: Path):
    text = (EXAMPLES / "valid" / "SubmitRequest.xml").read_text()
    noss_off_by_one = text.replace("076543281", "076543282")  # V-ID-6 is a warning
    path = tmp_path / "warn.xml"
    path.write_text(noss_off_by_one)
    code, [verdict] = check_json(path)
    assert code == 0
    assert verdict["status"] == "warnings"
    assert [a["code"] for a in verdict["anomalies"]] == ["00011-004"]  # type: ignore[attr-defined]


def test_missing_file_is_unusable_input_exit_2(tmp_path: Path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert "cannot read" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_folder_is_unusable_input_exit_2(tmp_path: Path):
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2


def test_bad_as_of_date_is_a_clear_error():
    result = runner.invoke(app, ["check", "--as-of", "2026-13-01", str(VALID[0])])
    assert result.exit_code == 2


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<SubmitRequest xmlns="urn:breakgate:v1" schemaVersion="1.0">&lol3;</SubmitRequest>"""


def _xxe(canary: Path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{canary}">]>'
            f'<SubmitRequest xmlns="urn:breakgate:v1" schemaVersion="1.0">&x;</SubmitRequest>'
            ).encode()


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("billion-laughs", lambda canary: BILLION_LAUGHS, "90000-005"),
        ("xxe", _xxe, "90000-005"),
        ("doctype", lambda canary: b"<!DOCTYPE SubmitRequest><SubmitRequest/>", "90000-005"),
        ("50mb", lambda canary: b"<SubmitRequest>" + b"a" * (50 * 1024 * 1024)
         + b"</SubmitRequest>", "90000-093"),
        ("invalid-utf8", lambda canary: b'<?xml version="1.0" encoding="UTF-8"?>'
         b'<SubmitRequest xmlns="urn:breakgate:v1" schemaVersion="1.0">\xff\xfe'
         b"</SubmitRequest>", "90000-003"),
    ],
)
def test_hostile_file_is_rejected_with_a_code_quickly(tmp_path: Path, name, make, code):
    canary = tmp_path / "canary-secret.txt"
    canary.write_text("CANARY-CONTENT")
    path = tmp_path / f"{name}.xml"
    path.write_bytes(make(canary))

    started = time.perf_counter()
    exit_code, [verdict] = check_json(path)
    elapsed = time.perf_counter() - started

    assert exit_code == 1
    assert [a["code"] for a in verdict["anomalies"]] == [code]  # type: ignore[attr-defined]
    assert "CANARY-CONTENT" not in json.dumps(verdict)
    # Generous bound against pathological parsing, not a benchmark (10x the target).
    assert elapsed < 10
