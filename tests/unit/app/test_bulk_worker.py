"""Bulk processing with fakes: items through the interactive handlers in @seq order, exactly once
across crashes, one BulkResult per logical file, nothing stored for a test file."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from app_support import NOW, SENDER
from bulk_support import (
    COMPANY,
    NS,
    TODAY,
    RecordingPublisher,
    body,
    envelope,
    items,
    make_intake,
    make_worker,
    outbound,
    reference,
    result,
    seeded,
)
from fakes import FakeUnitOfWork
from fakes_bulk import FakeBulkRepository
from lxml import etree

from service import samples
from service.app.bulk_ports import BulkStatus, ItemStatus
from service.app.clock import FixedClock
from service.app.envelope import Inbound, Outbound
from service.app.errors import StorageUnavailable
from service.app.handlers import HANDLERS
from service.app.handlers.base import HandlerContext, Outcome
from service.app.processor import MessageProcessor
from service.app.results import Answered
from service.domain.anomalies import Messages
from service.domain.codes import Action, Environment
from service.domain.commands import CancelRequest, SubmitRequest
from service.domain.parameters import LegalParameters
from service.domain.replies import Acknowledgement
from service.xml.gateway import XmlGateway


async def stored(uow: FakeUnitOfWork, entries: list[tuple[int, str]], *,
                 file_reference: str | None = None, message_id: str = "file-1") -> None:
    answer = await make_intake(uow).receive(envelope(message_id),
                                            body(file_reference or reference(), entries))
    assert b"<ResultCode>1</ResultCode>" in answer.outbound[0].body


def sent_results(publisher: RecordingPublisher) -> list[bytes]:
    return [m.body for m in publisher.of_type("BulkResult")]


async def test_every_item_gets_its_ticket_and_the_file_one_bulk_result() -> None:
    uow = await seeded(5)
    await stored(uow, items(5))
    publisher = RecordingPublisher()

    await make_worker(uow, publisher).drain()

    [bulk_result] = publisher.of_type("BulkResult")
    found = result(bulk_result.body)
    assert (found.file_reference, found.accepted, found.rejected) == (reference(), 5, 0)
    assert [line.seq for line in found.lines] == [1, 2, 3, 4, 5]
    assert {line.status for line in found.lines} == {"ACCEPTED"}
    tickets = [line.ticket for line in found.lines]
    assert len(set(tickets)) == 5 and all(t and t.startswith("ELO2026-") for t in tickets)
    assert sorted(tickets) == sorted(uow.state.requests)  # type: ignore[type-var]
    assert (bulk_result.exchange, bulk_result.routing_key, bulk_result.correlation_id) == (
        "breakgate.replies", SENDER, "file-1")
    # What the authority and the dashboards must know is published; no per-item reply is.
    assert len(publisher.of_type("RequestSubmitted")) == 5
    assert publisher.of_type("Ticket") == []
    # ... but each item's reply is stored (for a later resend of its reference), as sent.
    stored_tickets = [r for r in uow.state.outbox.values() if r.row.message.message_type
                      == "Ticket"]
    assert len(stored_tickets) == 5 and all(r.sent_at is not None for r in stored_tickets)
    [file] = uow.state.bulk.files.values()
    assert file.status is BulkStatus.DONE


async def test_a_mixed_file_answers_each_item_on_its_own() -> None:
    uow = await seeded(10)
    processor = MessageProcessor(uow, outbound(), FixedClock(NOW), LegalParameters.default())
    earlier = [samples.submit_request(f"EARLIER-{w}", samples.worker_inss(w), TODAY)
               for w in (3, 8)]
    for n, message in enumerate(earlier):
        command = XmlGateway().decode(message.encode()).command
        assert isinstance(command, SubmitRequest)
        [answer] = await processor.process_batch([Inbound(
            envelope(f"interactive-{n}"), "SubmitRequest", command.request_reference, command)])
        assert isinstance(answer, Answered)
    earlier_ticket = next(iter(uow.state.requests))

    def as_item(message: str) -> str:
        return "<SubmitRequest>" + message.split(">", 1)[1]

    submit = items(6)
    entries = [
        submit[0],                                                          # accepted
        (2, submit[1][1].replace("BULK-1", "BULK-0")),                      # V-BLK-3
        (3, as_item(earlier[0])),                                           # a resend
        (4, submit[4][1].replace(samples.worker_inss(4), samples.worker_inss(99))),  # Dimona
        (5, submit[5][1].replace(samples.DEMO_COMPANY_ID, "0100000169")),   # no mandate
        (6, submit[0][1].replace("BULK-0", "BULK-6")),                      # V-BLK-4
        (7, as_item(earlier[1]).replace("<LastName>Peeters", "<LastName>Janssens")),
    ]
    await stored(uow, entries)
    publisher = RecordingPublisher()
    await make_worker(uow, publisher, batch=3).drain()

    found = result(publisher.of_type("BulkResult")[0].body)
    lines = {line.seq: line for line in found.lines}
    assert (found.accepted, found.rejected) == (2, 5)
    assert lines[1].status == "ACCEPTED" and lines[1].ticket
    assert (lines[2].status, lines[2].codes) == ("REJECTED", ("70015-006",))
    assert (lines[3].status, lines[3].ticket) == ("ACCEPTED", earlier_ticket)  # the same one
    assert lines[4].status == "REJECTED"
    assert any(code.startswith("70019-") for code in lines[4].codes)
    assert (lines[5].status, lines[5].codes) == ("REJECTED", ("00014-155",))
    assert (lines[6].status, lines[6].codes) == ("REJECTED", ("70004-006",))
    assert (lines[7].status, lines[7].codes) == ("REJECTED", ("70015-006",))
    assert len(uow.state.requests) == 3  # the two earlier ones and item 1


async def test_anomaly_paths_point_into_the_file() -> None:
    uow = await seeded(0)
    await stored(uow, items(1))
    publisher = RecordingPublisher()
    await make_worker(uow, publisher).drain()
    assert b'<Path>/BulkFile/Item[@seq="1"]/SubmitRequest' in publisher.sent[-1].body


async def test_processing_resumes_after_a_crash_with_every_item_done_exactly_once() -> None:
    uow = await seeded(12)
    await stored(uow, items(12))
    first = make_worker(uow, batch=2)
    assert await first.step()  # V-BLK-3/4: the file goes PROCESSING
    await first.step()
    await first.step()
    uow.commit_errors.append(StorageUnavailable("killed before the commit"))
    with pytest.raises(StorageUnavailable):
        await first.step()
    assert len(uow.state.requests) == 4  # two batches committed, the third rolled back

    publisher = RecordingPublisher()
    await make_worker(uow, publisher, batch=5).drain()  # a new process

    found = result(publisher.of_type("BulkResult")[0].body)
    assert [line.seq for line in found.lines] == list(range(1, 13))
    tickets = [line.ticket for line in found.lines]
    assert len(set(tickets)) == 12 and None not in tickets
    assert sorted(uow.state.requests) == sorted(tickets)  # type: ignore[type-var]
    assert sum(1 for (sender, mid) in uow.state.inbox if mid.startswith("bulk:")) == 12


async def test_a_finished_file_is_answered_once() -> None:
    uow = await seeded(2)
    await stored(uow, items(2))
    publisher = RecordingPublisher()
    worker = make_worker(uow, publisher)
    await worker.drain()
    assert await worker.step() is False
    assert len(sent_results(publisher)) == 1


async def test_a_test_file_runs_every_check_and_stores_nothing() -> None:
    uow = await seeded(5)
    entries = items(5)
    entries[4] = (5, entries[4][1].replace(samples.worker_inss(4), samples.worker_inss(99)))
    await stored(uow, entries, file_reference=reference(environment="T"))
    publisher = RecordingPublisher()

    await make_worker(uow, publisher, batch=2).drain()

    [bulk_result] = publisher.sent
    assert bulk_result.message_type == "BulkResult"
    assert bulk_result.environment is Environment.TEST
    found = result(bulk_result.body)
    assert (found.accepted, found.rejected) == (4, 1)
    tickets = [line.ticket for line in found.lines[:4]]
    assert tickets == [f"T2026-{n:09d}" for n in range(1, 5)]  # unique across batches
    assert any(code.startswith("70019-") for code in found.lines[4].codes)
    assert uow.state.requests == {}
    assert [mid for (_, mid) in uow.state.inbox] == ["file-1"]  # the delivery only
    assert uow.state.bulk.files == {} and uow.state.bulk.items == {}

    # The same reference can be rehearsed again.
    await stored(uow, items(1), file_reference=reference(environment="T"), message_id="file-2")


async def test_a_failing_item_is_retried_then_answered_as_not_processed() -> None:
    uow = await seeded(3)
    await stored(uow, items(3))
    calls: list[str] = []

    async def flaky(cmd: SubmitRequest, hc: HandlerContext) -> Outcome:
        calls.append(cmd.request_reference)
        if cmd.request_reference == "BULK-1":
            raise RuntimeError("bug")
        return await HANDLERS[SubmitRequest](cmd, hc)

    processor = MessageProcessor(uow, outbound(), FixedClock(NOW), LegalParameters.default(),
                                 handlers={**HANDLERS, SubmitRequest: flaky})
    publisher = RecordingPublisher()
    worker = make_worker(uow, publisher, max_attempts=3)
    worker._processor = processor  # the same worker, with a handler that fails on one item
    await worker.drain()

    found = result(publisher.of_type("BulkResult")[0].body)
    assert [(line.seq, line.status) for line in found.lines] == [
        (1, "ACCEPTED"), (2, "REJECTED"), (3, "ACCEPTED")]
    assert found.lines[1].codes == ("90000-146",)
    assert calls == ["BULK-0", "BULK-1", "BULK-1", "BULK-1", "BULK-2"]  # in @seq order


async def test_items_of_every_kind_go_through_the_same_handlers() -> None:
    uow = await seeded(1)
    cancel = ("<CancelRequest><RequestReference>C-1</RequestReference><Employer><CompanyID>"
              f"{COMPANY}</CompanyID></Employer><TicketNumber>ELO2026-000000001</TicketNumber>"
              "<Confirm>true</Confirm></CancelRequest>")
    await stored(uow, [(1, cancel)])

    async def cancelled(cmd: CancelRequest, hc: HandlerContext) -> Outcome:
        return Outcome(outbound=(hc.reply(Acknowledgement(
            request_reference=cmd.request_reference, ticket_number=cmd.ticket_number,
            action=Action.CANCELLED, at=hc.now,
            messages=Messages(en="Changes made", fr="Modifications faites",
                              nl="Wijzigingen aangebracht"))),),
            claims_reference=True)

    publisher = RecordingPublisher()
    worker = make_worker(uow, publisher)
    worker._processor = MessageProcessor(uow, outbound(), FixedClock(NOW),
                                         LegalParameters.default(),
                                         handlers={**HANDLERS, CancelRequest: cancelled})
    await worker.drain()
    [line] = result(publisher.of_type("BulkResult")[0].body).lines
    assert (line.status, line.action, line.ticket) == ("ACCEPTED", "CANCELLED", None)


async def test_a_small_budget_still_makes_progress_one_item_per_transaction() -> None:
    uow = await seeded(3)
    await stored(uow, items(3))
    worker = make_worker(uow, budget_seconds=0.0)
    await worker.step()  # cross-item rules
    commits = uow.commits
    await worker.step()
    [file] = uow.state.bulk.files.values()
    done = [i for (_, _), i in uow.state.bulk.items.items() if i.status is ItemStatus.DONE]
    assert (len(done), uow.commits - commits) == (1, 1)
    assert file.status is BulkStatus.PROCESSING


async def test_a_step_ends_after_its_current_item_when_an_interactive_message_waits() -> None:
    uow = await seeded(4)
    await stored(uow, items(4))
    waiting = [False]
    worker = make_worker(uow)
    worker._preempted = lambda: waiting[0]
    await worker.step()  # cross-item rules
    waiting[0] = True
    await worker.step()
    done = [i for i in uow.state.bulk.items.values() if i.status is ItemStatus.DONE]
    assert len(done) == 1
    waiting[0] = False
    await worker.step()
    done = [i for i in uow.state.bulk.items.values() if i.status is ItemStatus.DONE]
    assert len(done) == 4


def progress_of(message: Outbound) -> tuple[str, int, int]:
    """(FileReference, ItemsDone, ItemCount) of a BulkProgress."""
    root = etree.fromstring(message.body)
    assert etree.QName(root).localname == "BulkProgress"
    return (root.findtext("b:FileReference", namespaces=NS) or "",
            int(root.findtext("b:ItemsDone", namespaces=NS) or -1),
            int(root.findtext("b:ItemCount", namespaces=NS) or -1))


async def test_the_sender_is_told_how_far_the_items_are_while_they_are_processed() -> None:
    uow = await seeded(12)
    await stored(uow, items(12))
    publisher = RecordingPublisher()
    worker = make_worker(uow, publisher, batch=2, progress_seconds=1e-9)

    await worker.drain()
    await worker.close()

    progress = publisher.of_type("BulkProgress")
    assert progress, "no BulkProgress for a 12-item file in batches of 2"
    assert all(m.ephemeral for m in progress)  # transient, expiring, not mandatory
    counts = [progress_of(m) for m in progress]
    assert all(ref == reference() and total == 12 and 0 < done < 12
               for ref, done, total in counts), counts
    done = [d for _, d, _ in counts]
    assert done == sorted(done) and len(set(done)) == len(done)
    [bulk_result] = publisher.of_type("BulkResult")
    assert publisher.sent.index(progress[-1]) < publisher.sent.index(bulk_result)
    # Addressed like the file's BulkResult: the sender's reply queue, part 1's correlation.
    assert {(m.exchange, m.routing_key, m.correlation_id, m.environment) for m in progress} == {
        (bulk_result.exchange, bulk_result.routing_key, bulk_result.correlation_id,
         Environment.REAL)}
    assert len({m.message_id for m in progress}) == len(progress)
    # Ephemeral: published once, never written to the outbox.
    stored_types = {r.row.message.message_type for r in uow.state.outbox.values()}
    assert "BulkProgress" not in stored_types and "BulkResult" in stored_types


async def test_no_progress_when_it_is_turned_off_or_the_file_is_quick() -> None:
    for seconds in (0.0, 3600.0):
        uow = await seeded(6)
        await stored(uow, items(6))
        publisher = RecordingPublisher()
        worker = make_worker(uow, publisher, batch=2, progress_seconds=seconds)
        await worker.drain()
        await worker.close()
        assert publisher.of_type("BulkProgress") == []
        assert len(publisher.of_type("BulkResult")) == 1


class ProgressRefused(RecordingPublisher):
    refused = 0

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        if any(m.message_type == "BulkProgress" for m in messages):
            self.refused += 1
            raise ConnectionError("channel closed")
        return await super().publish_many(messages)


async def test_a_failing_progress_never_affects_the_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uow = await seeded(8)
    await stored(uow, items(8))
    publisher = ProgressRefused()
    worker = make_worker(uow, publisher, batch=2, progress_seconds=1e-9)
    await worker.step()  # cross-item rules
    await worker.step()
    await worker.step()  # a progress is due: its publish fails
    await asyncio.sleep(0)
    assert publisher.refused == 1
    counted = [0]

    async def broken(self: FakeBulkRepository, file_id: int) -> object:
        counted[0] += 1
        raise StorageUnavailable("the count failed")

    monkeypatch.setattr(FakeBulkRepository, "progress", broken)
    await worker.drain()  # every later count fails
    await worker.close()

    assert counted[0] > 0
    assert publisher.of_type("BulkProgress") == []
    found = result(publisher.of_type("BulkResult")[0].body)
    assert [(line.seq, line.status) for line in found.lines] == [
        (seq, "ACCEPTED") for seq in range(1, 9)]
    assert len(uow.state.requests) == 8
