"""WorkerPartCompleted, Decision and EmployeeNotification through the processor (R6-R9, N1-N2,
V-LCY-8, V-NTF-1..3, V-MAN-4)."""

from __future__ import annotations

from datetime import date

from app_support import SENDER
from builders import COMPANY_ID, INSS
from builders_messages import cancel_request, decision, worker_part_completed
from workflow_support import (
    AUTHORITY,
    OTHER_COMPANY_ID,
    body,
    notification,
    parked_code,
    routes,
    workflow,
)

from service.app.results import Answered
from service.domain.codes import DecisionOutcome, NotificationState, RequestStatus
from service.domain.commands import EmployerRef, NotifiedWorker

GRANTED, REFUSED = DecisionOutcome.GRANTED, DecisionOutcome.REFUSED


# ---- WorkerPartCompleted, Decision -------------------------------------------------------------


async def test_worker_part_completed_locks_the_request_and_tells_the_submitter():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.authority(worker_part_completed(ticket_number=ticket))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "StatusUpdate"),
        ("breakgate.events", "status.WORKER_COMPLETED", "StatusUpdate"),
    ]
    assert isinstance(result, Answered)
    update = body(result.outbound[0])
    assert (update["status"], update["version"], update["ticket_number"]) == (
        "WORKER_COMPLETED", 2, ticket)
    assert result.outbound[0].correlation_id == "m2"  # the authority message's id
    assert INSS.encode() not in result.outbound[1].body
    stored = await flow.request(ticket)
    assert (stored.status, stored.version) == (RequestStatus.WORKER_COMPLETED, 2)


async def test_a_decision_after_the_worker_part_grants_or_refuses_with_its_reason():
    flow = await workflow()
    granted = await flow.file()
    refused = await flow.file(start_date=date(2026, 8, 1), end_date=date(2027, 1, 31),
                              notice_date=date(2026, 7, 1))
    for ticket in (granted, refused):
        await flow.authority(worker_part_completed(ticket_number=ticket))
    yes = await flow.authority(decision(ticket_number=granted, outcome=GRANTED))
    no = await flow.authority(decision(ticket_number=refused, outcome=REFUSED,
                                       reason="Career cap reached"))

    assert [r[1] for r in routes(yes)] == [SENDER, "status.GRANTED"]
    assert isinstance(yes, Answered) and isinstance(no, Answered)
    assert body(yes.outbound[0])["version"] == 3
    assert (body(no.outbound[0])["status"], body(no.outbound[0])["reason"]) == (
        "REFUSED", "Career cap reached")
    assert (await flow.request(refused)).status is RequestStatus.REFUSED
    async with flow.uow.begin() as tx:
        history = await tx.requests.history(refused)
    assert [(e.kind, e.detail) for e in history] == [
        ("WORKER_COMPLETED", None), ("REFUSED", "Career cap reached")]


async def test_r9_a_decision_on_a_submitted_request_sends_both_status_updates_in_order():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.authority(decision(ticket_number=ticket, outcome=REFUSED,
                                           reason="No allowance"))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "StatusUpdate"),
        ("breakgate.events", "status.WORKER_COMPLETED", "StatusUpdate"),
        ("breakgate.replies", SENDER, "StatusUpdate"),
        ("breakgate.events", "status.REFUSED", "StatusUpdate"),
    ]
    assert isinstance(result, Answered)
    first, second = body(result.outbound[0]), body(result.outbound[2])
    assert (first["status"], first["version"], first["reason"]) == ("WORKER_COMPLETED", 2, None)
    assert (second["status"], second["version"], second["reason"]) == (
        "REFUSED", 3, "No allowance")
    stored = await flow.request(ticket)
    assert (stored.status, stored.version) == (RequestStatus.REFUSED, 3)


async def test_repeats_are_ignored_and_impossible_transitions_parked():
    flow = await workflow()
    ticket = await flow.file()
    await flow.authority(worker_part_completed(ticket_number=ticket))
    repeat = await flow.authority(worker_part_completed(ticket_number=ticket))
    await flow.authority(decision(ticket_number=ticket, outcome=GRANTED))
    again = await flow.authority(decision(ticket_number=ticket, outcome=GRANTED))
    other = await flow.authority(decision(ticket_number=ticket, outcome=REFUSED))
    unknown = await flow.authority(worker_part_completed(ticket_number="ELO2026-000000999"))
    malformed = await flow.authority(worker_part_completed(ticket_number="ELO-1"))

    assert isinstance(repeat, Answered) and repeat.outbound == ()
    assert isinstance(again, Answered) and again.outbound == ()
    assert parked_code(other) == "70012-272"
    assert parked_code(unknown) == parked_code(malformed) == "70012-003"
    assert (await flow.request(ticket)).version == 3


async def test_a_cancellation_crossed_by_the_worker_is_parked_70012_241():
    flow = await workflow()
    ticket = await flow.file()
    await flow.answer(cancel_request(ticket_number=ticket,
                                     employer=EmployerRef(company_id=COMPANY_ID)))

    assert parked_code(await flow.authority(worker_part_completed(ticket_number=ticket))) == (
        "70012-241")
    assert (await flow.request(ticket)).status is RequestStatus.CANCELLED


async def test_v_man_4_without_the_submitters_mandate_every_mandated_sender_is_told():
    flow = await workflow()
    ticket = await flow.file()
    async with flow.uow.begin() as tx:
        await tx.mandates.revoke(SENDER, COMPANY_ID, date(2026, 11, 30))
    await flow.grant("bureau9")
    await flow.grant("bureau7")
    result = await flow.authority(worker_part_completed(ticket_number=ticket))

    assert [(r[1], r[2]) for r in routes(result)] == [
        ("bureau7", "StatusUpdate"), ("bureau9", "StatusUpdate"),
        ("status.WORKER_COMPLETED", "StatusUpdate")]


# ---- EmployeeNotification -----------------------------------------------------------------------


async def test_a_notification_is_stored_pending_when_the_employer_accepts_them():
    flow = await workflow()
    await flow.parameters(accepts=True)
    result = await flow.authority(notification())

    assert routes(result) == [("breakgate.events", "notification.PENDING", "NotificationUpdate")]
    assert isinstance(result, Answered)
    assert INSS.encode() not in result.outbound[0].body
    assert body(result.outbound[0])["state"] == "PENDING"
    async with flow.uow.begin() as tx:
        stored = await tx.notifications.get(COMPANY_ID, "NTF-1")
    assert stored is not None and stored.state is NotificationState.PENDING


async def test_a_notification_is_auto_refused_when_the_employer_does_not_accept_them():
    flow = await workflow()
    await flow.parameters(accepts=False)
    result = await flow.authority(notification())

    assert routes(result) == [
        ("breakgate.authority.out", "NotificationDecided", "NotificationDecided"),
        ("breakgate.events", "notification.AUTO_REFUSED", "NotificationUpdate"),
    ]
    assert isinstance(result, Answered)
    told = body(result.outbound[0])
    assert (told["decision"], [a["code"] for a in told["anomalies"]]) == (
        "AUTO_REFUSED", ["70014-146"])
    async with flow.uow.begin() as tx:
        stored = await tx.notifications.get(COMPANY_ID, "NTF-1")
    assert stored is not None and stored.state is NotificationState.AUTO_REFUSED


async def test_a_notification_for_an_unknown_employer_is_auto_refused_00014_235():
    flow = await workflow()
    result = await flow.authority(notification(employer={"company_id": OTHER_COMPANY_ID}))

    assert isinstance(result, Answered)
    assert [a["code"] for a in body(result.outbound[0])["anomalies"]] == ["00014-235"]


async def test_a_repeated_notification_is_ignored_and_a_conflicting_one_parked():
    flow = await workflow()
    await flow.parameters(accepts=True)
    await flow.authority(notification())
    same = await flow.authority(notification())
    other = await flow.authority(notification(notice_date=date(2026, 11, 21)))
    bad_inss = await flow.authority(notification(
        "NTF-2", worker=NotifiedWorker(inss="75113099747")))

    assert isinstance(same, Answered) and same.outbound == ()
    assert parked_code(other) == "70014-006"
    assert parked_code(bad_inss) == "00024-004"
    assert len(flow.uow.state.notifications) == 1


async def test_authority_messages_are_never_answered_to_the_authority_itself():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.authority(worker_part_completed(ticket_number=ticket))

    assert AUTHORITY not in [r[1] for r in routes(result)]
