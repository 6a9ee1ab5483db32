"""V-ELG-4: seniority at the notice date from the personnel file (RULES.md 3.4)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction as Ratio

import pytest
from builders import valid_end_of_career, valid_parental, valid_submit

from service.domain.codes import Circumstance, Motive, WorkerSource
from service.domain.commands import SubmitRequest
from service.domain.parameters import LegalParameters
from service.domain.rules.employer_part import EmployerPart
from service.domain.rules.seniority import (
    months_employed,
    seniority_start,
    v_elg_4_seniority,
)
from service.domain.rules.stateful import Period

P = LegalParameters.default()
NOTICE = date(2026, 11, 2)  # of valid_submit()
SINCE_2015 = [Period(date(2015, 1, 1), None)]


def elg_4(submit: SubmitRequest, periods: list[Period]) -> tuple[str, str, str | None] | None:
    found = v_elg_4_seniority(EmployerPart.from_submit(submit), periods, P)
    return None if found is None else (found.code, found.severity.value, found.path)


W_INSS = ("70019-058", "W", "/SubmitRequest/Worker/INSS")


def test_seniority_runs_back_through_periods_without_a_gap_day() -> None:
    periods = [Period(date(2010, 1, 1), date(2012, 12, 31)),  # gap of a day before the next
               Period(date(2013, 1, 2), date(2020, 5, 31)),
               Period(date(2020, 6, 1), None),  # follows the day after: one employment
               Period(date(2019, 1, 1), date(2019, 3, 31))]  # inside: changes nothing
    assert seniority_start(periods, NOTICE) == date(2013, 1, 2)
    assert seniority_start(periods, date(2012, 6, 1)) == date(2010, 1, 1)
    assert seniority_start([Period(date(2015, 1, 1), date(2016, 1, 1))], NOTICE) is None


def test_months_employed_counts_overlaps_once_within_the_window() -> None:
    periods = [Period(date(2025, 1, 1), date(2025, 6, 30)),
               Period(date(2025, 3, 1), date(2025, 8, 31)),
               Period(date(2026, 1, 1), None)]
    assert months_employed(periods, date(2025, 8, 2), date(2026, 11, 2)) == (
        Ratio(30, 31) + 10 + Ratio(2, 30))


@pytest.mark.parametrize(("entry", "expected"), [
    (date(2024, 11, 2), None),  # exactly 24 months at the notice
    (date(2024, 11, 3), W_INSS),
])
def test_time_credit_needs_24_months(entry: date, expected: object) -> None:
    training = valid_submit(motive=Motive.TRAINING, child=None)
    assert elg_4(training, [Period(entry, None)]) == expected


def test_time_credit_after_exhausted_parental_leave_needs_no_seniority() -> None:
    exhausted = valid_submit(motive=Motive.TRAINING, child=None,
                             circumstances=(Circumstance.PARENTAL_LEAVE_EXHAUSTED,))
    assert elg_4(exhausted, [Period(date(2026, 6, 1), None)]) is None


def test_child_care_below_the_allowance_seniority_warns_allowances_unlikely() -> None:
    found = v_elg_4_seniority(EmployerPart.from_submit(valid_submit()),
                              [Period(date(2024, 5, 1), None)], P)  # 30 < 36 months
    assert found is not None and "allowances" in found.messages.en
    assert elg_4(valid_submit(), [Period(date(2023, 11, 2), None)]) is None  # 36 months


def test_end_of_career_needs_24_months() -> None:
    assert elg_4(valid_end_of_career(), [Period(date(2025, 1, 1), None)]) == W_INSS
    assert elg_4(valid_end_of_career(), SINCE_2015) is None


def test_parental_leave_needs_12_of_the_15_months_before_the_notice() -> None:
    parental = valid_parental()  # notice 2026-12-01: window from 2025-09-01
    assert elg_4(parental, [Period(date(2025, 12, 1), None)]) is None  # 12 months
    assert elg_4(parental, [Period(date(2025, 12, 3), None)]) == W_INSS
    assert elg_4(parental, [Period(date(2020, 1, 1), date(2026, 3, 31))]) == W_INSS  # 7 months


def test_manual_workers_count_from_their_hire_date() -> None:
    manual = valid_submit(motive=Motive.TRAINING, child=None,
                          worker={"source": WorkerSource.MANUAL, "hire_date": date(2026, 1, 1)})
    assert elg_4(manual, SINCE_2015) == W_INSS  # the file is not what counts
    without_date = valid_submit(motive=Motive.TRAINING, child=None,
                                worker={"source": WorkerSource.MANUAL})
    assert elg_4(without_date, SINCE_2015) is None  # V-PFL-3 speaks


def test_no_evidence_and_other_schemes_say_nothing() -> None:
    assert elg_4(valid_submit(motive=Motive.TRAINING, child=None), []) is None  # V-PFL-1
    medical = valid_submit(scheme="MEDICAL_ASSISTANCE", motive=None, fraction="FULL",
                           end_date=date(2027, 3, 31), child=None)
    assert elg_4(medical, [Period(date(2026, 10, 1), None)]) is None
