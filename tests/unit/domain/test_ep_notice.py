"""V-NOT-1, 2, 3, 5, 6, 7: notice periods and the filing window."""

from __future__ import annotations

from datetime import date

from builders import (
    START,
    check,
    codes_of,
    context,
    offline_context,
    profile,
    triples,
    valid_end_of_career,
    valid_medical,
    valid_palliative,
    valid_parental,
    valid_public,
    valid_submit,
)

from service.domain.calendar import weeks_end
from service.domain.codes import Circumstance as C
from service.domain.codes import Sector
from service.domain.parameters import LegalParameters, ParameterRecord

NOTICE = "/SubmitRequest/NoticeDate"
START_PATH = "/SubmitRequest/StartDate"
LATE_NOTICE = ("70006-021", "W", NOTICE)
# Notices given in 2027 read the headcount of 2026.
KNOWN_2026 = profile(y2025=50, y2026=50)


# ---- V-NOT-1 ----------------------------------------------------------------------------------


def test_v_not_1_three_months_notice_above_twenty_workers() -> None:
    found = check(valid_submit(notice_date=date(2026, 12, 2)), context(date(2026, 12, 10)))
    assert triples(found) == [LATE_NOTICE]


def test_v_not_1_three_months_notice_on_the_last_day_holds() -> None:
    assert check(valid_submit(notice_date=date(2026, 12, 1))) == []


def test_v_not_1_six_months_notice_at_twenty_workers_or_fewer() -> None:
    found = check(valid_submit(), context(employer=profile(y2025=20)))
    assert triples(found) == [LATE_NOTICE]


def test_v_not_1_unknown_headcount_uses_the_lenient_three_months() -> None:
    assert check(valid_end_of_career(), offline_context()) == []


def test_v_not_1_two_weeks_after_palliative_leave() -> None:
    late = valid_submit(notice_date=date(2027, 2, 16), circumstances=(C.FOLLOWS_PALLIATIVE_LEAVE,))
    assert triples(check(late, context(date(2027, 2, 20), employer=KNOWN_2026))) == [LATE_NOTICE]
    in_time = late.model_copy(update={"notice_date": date(2027, 2, 15)})
    assert check(in_time, context(date(2027, 2, 20), employer=KNOWN_2026)) == []


def test_v_not_1_skipped_when_a_shorter_notice_was_agreed() -> None:
    found = check(valid_submit(circumstances=(C.SHORTER_NOTICE_AGREED,)),
                  context(employer=profile(y2025=20)))
    assert "70006-021" not in codes_of(found)


# ---- V-NOT-2 ----------------------------------------------------------------------------------


def test_v_not_2_parental_notice_more_than_three_months_ahead() -> None:
    found = check(valid_parental(notice_date=date(2026, 11, 30)))
    assert triples(found) == [LATE_NOTICE]


def test_v_not_2_parental_notice_less_than_two_months_ahead() -> None:
    found = check(valid_parental(notice_date=date(2027, 1, 2)), context(date(2027, 1, 5)))
    assert triples(found) == [LATE_NOTICE]


def test_v_not_2_upper_bound_yields_to_an_agreement() -> None:
    late = valid_parental(notice_date=date(2027, 1, 2), circumstances=(C.SHORTER_NOTICE_AGREED,))
    assert check(late, context(date(2027, 1, 5))) == []


def test_v_not_2_two_months_ahead_holds() -> None:
    assert check(valid_parental(notice_date=date(2027, 1, 1)), context(date(2027, 1, 5))) == []


# ---- V-NOT-3 ----------------------------------------------------------------------------------


def test_v_not_3_medical_notice_less_than_seven_days() -> None:
    late = valid_medical(notice_date=date(2027, 2, 23))
    found = check(late, context(date(2027, 2, 25), employer=KNOWN_2026))
    assert triples(found) == [LATE_NOTICE]


def test_v_not_3_seven_days_holds() -> None:
    in_time = valid_medical(notice_date=date(2027, 2, 22))
    assert check(in_time, context(date(2027, 2, 25), employer=KNOWN_2026)) == []


def test_v_not_3_skipped_for_a_one_week_hospitalisation() -> None:
    week = valid_medical(notice_date=date(2027, 2, 28), end_date=weeks_end(START, 1),
                         circumstances=(C.UNFORESEEN_HOSPITALISATION,))
    assert check(week, context(date(2027, 2, 28), employer=KNOWN_2026)) == []


# ---- V-NOT-5 ----------------------------------------------------------------------------------


def test_v_not_5_more_than_six_months_ahead_is_refused() -> None:
    found = check(valid_submit(), context(date(2026, 8, 31), employer=profile(y2025=50)))
    assert ("70004-021", "B", START_PATH) in triples(found)


def test_v_not_5_six_months_ahead_holds() -> None:
    found = check(valid_submit(notice_date=date(2026, 8, 1)), context(date(2026, 9, 1)))
    assert found == []


def test_v_not_5_more_than_two_months_late_warns() -> None:
    found = check(valid_submit(), context(date(2027, 5, 2)))
    assert triples(found) == [("70004-021", "W", START_PATH)]


def test_v_not_5_two_months_late_holds() -> None:
    assert check(valid_submit(), context(date(2027, 5, 1))) == []


# ---- V-NOT-6 ----------------------------------------------------------------------------------


def test_v_not_6_palliative_before_the_monday_after_the_certificate() -> None:
    found = check(valid_palliative(start_date=date(2026, 11, 27), end_date=date(2026, 12, 26)))
    assert triples(found) == [("70004-021", "W", START_PATH)]


def test_v_not_6_earlier_start_with_the_employers_agreement_holds() -> None:
    early = valid_palliative(start_date=date(2026, 11, 27), end_date=date(2026, 12, 26),
                             employer_agreement=True)
    assert check(early) == []


# ---- V-NOT-7 ----------------------------------------------------------------------------------

FEDERAL = profile(Sector.PUBLIC_FEDERAL, y2025=50)


def test_v_not_7_public_notice_less_than_two_months() -> None:
    late = valid_public(notice_date=date(2027, 1, 2))
    assert triples(check(late, context(date(2027, 1, 5), employer=FEDERAL))) == [LATE_NOTICE]


def test_v_not_7_holds_with_two_months() -> None:
    in_time = valid_public(notice_date=date(2027, 1, 1))
    assert check(in_time, context(date(2027, 1, 5), employer=FEDERAL)) == []


def test_v_not_7_can_be_switched_off() -> None:
    default = LegalParameters.default()
    on = date(2027, 1, 5)
    records = [default.record(name, on) for name in default.names() - {"switch.V-NOT-7"}
               if _in_force(default, name, on)]
    switched_off = LegalParameters([*records, ParameterRecord(name="switch.V-NOT-7", value=False)])
    late = valid_public(notice_date=date(2027, 1, 2))
    assert check(late, context(on, employer=FEDERAL, parameters=switched_off)) == []


def _in_force(table: LegalParameters, name: str, on: date) -> bool:
    try:
        table.record(name, on)
    except LookupError:
        return False
    return True
