"""SubmitRequest through the processor with fakes: one ticket per request, whatever happens."""

from __future__ import annotations

from datetime import date

import pytest
from app_support import (
    SENDER,
    envelope,
    inbound,
    make_processor,
    read,
    seed_employer,
)
from builders import COMPANY_ID, valid_submit
from fakes import FakeUnitOfWork

from service.app.envelope import Inbound
from service.app.errors import StorageUnavailable
from service.app.results import Answered, Failed
from service.domain.anomalies import Severity, anomaly
from service.domain.codes import WorkerSource


@pytest.fixture
async def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    await seed_employer(fake)
    return fake


def codes(reply: dict[str, object]) -> list[str]:
    return [a["code"] for a in reply["anomalies"]]  # type: ignore[attr-defined,index]


async def test_accepted_submission_gets_a_ticket_and_tells_the_authority(uow: FakeUnitOfWork):
    [result] = await make_processor(uow).process_batch([inbound(valid_submit(), "m1")])

    assert isinstance(result, Answered)
    reply, authority, event = result.outbound
    assert (reply.exchange, reply.routing_key, reply.correlation_id) == (
        "breakgate.replies", SENDER, "m1")
    ticket = read(reply.body)
    assert ticket["type"] == "Ticket"
    assert ticket["ticket_number"] == "ELO2026-000000001"
    assert (authority.exchange, authority.routing_key) == (
        "breakgate.authority.out", "RequestSubmitted")
    assert read(authority.body)["inss"] == valid_submit().worker.inss
    assert (event.exchange, event.routing_key) == ("breakgate.events", "status.SUBMITTED")
    assert valid_submit().worker.inss.encode() not in event.body  # events are pseudonymous
    assert event.correlation_id == "m1"
    assert await _count(uow) == 1


async def test_redelivery_is_answered_with_the_same_messages_and_no_second_ticket(
    uow: FakeUnitOfWork,
):
    processor = make_processor(uow)
    [first] = await processor.process_batch([inbound(valid_submit(), "m1")])
    [again] = await processor.process_batch([inbound(valid_submit(), "m1")])

    assert isinstance(first, Answered) and isinstance(again, Answered)
    assert [m.message_id for m in again.outbound] == [m.message_id for m in first.outbound]
    assert [m.body for m in again.outbound] == [m.body for m in first.outbound]
    assert await _count(uow) == 1


async def test_resend_of_the_same_reference_returns_the_first_ticket_under_its_own_ids(
    uow: FakeUnitOfWork,
):
    processor = make_processor(uow)
    [first] = await processor.process_batch([inbound(valid_submit(), "m1")])
    [resend] = await processor.process_batch(
        [inbound(valid_submit(), "m2", correlation_id="c2")])

    assert isinstance(first, Answered) and isinstance(resend, Answered)
    [reply] = resend.outbound
    assert reply.body == first.outbound[0].body
    assert reply.correlation_id == "c2"
    assert reply.message_id != first.outbound[0].message_id
    assert await _count(uow) == 1


async def test_same_reference_with_other_content_is_refused_70015_006(uow: FakeUnitOfWork):
    processor = make_processor(uow)
    await processor.process_batch([inbound(valid_submit(), "m1")])
    changed = valid_submit(end_date=date(2027, 9, 30))
    [result] = await processor.process_batch([inbound(changed, "m2")])

    assert isinstance(result, Answered)
    rejection = read(result.outbound[0].body)
    assert rejection["type"] == "Rejection"
    assert codes(rejection) == ["70015-006"]
    assert await _count(uow) == 1


async def test_sender_without_mandate_gets_00014_155_and_nothing_else(uow: FakeUnitOfWork):
    [result] = await make_processor(uow).process_batch(
        [inbound(valid_submit(), "m1", sender="stranger")])

    assert isinstance(result, Answered)
    rejection = read(result.outbound[0].body)
    assert codes(rejection) == ["00014-155"]
    assert len(result.outbound) == 1
    assert await _count(uow) == 0


async def test_worker_missing_from_the_personnel_file_is_refused_unless_manual(
    uow: FakeUnitOfWork,
):
    processor = make_processor(uow)
    stranger = "88123199507"
    [dimona] = await processor.process_batch(
        [inbound(valid_submit(worker={"inss": stranger}), "m1")])
    manual = valid_submit(request_reference="R2", worker={
        "inss": stranger, "source": WorkerSource.MANUAL, "hire_date": date(2015, 1, 1)})
    [by_hand] = await processor.process_batch([inbound(manual, "m2")])

    assert isinstance(dimona, Answered) and isinstance(by_hand, Answered)
    assert "70019-230" in codes(read(dimona.outbound[0].body))
    ticket = read(by_hand.outbound[0].body)
    assert ticket["type"] == "Ticket"
    assert ("70019-230", "W") in [(a["code"], a["severity"]) for a in ticket["anomalies"]]


async def test_overlapping_request_of_the_same_scheme_is_refused_70004_006(uow: FakeUnitOfWork):
    processor = make_processor(uow)
    await processor.process_batch([inbound(valid_submit(), "m1")])
    overlapping = valid_submit(request_reference="REQ-2", end_date=date(2027, 12, 31))
    [result] = await processor.process_batch([inbound(overlapping, "m2")])

    assert isinstance(result, Answered)
    assert "70004-006" in codes(read(result.outbound[0].body))
    assert await _count(uow) == 1


async def test_a_rejected_message_does_not_use_up_its_reference(uow: FakeUnitOfWork):
    processor = make_processor(uow)
    broken = valid_submit(end_date=date(2027, 3, 31))  # one month: too short for ONE_FIFTH
    [refused] = await processor.process_batch([inbound(broken, "m1")])
    [fixed] = await processor.process_batch([inbound(valid_submit(), "m2")])

    assert isinstance(refused, Answered) and isinstance(fixed, Answered)
    assert read(refused.outbound[0].body)["type"] == "Rejection"
    assert read(fixed.outbound[0].body)["type"] == "Ticket"


async def test_undecodable_message_is_answered_with_its_anomalies(uow: FakeUnitOfWork):
    bad = anomaly("90000-003", Severity.BLOCKING, None, "e", "f", "n")
    message = Inbound(envelope=envelope("m1"), message_type=None, request_reference=None,
                      anomalies=(bad,))
    [result] = await make_processor(uow).process_batch([message])

    assert isinstance(result, Answered)
    assert codes(read(result.outbound[0].body)) == ["90000-003"]
    assert await _count(uow) == 0


async def test_reply_to_is_honoured_only_for_the_senders_own_queues(uow: FakeUnitOfWork):
    processor = make_processor(uow)
    own = f"breakgate.replies.{SENDER}.hr"
    [honoured] = await processor.process_batch(
        [inbound(valid_submit(), "m1", reply_to=own)])
    [ignored] = await processor.process_batch(
        [inbound(valid_submit(request_reference="R9", start_date=date(2028, 3, 1),
                              end_date=date(2028, 8, 31)),
                 "m2", reply_to="breakgate.replies.other")])

    assert isinstance(honoured, Answered) and isinstance(ignored, Answered)
    assert (honoured.outbound[0].exchange, honoured.outbound[0].routing_key) == ("", own)
    assert (ignored.outbound[0].exchange, ignored.outbound[0].routing_key) == (
        "breakgate.replies", SENDER)


async def test_one_failing_message_rolls_back_alone(uow: FakeUnitOfWork):
    processor = make_processor(uow)

    async def explode(command: object, hc: object) -> object:
        raise RuntimeError("handler bug")

    from service.domain.commands import SubmitRequest
    handlers = dict(processor._handlers)
    ok = processor._handlers[SubmitRequest]

    async def sometimes(command: SubmitRequest, hc: object) -> object:
        if command.request_reference == "BOOM":
            await explode(command, hc)
        return await ok(command, hc)  # type: ignore[arg-type]

    handlers[SubmitRequest] = sometimes  # type: ignore[assignment]
    processor._handlers = handlers
    batch = [inbound(valid_submit(request_reference="BOOM", worker={"inss": "88123199507"}),
                     "m1"), inbound(valid_submit(), "m2")]
    failed, answered = await processor.process_batch(batch)

    assert isinstance(failed, Failed) and isinstance(failed.error, RuntimeError)
    assert isinstance(answered, Answered)
    assert await _count(uow) == 1


async def test_database_outage_raises_and_commits_nothing(uow: FakeUnitOfWork):
    uow.begin_errors.append(StorageUnavailable("down"))
    with pytest.raises(StorageUnavailable):
        await make_processor(uow).process_batch([inbound(valid_submit(), "m1")])
    assert await _count(uow) == 0


async def test_tickets_are_consecutive_within_a_batch(uow: FakeUnitOfWork):
    from builders import make_inss

    batch = [
        inbound(valid_submit(request_reference=f"R{i}",
                             worker={"inss": make_inss(date(1980, 1, 1 + i))}), f"m{i}")
        for i in range(5)
    ]
    async with uow.begin() as tx:
        from service.app.ports import EmploymentPeriod
        for i in range(5):
            await tx.personnel.upsert(EmploymentPeriod(
                COMPANY_ID, make_inss(date(1980, 1, 1 + i)), date(2015, 1, 1), None))
    results = await make_processor(uow).process_batch(batch)

    tickets = [read(r.outbound[0].body)["ticket_number"] for r in results
               if isinstance(r, Answered)]
    assert tickets == [f"ELO2026-{n:09d}" for n in range(1, 6)]


async def _count(uow: FakeUnitOfWork) -> int:
    async with uow.begin() as tx:
        return await tx.requests.count()


async def test_redelivery_reply_follows_the_redeliverys_reply_to(uow: FakeUnitOfWork):
    processor = make_processor(uow)
    [first] = await processor.process_batch(
        [inbound(valid_submit(), "m1", reply_to="amq.rabbitmq.reply-to.token1")])
    [again] = await processor.process_batch(
        [inbound(valid_submit(), "m1", reply_to="amq.rabbitmq.reply-to.token2")])

    assert isinstance(first, Answered) and isinstance(again, Answered)
    assert first.outbound[0].routing_key == "amq.rabbitmq.reply-to.token1"
    assert again.outbound[0].routing_key == "amq.rabbitmq.reply-to.token2"
    assert again.outbound[0].message_id == first.outbound[0].message_id
    assert again.outbound[1:] == first.outbound[1:]  # events keep their route
