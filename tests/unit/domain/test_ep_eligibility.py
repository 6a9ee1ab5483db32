"""V-ELG-1, V-ELG-2, V-ELG-3 and V-ELG-5: children's and workers' ages, employer agreement."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    START,
    check,
    codes_of,
    context,
    make_inss,
    profile,
    triples,
    valid_end_of_career,
    valid_medical,
    valid_parental,
    valid_several,
    valid_submit,
    with_check_digits,
)

from service.domain.calendar import weeks_end
from service.domain.codes import Circumstance as C
from service.domain.codes import Fraction, Motive

CHILD = "/SubmitRequest/Child"
BIRTH = "/SubmitRequest/Child/BirthDate"
INSS = "/SubmitRequest/Worker/INSS"
AGREEMENT = "/SubmitRequest/EmployerAgreement"
ATTACHED = {"attachments": ()}


# ---- V-ELG-1 ----------------------------------------------------------------------------------


def test_v_elg_1_child_missing() -> None:
    assert triples(check(valid_submit(child=None))) == [("70011-001", "B", CHILD)]


def test_v_elg_1_start_on_the_eighth_birthday_is_too_late() -> None:
    found = check(valid_submit(child={"birth_date": date(2019, 3, 1)}))
    assert triples(found) == [("70011-021", "B", BIRTH)]


def test_v_elg_1_start_the_day_before_the_eighth_birthday_holds() -> None:
    assert check(valid_submit(child={"birth_date": date(2019, 3, 2)})) == []


def test_v_elg_1_disabled_child_under_21_holds_and_21_is_refused() -> None:
    younger = valid_submit(motive=Motive.DISABLED_CHILD, child={"birth_date": date(2006, 3, 2)})
    assert "70011-021" not in codes_of(check(younger))
    older = valid_submit(motive=Motive.DISABLED_CHILD, child={"birth_date": date(2006, 3, 1)})
    assert ("70011-021", "B", BIRTH) in triples(check(older))


def test_v_elg_1_seriously_ill_child_of_18_only_warns() -> None:
    found = check(valid_submit(motive=Motive.SERIOUSLY_ILL_MINOR_CHILD,
                               child={"birth_date": date(2009, 1, 1)}))
    assert ("70011-021", "W", BIRTH) in triples(found)


def test_v_elg_1_training_needs_no_child() -> None:
    assert "70011-001" not in codes_of(check(valid_submit(motive=Motive.TRAINING, child=None)))


# ---- V-ELG-2 ----------------------------------------------------------------------------------


def test_v_elg_2_parental_child_missing() -> None:
    assert triples(check(valid_parental(child=None))) == [("70011-001", "B", CHILD)]


def test_v_elg_2_parental_child_twelve_at_start() -> None:
    found = check(valid_parental(child={"birth_date": date(2015, 3, 1)}))
    assert triples(found) == [("70011-021", "B", BIRTH)]


def test_v_elg_2_disabled_child_until_21_holds() -> None:
    found = check(valid_parental(child={"birth_date": date(2015, 3, 1), "disabled": True}))
    assert found == []


def test_v_elg_2_disabled_child_of_21_is_refused() -> None:
    found = check(valid_parental(child={"birth_date": date(2006, 2, 28), "disabled": True}))
    assert triples(found) == [("70011-021", "B", BIRTH)]


# ---- V-ELG-3 ----------------------------------------------------------------------------------


def test_v_elg_3_worker_too_young() -> None:
    found = check(valid_end_of_career(worker={"inss": make_inss(date(1969, 1, 1))}))
    assert triples(found) == [("00024-061", "B", INSS)]


def test_v_elg_3_age_exception_lowers_the_minimum_but_warns_about_allowances() -> None:
    found = check(valid_end_of_career(worker={"inss": make_inss(date(1969, 1, 1))},
                                      circumstances=(C.AGE_EXCEPTION,)))
    assert triples(found) == [("00024-061", "W", INSS)]


def test_v_elg_3_sixty_on_the_start_date_holds() -> None:
    assert check(valid_end_of_career(worker={"inss": make_inss(date(1967, 3, 1))})) == []


def test_v_elg_3_minimum_age_was_55_before_2026() -> None:
    old = valid_end_of_career(worker={"inss": make_inss(date(1969, 1, 1))},
                              start_date=date(2025, 6, 1), notice_date=date(2025, 2, 1))
    found = check(old, context(date(2025, 3, 1), employer=profile(y2024=50)))
    assert triples(found) == [("00024-061", "W", INSS)]  # old enough, below allowance age


def test_v_elg_3_bis_with_unknown_birth_date_warns() -> None:
    bis_1967 = with_check_digits("672000993", False)  # 1967, month and day unknown
    assert triples(check(valid_end_of_career(worker={"inss": bis_1967}))) == [
        ("00024-061", "W", INSS)
    ]


def test_v_elg_3_bis_certainly_too_young_is_also_refused() -> None:
    bis_1975 = with_check_digits("752000993", False)
    assert triples(check(valid_end_of_career(worker={"inss": bis_1975}))) == [
        ("00024-061", "W", INSS), ("00024-061", "B", INSS)
    ]


# ---- V-ELG-5 ----------------------------------------------------------------------------------


def test_v_elg_5_one_tenth_parental_needs_agreement() -> None:
    one_tenth = valid_parental(fraction=Fraction.ONE_TENTH, end_date=date(2027, 12, 31),
                               regime_during={"mean_working_hours": 3420,
                                              "working_days_system": 450})
    assert triples(check(one_tenth)) == [("70010-001", "B", AGREEMENT)]
    assert check(one_tenth.model_copy(update={"employer_agreement": True})) == []


def test_v_elg_5_flexible_parental_weeks_need_agreement() -> None:
    weeks = valid_parental(fraction=Fraction.FULL, end_date=weeks_end(START, 2),
                           regime_during={"mean_working_hours": 0, "working_days_system": 0})
    assert triples(check(weeks)) == [("70010-001", "B", AGREEMENT)]


def test_v_elg_5_medical_weeks_need_agreement_but_not_the_hospitalisation_week() -> None:
    weeks = valid_medical(end_date=weeks_end(START, 2))
    assert triples(check(weeks)) == [("70010-001", "B", AGREEMENT)]
    week = valid_medical(end_date=weeks_end(START, 1),
                         circumstances=(C.UNFORESEEN_HOSPITALISATION,))
    assert "70010-001" not in codes_of(check(week))


def test_v_elg_5_one_fifth_across_several_employers_needs_agreement() -> None:
    assert triples(check(valid_several(employer_agreement=False))) == [
        ("70010-001", "B", AGREEMENT)
    ]


@pytest.mark.parametrize(("headcount", "needed"), [(10, True), (11, False)])
def test_v_elg_5_small_employer_time_credit(headcount: int, needed: bool) -> None:
    found = check(valid_submit(circumstances=(C.SHORTER_NOTICE_AGREED,)),
                  context(employer=profile(y2025=headcount)))
    assert (("70010-001", "B", AGREEMENT) in triples(found)) is needed


def test_v_elg_5_small_employer_headcount_unknown_offline_is_skipped() -> None:
    assert check(valid_submit(), context(employer=None, offline=True)) == []
