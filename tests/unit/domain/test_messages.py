"""Stateless rules of the employer messages other than SubmitRequest (RULES 3.6-3.8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from builders_messages import (
    PNG,
    add_attachment,
    attachment,
    cancel_request,
    codes,
    consult_request,
    contact,
    ctx,
    decide_notification,
    employer,
    list_notifications,
    modify_request,
    search_requests,
    update_parameters,
)
from hypothesis import given
from hypothesis import strategies as st

from service.domain.anomalies import Anomaly
from service.domain.codes import RefuseReason
from service.domain.commands import (
    Accept,
    ByCharacteristics,
    ByWorker,
    EmployerMessage,
    Refuse,
    Regime,
)
from service.domain.rules import messages
from service.domain.rules.messages import (
    check_add_attachment,
    check_cancel_request,
    check_consult_request,
    check_decide_notification,
    check_list_notifications,
    check_modify_request,
    check_search_requests,
    check_update_parameters,
    check_v_par_1_sector,
    check_v_par_3_headcount,
    check_v_par_4_accept,
)

Check = Callable[[Any, Any], list[Anomaly]]

ALL_MESSAGES: list[tuple[Callable[..., EmployerMessage], Check]] = [
    (cancel_request, check_cancel_request),
    (modify_request, check_modify_request),
    (add_attachment, check_add_attachment),
    (consult_request, check_consult_request),
    (search_requests, check_search_requests),
    (list_notifications, check_list_notifications),
    (decide_notification, check_decide_notification),
    (update_parameters, check_update_parameters),
]
TICKET_MESSAGES = ALL_MESSAGES[:4]


def root(build: Callable[..., EmployerMessage]) -> str:
    return f"/{type(build()).__name__}"


@pytest.mark.parametrize(("build", "check"), ALL_MESSAGES)
def test_a_valid_message_has_no_anomaly(
    build: Callable[..., EmployerMessage], check: Check
) -> None:
    assert check(build(), ctx()) == []


# ---- header: V-LCY-4 format, identification first ------------------------------------------


@pytest.mark.parametrize(("build", "check"), ALL_MESSAGES)
def test_v_lcy_4_refuses_a_badly_formed_request_reference(
    build: Callable[..., EmployerMessage], check: Check
) -> None:
    found = check(build(request_reference="ref with spaces"), ctx())
    assert codes(found) == [("70015-003", "B", f"{root(build)}/RequestReference")]


@pytest.mark.parametrize(("build", "check"), ALL_MESSAGES)
def test_a_blocking_identification_stops_the_evaluation(
    build: Callable[..., EmployerMessage], check: Check
) -> None:
    message = build(
        employer=employer(company_id="0123456750"),
        request_reference="bad reference!",
    )
    # Only the reference and the CompanyID: nothing about the message body.
    broken_body: dict[str, dict[str, Any]] = {
        "/CancelRequest": {"ticket_number": "nope"},
        "/ModifyRequest": {"ticket_number": "nope"},
        "/AddAttachment": {"ticket_number": "nope"},
        "/ConsultRequest": {"ticket_number": "nope"},
        "/SearchRequests": {"page": 0},
        "/DecideNotification": {"notification_id": "bad id"},
        "/UpdateParameters": {"headcount": -1},
    }
    message = message.model_copy(update=broken_body.get(root(build), {}))
    assert codes(check(message, ctx())) == [
        ("70015-003", "B", f"{root(build)}/RequestReference"),
        ("00014-004", "B", f"{root(build)}/Employer/CompanyID"),
    ]


def test_a_noss_warning_does_not_stop_the_evaluation() -> None:
    message = cancel_request(employer=employer(noss_registration_nbr="076543282"), confirm=False)
    assert codes(check_cancel_request(message, ctx())) == [
        ("00011-004", "W", "/CancelRequest/Employer/NOSSRegistrationNbr"),
        ("70012-008", "B", "/CancelRequest/Confirm"),
    ]


# ---- V-LCY-1 ticket number -----------------------------------------------------------------


@pytest.mark.parametrize(("build", "check"), TICKET_MESSAGES)
@pytest.mark.parametrize("ticket", ["ELO2026-000000123", "T2026-000000001", "ELO1999-999999999"])
def test_v_lcy_1_holds_for_a_well_formed_ticket(
    build: Callable[..., EmployerMessage], check: Check, ticket: str
) -> None:
    assert check(build(ticket_number=ticket), ctx()) == []


@pytest.mark.parametrize(("build", "check"), TICKET_MESSAGES)
@pytest.mark.parametrize(
    "ticket",
    [
        "ELO26-000000123",
        "ELO2026-00000012",
        "elo2026-000000123",
        "X2026-000000123",
        "ELO2026-000000123\n",
        "ELO２０２６-000000123",  # full-width digits are not ASCII digits
    ],
)
def test_v_lcy_1_refuses_a_badly_formed_ticket(
    build: Callable[..., EmployerMessage], check: Check, ticket: str
) -> None:
    assert codes(check(build(ticket_number=ticket), ctx())) == [
        ("70012-003", "B", f"{root(build)}/TicketNumber")
    ]


@pytest.mark.parametrize(("build", "check"), TICKET_MESSAGES)
def test_v_lcy_1_refuses_a_missing_ticket(
    build: Callable[..., EmployerMessage], check: Check
) -> None:
    assert codes(check(build(ticket_number=""), ctx())) == [
        ("70012-001", "B", f"{root(build)}/TicketNumber")
    ]


@given(
    st.sampled_from(["ELO", "T"]),
    st.integers(min_value=0, max_value=9999),
    st.integers(min_value=0, max_value=999_999_999),
)
def test_v_lcy_1_accepts_every_ticket_breakgate_can_issue(
    prefix: str, year: int, counter: int
) -> None:
    ticket = f"{prefix}{year:04d}-{counter:09d}"
    assert messages.check_v_lcy_1_ticket(ticket, "/x") is None


# ---- CancelRequest Confirm -----------------------------------------------------------------


def test_cancel_request_refuses_confirm_false() -> None:
    found = check_cancel_request(cancel_request(confirm=False), ctx())
    assert codes(found) == [("70012-008", "B", "/CancelRequest/Confirm")]


# ---- AddAttachment and DecideNotification carry the attachment rules ------------------------


def test_add_attachment_runs_the_attachment_rules() -> None:
    message = add_attachment(attachments=(attachment(PNG, content_type="application/pdf"),))
    assert codes(check_add_attachment(message, ctx())) == [
        ("70013-008", "B", "/AddAttachment/Attachment[1]/ContentType")
    ]


def test_decide_notification_runs_the_attachment_rules() -> None:
    message = decide_notification(attachments=(attachment(content=""),))
    assert codes(check_decide_notification(message, ctx())) == [
        ("70013-003", "B", "/DecideNotification/Attachment[1]/Content")
    ]


# ---- SearchRequests (V-LCY-6) --------------------------------------------------------------


def test_v_lcy_6_holds_when_start_to_equals_start_from() -> None:
    same_day = ByCharacteristics(start_from=date(2026, 1, 1), start_to=date(2026, 1, 1))
    assert check_search_requests(search_requests(criteria=same_day), ctx()) == []


def test_v_lcy_6_holds_with_an_open_range() -> None:
    open_range = ByCharacteristics(start_to=date(2020, 1, 1))
    assert check_search_requests(search_requests(criteria=open_range), ctx()) == []


def test_v_lcy_6_refuses_start_to_before_start_from() -> None:
    reversed_range = ByCharacteristics(start_from=date(2026, 2, 1), start_to=date(2026, 1, 31))
    found = check_search_requests(search_requests(criteria=reversed_range), ctx())
    assert codes(found) == [("70020-014", "B", "/SearchRequests/ByCharacteristics/StartTo")]


def test_v_lcy_6_holds_for_a_valid_worker_inss() -> None:
    by_worker = ByWorker(inss="80451799703")
    assert check_search_requests(search_requests(criteria=by_worker), ctx()) == []


@pytest.mark.parametrize(
    ("inss", "code"),
    [("75113099747", "00024-004"), ("7511309974", "00024-093"), ("31011599716", "00024-003")],
)
def test_v_lcy_6_checks_the_worker_inss_with_v_id_1_to_3(inss: str, code: str) -> None:
    found = check_search_requests(search_requests(criteria=ByWorker(inss=inss)), ctx())
    assert codes(found) == [(code, "B", "/SearchRequests/ByWorker/INSS")]


@pytest.mark.parametrize(("page", "page_size"), [(1, 1), (1, 500), (99, 100)])
def test_v_lcy_6_holds_for_pages_in_range(page: int, page_size: int) -> None:
    message = search_requests(page=page, page_size=page_size)
    assert check_search_requests(message, ctx()) == []


@pytest.mark.parametrize(
    ("page", "page_size", "path"),
    [
        (0, 100, "/SearchRequests/Page"),
        (-1, 100, "/SearchRequests/Page"),
        (1, 0, "/SearchRequests/PageSize"),
        (1, 501, "/SearchRequests/PageSize"),
    ],
)
def test_v_lcy_6_refuses_pages_out_of_range(page: int, page_size: int, path: str) -> None:
    found = check_search_requests(search_requests(page=page, page_size=page_size), ctx())
    assert codes(found) == [("70020-008", "B", path)]


# ---- DecideNotification --------------------------------------------------------------------


@pytest.mark.parametrize("notification_id", ["N", "a.b_c:d-E9", "x" * 36])
def test_notification_id_holds_when_well_formed(notification_id: str) -> None:
    message = decide_notification(notification_id=notification_id)
    assert check_decide_notification(message, ctx()) == []


@pytest.mark.parametrize("notification_id", ["", "x" * 37, "id with space", "id/1", "é"])
def test_notification_id_refuses_a_bad_format(notification_id: str) -> None:
    found = check_decide_notification(decide_notification(notification_id=notification_id), ctx())
    assert codes(found) == [("70014-003", "B", "/DecideNotification/NotificationId")]


def test_refuse_and_accept_decisions_need_nothing_stateless() -> None:
    regime = Regime(working_days_system=500, mean_working_hours=3800, ref_mean_working_hours=3800)
    accept = Accept(
        notice_date=date(2026, 3, 1),
        regime_before=regime,
        regime_during=regime,
        several_employers=False,
    )
    for decision in (Refuse(reason=RefuseReason.SMALL_EMPLOYER), accept):
        assert check_decide_notification(decide_notification(decision=decision), ctx()) == []


def test_list_notifications_checks_only_the_header() -> None:
    found = check_list_notifications(list_notifications(request_reference=""), ctx())
    assert codes(found) == [("70015-003", "B", "/ListNotifications/RequestReference")]


# ---- UpdateParameters (V-PAR-1..5) ---------------------------------------------------------


def test_v_par_1_holds_for_every_sector() -> None:
    for sector in ("PRIVATE", "PUBLIC_FEDERAL", "PUBLIC_OTHER", "EDUCATION", "DEFENCE"):
        assert check_v_par_1_sector(sector) is None


def test_v_par_1_refuses_an_unknown_sector() -> None:
    found = check_v_par_1_sector("ARMY")
    assert found is not None
    assert codes([found]) == [("70017-008", "B", "/UpdateParameters/Sector")]


@pytest.mark.parametrize("joint", ["200", "999", "200.01", "330.01.02"])
def test_v_par_2_holds_for_a_valid_joint_committee(joint: str) -> None:
    message = update_parameters(joint_commission_nbr=joint)
    assert check_update_parameters(message, ctx()) == []


@pytest.mark.parametrize("joint", ["20", "2000", "200.1", "200.01.02.03", ""])
def test_v_par_2_refuses_a_badly_formed_joint_committee(joint: str) -> None:
    found = check_update_parameters(update_parameters(joint_commission_nbr=joint), ctx())
    assert codes(found) == [("00046-008", "B", "/UpdateParameters/JointCommissionNbr")]


@pytest.mark.parametrize("headcount", [0, 1, 999_999])
def test_v_par_3_holds_from_0_to_999999(headcount: int) -> None:
    assert check_update_parameters(update_parameters(headcount=headcount), ctx()) == []


@pytest.mark.parametrize("headcount", [-1, 1_000_000])
def test_v_par_3_refuses_a_headcount_out_of_range(headcount: int) -> None:
    found = check_update_parameters(update_parameters(headcount=headcount), ctx())
    assert codes(found) == [("70017-008", "B", "/UpdateParameters/Headcount")]


def test_v_par_3_refuses_a_boolean_headcount() -> None:
    found = check_v_par_3_headcount(True)
    assert found is not None and found.code == "70017-008"


def test_v_par_4_holds_for_booleans() -> None:
    assert check_v_par_4_accept(True) is None
    assert check_v_par_4_accept(False) is None


def test_v_par_4_refuses_a_non_boolean() -> None:
    found = check_v_par_4_accept("yes")
    assert found is not None
    assert codes([found]) == [("70017-008", "B", "/UpdateParameters/AcceptEmployeeNotifications")]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "A"},
        {"name": "N" * 100},
        {"email": "a@b.be"},
        {"email": "first.last+tag@mail.example.co.uk"},
        {"email": "x" * 246 + "@mail.be"},  # 254 characters
        {"phone": None},
        {"phone": "+12345678"},
        {"phone": "+123456789012345"},
    ],
)
def test_v_par_5_holds_for_a_valid_contact(overrides: dict[str, Any]) -> None:
    message = update_parameters(contact=contact(**overrides))
    assert check_update_parameters(message, ctx()) == []


@pytest.mark.parametrize(
    ("overrides", "code", "element"),
    [
        ({"name": ""}, "70017-093", "Name"),
        ({"name": "   "}, "70017-093", "Name"),
        ({"name": "N" * 101}, "70017-093", "Name"),
        ({"email": "no-at-sign.be"}, "70017-003", "Email"),
        ({"email": "two@@example.be"}, "70017-003", "Email"),
        ({"email": "a@b@example.be"}, "70017-003", "Email"),
        ({"email": "a@localhost"}, "70017-003", "Email"),
        ({"email": "a@example."}, "70017-003", "Email"),
        ({"email": "a@.example.be"}, "70017-003", "Email"),
        ({"email": "@example.be"}, "70017-003", "Email"),
        ({"email": "a b@example.be"}, "70017-003", "Email"),
        ({"email": "x" * 247 + "@mail.be"}, "70017-093", "Email"),  # 255 characters
        ({"phone": "0475123456"}, "70017-003", "Phone"),
        ({"phone": "+1234567"}, "70017-003", "Phone"),
        ({"phone": "+1234567890123456"}, "70017-003", "Phone"),
        ({"phone": "+32 2 555 12 34"}, "70017-003", "Phone"),
    ],
)
def test_v_par_5_refuses_a_bad_contact(overrides: dict[str, Any], code: str, element: str) -> None:
    found = check_update_parameters(update_parameters(contact=contact(**overrides)), ctx())
    assert codes(found) == [(code, "B", f"/UpdateParameters/Contact/{element}")]


def test_every_update_parameters_anomaly_is_collected() -> None:
    message = update_parameters(
        contact=contact(name="", email="bad", phone="1"), joint_commission_nbr="x", headcount=-5
    )
    assert [a.path for a in check_update_parameters(message, ctx())] == [
        "/UpdateParameters/Contact/Name",
        "/UpdateParameters/Contact/Email",
        "/UpdateParameters/Contact/Phone",
        "/UpdateParameters/JointCommissionNbr",
        "/UpdateParameters/Headcount",
    ]
