"""ModifyRequest through the processor (R3, V-LCY-1, V-MSG-5, V-LCY-2 with V-DUR-*, V-MSG-4,
V-PFL-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app_support import SENDER
from builders import COMPANY_ID
from builders_messages import cancel_request, modify_request, worker_part_completed
from workflow_support import body, codes, reply, routes, workflow

from service.domain.codes import RequestStatus
from service.domain.commands import EmployerRef, ModifyRequest, SubmitRequest

MINE = EmployerRef(company_id=COMPANY_ID)
NEW_END = "/ModifyRequest/NewEndDate"


def modify(ticket: str, end: date, **overrides: Any) -> ModifyRequest:
    return modify_request(ticket_number=ticket, new_end_date=end, employer=MINE, **overrides)


def anomalies(result: Any) -> list[tuple[str, str, str]]:
    return [(a["code"], a["severity"], a["path"]) for a in reply(result)["anomalies"]]


async def test_a_new_end_date_is_stored_acknowledged_and_told_to_the_authority():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.answer(modify(ticket, date(2027, 12, 31)))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "Acknowledgement"),
        ("breakgate.authority.out", "RequestModified", "RequestModified"),
    ]  # no StatusUpdate: the request stays SUBMITTED
    ack = reply(result)
    assert (ack["action"], ack["ticket_number"]) == ("MODIFIED", ticket)
    assert ack["anomalies"] == []
    told = body(result.outbound[1])
    assert (told["ticket_number"], told["new_end_date"]) == (ticket, "2027-12-31")
    stored = await flow.request(ticket)
    assert (stored.end_date, stored.version, stored.status) == (
        date(2027, 12, 31), 1, RequestStatus.SUBMITTED)
    assert SubmitRequest.model_validate_json(stored.payload_json).end_date == date(2027, 12, 31)
    async with flow.uow.begin() as tx:
        [change] = await tx.requests.history(ticket)
    assert (change.kind, change.detail) == ("MODIFIED", "EndDate 2027-08-31 -> 2027-12-31")


async def test_the_new_period_must_pass_the_duration_rules():
    flow = await workflow()
    ticket = await flow.file()
    before = await flow.answer(modify(ticket, date(2027, 2, 1)))
    short = await flow.answer(modify(ticket, date(2027, 5, 31), request_reference="MOD-2"))

    assert anomalies(before) == [("70005-014", "B", NEW_END)]
    assert ("70005-008", "B", NEW_END) in anomalies(short)
    assert (await flow.request(ticket)).end_date == date(2027, 8, 31)


EARLIER = {"start_date": date(2026, 8, 1), "end_date": date(2027, 1, 31),
           "notice_date": date(2026, 7, 1)}  # filed late: warnings only


async def test_the_new_period_must_not_overlap_another_live_request():
    flow = await workflow()
    later = await flow.file()  # 2027-03-01..2027-08-31
    earlier = await flow.file(**EARLIER)
    overlapping = await flow.answer(modify(earlier, date(2027, 3, 31)))
    await flow.answer(cancel_request(ticket_number=later, employer=MINE))
    after_cancel = await flow.answer(modify(earlier, date(2027, 3, 31),
                                            request_reference="MOD-2"))

    assert ("70004-006", "B", NEW_END) in anomalies(overlapping)
    assert reply(after_cancel)["type"] == "Acknowledgement"  # a CANCELLED request no longer counts


async def test_a_worker_leaving_before_the_new_end_is_a_warning():
    flow = await workflow()
    ticket = await flow.file()
    await flow.employ(exit_date=date(2027, 10, 31))
    result = await flow.answer(modify(ticket, date(2027, 12, 31)))

    assert reply(result)["type"] == "Acknowledgement"
    assert ("70019-230", "W", NEW_END) in anomalies(result)


async def test_only_a_submitted_request_may_be_modified():
    flow = await workflow()
    cancelled = await flow.file()
    await flow.answer(cancel_request(ticket_number=cancelled, employer=MINE))
    locked = await flow.file(**EARLIER)
    await flow.authority(worker_part_completed(ticket_number=locked))

    assert codes(await flow.answer(modify(cancelled, date(2027, 12, 31)))) == ["70012-241"]
    assert codes(await flow.answer(modify(locked, date(2027, 2, 28),
                                          request_reference="MOD-2"))) == ["70012-272"]
    assert (await flow.request(locked)).end_date == date(2027, 1, 31)


async def test_unknown_or_foreign_ticket_and_no_mandate():
    flow = await workflow()
    ticket = await flow.file()
    unknown = await flow.answer(modify("ELO2026-000000999", date(2027, 12, 31)))
    stranger = await flow.answer(modify(ticket, date(2027, 12, 31)), sender="stranger")

    assert codes(unknown) == ["70012-003"]
    assert codes(stranger) == ["00014-155"]
    assert (await flow.request(ticket)).end_date == date(2027, 8, 31)
