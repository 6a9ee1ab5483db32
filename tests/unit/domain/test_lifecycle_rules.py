"""V-LCY-1, V-MSG-5, V-LCY-3, V-ATT-1, V-LCY-8, V-LCY-2, V-ATT-5 (stored names), V-LCY-7."""

from __future__ import annotations

from datetime import date

import pytest
from builders import START, context, pdf_attachment, triples, valid_submit

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import NotificationState as N
from service.domain.codes import RequestStatus as S
from service.domain.lifecycle import Trigger, Verdict
from service.domain.rules.lifecycle_rules import (
    check_modification,
    modified_part,
    relocate_to_new_end_date,
    v_att_1_attach,
    v_att_5_names_unused,
    v_lcy_1_ticket_known,
    v_lcy_3_consult,
    v_lcy_7_cited_notification,
    v_lcy_8_authority_state,
    v_msg_5_cancel,
    v_msg_5_lcy_3_att_1_state,
    v_msg_5_modify,
)

ITEM = '/BulkFile/Item[@seq="3"]/CancelRequest'


def triple(found: Anomaly | None) -> tuple[str, str, str | None] | None:
    return None if found is None else (found.code, found.severity.value, found.path)


def test_messages_exist_in_three_languages() -> None:
    found = v_msg_5_cancel(S.GRANTED)
    assert found is not None
    assert all((found.messages.en, found.messages.fr, found.messages.nl))
    assert len({found.messages.en, found.messages.fr, found.messages.nl}) == 3


# ---- V-LCY-1 ----------------------------------------------------------------------------------


def test_v_lcy_1_known_ticket_holds() -> None:
    assert v_lcy_1_ticket_known(True, "/CancelRequest") is None


@pytest.mark.parametrize("root", ["/CancelRequest", "/ModifyRequest", "/ConsultRequest",
                                  "/AddAttachment", ITEM])
def test_v_lcy_1_unknown_or_foreign_ticket(root: str) -> None:
    assert triple(v_lcy_1_ticket_known(False, root)) == ("70012-003", "B", f"{root}/TicketNumber")


def test_v_lcy_1_unknown_and_foreign_get_the_same_answer() -> None:
    # the repository filters by employer: both arrive here as "not found"
    unknown, foreign = v_lcy_1_ticket_known(False, "/X"), v_lcy_1_ticket_known(False, "/X")
    assert unknown == foreign


# ---- V-MSG-5 (CAN, MOD), V-LCY-3 (CON), V-ATT-1 (ATT) ----------------------------------------

STATE_CASES = [
    # (check, root, status, expected code or None)
    (v_msg_5_cancel, "/CancelRequest", S.SUBMITTED, None),
    (v_msg_5_cancel, "/CancelRequest", S.CANCELLED, "70012-241"),
    (v_msg_5_cancel, "/CancelRequest", S.WORKER_COMPLETED, "70012-272"),
    (v_msg_5_cancel, "/CancelRequest", S.GRANTED, "70012-272"),
    (v_msg_5_cancel, "/CancelRequest", S.REFUSED, "70012-272"),
    (v_msg_5_modify, "/ModifyRequest", S.SUBMITTED, None),
    (v_msg_5_modify, "/ModifyRequest", S.CANCELLED, "70012-241"),
    (v_msg_5_modify, "/ModifyRequest", S.WORKER_COMPLETED, "70012-272"),
    (v_msg_5_modify, "/ModifyRequest", S.GRANTED, "70012-272"),
    (v_msg_5_modify, "/ModifyRequest", S.REFUSED, "70012-272"),
    (v_lcy_3_consult, "/ConsultRequest", S.SUBMITTED, None),
    (v_lcy_3_consult, "/ConsultRequest", S.CANCELLED, "70012-241"),
    (v_lcy_3_consult, "/ConsultRequest", S.WORKER_COMPLETED, "70012-272"),
    (v_lcy_3_consult, "/ConsultRequest", S.GRANTED, "70012-272"),
    (v_lcy_3_consult, "/ConsultRequest", S.REFUSED, "70012-272"),
    (v_att_1_attach, "/AddAttachment", S.SUBMITTED, None),
    (v_att_1_attach, "/AddAttachment", S.WORKER_COMPLETED, None),
    (v_att_1_attach, "/AddAttachment", S.CANCELLED, "70012-241"),
    (v_att_1_attach, "/AddAttachment", S.GRANTED, "70012-272"),
    (v_att_1_attach, "/AddAttachment", S.REFUSED, "70012-272"),
]


@pytest.mark.parametrize(("check", "root", "status", "code"), STATE_CASES,
                         ids=[f"{c.__name__}-{s}" for c, _, s, _ in STATE_CASES])
def test_employer_message_against_the_request_state(
    check: object, root: str, status: S, code: str | None
) -> None:
    assert callable(check)
    found = check(status)
    expected = None if code is None else (code, "B", f"{root}/TicketNumber")
    assert triple(found) == expected


def test_state_check_in_a_bulk_item_uses_the_item_path() -> None:
    found = v_msg_5_lcy_3_att_1_state(S.CANCELLED, Trigger.CANCEL, ITEM)
    assert triple(found) == ("70012-241", "B", f"{ITEM}/TicketNumber")


def test_state_check_refuses_an_authority_trigger() -> None:
    with pytest.raises(ValueError, match="authority"):
        v_msg_5_lcy_3_att_1_state(S.SUBMITTED, Trigger.WORKER_COMPLETED)


# ---- V-LCY-8 (authority, B†) --------------------------------------------------------------------

AUTHORITY_CASES = [
    (None, Trigger.WORKER_COMPLETED, Verdict.PARK, "70012-003", "/WorkerPartCompleted"),
    (None, Trigger.DECISION_GRANTED, Verdict.PARK, "70012-003", "/Decision"),
    (S.SUBMITTED, Trigger.WORKER_COMPLETED, Verdict.APPLY, None, None),
    (S.SUBMITTED, Trigger.DECISION_GRANTED, Verdict.APPLY, None, None),
    (S.CANCELLED, Trigger.WORKER_COMPLETED, Verdict.PARK, "70012-241", "/WorkerPartCompleted"),
    (S.CANCELLED, Trigger.DECISION_REFUSED, Verdict.PARK, "70012-241", "/Decision"),
    (S.GRANTED, Trigger.DECISION_REFUSED, Verdict.PARK, "70012-272", "/Decision"),
    (S.REFUSED, Trigger.DECISION_GRANTED, Verdict.PARK, "70012-272", "/Decision"),
    (S.GRANTED, Trigger.DECISION_GRANTED, Verdict.IGNORE, None, None),
    (S.WORKER_COMPLETED, Trigger.WORKER_COMPLETED, Verdict.IGNORE, None, None),
]


@pytest.mark.parametrize(("status", "trigger", "verdict", "code", "root"), AUTHORITY_CASES)
def test_v_lcy_8_authority_messages(
    status: S | None, trigger: Trigger, verdict: Verdict, code: str | None, root: str | None
) -> None:
    got, found = v_lcy_8_authority_state(status, trigger)
    assert got is verdict
    expected = None if code is None else (code, "B", f"{root}/TicketNumber")
    assert triple(found) == expected


def test_v_lcy_8_refuses_an_employer_trigger() -> None:
    with pytest.raises(ValueError, match="employer"):
        v_lcy_8_authority_state(S.SUBMITTED, Trigger.CANCEL)


# ---- V-LCY-2 ModifyRequest --------------------------------------------------------------------


def test_v_lcy_2_new_end_before_start() -> None:
    found = check_modification(valid_submit(), date(2027, 2, 28), context())
    assert triples(found) == [("70005-014", "B", "/ModifyRequest/NewEndDate")]


def test_v_lcy_2_new_end_on_the_start_date_passes_the_order_check() -> None:
    # a one-day period is too short for a ONE_FIFTH time credit, but it is not "before"
    found = check_modification(valid_submit(), START, context())
    assert ("70005-014", "B", "/ModifyRequest/NewEndDate") not in triples(found)


def test_v_lcy_2_new_period_too_short_for_the_scheme() -> None:
    found = check_modification(valid_submit(), date(2027, 7, 31), context())
    assert triples(found) == [("70005-008", "B", "/ModifyRequest/NewEndDate")]


def test_v_lcy_2_valid_new_end_date_holds() -> None:
    assert check_modification(valid_submit(), date(2027, 12, 31), context()) == []


def test_v_lcy_2_ignores_what_does_not_concern_the_end_date() -> None:
    # three months after the start the stored request is "late" (V-NOT-5 W on StartDate):
    # that was judged at submission and is not repeated for a modification
    late = context(processing_date=date(2027, 6, 1))
    assert check_modification(valid_submit(), date(2027, 12, 31), late) == []


def test_v_lcy_2_in_a_bulk_item() -> None:
    root = '/BulkFile/Item[@seq="2"]/ModifyRequest'
    found = check_modification(valid_submit(), date(2027, 1, 1), context(), root)
    assert triples(found) == [("70005-014", "B", f"{root}/NewEndDate")]


def test_modified_part_changes_only_the_end_date() -> None:
    stored = valid_submit()
    changed = modified_part(stored, date(2027, 12, 31))
    assert changed.end_date == date(2027, 12, 31)
    assert changed.model_dump(exclude={"end_date"}) == stored.model_dump(exclude={"end_date"})
    assert stored.end_date == date(2027, 8, 31)


def test_relocate_keeps_only_end_date_anomalies() -> None:
    on_end = anomaly("70019-230", Severity.WARNING, "/SubmitRequest/EndDate", "e", "f", "n")
    on_start = anomaly("70004-021", Severity.WARNING, "/SubmitRequest/StartDate", "e", "f", "n")
    assert triples(relocate_to_new_end_date([on_end, on_start])) == [
        ("70019-230", "W", "/ModifyRequest/NewEndDate")
    ]


# ---- V-ATT-5 file name already used on this request -----------------------------------------


def test_v_att_5_name_already_stored_on_the_request() -> None:
    found = v_att_5_names_unused(
        [pdf_attachment("new.pdf"), pdf_attachment("attestation.pdf")], {"attestation.pdf"}
    )
    assert triples(found) == [("70013-133", "B", "/AddAttachment/Attachment[2]/FileName")]


def test_v_att_5_new_names_hold() -> None:
    assert v_att_5_names_unused([pdf_attachment("new.pdf")], {"attestation.pdf"}) == []


# ---- V-LCY-7 SubmitRequest citing a notification ----------------------------------------------

POSTPONED_START = date(2027, 6, 1)
NID = "/SubmitRequest/NotificationId"


@pytest.mark.parametrize(("state", "expected"), [
    (None, ("70014-003", "B", NID)),
    (N.PENDING, ("70014-146", "B", NID)),
    (N.REFUSED, ("70014-272", "B", NID)),
    (N.ACCEPTED, ("70014-272", "B", NID)),
    (N.AUTO_REFUSED, ("70014-272", "B", NID)),
])
def test_v_lcy_7_notification_not_postponed(
    state: N | None, expected: tuple[str, str, str]
) -> None:
    assert triples(v_lcy_7_cited_notification(state, None, POSTPONED_START)) == [expected]


def test_v_lcy_7_postponed_with_the_postponed_start_holds() -> None:
    assert v_lcy_7_cited_notification(N.POSTPONED, POSTPONED_START, POSTPONED_START) == []


def test_v_lcy_7_start_date_differs_from_the_postponed_one() -> None:
    found = v_lcy_7_cited_notification(N.POSTPONED, POSTPONED_START, date(2027, 7, 1))
    assert triples(found) == [("70004-021", "W", "/SubmitRequest/StartDate")]
