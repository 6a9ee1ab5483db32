"""Dated legal parameters (RULES.md section 6): each dated value on both sides of its
boundary, the unconfirmed fallback and the errors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from service.domain.parameters import LegalParameters, ParameterError, ParameterRecord

P = LegalParameters.default()
D = date


@pytest.mark.parametrize(
    ("name", "before", "value_before", "after", "value_after"),
    [
        ("tc.cap_months.child_under_8", D(2023, 1, 31), 51, D(2023, 2, 1), 48),
        ("tc.allowance_seniority_months.child_care", D(2023, 5, 31), 24, D(2023, 6, 1), 36),
        ("eoc.min_age", D(2025, 12, 31), 55, D(2026, 1, 1), 60),
        ("eoc.min_age_exception", D(2025, 12, 31), 50, D(2026, 1, 1), 55),
        ("eoc.career_years.women", D(2025, 12, 31), 25, D(2026, 1, 1), 26),
        ("eoc.career_years.men", D(2025, 12, 31), 25, D(2026, 1, 1), 31),
        ("eoc.career_years.women", D(2029, 12, 31), 26, D(2030, 1, 1), 30),  # 2027-29 unconfirmed
        ("eoc.career_years.men", D(2029, 12, 31), 31, D(2030, 1, 1), 35),
        ("parental.paid_months.FULL", D(2012, 3, 7), 3, D(2012, 3, 8), 4),
        ("parental.paid_months.HALF", D(2012, 3, 7), 6, D(2012, 3, 8), 8),
        ("parental.paid_months.ONE_FIFTH", D(2012, 3, 7), 15, D(2012, 3, 8), 20),
        ("parental.paid_months.ONE_TENTH", D(2012, 3, 7), 30, D(2012, 3, 8), 40),
    ],
)
def test_dated_integer_switches_on_its_boundary(
    name: str, before: date, value_before: int, after: date, value_after: int
) -> None:
    assert P.int_value(name, before) == value_before
    assert P.int_value(name, after) == value_after


@pytest.mark.parametrize(
    ("name", "before", "value_before", "after", "value_after"),
    [
        ("medical.flexible_weeks_allowed", D(2019, 5, 31), False, D(2019, 6, 1), True),
        ("channel.paper_accepted", D(2024, 9, 30), True, D(2024, 10, 1), False),
        ("channel.paper_accepted.education", D(2024, 12, 31), True, D(2025, 1, 1), False),
    ],
)
def test_dated_boolean_switches_on_its_boundary(
    name: str, before: date, value_before: bool, after: date, value_after: bool
) -> None:
    assert P.bool_value(name, before) is value_before
    assert P.bool_value(name, after) is value_after


@pytest.mark.parametrize(
    ("name", "first_day"),
    [
        ("notification.online_available", D(2023, 6, 27)),
        ("channel.structured_messages", D(2018, 1, 1)),
        ("channel.electronic_mandatory", D(2024, 7, 1)),
        ("channel.mixed_paper_refused", D(2024, 6, 1)),
        ("parental.one_tenth_all_employers", D(2019, 1, 1)),
    ],
)
def test_values_that_start_on_a_date_are_unknown_before_it(name: str, first_day: date) -> None:
    assert P.bool_value(name, first_day) is True
    with pytest.raises(ParameterError, match="no value in force"):
        P.get(name, first_day - timedelta(days=1))


def test_unconfirmed_periods_fall_back_to_the_latest_earlier_record() -> None:
    assert P.int_value("eoc.career_years.men", D(2027, 1, 1)) == 31
    assert P.int_value("eoc.career_years.women", D(2028, 6, 1)) == 26
    assert P.int_value("eoc.regime_reference_months", D(2025, 12, 31)) == 24
    assert P.int_value("eoc.regime_reference_months", D(2026, 1, 1)) == 24


def test_open_values_and_typed_accessors() -> None:
    on = D(2026, 12, 1)
    assert P.date_value("channel.education_from", on) == D(2024, 10, 1)
    assert P.decimal_value("tc.half_min_fraction", on) == Decimal("0.75")
    assert P.int_value("public.notice_months", on) == 2
    assert P.int_value("attachment.max_bytes", on) == 5 * 1024 * 1024
    assert P.str_list("attachment.types", on) == ["PDF", "PNG", "JPEG"]
    assert P.int_value("tc.min_months.ONE_FIFTH", on) == 6
    assert P.int_value("parental.max_months.ONE_TENTH", on) == 40
    assert P.bool_value("switch.V-NOT-7", on) is True


def test_every_open_value_of_section_6_is_present() -> None:
    expected = {
        "tc.min_months.FULL", "tc.min_months.HALF", "tc.min_months.ONE_FIFTH",
        "tc.min_months.palliative", "tc.serious_illness_months.min",
        "tc.serious_illness_months.max", "tc.cap_months.care", "tc.cap_months.training",
        "tc.cap_months.care_plus_training", "tc.seniority_months", "tc.regime_reference_months",
        "tc.half_min_fraction", "eoc.min_months.HALF", "eoc.min_months.ONE_FIFTH",
        "eoc.seniority_months", "eoc.allowance_age", "eoc.allowance_derogation_age.ONE_FIFTH",
        "eoc.allowance_derogation_age.HALF", "notice.months.large", "notice.months.small",
        "notice.small_headcount_max", "notice.after_palliative_days", "consent.headcount_max",
        "threshold.percent", "postpone.max_months", "postpone.decide_within_months",
        "submission.earliest_months_before_start", "submission.late_months_after_start",
        "parental.notice_months.min", "parental.notice_months.max", "parental.seniority_months",
        "parental.seniority_window_months", "parental.child_age", "parental.child_age.disabled",
        "medical.notice_days", "medical.period_months.min", "medical.period_months.max",
        "medical.cap_months.FULL", "medical.cap_months.partial",
        "medical.cap_multiplier.single_parent", "medical.single_parent_child_age_max",
        "medical.full_only_headcount_below", "medical.refusal_headcount_below",
        "medical.refusal_after_months.FULL", "medical.refusal_after_months.partial",
        "palliative.months_per_request", "palliative.max_per_patient",
        "public.period_months.min", "public.period_months.max", "public.cap_months.FULL",
        "public.cap_months.partial", "public.early_end_notice_months",
        "tc.child_age.CHILD_UNDER_8", "tc.child_age.DISABLED_CHILD",
        "tc.child_age.SERIOUSLY_ILL_MINOR_CHILD", "attachment.max_bytes",
        "attachment.max_count", "attachment.types", "search.window_months",
        "public.extension_notice_months", "channel.education_from",
        *(f"parental.blocks.{f}" for f in ("FULL", "HALF", "ONE_FIFTH", "ONE_TENTH")),
        *(f"parental.max_months.{f}" for f in ("FULL", "HALF", "ONE_FIFTH", "ONE_TENTH")),
    }
    assert expected <= P.names()
    for name in expected:
        P.get(name, D(2026, 12, 1))  # each one in force today


def test_unknown_name_raises_a_clear_error() -> None:
    with pytest.raises(ParameterError, match=r"unknown legal parameter 'no\.such'"):
        P.get("no.such", D(2026, 1, 1))


def test_date_outside_every_record_raises() -> None:
    table = LegalParameters.from_records(
        [{"name": "x", "value": 1, "valid_from": "2020-01-01", "valid_to": "2020-12-31"}]
    )
    assert table.int_value("x", D(2020, 6, 1)) == 1
    with pytest.raises(ParameterError, match=r"no value in force on 2021-01-01"):
        table.int_value("x", D(2021, 1, 1))


def test_wrong_type_raises() -> None:
    with pytest.raises(ParameterError, match="not an integer"):
        P.int_value("medical.flexible_weeks_allowed", D(2026, 1, 1))
    with pytest.raises(ParameterError, match="not a boolean"):
        P.bool_value("eoc.min_age", D(2026, 1, 1))


def test_overlapping_records_are_refused() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        LegalParameters.from_records([
            ParameterRecord(name="x", value=1, valid_to=D(2020, 12, 31)),
            ParameterRecord(name="x", value=2, valid_from=D(2020, 12, 31)),
        ])


def test_unconfirmed_fallback_only_applies_inside_the_listed_period() -> None:
    table = LegalParameters.from_records(
        [{"name": "x", "value": 1, "valid_to": "2020-12-31"}],
        [{"name": "x", "valid_from": "2021-01-01", "valid_to": "2021-12-31"}],
    )
    assert table.int_value("x", D(2021, 7, 1)) == 1
    with pytest.raises(ParameterError):
        table.int_value("x", D(2022, 1, 1))
