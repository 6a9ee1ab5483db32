"""V-ID-1..3 on the worker, V-ID-10 on the other employer, V-PFL-3 on the worker's source."""

from __future__ import annotations

from datetime import date

import pytest
from builders import COMPANY_ID, check, codes_of, triples, valid_several, valid_submit

INSS = "/SubmitRequest/Worker/INSS"
OTHER = "/SubmitRequest/OtherEmployer/CompanyID"


@pytest.mark.parametrize(
    ("inss", "code"),
    [
        ("75113099747", "00024-004"),  # V-ID-2
        ("7511309974", "00024-093"),  # V-ID-1 length
        ("7511309974A", "00024-002"),  # V-ID-1 digits
        ("99023099702", "00024-003"),  # V-ID-3 impossible date
        ("80531799759", "00024-003"),  # V-ID-3 BIS month 53
    ],
)
def test_v_id_1_to_3_bad_worker_inss_is_blocking(inss: str, code: str) -> None:
    assert triples(check(valid_submit(worker={"inss": inss}))) == [(code, "B", INSS)]


@pytest.mark.parametrize("inss", ["75113099746", "80451799703", "03300399689"])
def test_v_id_1_to_3_valid_worker_inss_holds(inss: str) -> None:
    assert not {"00024-004", "00024-003"} & codes_of(check(valid_submit(worker={"inss": inss})))


def test_v_id_10_invalid_other_company_id_uses_zone_70009() -> None:
    found = check(valid_several(other_employer={"company_id": "0123456750"}))
    assert triples(found) == [("70009-004", "B", OTHER)]


def test_v_id_10_other_company_id_first_digit() -> None:
    found = check(valid_several(other_employer={"company_id": "2123456791"}))
    assert triples(found) == [("70009-003", "B", OTHER)]


def test_v_id_10_other_employer_cannot_be_the_employer() -> None:
    found = check(valid_several(other_employer={"company_id": COMPANY_ID}))
    assert triples(found) == [("70009-003", "B", OTHER)]


def test_v_id_10_valid_other_employer_holds() -> None:
    assert check(valid_several()) == []


def test_v_pfl_3_manual_worker_without_hire_date_warns() -> None:
    found = check(valid_submit(worker={"source": "MANUAL"}))
    assert triples(found) == [("70019-001", "W", "/SubmitRequest/Worker/HireDate")]


def test_v_pfl_3_manual_worker_with_hire_date_holds() -> None:
    assert check(valid_submit(worker={"source": "MANUAL", "hire_date": date(2015, 1, 1)})) == []
