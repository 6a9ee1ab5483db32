"""INSS / BIS, CompanyID, NOSS and joint committee: every number of RULES.md 4.1-4.3, plus
properties over generated numbers."""

from __future__ import annotations

from datetime import date

import pytest
from builders import make_inss, with_check_digits
from hypothesis import assume, given
from hypothesis import strategies as st

from service.domain.anomalies import Severity
from service.domain.identifiers import (
    check_company_id,
    check_inss,
    check_joint_commission,
    check_noss,
    inss_birth_date,
    inss_birth_fully_known,
    inss_birth_range,
    inss_century,
    is_valid_company_id,
    is_valid_inss,
)

TODAY = date(2026, 12, 1)
PATH = "/SubmitRequest/Worker/INSS"

# ---- INSS, RULES.md 4.1 ---------------------------------------------------------------------

VALID_INSS = {
    "75113099746": date(1975, 11, 30),
    "04022999805": date(2004, 2, 29),
    "88123199507": date(1988, 12, 31),
    "80451799703": date(1980, 5, 17),
    "03300399689": date(2003, 10, 3),
    "65200099327": None,  # BIS, month and day unknown
}


@pytest.mark.parametrize("number", sorted(VALID_INSS))
def test_inss_of_the_rulebook_is_valid(number: str) -> None:
    assert check_inss(number, PATH, TODAY) is None
    assert is_valid_inss(number, TODAY)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("75113099747", "00024-004"),
        ("80451799705", "00024-004"),
        ("99023099702", "00024-003"),
        ("75113000073", "00024-003"),
        ("31011599716", "00024-003"),
        ("80531799759", "00024-003"),
        ("92330399610", "00024-003"),
        ("7511309974", "00024-093"),
        ("7511309974A", "00024-002"),
    ],
)
def test_inss_of_the_rulebook_is_refused_with_its_code(number: str, code: str) -> None:
    found = check_inss(number, PATH, TODAY)
    assert found is not None
    assert (found.code, found.severity, found.path) == (code, Severity.BLOCKING, PATH)
    assert not is_valid_inss(number, TODAY)


def test_inss_checks_length_before_digits_and_digits_before_check_digits() -> None:
    assert _code(check_inss("7511309974AB", PATH, TODAY)) == "00024-093"
    assert _code(check_inss("７５113099746", PATH, TODAY)) == "00024-002"  # full-width digits
    assert _code(check_inss("00000000000", PATH, TODAY)) == "00024-004"


def test_inss_serial_999_and_ordinary_month_00_are_refused() -> None:
    assert _code(check_inss(with_check_digits("751130999", False), PATH, TODAY)) == "00024-003"
    assert _code(check_inss(with_check_digits("750015997", False), PATH, TODAY)) == "00024-003"


def test_inss_born_on_the_processing_date_is_valid_and_the_day_after_is_not() -> None:
    assert check_inss(make_inss(TODAY), PATH, TODAY) is None
    assert _code(check_inss(make_inss(date(2026, 12, 2)), PATH, TODAY)) == "00024-003"


def test_bis_day_32_is_refused_and_day_00_with_known_month_accepted() -> None:
    assert _code(check_inss(with_check_digits("804532997", False), PATH, TODAY)) == "00024-003"
    assert check_inss(with_check_digits("804500997", False), PATH, TODAY) is None


@pytest.mark.parametrize(("number", "birth"), sorted(VALID_INSS.items()))
def test_inss_birth_date(number: str, birth: date | None) -> None:
    assert inss_birth_date(number) == birth
    assert inss_birth_fully_known(number) is (birth is not None)


def test_inss_birth_range_covers_unknown_parts() -> None:
    assert inss_birth_range("65200099327") == (date(1965, 1, 1), date(1965, 12, 31))
    assert inss_birth_range(with_check_digits("804500997", False)) == (
        date(1980, 5, 1), date(1980, 5, 31)
    )
    assert inss_birth_range("75113099746") == (date(1975, 11, 30), date(1975, 11, 30))
    assert inss_birth_range("75113099747") is None


def test_inss_century_comes_from_the_variant_that_holds() -> None:
    assert inss_century("75113099746") == 1900
    assert inss_century("04022999805") == 2000
    assert inss_century("75113099747") is None


def _code(found: object) -> str | None:
    return getattr(found, "code", None)


# ---- INSS properties ------------------------------------------------------------------------

births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
serials = st.integers(min_value=1, max_value=998)


@given(births, serials, st.sampled_from([0, 20, 40]))
def test_generated_inss_and_bis_numbers_validate(birth: date, serial: int, offset: int) -> None:
    number = make_inss(birth, serial, offset)
    assert check_inss(number, PATH, TODAY) is None
    assert inss_birth_date(number) == birth


@given(st.integers(1900, 2026), serials, st.sampled_from([20, 40]), st.booleans())
def test_generated_bis_with_unknown_parts_validate(
    year: int, serial: int, offset: int, month_known: bool
) -> None:
    month = 6 if month_known else 0
    base = f"{year % 100:02d}{month + offset:02d}00{serial:03d}"
    number = with_check_digits(base, year >= 2000)
    assert check_inss(number, PATH, TODAY) is None
    assert inss_birth_date(number) is None
    assert not inss_birth_fully_known(number)


@given(births, serials, st.integers(0, 10), st.integers(1, 9))
def test_one_digit_change_never_keeps_the_same_check_digit_variant(
    birth: date, serial: int, position: int, delta: int
) -> None:
    """A one-digit change breaks the variant that held. One case moves to the other century's
    variant (second digit lowered by 6: 2000000000 mod 97 = 68), so "still valid for the other
    century" is possible in theory; never within the check digits themselves."""
    number = make_inss(birth, serial)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    assert inss_century(changed) != inss_century(number)
    if position >= 9:
        assert inss_century(changed) is None
        assert _code(check_inss(changed, PATH, TODAY)) == "00024-004"


# ---- CompanyID, RULES.md 4.2 ----------------------------------------------------------------


@pytest.mark.parametrize("number", ["0123456749", "0100000169", "1999999943"])
def test_company_id_of_the_rulebook_is_valid(number: str) -> None:
    assert check_company_id(number, "/X/Employer/CompanyID") is None
    assert is_valid_company_id(number)


@pytest.mark.parametrize(
    ("number", "nnn"),
    [
        ("0123456750", "004"),
        ("2123456791", "003"),
        ("100000169", "093"),
        ("01234567AB", "002"),
        ("0000000000", "001"),  # judged missing before its (failing) check digits
    ],
)
def test_company_id_of_the_rulebook_is_refused_with_its_code(number: str, nnn: str) -> None:
    found = check_company_id(number, "/X/Employer/CompanyID")
    assert found is not None
    assert (found.code, found.severity, found.path) == (
        f"00014-{nnn}", Severity.BLOCKING, "/X/Employer/CompanyID"
    )
    assert not is_valid_company_id(number)


def test_company_id_zone_is_a_parameter_for_the_other_employer() -> None:
    found = check_company_id("0123456750", "/X/OtherEmployer/CompanyID", zone="70009")
    assert found is not None and found.code == "70009-004"


company_bodies = st.integers(min_value=0, max_value=19_999_999).filter(lambda n: n > 0)


def _company_id(body: int) -> str:
    return f"{body:08d}{97 - body % 97:02d}"


@given(company_bodies)
def test_generated_company_id_with_first_digit_0_or_1_validates(body: int) -> None:
    assert is_valid_company_id(_company_id(body))


@given(company_bodies, st.integers(0, 9), st.integers(1, 9))
def test_one_digit_change_of_a_company_id_makes_it_invalid(
    body: int, position: int, delta: int
) -> None:
    digits = list(_company_id(body))
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_company_id("".join(digits))


# ---- NOSS, RULES.md 4.3 ---------------------------------------------------------------------


@pytest.mark.parametrize("number", ["000100006", "076543281", "199999837"])
def test_noss_of_the_rulebook_is_valid(number: str) -> None:
    assert check_noss(number, "/X/Employer/NOSSRegistrationNbr") == []


@pytest.mark.parametrize(
    ("number", "code", "severity"),
    [
        ("076543282", "00011-004", Severity.WARNING),
        ("000099909", "00011-008", Severity.BLOCKING),
        ("0076543281", "00011-093", Severity.BLOCKING),
        ("07654328A", "00011-002", Severity.BLOCKING),
        ("199999935", "00011-008", Severity.BLOCKING),  # above the range
    ],
)
def test_noss_of_the_rulebook_is_refused_with_its_code(
    number: str, code: str, severity: Severity
) -> None:
    path = "/X/Employer/NOSSRegistrationNbr"
    assert [(a.code, a.severity, a.path) for a in check_noss(number, path)] == [
        (code, severity, path)
    ]


@given(st.integers(min_value=1_001, max_value=1_999_998))
def test_noss_with_the_inferred_check_digits_validates(serial: int) -> None:
    number = serial * 100 + 96 - (serial * 100) % 97
    assume(100_006 <= number <= 199_999_934)
    assert check_noss(f"{number:09d}", "/p") == []


# ---- joint committee ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["200", "999", "124.00", "200.01.02"])
def test_joint_commission_formats_are_accepted(value: str) -> None:
    assert check_joint_commission(value, "/UpdateParameters/JointCommissionNbr") is None


@pytest.mark.parametrize("value", ["20", "2000", "200.1", "200.01.02.03", "200.01\n", "abc", ""])
def test_joint_commission_other_formats_are_refused(value: str) -> None:
    found = check_joint_commission(value, "/UpdateParameters/JointCommissionNbr")
    assert found is not None
    assert (found.code, found.severity) == ("00046-008", Severity.BLOCKING)
