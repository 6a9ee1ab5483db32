"""V-REG-7 (several employers) and V-REG-8 (reference hours during the leave)."""

from __future__ import annotations

from builders import check, codes_of, triples, valid_several, valid_submit

from service.domain.codes import Fraction

OTHER = "/SubmitRequest/OtherEmployer"
DURING_HOURS = "/SubmitRequest/RegimeDuring/MeanWorkingHours"


def test_v_reg_7_other_employer_missing() -> None:
    found = check(valid_several(other_employer=None))
    assert triples(found) == [("70009-001", "B", OTHER)]


def test_v_reg_7_other_job_hours_not_given_warns() -> None:
    found = check(valid_several(other_employer={"mean_working_hours": None}))
    assert triples(found) == [("70009-001", "W", OTHER)]


def test_v_reg_7_jobs_together_not_full_time() -> None:
    found = check(valid_several(other_employer={"mean_working_hours": 1800}))
    assert triples(found) == [("70009-032", "B", OTHER)]


def test_v_reg_7_jobs_together_on_fewer_than_five_days() -> None:
    found = check(valid_several(other_employer={"combined_working_days": 450}))
    assert triples(found) == [("70009-032", "B", OTHER)]


def test_v_reg_7_half_needs_three_quarters_together() -> None:
    half = valid_several(fraction=Fraction.HALF, employer_agreement=None,
                         circumstances=("CCT_BASIS",),
                         other_employer={"mean_working_hours": 900},
                         regime_during={"mean_working_hours": 950})
    assert triples(check(half)) == [("70009-032", "B", OTHER)]


def test_v_reg_7_one_fifth_split_neither_proportional_nor_whole() -> None:
    found = check(valid_several(regime_during={"mean_working_hours": 1400}))
    assert triples(found) == [("70008-032", "W", DURING_HOURS)]


def test_v_reg_7_one_fifth_taken_wholly_here_holds() -> None:
    assert check(valid_several(regime_during={"mean_working_hours": 1140})) == []


def test_v_reg_7_holds_for_a_valid_combination() -> None:
    assert check(valid_several()) == []


def test_v_reg_8_reference_hours_change_during_the_leave() -> None:
    found = check(valid_submit(regime_during={"ref_mean_working_hours": 3900}))
    assert triples(found) == [("70008-032", "W", "/SubmitRequest/RegimeDuring/RefMeanWorkingHours")]


def test_v_reg_8_same_reference_holds() -> None:
    assert "70008-032" not in codes_of(check(valid_submit()))
