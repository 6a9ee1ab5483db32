"""Employer identification (V-ID-4, V-ID-5, V-ID-6) and the RequestReference format (V-LCY-4)."""

from __future__ import annotations

import pytest
from builders import triples

from service.domain.rules.identification import (
    check_employer_identification,
    check_request_reference,
)

ROOT = "/SubmitRequest"
COMPANY = "/SubmitRequest/Employer/CompanyID"
NOSS = "/SubmitRequest/Employer/NOSSRegistrationNbr"


def test_valid_employer_without_noss_passes() -> None:
    assert check_employer_identification("0123456749", None, ROOT) == []


def test_valid_employer_with_valid_noss_passes() -> None:
    assert check_employer_identification("0123456749", "076543281", ROOT) == []


def test_v_id_4_company_id_refused() -> None:
    found = check_employer_identification("2123456791", "076543281", ROOT)
    assert triples(found) == [("00014-003", "B", COMPANY)]


def test_v_id_4_stops_before_the_noss_number() -> None:
    found = check_employer_identification("0123456750", "0076543281", ROOT)
    assert triples(found) == [("00014-004", "B", COMPANY)]


def test_v_id_5_noss_out_of_range_is_blocking() -> None:
    found = check_employer_identification("0123456749", "000099909", ROOT)
    assert triples(found) == [("00011-008", "B", NOSS)]


def test_v_id_6_noss_check_digits_only_warn() -> None:
    found = check_employer_identification("0123456749", "076543282", ROOT)
    assert triples(found) == [("00011-004", "W", NOSS)]


@pytest.mark.parametrize("value", ["REQ-2026-0001", "a", "x" * 36, "A.b_c:d-9"])
def test_v_lcy_4_reference_format_holds(value: str) -> None:
    assert check_request_reference(value, "/SubmitRequest/RequestReference") is None


@pytest.mark.parametrize("value", ["", "x" * 37, "has space", "é", "slash/no", "line\n"])
def test_v_lcy_4_reference_format_refused(value: str) -> None:
    found = check_request_reference(value, "/SubmitRequest/RequestReference")
    assert found is not None
    assert triples([found]) == [("70015-003", "B", "/SubmitRequest/RequestReference")]
