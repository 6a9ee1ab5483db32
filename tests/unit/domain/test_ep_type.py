"""V-TYP-1 to V-TYP-8: scheme, motive, fraction, sector and circumstances."""

from __future__ import annotations

from datetime import date

from builders import (
    check,
    codes_of,
    context,
    make_inss,
    profile,
    triples,
    valid_end_of_career,
    valid_medical,
    valid_parental,
    valid_public,
    valid_submit,
)

from service.domain.codes import Circumstance as C
from service.domain.codes import Fraction, Motive, Sector

SCHEME = "/SubmitRequest/Scheme"
FRACTION = "/SubmitRequest/Fraction"
MOTIVE = "/SubmitRequest/Motive"
CIRCUMSTANCE = "/SubmitRequest/Circumstance"

HALF_DURING = {"working_days_system": 500, "mean_working_hours": 1900}


def test_v_typ_1_fraction_not_allowed_for_the_scheme() -> None:
    found = check(valid_end_of_career(fraction=Fraction.ONE_TENTH,
                                      regime_during={"mean_working_hours": 3420}))
    assert triples(found) == [("70003-008", "B", FRACTION)]


def test_v_typ_1_allowed_fraction_holds() -> None:
    assert "70003-008" not in codes_of(check(valid_parental(fraction=Fraction.ONE_FIFTH)))


# ---- V-TYP-2 ----------------------------------------------------------------------------------


def test_v_typ_2_sector_refuses_the_scheme() -> None:
    found = check(valid_submit(), context(employer=profile(Sector.PUBLIC_OTHER, y2025=50)))
    assert triples(found) == [("70001-146", "B", SCHEME)]


def test_v_typ_2_defence_refuses_every_scheme() -> None:
    found = check(valid_parental(), context(employer=profile(Sector.DEFENCE, y2025=50)))
    assert triples(found) == [("70001-146", "B", SCHEME)]


def test_v_typ_2_education_refused_before_the_channel_opened() -> None:
    early = context(date(2024, 9, 30), employer=profile(Sector.EDUCATION, y2023=50))
    found = check(valid_parental(), early)
    assert ("70001-146", "B", SCHEME) in triples(found)
    assert ("70001-146", "W", SCHEME) not in triples(found)


def test_v_typ_2_sector_accepts_the_scheme() -> None:
    found = check(valid_parental(), context(employer=profile(Sector.PUBLIC_OTHER, y2025=50)))
    assert found == []


def test_v_typ_2_complementary_indemnity_is_refused() -> None:
    found = check(valid_submit(circumstances=(C.COMPLEMENTARY_INDEMNITY,)))
    assert triples(found) == [("70001-146", "B", CIRCUMSTANCE)]


def test_v_typ_2_derogation_2012_at_55_is_refused() -> None:
    aged_55 = make_inss(date(1971, 6, 1))
    found = check(valid_end_of_career(worker={"inss": aged_55},
                                      circumstances=(C.AGE_EXCEPTION, C.DEROGATION_2012)))
    assert ("70001-146", "B", "/SubmitRequest/Circumstance[2]") in triples(found)


def test_v_typ_2_derogation_2012_at_57_holds() -> None:
    aged_57 = make_inss(date(1969, 6, 1))
    found = check(valid_end_of_career(worker={"inss": aged_57},
                                      circumstances=(C.AGE_EXCEPTION, C.DEROGATION_2012)))
    assert "70001-146" not in codes_of(found)


# ---- V-TYP-3 ----------------------------------------------------------------------------------


def test_v_typ_3_time_credit_without_motive() -> None:
    assert triples(check(valid_submit(motive=None))) == [("70002-001", "B", MOTIVE)]


def test_v_typ_3_motive_forbidden_outside_time_credit() -> None:
    found = check(valid_parental(motive=Motive.CHILD_UNDER_8))
    assert triples(found) == [("70002-005", "B", MOTIVE)]


def test_v_typ_3_motive_rules_hold() -> None:
    assert not {"70002-001", "70002-005"} & codes_of(check(valid_submit()))
    assert not {"70002-001", "70002-005"} & codes_of(check(valid_parental()))


# ---- V-TYP-4 ----------------------------------------------------------------------------------


def test_v_typ_4_public_break_is_implausible_for_a_private_employer() -> None:
    assert triples(check(valid_public())) == [("70001-146", "W", SCHEME)]


def test_v_typ_4_time_credit_is_implausible_in_education() -> None:
    found = check(valid_submit(), context(employer=profile(Sector.EDUCATION, y2025=50)))
    assert triples(found) == [("70001-146", "W", SCHEME)]


def test_v_typ_4_plausible_scheme_holds() -> None:
    federal = context(employer=profile(Sector.PUBLIC_FEDERAL, y2025=50))
    assert "70001-146" not in codes_of(check(valid_public(), federal))


# ---- V-TYP-5 ----------------------------------------------------------------------------------


def test_v_typ_5_half_time_credit_without_cct_warns() -> None:
    found = check(valid_submit(fraction=Fraction.HALF, regime_during=HALF_DURING))
    assert triples(found) == [("70003-146", "W", FRACTION)]


def test_v_typ_5_holds_with_cct_basis() -> None:
    found = check(valid_submit(fraction=Fraction.HALF, regime_during=HALF_DURING,
                               circumstances=(C.CCT_BASIS,)))
    assert found == []


def test_v_typ_5_holds_for_a_disabled_child_without_cct() -> None:
    found = check(valid_submit(fraction=Fraction.HALF, regime_during=HALF_DURING,
                               motive=Motive.DISABLED_CHILD))
    assert "70003-146" not in codes_of(found)


# ---- V-TYP-6 ----------------------------------------------------------------------------------


def test_v_typ_6_small_employer_medical_assistance_must_be_full() -> None:
    found = check(valid_medical(fraction=Fraction.HALF, regime_during=HALF_DURING),
                  context(employer=profile(y2025=9)))
    assert triples(found) == [("70003-146", "B", FRACTION)]


def test_v_typ_6_holds_from_ten_workers() -> None:
    found = check(valid_medical(fraction=Fraction.ONE_FIFTH, regime_during={
        "working_days_system": 400, "mean_working_hours": 3040}),
        context(employer=profile(y2025=10)))
    assert found == []


# ---- V-TYP-7 ----------------------------------------------------------------------------------

FEDERAL = profile(Sector.PUBLIC_FEDERAL, y2025=50)


def test_v_typ_7_trainees_have_no_public_career_break() -> None:
    found = check(valid_public(circumstances=(C.TRAINEE,)), context(employer=FEDERAL))
    assert triples(found) == [("70001-146", "B", CIRCUMSTANCE)]


def test_v_typ_7_statutory_staff_only_full_or_half() -> None:
    found = check(valid_public(circumstances=(C.STATUTORY_STAFF,), fraction=Fraction.ONE_THIRD,
                               regime_during={"working_days_system": 500,
                                              "mean_working_hours": 2533}),
                  context(employer=FEDERAL))
    assert triples(found) == [("70003-008", "B", FRACTION)]


def test_v_typ_7_no_staff_category_warns() -> None:
    found = check(valid_public(circumstances=()), context(employer=FEDERAL))
    assert triples(found) == [("70001-001", "W", CIRCUMSTANCE)]


def test_v_typ_7_contract_staff_one_third_holds() -> None:
    found = check(valid_public(fraction=Fraction.ONE_THIRD,
                               regime_during={"working_days_system": 500,
                                              "mean_working_hours": 2533}),
                  context(employer=FEDERAL))
    assert found == []


# ---- V-TYP-8 ----------------------------------------------------------------------------------


def test_v_typ_8_circumstance_given_twice() -> None:
    found = check(valid_submit(circumstances=(C.CCT_BASIS, C.CCT_BASIS)))
    assert triples(found) == [("70001-006", "B", "/SubmitRequest/Circumstance[2]")]


def test_v_typ_8_a_repeated_code_is_reported_once() -> None:
    """Not once per repetition: a message repeating one code 200 000 times must not turn into
    200 000 anomalies (RELIABILITY.md T14, case 37b)."""
    found = check(valid_submit(circumstances=(C.CCT_BASIS,) * 1000 + (C.SINGLE_PARENT,) * 3))
    assert triples(found) == [("70001-006", "B", "/SubmitRequest/Circumstance[2]"),
                              ("70001-006", "B", "/SubmitRequest/Circumstance[1002]")]


def test_v_typ_8_distinct_circumstances_hold() -> None:
    found = check(valid_submit(circumstances=(C.CCT_BASIS, C.SHORTER_NOTICE_AGREED)))
    assert "70001-006" not in codes_of(found)

