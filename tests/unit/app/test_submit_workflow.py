"""SubmitRequest's stateful rules added with the workflow: V-LCY-7 (citing a notification),
V-MSG-4 (CANCELLED and REFUSED requests do not overlap), V-CAP-1 and V-DUR-5 (history) and
V-ELG-4 (seniority from the personnel file)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from builders import COMPANY_ID, make_inss, valid_palliative, valid_submit
from builders_messages import cancel_request
from workflow_support import Workflow, body, codes, notification, reply, workflow

from service.app.ports import StoredRequest
from service.domain.codes import Motive, NotificationState, RefuseReason, RequestStatus
from service.domain.commands import (
    DecideNotification,
    EmployerRef,
    Postpone,
    Refuse,
    SubmitRequest,
)

MINE = EmployerRef(company_id=COMPANY_ID)
TRAINING = {"motive": Motive.TRAINING, "child": None}


def found(result: Any) -> list[tuple[str, str, str]]:
    return [(a["code"], a["severity"], a["path"]) for a in reply(result)["anomalies"]]


async def earlier(flow: Workflow, ticket: str, submit: SubmitRequest,
                  status: RequestStatus = RequestStatus.GRANTED) -> None:
    """A request of breakgate's history, stored as a handler would have."""
    async with flow.uow.begin() as tx:
        await tx.requests.add(StoredRequest(
            ticket_number=ticket, sender="bureau1", company_id=COMPANY_ID,
            request_reference=f"OLD-{ticket}", inss=submit.worker.inss, scheme=submit.scheme,
            start_date=submit.start_date, end_date=submit.end_date, status=status, version=3,
            submitted_at=datetime(2016, 1, 1, tzinfo=UTC), payload_json=submit.model_dump_json(),
            fraction=submit.fraction))


# ---- V-LCY-7 ----------------------------------------------------------------------------------


async def postponed(to: date = date(2027, 6, 1)) -> Workflow:
    flow = await workflow()
    await flow.parameters()
    await flow.authority(notification())
    ack = await flow.answer(DecideNotification(
        request_reference="DEC-1", employer=MINE, notification_id="NTF-1",
        decision=Postpone(new_start_date=to)))
    assert reply(ack)["action"] == "POSTPONED"
    return flow


TRAINING_FROM_JUNE = {**TRAINING, "start_date": date(2027, 6, 1),
                      "end_date": date(2027, 11, 30), "notice_date": date(2026, 11, 20)}


async def test_a_submission_may_follow_a_postponed_notification_and_is_linked_to_it():
    flow = await postponed()
    result = await flow.answer(valid_submit(notification_id="NTF-1", **TRAINING_FROM_JUNE))

    assert reply(result)["type"] == "Ticket"
    assert body(result.outbound[1])["notification_id"] == "NTF-1"
    async with flow.uow.begin() as tx:
        cited = await tx.notifications.get(COMPANY_ID, "NTF-1")
    assert cited is not None and cited.state is NotificationState.POSTPONED


async def test_a_start_date_other_than_the_postponed_one_is_a_warning():
    flow = await postponed()
    moved = {**TRAINING_FROM_JUNE, "start_date": date(2027, 5, 1),
             "end_date": date(2027, 10, 31)}
    result = await flow.answer(valid_submit(notification_id="NTF-1", **moved))

    assert ("70004-021", "W", "/SubmitRequest/StartDate") in found(result)


async def test_a_pending_unknown_or_decided_notification_cannot_be_cited():
    flow = await workflow()
    await flow.parameters()
    await flow.authority(notification())
    await flow.authority(notification("NTF-2"))
    await flow.answer(DecideNotification(
        request_reference="DEC-1", employer=MINE, notification_id="NTF-2",
        decision=Refuse(reason=RefuseReason.MANAGEMENT_STAFF)))
    pending = await flow.answer(valid_submit(request_reference="S1", notification_id="NTF-1"))
    unknown = await flow.answer(valid_submit(request_reference="S2", notification_id="NTF-404"))
    refused = await flow.answer(valid_submit(request_reference="S3", notification_id="NTF-2"))

    assert codes(pending) == ["70014-146"]
    assert codes(unknown) == ["70014-003"]
    assert codes(refused) == ["70014-272"]
    assert flow.uow.state.requests == {}


# ---- V-MSG-4 ----------------------------------------------------------------------------------


async def test_a_cancelled_request_does_not_block_a_new_one_for_the_same_period():
    flow = await workflow()
    first = await flow.file()
    blocked = await flow.answer(valid_submit(request_reference="AGAIN-1"))
    await flow.answer(cancel_request(ticket_number=first, employer=MINE))
    allowed = await flow.answer(valid_submit(request_reference="AGAIN-2"))

    assert "70004-006" in codes(blocked)
    assert reply(allowed)["type"] == "Ticket"


async def test_a_refused_request_does_not_overlap_either():
    flow = await workflow()
    await earlier(flow, "ELO2026-000000900", valid_submit(), RequestStatus.REFUSED)

    assert reply(await flow.answer(valid_submit()))["type"] == "Ticket"


# ---- V-CAP-1, V-DUR-5 -------------------------------------------------------------------------


async def test_v_cap_1_counts_breakgates_history_of_live_requests():
    flow = await workflow()
    three_years = valid_submit(start_date=date(2016, 1, 1), end_date=date(2018, 12, 31),
                               **TRAINING)
    await earlier(flow, "ELO2016-000000001", three_years)
    await earlier(flow, "ELO2019-000000001", valid_submit(
        start_date=date(2019, 1, 1), end_date=date(2020, 12, 31), **TRAINING),
        RequestStatus.CANCELLED)  # does not count
    result = await flow.answer(valid_submit(**TRAINING))

    assert reply(result)["type"] == "Ticket"
    assert ("70005-047", "W", "/SubmitRequest/EndDate") in found(result)


async def test_v_dur_5_a_fourth_consecutive_palliative_month_is_a_warning():
    flow = await workflow()
    for number, (start, end) in enumerate([
        (date(2026, 8, 30), date(2026, 9, 29)), (date(2026, 9, 30), date(2026, 10, 29)),
        (date(2026, 10, 30), date(2026, 11, 29)),
    ], start=1):
        await earlier(flow, f"ELO2026-00000080{number}", valid_palliative(
            start_date=start, end_date=end, notice_date=start))
    result = await flow.answer(valid_palliative())

    assert reply(result)["type"] == "Ticket"
    assert ("70005-047", "W", "/SubmitRequest/EndDate") in found(result)


# ---- V-ELG-4 ----------------------------------------------------------------------------------


async def test_v_elg_4_seniority_is_read_from_the_personnel_file():
    flow = await workflow()
    newcomer, recent = make_inss(date(1985, 2, 3)), make_inss(date(1986, 4, 5))
    await flow.employ(inss=newcomer, entry=date(2025, 6, 1))  # 17 months at the notice
    await flow.employ(inss=recent, entry=date(2024, 5, 1))  # 30 months: below the 36 of 2.3
    short = await flow.answer(valid_submit(request_reference="N1", worker={"inss": newcomer}))
    no_allowance = await flow.answer(valid_submit(request_reference="N2",
                                                  worker={"inss": recent}))

    worker = "/SubmitRequest/Worker/INSS"
    assert reply(short)["type"] == reply(no_allowance)["type"] == "Ticket"
    assert ("70019-058", "W", worker) in found(short)
    [allowance] = [a for a in reply(no_allowance)["anomalies"] if a["code"] == "70019-058"]
    assert "allowances" in allowance["messages"]["en"]
