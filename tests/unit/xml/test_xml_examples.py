"""Every labelled example of schemas/xsd/examples through the XML adapter.

Valid inbound examples decode to their command; valid replies validate. Each XSD-level invalid
example (not `rule-*`: those are valid XML that a domain rule refuses) yields exactly the codes
of its `expected-anomalies` label.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.domain import commands as c
from service.xml.gateway import XmlGateway
from service.xml.parser import ParsedDocument, parse_document
from service.xml.registry import default_schema_dir
from service.xml.to_command import INBOUND_ROOTS

EXAMPLES = default_schema_dir() / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.xml"))
INVALID = sorted(p for p in (EXAMPLES / "invalid").glob("*.xml") if not p.name.startswith("rule-"))
RULE_ONLY = sorted((EXAMPLES / "invalid").glob("rule-*.xml"))
_LABEL = re.compile(rb"<!--\s*expected-anomalies:\s*(.*?)\s*-->")


def _label(path: Path) -> list[str]:
    match = _LABEL.search(path.read_bytes())
    assert match is not None, f"{path.name} has no expected-anomalies label"
    text = match[1].decode()
    return [] if text == "none" else sorted(re.split(r"[\s,]+", text.strip()))


@pytest.fixture(scope="module")
def gateway() -> XmlGateway:
    return XmlGateway()


def test_there_are_examples_of_both_kinds() -> None:
    assert len(VALID) >= 29 and len(INVALID) >= 29


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_example(path: Path, gateway: XmlGateway) -> None:
    root_name = path.name.split(".")[0]
    if root_name in INBOUND_ROOTS:
        decoded = gateway.decode(path.read_bytes(), expected_type=root_name)
        assert decoded.ok, [(a.code, a.path, a.messages.en) for a in decoded.anomalies]
        assert decoded.message_type == root_name
        assert type(decoded.command).__name__ == root_name
    else:
        parsed = parse_document(path.read_bytes(), max_bytes=gateway.max_bytes)
        assert isinstance(parsed, ParsedDocument)
        assert gateway.registry.validate(parsed.root) == ()


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example(path: Path, gateway: XmlGateway) -> None:
    decoded = gateway.decode(path.read_bytes())
    assert decoded.command is None
    assert sorted(a.code for a in decoded.anomalies) == _label(path), [
        (a.code, a.path, a.messages.en) for a in decoded.anomalies
    ]
    assert all(a.messages.en and a.messages.fr and a.messages.nl for a in decoded.anomalies)


@pytest.mark.parametrize("path", RULE_ONLY, ids=[p.name for p in RULE_ONLY])
def test_rule_examples_pass_the_xml_layer(path: Path, gateway: XmlGateway) -> None:
    """`rule-*` examples are schema-valid: refusing them is the rules' job, not the XSD's."""
    decoded = gateway.decode(path.read_bytes())
    assert decoded.ok, [(a.code, a.path) for a in decoded.anomalies]


def test_submit_request_example_reads_every_field(gateway: XmlGateway) -> None:
    decoded = gateway.decode((EXAMPLES / "valid" / "SubmitRequest.xml").read_bytes())
    command = decoded.command
    assert isinstance(command, c.SubmitRequest)
    assert decoded.request_reference == command.request_reference == "HR-2026-0001"
    assert command.employer == c.EmployerRef(
        company_id="0123456749", noss_registration_nbr="076543281"
    )
    assert command.worker.inss == "75113099746"
    assert (command.worker.last_name, command.worker.first_name) == ("Janssens", "Pieter")
    assert command.regime_during == c.Regime(
        working_days_system=400, mean_working_hours=3040, ref_mean_working_hours=3800
    )
    assert command.several_employers is False and command.other_employer is None
    assert command.child is not None and str(command.child.birth_date) == "2022-05-14"


def test_bulk_file_example_reads_its_items(gateway: XmlGateway) -> None:
    decoded = gateway.decode((EXAMPLES / "valid" / "BulkFile.xml").read_bytes())
    assert isinstance(decoded.command, c.BulkFile)
    seqs = [item.seq for item in decoded.command.items]
    assert seqs == sorted(seqs) and seqs[0] == 1
    assert decoded.request_reference is None


def test_paths_of_invalid_examples_are_clean(gateway: XmlGateway) -> None:
    for path in INVALID:
        for found in gateway.decode(path.read_bytes()).anomalies:
            assert found.path is not None and found.path.startswith("/"), path.name
            assert ":" not in found.path.replace("xsi:", ""), (path.name, found.path)
            assert "*" not in found.path, (path.name, found.path)
