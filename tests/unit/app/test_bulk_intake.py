"""BulkFile intake with fakes: the file is checked as a whole, then stored with its receipt in
one transaction, or refused with no effect at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from bulk_support import (
    body,
    envelope,
    items,
    make_intake,
    receipt,
    reference,
    seeded,
)
from fakes import FakeUnitOfWork

from consumers.loop import unsupported_content_type
from service import bulk_samples
from service.app.bulk_ports import BulkStatus
from service.app.errors import StorageUnavailable
from service.app.ports import Transaction
from service.domain.codes import Environment


class CrashingAt:
    """A unit of work whose `n`-th transaction never starts (the process died)."""

    def __init__(self, inner: FakeUnitOfWork, n: int) -> None:
        self._inner, self._left = inner, n - 1

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        if self._left == 0:
            raise StorageUnavailable("killed")
        self._left -= 1
        async with self._inner.begin() as tx:
            yield tx


def stored_files(uow: FakeUnitOfWork) -> list[tuple[str, BulkStatus, int]]:
    return [(f.file_reference, f.status, f.item_count) for f in uow.state.bulk.files.values()]


async def test_an_accepted_file_is_answered_and_its_items_stored() -> None:
    uow = await seeded()
    woken: list[bool] = []
    intake = make_intake(uow, on_ready=lambda: woken.append(True))

    answer = await intake.receive(envelope("m1"), body(reference(), items(3)))

    [reply] = answer.outbound
    assert receipt(reply) == receipt(reply).__class__(reference(), 1, 3, (), Environment.REAL)
    assert (reply.exchange, reply.routing_key, reply.correlation_id) == (
        "breakgate.replies", "bureau1", "m1")
    assert stored_files(uow) == [(reference(), BulkStatus.READY, 3)]
    assert len(uow.state.bulk.items) == 3
    assert [p.filled for p in uow.state.bulk.parts.values()] == [True]
    assert uow.state.outbox[reply.message_id].row.message == reply
    assert ("bureau1", "m1") in uow.state.inbox
    assert woken == [True]


async def test_items_are_stored_in_transactions_of_500_after_the_receipt() -> None:
    uow = await seeded()
    commits = uow.commits
    await make_intake(uow).receive(envelope("m1"), body(reference(), items(1200)))
    # look-up, claim (receipt), 3 chunks of items, filled
    assert uow.commits - commits == 6


async def test_a_redelivery_after_a_crash_while_storing_items_stores_them_all_once() -> None:
    uow = await seeded()
    file = body(reference(), items(1200))
    with pytest.raises(StorageUnavailable):
        # The look-up, the claim and one chunk commit; the process dies at the next one.
        await make_intake(CrashingAt(uow, 4)).receive(envelope("m1"), file)
    assert stored_files(uow) == [(reference(), BulkStatus.RECEIVING, 1200)]
    assert len(uow.state.bulk.items) == 500  # the claim and one chunk were committed

    woken: list[bool] = []
    again = await make_intake(uow, on_ready=lambda: woken.append(True)).receive(
        envelope("m1"), file)

    assert receipt(again.outbound[0]).result_code == 1
    assert stored_files(uow) == [(reference(), BulkStatus.READY, 1200)]
    assert len(uow.state.bulk.items) == 1200 and woken == [True]


async def test_a_redelivery_gets_the_same_receipt_and_stores_nothing_more() -> None:
    uow = await seeded()
    intake = make_intake(uow)
    first = await intake.receive(envelope("m1"), body(reference(), items(3)))
    again = await intake.receive(envelope("m1", reply_to="amq.rabbitmq.reply-to.x"),
                                 body(reference(), items(3)))

    assert [m.message_id for m in again.outbound] == [m.message_id for m in first.outbound]
    assert again.outbound[0].body == first.outbound[0].body
    assert again.outbound[0].routing_key == "amq.rabbitmq.reply-to.x"  # where it asks now
    assert len(uow.state.bulk.files) == 1 and len(uow.state.bulk.items) == 3


async def test_a_file_with_an_invalid_item_is_refused_whole_and_uses_nothing_up() -> None:
    uow = await seeded()
    intake = make_intake(uow)
    entries = items(3)
    entries[1] = (2, entries[1][1].replace("<Scheme>TIME_CREDIT", "<Scheme>NAP"))

    refused = receipt((await intake.receive(envelope("m1"), body(reference(), entries)))
                      .outbound[0])
    assert (refused.result_code, refused.item_count, refused.codes) == (0, 3, ("70001-008",))
    assert stored_files(uow) == [] and uow.state.bulk.items == {}

    accepted = await intake.receive(envelope("m2"), body(reference(), items(3)))
    assert receipt(accepted.outbound[0]).result_code == 1  # the reference was still free


@pytest.mark.parametrize(
    ("file_reference", "code"),
    [
        (bulk_samples.file_reference("000043", bulk_samples.date(2026, 12, 1)), "70018-003"),
        (bulk_samples.file_reference("000042", bulk_samples.date(2026, 12, 2)), "70018-003"),
        ("FI.ELO.000042.20261201.A0001.X", "70018-003"),
        (reference(parts=2, part=3), "70018-003"),
        ("", "70018-093"),  # the XSD first (Identifier64 has a minimum length)
        (" ", "70018-001"),
    ],
    ids=["other-sender", "future-date", "bad-environment", "part-beyond-parts", "empty",
         "blank"],
)
async def test_v_blk_1_refuses_a_bad_file_reference(file_reference: str, code: str) -> None:
    uow = await seeded()
    answer = await make_intake(uow).receive(envelope("m1"), body(file_reference, items(2)))
    assert receipt(answer.outbound[0]).codes == (code,)
    assert stored_files(uow) == []


async def test_a_sender_without_a_number_matches_no_reference() -> None:
    uow = await seeded()
    uow.state.bulk.sender_numbers.clear()
    answer = await make_intake(uow).receive(envelope("m1"), body(reference(), items(1)))
    assert receipt(answer.outbound[0]).codes == ("70018-003",)


async def test_v_msg_3_a_reference_used_by_an_accepted_file_is_refused() -> None:
    uow = await seeded()
    intake = make_intake(uow)
    await intake.receive(envelope("m1"), body(reference(), items(2)))
    again = receipt((await intake.receive(envelope("m2"), body(reference(), items(2))))
                    .outbound[0])
    assert (again.result_code, again.codes) == (0, ("70018-133",))
    assert len(uow.state.bulk.files) == 1 and len(uow.state.bulk.items) == 2


async def test_v_blk_2_a_seq_used_twice_refuses_the_file() -> None:
    uow = await seeded()
    entries = items(3)
    entries[2] = (1, entries[2][1])
    answer = await make_intake(uow).receive(envelope("m1"), body(reference(), entries))
    assert receipt(answer.outbound[0]).codes == ("90000-006",)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'<BulkFile xmlns="urn:breakgate:v1"><FileReference>x', "90000-003"),
        (b'<BulkFile xmlns="urn:breakgate:v2" schemaVersion="2.0"/>', "90000-146"),
        (body(reference(), items(1)).replace(b'schemaVersion="1.0"', b""), "90000-090"),
        (body(reference(), items(1)).replace(b"</BulkFile>", b"<Note/></BulkFile>"),
         "90000-092"),
        (body(reference(), []), "90000-090"),
    ],
    ids=["not-well-formed", "version-2", "no-schema-version", "unknown-element", "no-items"],
)
async def test_the_file_as_a_whole_must_match_the_schema(raw: bytes, code: str) -> None:
    uow = await seeded()
    answer = await make_intake(uow).receive(envelope("m1"), raw)
    assert code in receipt(answer.outbound[0]).codes
    assert receipt(answer.outbound[0]).result_code == 0
    assert stored_files(uow) == []


async def test_parts_make_one_logical_file_processed_when_all_arrived() -> None:
    uow = await seeded()
    woken: list[bool] = []
    intake = make_intake(uow, on_ready=lambda: woken.append(True))
    four = items(4)

    second = await intake.receive(envelope("p2"), body(reference(parts=2, part=2), four[2:]))
    assert receipt(second.outbound[0]).result_code == 1
    assert stored_files(uow) == [(reference(), BulkStatus.RECEIVING, 2)]
    assert woken == []

    clash = await intake.receive(envelope("p1-bad"), body(reference(parts=2, part=1),
                                                          [four[0], four[2]]))
    assert receipt(clash.outbound[0]).codes == ("90000-006",)  # seq 3 is in part 2

    first = await intake.receive(envelope("p1", correlation_id="corr-1"),
                                 body(reference(parts=2, part=1), four[:2]))
    assert receipt(first.outbound[0]).file_reference == reference(parts=2, part=1)
    [file] = uow.state.bulk.files.values()
    assert (file.file_reference, file.status, file.item_count) == (
        reference(), BulkStatus.READY, 4)
    assert file.correlation_id == "corr-1"
    assert woken == [True]


async def test_a_part_sent_again_or_announcing_other_parts_is_refused() -> None:
    uow = await seeded()
    intake = make_intake(uow)
    await intake.receive(envelope("p1"), body(reference(parts=3, part=1), items(2)))
    again = await intake.receive(envelope("p1-again"), body(reference(parts=3, part=1),
                                                           [(3, items(3)[2][1])]))
    other = await intake.receive(envelope("p2"), body(reference(parts=2, part=2),
                                                     [(3, items(3)[2][1])]))
    assert receipt(again.outbound[0]).codes == ("70018-133",)
    assert receipt(other.outbound[0]).codes == ("70018-003",)


async def test_a_test_file_is_answered_in_the_test_environment() -> None:
    uow = await seeded()
    answer = await make_intake(uow).receive(envelope("m1"),
                                            body(reference(environment="T"), items(2)))
    assert receipt(answer.outbound[0]).environment is Environment.TEST
    [file] = uow.state.bulk.files.values()
    assert file.environment is Environment.TEST


async def test_a_delivery_refused_before_parsing_gets_a_receipt_and_its_redelivery_too() -> None:
    uow = await seeded()
    intake = make_intake(uow)
    anomaly = unsupported_content_type("text/plain")
    first = await intake.refuse(envelope("m1"), (anomaly,))
    again = await intake.refuse(envelope("m1"), (anomaly,))
    assert receipt(first.outbound[0]).codes == ("90000-146",)
    assert again.outbound[0].message_id == first.outbound[0].message_id
    assert stored_files(uow) == []


async def test_receipts_name_at_most_100_anomalies() -> None:
    uow = await seeded()
    entries = [(seq, xml.replace("<Scheme>TIME_CREDIT", "<Scheme>NAP"))
               for seq, xml in items(150)]
    answer = await make_intake(uow).receive(envelope("m1"), body(reference(), entries))
    found = receipt(answer.outbound[0])
    assert (found.result_code, found.item_count, len(found.codes)) == (0, 150, 100)
