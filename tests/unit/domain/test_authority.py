"""Stateless checks of the authority messages: V-LCY-8 format, V-NTF-3, V-PFL-4, V-MAN-1."""

from __future__ import annotations

from datetime import date

import pytest
from builders_messages import (
    codes,
    ctx,
    decision,
    dimona_declaration,
    employee_notification,
    grant_mandate,
    revoke_mandate,
    worker_part_completed,
)

from service.domain.codes import Fraction, Motive, Scheme
from service.domain.commands import CompanyRef, DimonaWorker, NotifiedWorker
from service.domain.rules.authority import (
    check_decision,
    check_dimona_declaration,
    check_employee_notification,
    check_mandate,
    check_v_typ_1_scheme_fraction,
    check_worker_part_completed,
)
from service.domain.schemes import ALLOWED_FRACTIONS

# ---- WorkerPartCompleted, Decision: ticket format ------------------------------------------


def test_v_lcy_8_holds_for_well_formed_tickets() -> None:
    assert check_worker_part_completed(worker_part_completed(), ctx()) == []
    assert check_decision(decision(ticket_number="T2026-000000001"), ctx()) == []


@pytest.mark.parametrize("ticket", ["", "ELO2026-123", "ELO2026-000000123 "])
def test_v_lcy_8_refuses_a_badly_formed_ticket(ticket: str) -> None:
    completed = worker_part_completed(ticket_number=ticket)
    assert codes(check_worker_part_completed(completed, ctx())) == [
        ("70012-003", "B", "/WorkerPartCompleted/TicketNumber")
    ]
    assert codes(check_decision(decision(ticket_number=ticket), ctx())) == [
        ("70012-003", "B", "/Decision/TicketNumber")
    ]


# ---- EmployeeNotification (V-NTF-3) --------------------------------------------------------


def test_v_ntf_3_holds_for_a_valid_notification() -> None:
    assert check_employee_notification(employee_notification(), ctx()) == []


@pytest.mark.parametrize(
    ("inss", "code"),
    [("7511309974A", "00024-002"), ("75113099747", "00024-004"), ("99023099702", "00024-003")],
)
def test_v_ntf_3_refuses_an_invalid_inss(inss: str, code: str) -> None:
    notification = employee_notification(worker=NotifiedWorker(inss=inss))
    assert codes(check_employee_notification(notification, ctx())) == [
        (code, "B", "/EmployeeNotification/Worker/INSS")
    ]


def test_v_ntf_3_refuses_an_invalid_company_id() -> None:
    notification = employee_notification(employer=CompanyRef(company_id="2123456791"))
    assert codes(check_employee_notification(notification, ctx())) == [
        ("00014-003", "B", "/EmployeeNotification/Employer/CompanyID")
    ]


def test_v_ntf_3_refuses_a_fraction_the_scheme_does_not_know() -> None:
    notification = employee_notification(fraction=Fraction.ONE_TENTH)
    assert codes(check_employee_notification(notification, ctx())) == [
        ("70003-008", "B", "/EmployeeNotification/Fraction")
    ]


MATRIX = [
    (scheme, fraction) for scheme, allowed in ALLOWED_FRACTIONS.items()
    for fraction in allowed
]


@pytest.mark.parametrize(("scheme", "fraction"), MATRIX)
def test_v_ntf_3_accepts_every_fraction_of_the_matrix(scheme: Scheme, fraction: Fraction) -> None:
    motive = Motive.TRAINING if scheme is Scheme.TIME_CREDIT else None
    notification = employee_notification(scheme=scheme, fraction=fraction, motive=motive)
    assert check_employee_notification(notification, ctx()) == []


def test_v_typ_1_refuses_an_unknown_scheme() -> None:
    assert codes(check_v_typ_1_scheme_fraction("HOLIDAY", "FULL", "/EmployeeNotification")) == [
        ("70001-008", "B", "/EmployeeNotification/Scheme")
    ]


def test_v_ntf_3_refuses_a_time_credit_without_motive() -> None:
    notification = employee_notification(motive=None)
    assert codes(check_employee_notification(notification, ctx())) == [
        ("70002-001", "B", "/EmployeeNotification/Motive")
    ]


def test_v_ntf_3_refuses_a_motive_on_another_scheme() -> None:
    notification = employee_notification(
        scheme=Scheme.PARENTAL_LEAVE, fraction=Fraction.FULL, motive=Motive.TRAINING
    )
    assert codes(check_employee_notification(notification, ctx())) == [
        ("70002-005", "B", "/EmployeeNotification/Motive")
    ]


def test_v_ntf_3_refuses_a_badly_formed_notification_id() -> None:
    notification = employee_notification(notification_id="not/an id")
    assert codes(check_employee_notification(notification, ctx())) == [
        ("70014-003", "B", "/EmployeeNotification/NotificationId")
    ]


# ---- DimonaDeclaration (V-PFL-4) -----------------------------------------------------------


@pytest.mark.parametrize("exit_date", [None, date(2020, 1, 1), date(2030, 1, 1)])
def test_v_pfl_4_holds_for_a_valid_declaration(exit_date: date | None) -> None:
    assert check_dimona_declaration(dimona_declaration(exit_date=exit_date), ctx()) == []


def test_v_pfl_4_refuses_an_exit_before_the_entry() -> None:
    declaration = dimona_declaration(entry_date=date(2020, 1, 2), exit_date=date(2020, 1, 1))
    assert codes(check_dimona_declaration(declaration, ctx())) == [
        ("70019-014", "B", "/DimonaDeclaration/ExitDate")
    ]


def test_v_pfl_4_refuses_an_invalid_inss() -> None:
    worker = DimonaWorker(inss="80531799759", last_name="Peeters", first_name="An")
    assert codes(check_dimona_declaration(dimona_declaration(worker=worker), ctx())) == [
        ("00024-003", "B", "/DimonaDeclaration/Worker/INSS")
    ]


def test_v_pfl_4_refuses_an_invalid_company_id() -> None:
    declaration = dimona_declaration(employer=CompanyRef(company_id="100000169"))
    assert codes(check_dimona_declaration(declaration, ctx())) == [
        ("00014-093", "B", "/DimonaDeclaration/Employer/CompanyID")
    ]


def test_v_pfl_4_refuses_an_invalid_joint_committee() -> None:
    declaration = dimona_declaration(joint_commission_nbr="20A")
    assert codes(check_dimona_declaration(declaration, ctx())) == [
        ("00046-008", "B", "/DimonaDeclaration/JointCommissionNbr")
    ]


# ---- GrantMandate, RevokeMandate (V-MAN-1) -------------------------------------------------


@pytest.mark.parametrize("valid_to", [None, date(2026, 1, 1), date(2027, 1, 1)])
def test_v_man_1_holds_for_a_valid_mandate(valid_to: date | None) -> None:
    assert check_mandate(grant_mandate(valid_to=valid_to), ctx()) == []
    assert check_mandate(revoke_mandate(valid_to=valid_to), ctx()) == []


def test_v_man_1_refuses_an_end_before_the_start() -> None:
    grant = grant_mandate(valid_from=date(2026, 1, 2), valid_to=date(2026, 1, 1))
    revoke = revoke_mandate(valid_from=date(2026, 1, 2), valid_to=date(2026, 1, 1))
    assert codes(check_mandate(grant, ctx())) == [("90000-014", "B", "/GrantMandate/ValidTo")]
    assert codes(check_mandate(revoke, ctx())) == [("90000-014", "B", "/RevokeMandate/ValidTo")]


@pytest.mark.parametrize(
    ("company_id", "code"),
    [("0123456750", "00014-004"), ("012345674A", "00014-002"), ("0000000000", "00014-001")],
)
def test_v_man_1_refuses_an_invalid_company_id(company_id: str, code: str) -> None:
    grant = grant_mandate(employer=CompanyRef(company_id=company_id))
    assert codes(check_mandate(grant, ctx())) == [(code, "B", "/GrantMandate/Employer/CompanyID")]
