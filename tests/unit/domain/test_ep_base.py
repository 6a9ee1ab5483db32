"""The employer part as a whole: valid requests raise nothing, Accept is merged with its
notification, and V-PAR-6 resolves the employer's parameters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from builders import (
    START,
    check,
    context,
    offline_context,
    profile,
    triples,
    valid_end_of_career,
    valid_medical,
    valid_palliative,
    valid_parental,
    valid_public,
    valid_several,
    valid_submit,
)

from service.domain.codes import Fraction, Motive, Scheme, Sector
from service.domain.commands import (
    Accept,
    Child,
    CompanyRef,
    DecideNotification,
    EmployeeNotification,
    EmployerRef,
    NotifiedWorker,
    Refuse,
    Regime,
    SubmitRequest,
)
from service.domain.rules.context import EmployerProfile
from service.domain.rules.employer_part import EmployerPart, check_employer_part

EMPLOYER = "/SubmitRequest/Employer"


def test_the_base_request_raises_nothing_with_a_profile() -> None:
    assert check(valid_submit()) == []


def test_the_base_request_raises_nothing_offline() -> None:
    assert check(valid_submit(), offline_context()) == []


@pytest.mark.parametrize(
    "build",
    [valid_end_of_career, valid_parental, valid_medical, valid_palliative, valid_several],
)
def test_each_valid_builder_raises_nothing(build: Callable[[], SubmitRequest]) -> None:
    assert check(build()) == []
    assert check(build(), offline_context()) == []


def test_valid_public_break_raises_nothing_for_a_federal_employer() -> None:
    assert check(valid_public(), context(employer=profile(Sector.PUBLIC_FEDERAL, y2025=50))) == []


def test_paths_follow_the_submit_request() -> None:
    part = EmployerPart.from_submit(valid_submit())
    assert part.path("Worker/INSS") == "/SubmitRequest/Worker/INSS"
    during = part.path("RegimeDuring/MeanWorkingHours")
    assert during == "/SubmitRequest/RegimeDuring/MeanWorkingHours"
    assert part.path("Attachment") == "/SubmitRequest/Attachment"


# ---- DecideNotification/Accept --------------------------------------------------------------


def _notification(**overrides: object) -> EmployeeNotification:
    fields: dict[str, object] = {
        "notification_id": "NTF-1",
        "employer": CompanyRef(company_id="0123456749"),
        "worker": NotifiedWorker(inss="75113099746"),
        "scheme": Scheme.TIME_CREDIT,
        "motive": Motive.CHILD_UNDER_8,
        "fraction": Fraction.ONE_FIFTH,
        "requested_start_date": START,
        "requested_end_date": date(2027, 8, 31),
        "notice_date": date(2026, 11, 2),
        "child": Child(birth_date=date(2022, 5, 14)),
        **overrides,
    }
    return EmployeeNotification.model_validate(fields)


def _decide(**accept: object) -> DecideNotification:
    fields: dict[str, object] = {
        "notice_date": date(2026, 11, 2),
        "regime_before": Regime(working_days_system=500, mean_working_hours=3800,
                                ref_mean_working_hours=3800),
        "regime_during": Regime(working_days_system=400, mean_working_hours=3040,
                                ref_mean_working_hours=3800),
        "several_employers": False,
        **accept,
    }
    return DecideNotification(
        request_reference="DEC-1", employer=EmployerRef(company_id="0123456749"),
        notification_id="NTF-1", decision=Accept.model_validate(fields),
    )


def test_accept_merged_with_its_notification_is_valid() -> None:
    part = EmployerPart.from_accept(_decide(), _notification())
    assert check_employer_part(part, context()) == []
    assert part.agreed  # accepting implies the employer's agreement (V-ELG-5)


def test_accept_anomalies_point_into_accept_or_at_the_notification() -> None:
    during = Regime(working_days_system=400, mean_working_hours=3100, ref_mean_working_hours=3800)
    part = EmployerPart.from_accept(_decide(regime_during=during), _notification(child=None))
    assert triples(check_employer_part(part, context())) == [
        ("70008-032", "B", "/DecideNotification/Accept/RegimeDuring/MeanWorkingHours"),
        ("70011-001", "B", "/DecideNotification/Accept/Child"),
    ]
    bad_worker = EmployerPart.from_accept(
        _decide(), _notification(worker=NotifiedWorker(inss="75113099747"))
    )
    assert triples(check_employer_part(bad_worker, context())) == [
        ("00024-004", "B", "/DecideNotification/NotificationId"),
    ]


def test_a_child_given_in_accept_replaces_the_notifications() -> None:
    part = EmployerPart.from_accept(
        _decide(child=Child(birth_date=date(2010, 1, 1))), _notification()
    )
    assert triples(check_employer_part(part, context())) == [
        ("70011-021", "B", "/DecideNotification/Accept/Child/BirthDate"),
    ]


def test_only_accept_carries_an_employer_part() -> None:
    refuse = DecideNotification(
        request_reference="DEC-1", employer=EmployerRef(company_id="0123456749"),
        notification_id="NTF-1", decision=Refuse(reason="SMALL_EMPLOYER"),
    )
    with pytest.raises(ValueError, match="Accept"):
        EmployerPart.from_accept(refuse, _notification())


# ---- V-PAR-6 employer parameters ------------------------------------------------------------


def test_v_par_6_no_parameters_online_warns_once_and_skips_sector_rules() -> None:
    public_break = valid_public()  # implausible for PRIVATE, but the sector is unknown
    assert triples(check(public_break, context(employer=None))) == [
        ("70017-001", "W", EMPLOYER)
    ]


def test_v_par_6_offline_without_profile_is_silent() -> None:
    assert check(valid_public(), offline_context()) == []


def test_v_par_6_uses_the_headcount_of_the_year_before_the_notice() -> None:
    small_now = EmployerProfile(sector=Sector.PRIVATE, headcounts={2024: 50, 2025: 8})
    found = triples(check(valid_submit(), context(employer=small_now)))
    assert found == [("70010-001", "B", "/SubmitRequest/EmployerAgreement"),
                     ("70006-021", "W", "/SubmitRequest/NoticeDate")]


def test_v_par_6_falls_back_to_an_earlier_headcount_with_a_warning() -> None:
    older = EmployerProfile(sector=Sector.PRIVATE, headcounts={2023: 8, 2026: 50})
    found = triples(check(valid_submit(employer_agreement=True), context(employer=older)))
    assert ("70017-021", "W", EMPLOYER) in found
    assert ("70006-021", "W", "/SubmitRequest/NoticeDate") in found  # 8 workers: 6 months


def test_v_par_6_without_any_usable_headcount_warns_and_skips() -> None:
    later_only = EmployerProfile(sector=Sector.PRIVATE, headcounts={2026: 5})
    assert triples(check(valid_submit(), context(employer=later_only))) == [
        ("70017-001", "W", EMPLOYER)
    ]


def test_v_par_6_headcount_not_needed_no_warning() -> None:
    no_headcount = EmployerProfile(sector=Sector.PRIVATE)
    assert check(valid_parental(), context(employer=no_headcount)) == []


def test_v_par_6_profile_without_sector_warns() -> None:
    no_sector = EmployerProfile(headcounts={2025: 50})
    assert triples(check(valid_submit(), context(employer=no_sector))) == [
        ("70017-001", "W", EMPLOYER)
    ]

