"""ConsultRequest through the processor (V-LCY-1, V-LCY-3, V-MAN-2): the stored request as it
is now, its attachments and its history."""

from __future__ import annotations

from datetime import date

from app_support import NOW, SENDER
from builders import COMPANY_ID, INSS
from builders_messages import (
    add_attachment,
    attachment,
    cancel_request,
    consult_request,
    modify_request,
    worker_part_completed,
)
from workflow_support import OTHER_COMPANY_ID, codes, reply, routes, workflow

from service.domain.commands import ConsultRequest, EmployerRef

MINE = EmployerRef(company_id=COMPANY_ID)


def consult(ticket: str, reference: str = "CON-1") -> ConsultRequest:
    return consult_request(ticket_number=ticket, employer=MINE, request_reference=reference)


async def test_details_show_the_request_as_modified_its_attachments_and_its_history():
    flow = await workflow()
    ticket = await flow.file()
    await flow.answer(modify_request(ticket_number=ticket, new_end_date=date(2027, 12, 31),
                                     employer=MINE))
    await flow.answer(add_attachment(ticket_number=ticket, employer=MINE,
                                     attachments=(attachment(),)))
    result = await flow.answer(consult(ticket))

    assert routes(result) == [("breakgate.replies", SENDER, "RequestDetails")]
    details = reply(result)
    assert (details["ticket_number"], details["status"]) == (ticket, "SUBMITTED")
    assert details["request"]["end_date"] == "2027-12-31"
    assert details["request"]["worker"]["inss"] == INSS
    assert [a["file_name"] for a in details["attachments"]] == ["attestation.pdf"]
    assert len(details["attachments"][0]["sha256"]) == 64
    assert [h["kind"] for h in details["history"]] == ["SUBMITTED", "MODIFIED",
                                                       "ATTACHMENT_ADDED"]
    assert details["history"][0]["at"] == NOW.isoformat().replace("+00:00", "Z")


async def test_only_a_submitted_request_can_be_consulted():
    flow = await workflow()
    cancelled = await flow.file()
    await flow.answer(cancel_request(ticket_number=cancelled, employer=MINE))
    assert codes(await flow.answer(consult(cancelled))) == ["70012-241"]

    flow = await workflow()
    locked = await flow.file()
    await flow.authority(worker_part_completed(ticket_number=locked))
    assert codes(await flow.answer(consult(locked))) == ["70012-272"]


async def test_another_employers_request_is_unknown_70012_003():
    flow = await workflow()
    await flow.grant(SENDER, OTHER_COMPANY_ID)
    await flow.employ(OTHER_COMPANY_ID)
    foreign = await flow.file(employer={"company_id": OTHER_COMPANY_ID})

    assert codes(await flow.answer(consult(foreign))) == ["70012-003"]
    assert codes(await flow.answer(consult(foreign, "CON-2"), sender="stranger")) == [
        "00014-155"]


async def test_a_consultation_is_answered_again_for_the_same_reference():
    flow = await workflow()
    ticket = await flow.file()
    first = await flow.answer(consult(ticket))
    again = await flow.answer(consult(ticket))

    assert again.outbound[0].body == first.outbound[0].body
