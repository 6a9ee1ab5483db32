"""The schema registry: local-only includes, a movable schema folder, safe from threads."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree
from xml_hostile_cases import valid

from service.xml.parser import ParsedDocument, parse_document
from service.xml.registry import FAMILIES, SchemaRegistry, default_schema_dir, shared_registry


def _copy_schemas(target: Path) -> Path:
    target.mkdir(parents=True)
    for xsd in default_schema_dir().glob("*.xsd"):
        shutil.copy(xsd, target / xsd.name)
    return target


def test_schema_folder_can_move(tmp_path: Path) -> None:
    folder = _copy_schemas(tmp_path / "schema folder with spaces")
    registry = SchemaRegistry(folder)
    assert registry.schema_dir == folder.resolve()
    assert set(registry.roots) == set(shared_registry().roots)
    assert {registry.family(root) for root in registry.roots} == set(FAMILIES)


def test_includes_outside_the_folder_are_refused(tmp_path: Path) -> None:
    folder = _copy_schemas(tmp_path / "xsd")
    secret = tmp_path / "outside.xsd"
    secret.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    common = folder / "common.xsd"
    common.write_text(common.read_text().replace(
        'schemaLocation="xml.xsd"/>', 'schemaLocation="xml.xsd"/>\n'
        f'  <xs:include schemaLocation="{secret.as_uri()}"/>', 1))
    with pytest.raises(etree.XMLSchemaParseError):
        SchemaRegistry(folder)


def test_validation_from_many_threads_keeps_each_log_apart() -> None:
    registry = shared_registry()
    good = valid()
    bad = good.replace(b"<Fraction>ONE_FIFTH</Fraction>", b"")

    def check(body: bytes) -> list[str]:
        parsed = parse_document(body, max_bytes=1 << 20)
        assert isinstance(parsed, ParsedDocument)
        return [a.code for a in registry.validate(parsed.root)]

    bodies = [good, bad] * 200
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(check, bodies))
    assert results == [[], ["90000-090"]] * 200


def test_unknown_roots_have_no_schema() -> None:
    root = etree.fromstring(b'<Evil xmlns="urn:breakgate:v1"/>')
    with pytest.raises(LookupError):
        shared_registry().validate(root)
