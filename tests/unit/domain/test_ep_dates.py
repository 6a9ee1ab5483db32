"""V-DAT-1 to V-DAT-4: dates of the employer part."""

from __future__ import annotations

from datetime import date

from builders import check, codes_of, context, triples, valid_end_of_career, valid_submit

from service.domain.rules.ep_dates import v_dat_1_date_exists

END = "/SubmitRequest/EndDate"
NOTICE = "/SubmitRequest/NoticeDate"


def test_v_dat_1_impossible_date_text_is_refused_in_its_zone() -> None:
    found = v_dat_1_date_exists("2027-02-30", "70004", "/SubmitRequest/StartDate")
    assert found is not None
    assert triples([found]) == [("70004-003", "B", "/SubmitRequest/StartDate")]
    assert v_dat_1_date_exists("2027-3-01", "70004", "/p") is not None


def test_v_dat_1_real_date_text_holds() -> None:
    assert v_dat_1_date_exists("2028-02-29", "70004", "/SubmitRequest/StartDate") is None


def test_v_dat_2_end_before_start() -> None:
    found = check(valid_submit(end_date=date(2027, 2, 28)))
    assert triples(found) == [("70005-014", "B", END)]


def test_v_dat_2_one_day_period_holds() -> None:
    assert "70005-014" not in codes_of(check(valid_submit(end_date=date(2027, 3, 1))))


def test_v_dat_3_end_date_missing() -> None:
    assert triples(check(valid_submit(end_date=None))) == [("70005-360", "B", END)]


def test_v_dat_3_end_of_career_may_run_to_retirement() -> None:
    assert check(valid_end_of_career(end_date=None)) == []


def test_v_dat_4_notice_after_start() -> None:
    found = check(valid_submit(notice_date=date(2027, 3, 2)), context(date(2027, 3, 5)))
    assert ("70006-021", "B", NOTICE) in triples(found)


def test_v_dat_4_notice_in_the_future() -> None:
    found = check(valid_submit(notice_date=date(2026, 12, 2)))
    assert ("70006-021", "B", NOTICE) in triples(found)


def test_v_dat_4_notice_on_the_processing_date_holds() -> None:
    found = check(valid_submit(notice_date=date(2026, 12, 1)))
    assert ("70006-021", "B", NOTICE) not in triples(found)
