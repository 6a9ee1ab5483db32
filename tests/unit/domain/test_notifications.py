"""V-NTF-1, V-NTF-2, V-NTF-4, V-NTF-5, V-NOT-4, V-NOT-8, V-NTF-6, V-NTF-7 (and V-PAR-6 for a
notification's headcount)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction as Ratio
from typing import Any

import pytest
from builders import triples
from builders_messages import employee_notification

from service.domain.anomalies import Anomaly
from service.domain.codes import Fraction as F
from service.domain.codes import Motive as M
from service.domain.codes import NotificationState as N
from service.domain.codes import RefuseReason as R
from service.domain.codes import Scheme as Sc
from service.domain.codes import Sector
from service.domain.commands import Accept
from service.domain.parameters import LegalParameters, ParameterRecord
from service.domain.rules.context import EmployerProfile
from service.domain.rules.notifications import (
    MEDICAL_POSTPONE_SWITCH,
    RefusalFacts,
    Repeat,
    notification_fingerprint,
    notification_headcount,
    v_not_4_new_start_date,
    v_not_8_decided_in_time,
    v_ntf_1_auto_refusal,
    v_ntf_2_repeat,
    v_ntf_4_notification,
    v_ntf_5_postpone_allowed,
    v_ntf_6_refusal_reason,
    v_ntf_7_accept_matches,
)

P = LegalParameters.default()
TODAY = date(2026, 3, 15)
REQUESTED = date(2027, 3, 1)
NOTICE = date(2026, 11, 2)
REASON = "/DecideNotification/Refuse/Reason"


def triple(found: Anomaly | None) -> tuple[str, str, str | None] | None:
    return None if found is None else (found.code, found.severity.value, found.path)


# ---- V-NTF-1 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("accepts", "known", "expected"), [
    (True, True, None),
    (False, True, ("70014-146", "B", "/EmployeeNotification/NotificationId")),
    (None, True, ("70014-146", "B", "/EmployeeNotification/NotificationId")),  # mandate only
    (False, False, ("70014-146", "B", "/EmployeeNotification/NotificationId")),
    (None, False, ("00014-235", "B", "/EmployeeNotification/Employer/CompanyID")),
])
def test_v_ntf_1_auto_refusal(
    accepts: bool | None, known: bool, expected: tuple[str, str, str] | None
) -> None:
    found = v_ntf_1_auto_refusal(accepts, known)
    assert triple(found) == expected
    if found is not None:
        assert len({found.messages.en, found.messages.fr, found.messages.nl}) == 3


# ---- V-NTF-2 ----------------------------------------------------------------------------------


def test_v_ntf_2_new_notification() -> None:
    verdict = v_ntf_2_repeat(None, notification_fingerprint(employee_notification()))
    assert (verdict.kind, verdict.anomaly) == (Repeat.NEW, None)


def test_v_ntf_2_identical_repeat_is_ignored() -> None:
    first = notification_fingerprint(employee_notification())
    again = notification_fingerprint(employee_notification())
    verdict = v_ntf_2_repeat(first, again)
    assert (verdict.kind, verdict.anomaly) == (Repeat.IDENTICAL, None)


def test_v_ntf_2_same_id_other_content_is_parked() -> None:
    first = notification_fingerprint(employee_notification())
    other = notification_fingerprint(employee_notification(fraction=F.HALF))
    verdict = v_ntf_2_repeat(first, other)
    assert verdict.kind is Repeat.CONFLICT
    assert triple(verdict.anomaly) == ("70014-006", "B", "/EmployeeNotification/NotificationId")


# ---- V-NTF-4 ----------------------------------------------------------------------------------

NID = "/DecideNotification/NotificationId"


@pytest.mark.parametrize(("state", "expected"), [
    (None, ("70014-003", "B", NID)),
    (N.PENDING, None),
    (N.POSTPONED, ("70014-272", "B", NID)),
    (N.REFUSED, ("70014-272", "B", NID)),
    (N.ACCEPTED, ("70014-272", "B", NID)),
    (N.AUTO_REFUSED, ("70014-272", "B", NID)),
])
def test_v_ntf_4_notification_known_and_pending(
    state: N | None, expected: tuple[str, str, str] | None
) -> None:
    assert triple(v_ntf_4_notification(state)) == expected


# ---- V-NTF-5 ----------------------------------------------------------------------------------

POSTPONE = "/DecideNotification/Postpone"


@pytest.mark.parametrize(("scheme", "expected"), [
    (Sc.TIME_CREDIT, None),
    (Sc.END_OF_CAREER, None),
    (Sc.PARENTAL_LEAVE, None),
    (Sc.PALLIATIVE_CARE, ("70016-146", "B", POSTPONE)),
    (Sc.MEDICAL_ASSISTANCE, ("70016-146", "B", POSTPONE)),
    (Sc.PUBLIC_CAREER_BREAK, ("70016-146", "W", POSTPONE)),
])
def test_v_ntf_5_postpone_per_scheme(scheme: Sc, expected: tuple[str, str, str] | None) -> None:
    assert triple(v_ntf_5_postpone_allowed(scheme, P, TODAY)) == expected


def _with(name: str, value: bool) -> LegalParameters:
    records = [P.record(n, TODAY) for n in P.names() if n != name]
    return LegalParameters([*records, ParameterRecord(name=name, value=value)])


def test_v_ntf_5_medical_row_is_behind_its_switch() -> None:
    off = _with(MEDICAL_POSTPONE_SWITCH, False)
    assert v_ntf_5_postpone_allowed(Sc.MEDICAL_ASSISTANCE, off, TODAY) is None
    assert v_ntf_5_postpone_allowed(Sc.PALLIATIVE_CARE, off, TODAY) is not None
    on = _with(MEDICAL_POSTPONE_SWITCH, True)
    assert triple(v_ntf_5_postpone_allowed(Sc.MEDICAL_ASSISTANCE, on, TODAY)) == (
        "70016-146", "B", POSTPONE
    )


# ---- V-NOT-4 ----------------------------------------------------------------------------------

NEW_START = "/DecideNotification/Postpone/NewStartDate"


@pytest.mark.parametrize(("new_start", "holds"), [
    (date(2027, 3, 2), True),
    (date(2027, 9, 1), True),  # shift(requested, 6)
    (REQUESTED, False),  # not after the requested start
    (date(2027, 2, 1), False),
    (date(2027, 9, 2), False),  # more than 6 months later
])
def test_v_not_4_new_start_date(new_start: date, holds: bool) -> None:
    found = v_not_4_new_start_date(REQUESTED, new_start, P, TODAY)
    assert triple(found) == (None if holds else ("70004-021", "B", NEW_START))


def test_v_not_4_clamps_at_the_end_of_month() -> None:
    # shift(2026-08-31, 6) = 2027-02-28
    assert v_not_4_new_start_date(date(2026, 8, 31), date(2027, 2, 28), P, TODAY) is None
    assert v_not_4_new_start_date(date(2026, 8, 31), date(2027, 3, 1), P, TODAY) is not None


# ---- V-NOT-8 ----------------------------------------------------------------------------------


def test_v_not_8_decided_within_one_month_holds() -> None:
    assert v_not_8_decided_in_time(NOTICE, date(2026, 12, 2), P) is None


def test_v_not_8_decided_too_late() -> None:
    found = v_not_8_decided_in_time(NOTICE, date(2026, 12, 3), P)
    assert triple(found) == ("70016-021", "B", POSTPONE)


# ---- V-NTF-6 ----------------------------------------------------------------------------------


def facts(scheme: Sc, fraction: F = F.FULL, **overrides: Any) -> RefusalFacts:
    fields: dict[str, Any] = {
        "scheme": scheme, "motive": M.TRAINING if scheme is Sc.TIME_CREDIT else None,
        "fraction": fraction, "start_date": REQUESTED, "notice_date": NOTICE, "headcount": 100,
    }
    return RefusalFacts(**{**fields, **overrides})


REFUSE_B = [("70016-146", "B", REASON)]
REFUSE_W = [("70016-146", "W", REASON)]
HEADCOUNT_W = [("70017-001", "W", "/DecideNotification/Employer")]

REFUSAL_CASES: list[tuple[str, R, RefusalFacts, list[tuple[str, str, str]]]] = [
    # SMALL_EMPLOYER
    ("tc-10", R.SMALL_EMPLOYER, facts(Sc.TIME_CREDIT, headcount=10), []),
    ("tc-11", R.SMALL_EMPLOYER, facts(Sc.TIME_CREDIT, headcount=11), REFUSE_B),
    ("eoc-10", R.SMALL_EMPLOYER, facts(Sc.END_OF_CAREER, F.HALF, headcount=10), []),
    ("eoc-11", R.SMALL_EMPLOYER, facts(Sc.END_OF_CAREER, F.HALF, headcount=11), REFUSE_B),
    ("med-9", R.SMALL_EMPLOYER, facts(Sc.MEDICAL_ASSISTANCE, headcount=9), []),
    ("med-10", R.SMALL_EMPLOYER, facts(Sc.MEDICAL_ASSISTANCE, headcount=10), REFUSE_B),
    ("parental", R.SMALL_EMPLOYER, facts(Sc.PARENTAL_LEAVE, headcount=3), REFUSE_B),
    ("tc-unknown", R.SMALL_EMPLOYER, facts(Sc.TIME_CREDIT, headcount=None), HEADCOUNT_W),
    ("med-unknown", R.SMALL_EMPLOYER, facts(Sc.MEDICAL_ASSISTANCE, headcount=None),
     HEADCOUNT_W),
    # AGREEMENT_REQUIRED
    ("par-tenth", R.AGREEMENT_REQUIRED, facts(Sc.PARENTAL_LEAVE, F.ONE_TENTH), []),
    ("par-flex", R.AGREEMENT_REQUIRED, facts(Sc.PARENTAL_LEAVE, flexible=True), []),
    ("par-full", R.AGREEMENT_REQUIRED, facts(Sc.PARENTAL_LEAVE), REFUSE_B),
    ("med-flex", R.AGREEMENT_REQUIRED, facts(Sc.MEDICAL_ASSISTANCE, flexible=True), []),
    ("med-fixed", R.AGREEMENT_REQUIRED, facts(Sc.MEDICAL_ASSISTANCE), REFUSE_B),
    ("fifth-split", R.AGREEMENT_REQUIRED,
     facts(Sc.TIME_CREDIT, F.ONE_FIFTH, several_employers=True), []),
    ("fifth-alone", R.AGREEMENT_REQUIRED, facts(Sc.TIME_CREDIT, F.ONE_FIFTH), REFUSE_B),
    ("half-split", R.AGREEMENT_REQUIRED,
     facts(Sc.TIME_CREDIT, F.HALF, several_employers=True), REFUSE_B),
    # NO_CCT_BASIS
    ("tc-full", R.NO_CCT_BASIS, facts(Sc.TIME_CREDIT, motive=M.CHILD_UNDER_8), []),
    ("tc-half", R.NO_CCT_BASIS, facts(Sc.TIME_CREDIT, F.HALF), []),
    ("tc-disabled", R.NO_CCT_BASIS, facts(Sc.TIME_CREDIT, motive=M.DISABLED_CHILD), REFUSE_B),
    ("tc-ill-minor", R.NO_CCT_BASIS,
     facts(Sc.TIME_CREDIT, F.HALF, motive=M.SERIOUSLY_ILL_MINOR_CHILD), REFUSE_B),
    ("tc-fifth", R.NO_CCT_BASIS, facts(Sc.TIME_CREDIT, F.ONE_FIFTH), REFUSE_B),
    ("eoc-half", R.NO_CCT_BASIS, facts(Sc.END_OF_CAREER, F.HALF), REFUSE_B),
    # MANAGEMENT_STAFF
    ("tc", R.MANAGEMENT_STAFF, facts(Sc.TIME_CREDIT), []),
    ("eoc", R.MANAGEMENT_STAFF, facts(Sc.END_OF_CAREER, F.ONE_FIFTH), []),
    ("parental", R.MANAGEMENT_STAFF, facts(Sc.PARENTAL_LEAVE), REFUSE_B),
    ("medical", R.MANAGEMENT_STAFF, facts(Sc.MEDICAL_ASSISTANCE), REFUSE_B),
    # MEDICAL_LIMIT
    ("6-full", R.MEDICAL_LIMIT,
     facts(Sc.MEDICAL_ASSISTANCE, headcount=49, history_full_months=6), []),
    ("12-partial", R.MEDICAL_LIMIT,
     facts(Sc.MEDICAL_ASSISTANCE, headcount=49, history_partial_months=Ratio(12)), []),
    ("short-history", R.MEDICAL_LIMIT,
     facts(Sc.MEDICAL_ASSISTANCE, headcount=49, history_full_months=5,
           history_partial_months=Ratio(23, 2)), REFUSE_W),
    ("50-workers", R.MEDICAL_LIMIT,
     facts(Sc.MEDICAL_ASSISTANCE, headcount=50, history_full_months=12), REFUSE_B),
    ("unknown", R.MEDICAL_LIMIT, facts(Sc.MEDICAL_ASSISTANCE, headcount=None), HEADCOUNT_W),
    ("tc", R.MEDICAL_LIMIT, facts(Sc.TIME_CREDIT, headcount=5), REFUSE_B),
]


@pytest.mark.parametrize(("reason", "refusal", "expected"),
                         [case[1:] for case in REFUSAL_CASES],
                         ids=[f"{case[1]}-{case[0]}" for case in REFUSAL_CASES])
def test_v_ntf_6_refusal_conditions(
    reason: R, refusal: RefusalFacts, expected: list[tuple[str, str, str]]
) -> None:
    assert triples(v_ntf_6_refusal_reason(reason, refusal, P)) == expected


@pytest.mark.parametrize("reason", list(R))
def test_v_ntf_6_palliative_care_is_never_refused(reason: R) -> None:
    found = v_ntf_6_refusal_reason(reason, facts(Sc.PALLIATIVE_CARE, headcount=1), P)
    assert triples(found) == REFUSE_B


@pytest.mark.parametrize("reason", list(R))
def test_v_ntf_6_public_career_break_takes_any_code_with_a_warning(reason: R) -> None:
    found = v_ntf_6_refusal_reason(reason, facts(Sc.PUBLIC_CAREER_BREAK, headcount=None), P)
    assert triples(found) == REFUSE_W


def test_refusal_facts_from_the_notification() -> None:
    notification = employee_notification(scheme=Sc.MEDICAL_ASSISTANCE, motive=None,
                                         fraction=F.FULL)
    built = RefusalFacts.from_notification(notification, 8, flexible=True)
    assert (built.scheme, built.fraction, built.headcount, built.flexible) == (
        Sc.MEDICAL_ASSISTANCE, F.FULL, 8, True
    )
    assert built.notice_date == notification.notice_date
    assert v_ntf_6_refusal_reason(R.SMALL_EMPLOYER, built, P) == []


# ---- V-PAR-6 for a notification's headcount -----------------------------------------------------


def test_notification_headcount_of_the_year_before_the_notice() -> None:
    profile = EmployerProfile(sector=Sector.PRIVATE, headcounts={2025: 8, 2024: 30})
    assert notification_headcount(profile, NOTICE) == (8, [])


def test_notification_headcount_falls_back_to_an_earlier_year() -> None:
    profile = EmployerProfile(sector=Sector.PRIVATE, headcounts={2023: 30})
    headcount, found = notification_headcount(profile, NOTICE)
    assert headcount == 30
    assert triples(found) == [("70017-021", "W", "/DecideNotification/Employer")]


@pytest.mark.parametrize("profile", [
    None, EmployerProfile(sector=Sector.PRIVATE), EmployerProfile(headcounts={2027: 5}),
])
def test_notification_headcount_unknown(profile: EmployerProfile | None) -> None:
    assert notification_headcount(profile, NOTICE) == (None, [])


# ---- V-NTF-7 ----------------------------------------------------------------------------------

REGIME = {"working_days_system": 500, "mean_working_hours": 3800, "ref_mean_working_hours": 3800}


def accept(**overrides: Any) -> Accept:
    fields = {"notice_date": date(2026, 3, 1), "regime_before": REGIME, "regime_during": REGIME,
              "several_employers": False}
    return Accept.model_validate({**fields, **overrides})


def test_v_ntf_7_same_dates_hold() -> None:
    notification = employee_notification(requested_end_date=date(2027, 2, 28))
    assert v_ntf_7_accept_matches(accept(end_date=date(2027, 2, 28)), notification) == []
    assert v_ntf_7_accept_matches(accept(), notification) == []


def test_v_ntf_7_end_date_given_when_the_notification_has_none_holds() -> None:
    assert v_ntf_7_accept_matches(accept(end_date=date(2027, 2, 28)),
                                  employee_notification()) == []


def test_v_ntf_7_end_date_differs() -> None:
    notification = employee_notification(requested_end_date=date(2027, 2, 28))
    found = v_ntf_7_accept_matches(accept(end_date=date(2027, 3, 31)), notification)
    assert triples(found) == [("70005-021", "W", "/DecideNotification/Accept/EndDate")]


def test_v_ntf_7_notice_date_differs() -> None:
    found = v_ntf_7_accept_matches(accept(notice_date=date(2026, 3, 2)),
                                   employee_notification())
    assert triples(found) == [("70006-021", "W", "/DecideNotification/Accept/NoticeDate")]
