"""V-REG-1 to V-REG-6: the regimes before and during the leave."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    check,
    codes_of,
    triples,
    valid_medical,
    valid_palliative,
    valid_parental,
    valid_submit,
)

from service.domain.codes import Fraction

BEFORE = "/SubmitRequest/RegimeBefore"
DURING = "/SubmitRequest/RegimeDuring"
HALF_DURING = {"working_days_system": 500, "mean_working_hours": 1900}


@pytest.mark.parametrize(
    ("regime", "value", "code", "path"),
    [
        ("regime_before", {"working_days_system": 0}, "00047-008", f"{BEFORE}/WorkingDaysSystem"),
        ("regime_before", {"working_days_system": 701}, "00047-008",
         f"{BEFORE}/WorkingDaysSystem"),
        ("regime_before", {"mean_working_hours": 0}, "00048-008", f"{BEFORE}/MeanWorkingHours"),
        ("regime_before", {"ref_mean_working_hours": 4801}, "00049-008",
         f"{BEFORE}/RefMeanWorkingHours"),
        ("regime_during", {"working_days_system": 701}, "00047-008",
         f"{DURING}/WorkingDaysSystem"),
        ("regime_during", {"mean_working_hours": 4801}, "00048-008", f"{DURING}/MeanWorkingHours"),
        ("regime_during", {"mean_working_hours": 0}, "00048-003", f"{DURING}/MeanWorkingHours"),
    ],
)
def test_v_reg_1_out_of_range(regime: str, value: dict[str, int], code: str, path: str) -> None:
    assert (code, "B", path) in triples(check(valid_submit(**{regime: value})))


def test_v_reg_1_holds_at_the_bounds() -> None:
    found = check(valid_submit(regime_before={"working_days_system": 700},
                               regime_during={"working_days_system": 1}))
    assert not {"00047-008", "00048-008", "00049-008", "00048-003"} & codes_of(found)


def test_v_reg_2_hours_above_the_reference_warn() -> None:
    found = check(valid_parental(fraction=Fraction.FULL, end_date=date(2027, 3, 31),
                                 regime_before={"mean_working_hours": 3900},
                                 regime_during={"working_days_system": 0,
                                                "mean_working_hours": 0}))
    assert triples(found) == [("00048-032", "W", f"{BEFORE}/MeanWorkingHours")]


def test_v_reg_2_holds_with_several_employers() -> None:
    found = check(valid_submit(several_employers=True,
                               regime_before={"mean_working_hours": 3900}))
    assert "00048-032" not in codes_of(found)


def test_v_reg_3_half_time_credit_below_three_quarters() -> None:
    found = check(valid_submit(fraction=Fraction.HALF, regime_during=HALF_DURING,
                               regime_before={"mean_working_hours": 2849}))
    assert ("70007-032", "B", BEFORE) in triples(found)


def test_v_reg_3_exactly_three_quarters_holds() -> None:
    found = check(valid_submit(fraction=Fraction.HALF, regime_during=HALF_DURING,
                               regime_before={"mean_working_hours": 2850}))
    assert "70007-032" not in codes_of(found)


def test_v_reg_4_one_fifth_needs_five_days() -> None:
    found = check(valid_submit(regime_before={"working_days_system": 450}))
    assert triples(found) == [("70007-032", "B", BEFORE)]


def test_v_reg_4_one_fifth_needs_full_time() -> None:
    found = check(valid_submit(regime_before={"mean_working_hours": 3700}))
    assert ("70007-032", "B", BEFORE) in triples(found)


def test_v_reg_4_holds_on_full_time() -> None:
    assert "70007-032" not in codes_of(check(valid_submit()))


def test_v_reg_5_partial_parental_leave_needs_full_time() -> None:
    found = check(valid_parental(regime_before={"mean_working_hours": 3000},
                                 regime_during={"mean_working_hours": 2400}))
    assert ("70007-032", "B", BEFORE) in triples(found)


def test_v_reg_5_half_medical_below_three_quarters() -> None:
    found = check(valid_medical(fraction=Fraction.HALF, regime_during=HALF_DURING,
                                regime_before={"mean_working_hours": 2800}))
    assert ("70007-032", "B", BEFORE) in triples(found)


def test_v_reg_5_one_fifth_palliative_needs_full_time() -> None:
    found = check(valid_palliative(fraction=Fraction.ONE_FIFTH,
                                   regime_before={"mean_working_hours": 3000},
                                   regime_during={"working_days_system": 400,
                                                  "mean_working_hours": 2400}))
    assert ("70007-032", "B", BEFORE) in triples(found)


def test_v_reg_5_half_medical_at_three_quarters_holds() -> None:
    found = check(valid_medical(fraction=Fraction.HALF, regime_during=HALF_DURING,
                                regime_before={"mean_working_hours": 2850}))
    assert "70007-032" not in codes_of(found)


def test_v_reg_6_hours_during_do_not_match_the_fraction() -> None:
    found = check(valid_submit(regime_during={"mean_working_hours": 3100}))
    assert triples(found) == [("70008-032", "B", f"{DURING}/MeanWorkingHours")]


def test_v_reg_6_within_one_hundredth_holds() -> None:
    assert check(valid_submit(regime_during={"mean_working_hours": 3041})) == []


def test_v_reg_6_full_suspension_leaves_no_days() -> None:
    found = check(valid_medical(regime_during={"working_days_system": 100,
                                               "mean_working_hours": 0}))
    assert ("70008-032", "B", f"{DURING}/WorkingDaysSystem") in triples(found)


def test_v_reg_6_skipped_with_several_employers() -> None:
    found = check(valid_submit(several_employers=True, regime_during={"mean_working_hours": 3100}))
    assert ("70008-032", "B", f"{DURING}/MeanWorkingHours") not in triples(found)
