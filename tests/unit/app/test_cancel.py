"""CancelRequest through the processor (R5, V-LCY-1, V-MSG-5, V-MAN-2, V-MAN-4)."""

from __future__ import annotations

from datetime import date

from app_support import SENDER, inbound
from builders import COMPANY_ID, INSS
from builders_messages import cancel_request, worker_part_completed
from workflow_support import (
    OTHER_COMPANY_ID,
    body,
    codes,
    published,
    reply,
    routes,
    workflow,
)

from service.app.results import Answered
from service.domain.codes import RequestStatus
from service.domain.commands import EmployerRef


async def test_a_cancellation_is_acknowledged_told_to_the_authority_and_published():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.answer(cancel_request(ticket_number=ticket, employer=EmployerRef(
        company_id=COMPANY_ID)))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "Acknowledgement"),
        ("breakgate.authority.out", "RequestCancelled", "RequestCancelled"),
        ("breakgate.replies", SENDER, "StatusUpdate"),
        ("breakgate.events", "status.CANCELLED", "StatusUpdate"),
    ]
    ack = reply(result)
    assert (ack["action"], ack["ticket_number"]) == ("CANCELLED", ticket)
    assert ack["messages"]["en"].startswith("Changes made")
    assert body(result.outbound[1])["ticket_number"] == ticket
    update, event = result.outbound[2], result.outbound[3]
    assert body(update)["status"] == "CANCELLED" and body(update)["version"] == 2
    assert update.correlation_id == event.correlation_id == "m2"  # the cause's message_id
    assert INSS.encode() not in event.body
    stored = await flow.request(ticket)
    assert (stored.status, stored.version) == (RequestStatus.CANCELLED, 2)
    async with flow.uow.begin() as tx:
        assert [e.kind for e in await tx.requests.history(ticket)] == ["CANCELLED"]


async def test_a_second_cancellation_is_refused_70012_241():
    flow = await workflow()
    ticket = await flow.file()
    await flow.answer(cancel_request(ticket_number=ticket, employer=EmployerRef(
        company_id=COMPANY_ID)))
    again = await flow.answer(cancel_request(request_reference="CAN-2", ticket_number=ticket,
                                             employer=EmployerRef(company_id=COMPANY_ID)))

    assert codes(again) == ["70012-241"]
    assert len(again.outbound) == 1
    assert (await flow.request(ticket)).version == 2


async def test_a_request_locked_by_the_worker_cannot_be_cancelled_70012_272():
    flow = await workflow()
    ticket = await flow.file()
    await flow.authority(worker_part_completed(ticket_number=ticket))
    result = await flow.answer(cancel_request(ticket_number=ticket, employer=EmployerRef(
        company_id=COMPANY_ID)))

    assert codes(result) == ["70012-272"]
    assert (await flow.request(ticket)).status is RequestStatus.WORKER_COMPLETED


async def test_unknown_and_foreign_tickets_get_the_same_answer_70012_003():
    flow = await workflow()
    await flow.grant(SENDER, OTHER_COMPANY_ID)
    await flow.employ(OTHER_COMPANY_ID)
    foreign = await flow.file(employer={"company_id": OTHER_COMPANY_ID})
    mine = EmployerRef(company_id=COMPANY_ID)
    unknown = await flow.answer(cancel_request(ticket_number="ELO2026-000000999", employer=mine))
    other = await flow.answer(cancel_request(request_reference="CAN-2", ticket_number=foreign,
                                             employer=mine))

    assert codes(unknown) == codes(other) == ["70012-003"]
    assert reply(unknown)["anomalies"][0]["messages"] == reply(other)["anomalies"][0]["messages"]
    assert (await flow.request(foreign)).status is RequestStatus.SUBMITTED


async def test_confirm_false_and_a_malformed_ticket_are_refused():
    flow = await workflow()
    ticket = await flow.file()
    mine = EmployerRef(company_id=COMPANY_ID)
    unconfirmed = await flow.answer(cancel_request(ticket_number=ticket, confirm=False,
                                                   employer=mine))
    malformed = await flow.answer(cancel_request(request_reference="CAN-2",
                                                 ticket_number="ELO-1", employer=mine))

    assert codes(unconfirmed) == ["70012-008"]
    assert codes(malformed) == ["70012-003"]
    assert (await flow.request(ticket)).status is RequestStatus.SUBMITTED


async def test_a_sender_without_mandate_gets_00014_155_and_nothing_changes():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.answer(cancel_request(ticket_number=ticket, employer=EmployerRef(
        company_id=COMPANY_ID)), sender="stranger")

    assert codes(result) == ["00014-155"]
    assert routes(result) == [("breakgate.replies", "stranger", "Rejection")]
    assert (await flow.request(ticket)).status is RequestStatus.SUBMITTED


async def test_status_update_goes_to_the_submitter_while_its_mandate_holds():
    flow = await workflow()
    await flow.grant("bureau2")
    ticket = await flow.file()
    result = await flow.answer(cancel_request(ticket_number=ticket, employer=EmployerRef(
        company_id=COMPANY_ID)), sender="bureau2")

    assert routes(result)[0] == ("breakgate.replies", "bureau2", "Acknowledgement")
    assert [(m.routing_key) for m in published(result, "StatusUpdate")
            if m.exchange == "breakgate.replies"] == [SENDER]


async def test_status_update_goes_to_every_mandated_sender_once_the_submitters_mandate_ended():
    flow = await workflow()
    ticket = await flow.file()
    async with flow.uow.begin() as tx:
        await tx.mandates.revoke(SENDER, COMPANY_ID, date(2026, 11, 30))
    await flow.grant("bureau3")
    await flow.grant("bureau2")
    result = await flow.answer(cancel_request(ticket_number=ticket, employer=EmployerRef(
        company_id=COMPANY_ID)), sender="bureau2")

    to_senders = [m for m in published(result, "StatusUpdate")
                  if m.exchange == "breakgate.replies"]
    assert [m.routing_key for m in to_senders] == ["bureau2", "bureau3"]
    assert len({m.message_id for m in to_senders}) == 2


async def test_a_redelivered_cancellation_is_answered_alike_and_status_updates_keep_their_route():
    flow = await workflow()
    ticket = await flow.file()
    cancel = cancel_request(ticket_number=ticket, employer=EmployerRef(company_id=COMPANY_ID))
    [first] = await flow.processor.process_batch([inbound(cancel, "c1")])
    [again] = await flow.processor.process_batch(
        [inbound(cancel, "c1", reply_to="amq.rabbitmq.reply-to.token")])

    assert isinstance(first, Answered) and isinstance(again, Answered)
    assert [m.message_id for m in again.outbound] == [m.message_id for m in first.outbound]
    assert again.outbound[0].routing_key == "amq.rabbitmq.reply-to.token"  # the reply follows
    assert again.outbound[1:] == first.outbound[1:]  # the others keep their route
    assert (await flow.request(ticket)).version == 2
