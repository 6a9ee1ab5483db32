"""ListNotifications and DecideNotification through the processor (N3-N5, R2, V-NTF-4..8,
V-NOT-4, V-NOT-8, V-MAN-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app_support import SENDER
from builders import COMPANY_ID, FOUR_FIFTHS, FULL_TIME, INSS
from workflow_support import (
    OTHER_COMPANY_ID,
    Workflow,
    body,
    codes,
    notification,
    reply,
    routes,
    workflow,
)

from service.domain.codes import Fraction, NotificationState, RefuseReason, Scheme
from service.domain.commands import (
    Accept,
    DecideNotification,
    EmployerRef,
    ListNotifications,
    Postpone,
    Refuse,
    Regime,
)

MINE = EmployerRef(company_id=COMPANY_ID)
PALLIATIVE = {"scheme": Scheme.PALLIATIVE_CARE, "motive": None, "fraction": Fraction.FULL,
              "requested_start_date": date(2026, 12, 7), "requested_end_date": date(2027, 1, 6),
              "notice_date": date(2026, 11, 30)}


async def notified(*, headcount: int = 50, **overrides: Any) -> Workflow:
    flow = await workflow()
    await flow.parameters(headcount=headcount)
    await flow.authority(notification(**overrides))
    return flow


def decide(decision: Postpone | Refuse | Accept, reference: str = "DEC-1",
           notification_id: str = "NTF-1", **overrides: Any) -> DecideNotification:
    return DecideNotification(request_reference=reference, employer=MINE,
                              notification_id=notification_id, decision=decision, **overrides)


def accept(**overrides: Any) -> Accept:
    fields: dict[str, Any] = {
        "notice_date": date(2026, 11, 20), "regime_before": Regime(**FULL_TIME),
        "regime_during": Regime(**FOUR_FIFTHS), "several_employers": False,
    }
    return Accept(**{**fields, **overrides})


async def state(flow: Workflow, notification_id: str = "NTF-1") -> NotificationState:
    async with flow.uow.begin() as tx:
        found = await tx.notifications.by_id(notification_id)
    assert found is not None
    return found.state


# ---- ListNotifications ------------------------------------------------------------------------


async def test_pending_notifications_of_the_employer_are_listed_by_default():
    flow = await notified()
    await flow.parameters(company_id=OTHER_COMPANY_ID)
    await flow.authority(notification("NTF-2", employer={"company_id": OTHER_COMPANY_ID}))
    await flow.authority(notification("NTF-3"))
    await flow.answer(decide(Refuse(reason=RefuseReason.MANAGEMENT_STAFF), notification_id="NTF-3"))
    pending = await flow.answer(ListNotifications(request_reference="L1", employer=MINE))
    refused = await flow.answer(ListNotifications(request_reference="L2", employer=MINE,
                                                  state=NotificationState.REFUSED))

    assert routes(pending) == [("breakgate.replies", SENDER, "NotificationList")]
    [listed] = reply(pending)["notifications"]
    assert (listed["notification_id"], listed["inss"], listed["last_name"], listed["state"]) == (
        "NTF-1", INSS, "Peeters", "PENDING")
    assert [n["notification_id"] for n in reply(refused)["notifications"]] == ["NTF-3"]
    stranger = await flow.answer(ListNotifications(request_reference="L3", employer=MINE),
                                 sender="stranger")
    assert codes(stranger) == ["00014-155"]


# ---- Postpone (N3) ----------------------------------------------------------------------------


async def test_a_postponement_is_acknowledged_told_to_the_authority_and_published():
    flow = await notified()
    result = await flow.answer(decide(Postpone(new_start_date=date(2027, 6, 1))))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "Acknowledgement"),
        ("breakgate.authority.out", "NotificationDecided", "NotificationDecided"),
        ("breakgate.events", "notification.POSTPONED", "NotificationUpdate"),
    ]
    assert (reply(result)["action"], reply(result)["ticket_number"]) == ("POSTPONED", None)
    told = body(result.outbound[1])
    assert (told["decision"], told["new_start_date"]) == ("POSTPONED", "2027-06-01")
    assert INSS.encode() not in result.outbound[2].body
    assert await state(flow) is NotificationState.POSTPONED


async def test_a_postponement_beyond_six_months_is_refused_70004_021():
    flow = await notified()
    result = await flow.answer(decide(Postpone(new_start_date=date(2027, 9, 2))))

    assert codes(result) == ["70004-021"]
    assert await state(flow) is NotificationState.PENDING


async def test_palliative_leave_cannot_be_postponed_nor_refused_70016_146():
    flow = await notified(**PALLIATIVE)
    postponed = await flow.answer(decide(Postpone(new_start_date=date(2027, 1, 4))))
    refused = await flow.answer(decide(Refuse(reason=RefuseReason.SMALL_EMPLOYER), "DEC-2"))

    assert codes(postponed) == codes(refused) == ["70016-146"]
    assert await state(flow) is NotificationState.PENDING


async def test_a_postponement_decided_more_than_a_month_after_the_notice_is_refused():
    flow = await notified(notice_date=date(2026, 10, 30))
    result = await flow.answer(decide(Postpone(new_start_date=date(2027, 6, 1))))

    assert codes(result) == ["70016-021"]


async def test_a_public_career_break_postponement_is_accepted_with_its_warning():
    flow = await notified(scheme=Scheme.PUBLIC_CAREER_BREAK, motive=None,
                          fraction=Fraction.FULL)
    result = await flow.answer(decide(Postpone(new_start_date=date(2027, 6, 1))))

    assert reply(result)["type"] == "Acknowledgement"
    assert [(a["code"], a["severity"]) for a in reply(result)["anomalies"]] == [
        ("70016-146", "W")]


# ---- Refuse (N4) ------------------------------------------------------------------------------


async def test_a_refusal_whose_condition_holds_is_acknowledged():
    flow = await notified(headcount=8)
    result = await flow.answer(decide(Refuse(reason=RefuseReason.SMALL_EMPLOYER)))

    assert [r[2] for r in routes(result)] == [
        "Acknowledgement", "NotificationDecided", "NotificationUpdate"]
    assert reply(result)["action"] == "REFUSED"
    assert body(result.outbound[1])["reason"] == "SMALL_EMPLOYER"
    assert result.outbound[2].routing_key == "notification.REFUSED"
    assert await state(flow) is NotificationState.REFUSED


async def test_a_refusal_the_law_does_not_allow_is_refused_70016_146():
    flow = await notified(headcount=50)
    result = await flow.answer(decide(Refuse(reason=RefuseReason.SMALL_EMPLOYER)))

    assert codes(result) == ["70016-146"]
    assert await state(flow) is NotificationState.PENDING


# ---- Accept (N5, R2) --------------------------------------------------------------------------


async def test_accept_files_the_request_and_answers_with_a_ticket():
    flow = await notified()
    result = await flow.answer(decide(accept()))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "Ticket"),
        ("breakgate.authority.out", "NotificationDecided", "NotificationDecided"),
        ("breakgate.authority.out", "RequestSubmitted", "RequestSubmitted"),
        ("breakgate.events", "notification.ACCEPTED", "NotificationUpdate"),
        ("breakgate.events", "status.SUBMITTED", "StatusUpdate"),
    ]
    ticket = reply(result)["ticket_number"]
    assert body(result.outbound[1])["ticket_number"] == ticket
    submitted = body(result.outbound[2])
    assert (submitted["notification_id"], submitted["scheme"], submitted["start_date"]) == (
        "NTF-1", "TIME_CREDIT", "2027-03-01")
    assert body(result.outbound[3])["ticket_number"] == ticket
    stored = await flow.request(ticket)
    assert (stored.inss, stored.end_date, stored.fraction) == (
        INSS, date(2027, 8, 31), Fraction.ONE_FIFTH)
    assert await state(flow) is NotificationState.ACCEPTED


async def test_accept_with_a_blocking_employer_part_changes_nothing():
    flow = await notified()
    wrong = Regime(working_days_system=400, mean_working_hours=3800, ref_mean_working_hours=3800)
    result = await flow.answer(decide(accept(regime_during=wrong)))

    assert "70008-032" in codes(result)
    assert await state(flow) is NotificationState.PENDING
    assert flow.uow.state.requests == {}


async def test_accept_warns_when_its_dates_differ_from_the_notification():
    flow = await notified()
    result = await flow.answer(decide(accept(end_date=date(2027, 9, 30),
                                             notice_date=date(2026, 11, 21))))

    assert reply(result)["type"] == "Ticket"
    assert {(a["code"], a["severity"]) for a in reply(result)["anomalies"]} >= {
        ("70005-021", "W"), ("70006-021", "W")}
    assert (await flow.request(reply(result)["ticket_number"])).end_date == date(2027, 8, 31)


# ---- V-NTF-4, V-MAN-2 -------------------------------------------------------------------------


async def test_a_notification_is_decided_once_70014_272():
    flow = await notified()
    await flow.answer(decide(Postpone(new_start_date=date(2027, 6, 1))))
    again = await flow.answer(decide(accept(), "DEC-2"))

    assert codes(again) == ["70014-272"]
    assert flow.uow.state.requests == {}


async def test_unknown_and_foreign_notifications_get_the_same_answer_70014_003():
    flow = await notified()
    await flow.parameters(company_id=OTHER_COMPANY_ID)
    await flow.authority(notification("NTF-9", employer={"company_id": OTHER_COMPANY_ID}))
    unknown = await flow.answer(decide(accept(), notification_id="NTF-404"))
    foreign = await flow.answer(decide(accept(), "DEC-2", notification_id="NTF-9"))

    assert codes(unknown) == codes(foreign) == ["70014-003"]
    assert await state(flow, "NTF-9") is NotificationState.PENDING


async def test_a_malformed_notification_id_is_reported_once():
    flow = await notified()
    result = await flow.answer(decide(accept(), notification_id="NTF 1 with spaces"))

    assert codes(result) == ["70014-003"]
