"""Bulk files end to end: `breakgate serve` on the real broker, with SQLite and PostgreSQL.

A mixed file gets the right receipt and per-item results; a file reusing an accepted reference
is refused whole; a test file stores nothing; and a 5,000-item file survives two SIGKILLs
with exactly one ticket per accepted item."""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from datetime import date

import pytest
from lxml import etree
from support_service import (
    NS,
    Account,
    Deployment,
    Reply,
    collect_replies,
    publish,
    seeded,
    submissions,
    wait_for_rows,
)

from service import bulk_samples, samples

pytestmark = pytest.mark.integration


async def sender_number(dep: Deployment, account: Account) -> str:
    value = await dep.scalar(f"select number from senders where \"user\" = '{account.user}'")
    return f"{value:06d}"


async def send_file(dep: Deployment, account: Account, message_id: str, body: bytes) -> None:
    await publish(dep.url_for(account), f"breakgate.in.{account.user}", [(message_id, body)],
                  user=account.user)


async def replies_of(dep: Deployment, account: Account, count: int, *, timeout: float = 120,
                     idle: float = 1.0) -> list[Reply]:
    return await collect_replies(dep.url_for(account), f"breakgate.replies.{account.user}",
                                 count, timeout=timeout, idle=idle)


def only(replies: list[Reply], kind: str) -> list[Reply]:
    """One per message_id: a re-published reply is the same reply."""
    unique = {r.message_id: r for r in replies if r.kind == kind}
    return list(unique.values())


def receipt(reply: Reply) -> tuple[int, int, tuple[str, ...]]:
    root = etree.fromstring(reply.body)
    return (int(root.findtext("b:ResultCode", namespaces=NS) or -1),
            int(root.findtext("b:ItemCount", namespaces=NS) or -1), reply.codes)


def lines(reply: Reply) -> dict[int, tuple[str, str | None, tuple[str, ...]]]:
    """seq -> (status, ticket or action, anomaly codes)."""
    root = etree.fromstring(reply.body)
    found = {}
    for e in root.iterfind("b:ItemResult", namespaces=NS):
        outcome = e.findtext("b:TicketNumber", namespaces=NS) or e.findtext("b:Action",
                                                                            namespaces=NS)
        codes = tuple(c.text or "" for c in e.iterfind("b:Anomaly/b:Code", namespaces=NS))
        found[int(e.get("seq") or 0)] = (e.findtext("b:Status", namespaces=NS) or "", outcome,
                                        codes)
    return found


def as_item(message: str) -> str:
    return "<SubmitRequest>" + message.split(">", 1)[1]


def cancel_item(reference: str, ticket: str | None) -> str:
    return (f"<CancelRequest><RequestReference>{reference}</RequestReference><Employer>"
            f"<CompanyID>{samples.DEMO_COMPANY_ID}</CompanyID></Employer>"
            f"<TicketNumber>{ticket}</TicketNumber><Confirm>true</Confirm></CancelRequest>")


async def test_a_mixed_file_and_a_reused_reference(dep: Deployment) -> None:
    alice = dep.add_sender("alice")
    dep.serve()
    await seeded(dep, alice, 10)
    today, number = date.today(), await sender_number(dep, alice)
    url, queue = dep.url_for(alice), f"breakgate.replies.{alice.user}"

    earlier = [(mid, body) for mid, body in submissions(2, start=7, prefix="EARLIER")]
    await publish(url, f"breakgate.in.{alice.user}", earlier, user=alice.user)
    tickets = {r.reference: r.ticket for r in await collect_replies(url, queue, 2)}

    submit = list(bulk_samples.submissions(6, today))
    entries = [
        submit[0],                                                            # accepted
        (2, submit[1][1].replace("BULK-1<", "BULK-0<")),                      # V-BLK-3
        (3, as_item(earlier[0][1].decode())),                                 # resend
        (4, submit[4][1].replace(samples.worker_inss(4), samples.worker_inss(99))),  # Dimona
        (5, submit[5][1].replace(samples.DEMO_COMPANY_ID, "0100000169")),     # no mandate
        (6, submit[0][1].replace("BULK-0<", "BULK-6<")),                      # V-BLK-4
        (7, as_item(earlier[1][1].decode()).replace("Peeters", "Janssens")),  # other content
        (8, submit[2][1]),                                                    # accepted
        (9, cancel_item("CANCEL-8", tickets["EARLIER-8"])),                   # cancelled
    ]
    reference = bulk_samples.file_reference(number, today, "MIX01")
    await send_file(dep, alice, "file-mixed", bulk_samples.bulk_file(reference, entries))
    replies = await replies_of(dep, alice, 2)

    [got_receipt] = only(replies, "BulkReceipt")
    [result] = only(replies, "BulkResult")
    assert receipt(got_receipt) == (1, 9, ())
    assert got_receipt.correlation_id == result.correlation_id == "file-mixed"
    found = lines(result)
    assert {seq: status for seq, (status, _, _) in found.items()} == {
        1: "ACCEPTED", 2: "REJECTED", 3: "ACCEPTED", 4: "REJECTED", 5: "REJECTED",
        6: "REJECTED", 7: "REJECTED", 8: "ACCEPTED", 9: "ACCEPTED"}
    assert found[2][2] == ("70015-006",) and found[6][2] == ("70004-006",)
    assert found[3][1] == tickets["EARLIER-7"]  # the first ticket, not a second one
    assert "70019-230" in found[4][2] and found[5][2] == ("00014-155",)
    assert found[7][2] == ("70015-006",)
    assert found[9][1] == "CANCELLED"  # an item of another kind, through the same handler
    assert await dep.scalar("select count(*) from requests where status = 'CANCELLED'") == 1
    assert await dep.scalar("select count(*) from requests") == 4  # 2 earlier + items 1, 8

    # The same reference again, as a new message: refused whole, nothing processed.
    await send_file(dep, alice, "file-again",
                    bulk_samples.bulk_file(reference, [(1, submit[3][1])]))
    [again] = only(await replies_of(dep, alice, 1, idle=2.0), "BulkReceipt")
    assert receipt(again) == (0, 1, ("70018-133",))
    assert await dep.scalar("select count(*) from bulk_files") == 1
    assert await dep.scalar("select count(*) from requests") == 4


async def test_a_test_file_runs_every_check_and_stores_nothing(dep: Deployment) -> None:
    alice = dep.add_sender("alice")
    dep.serve()
    await seeded(dep, alice, 5)
    today, number = date.today(), await sender_number(dep, alice)
    entries = list(bulk_samples.submissions(5, today))
    entries[4] = (5, entries[4][1].replace(samples.worker_inss(4), samples.worker_inss(99)))
    reference = bulk_samples.file_reference(number, today, "TEST1", "T")
    inbox_before = await dep.scalar("select count(*) from inbox")

    await send_file(dep, alice, "file-t", bulk_samples.bulk_file(reference, entries))
    replies = await replies_of(dep, alice, 2)

    [result] = only(replies, "BulkResult")
    found = lines(result)
    assert [found[seq][0] for seq in range(1, 6)] == ["ACCEPTED"] * 4 + ["REJECTED"]
    assert all((found[seq][1] or "").startswith("T") for seq in range(1, 5))
    assert len({found[seq][1] for seq in range(1, 5)}) == 4
    assert await dep.scalar("select count(*) from requests") == 0
    assert await dep.scalar("select count(*) from bulk_files") == 0
    assert await dep.scalar("select count(*) from bulk_items") == 0
    assert await dep.scalar("select count(*) from inbox") == inbox_before + 1  # the delivery

    # A test file does not use up its reference.
    await send_file(dep, alice, "file-t-again", bulk_samples.bulk_file(reference, entries))
    again = only(await replies_of(dep, alice, 2), "BulkReceipt")
    assert [receipt(r)[0] for r in again] == [1]


N = 5000


@pytest.mark.slow
async def test_sigkill_twice_while_processing_a_5000_item_file(dep: Deployment) -> None:
    alice = dep.add_sender("alice")
    first = dep.serve()
    await seeded(dep, alice, N)
    today, number = date.today(), await sender_number(dep, alice)
    reference = bulk_samples.file_reference(number, today, "CRASH")
    body = bulk_samples.bulk_file(reference, bulk_samples.submissions(N, today))
    done = "select count(*) from bulk_items where status = 'DONE'"

    await send_file(dep, alice, "file-crash", body)
    await wait_for_rows(dep, done, 1000, timeout=120)
    first.kill()
    second = dep.serve()
    await wait_for_rows(dep, done, 2500, timeout=120)
    second.kill()
    dep.serve()
    replies = await replies_of(dep, alice, 2, timeout=300, idle=3.0)

    [result] = only(replies, "BulkResult")
    found = lines(result)
    assert sorted(found) == list(range(1, N + 1))
    assert {status for status, _, _ in found.values()} == {"ACCEPTED"}
    tickets = Counter(outcome for _, outcome, _ in found.values())
    assert len(tickets) == N and max(tickets.values()) == 1
    assert await dep.scalar("select count(*) from requests") == N
    assert await dep.scalar("select count(distinct ticket_number) from requests") == N
    assert await dep.scalar("select count(*) from inbox where message_id like 'bulk:%'") == N
    kills_done = await dep.scalar(done)
    print(f"\nSIGKILL x2 during {N} items: {len(only(replies, 'BulkReceipt'))} receipt(s), "
          f"{len(only(replies, 'BulkResult'))} result, {kills_done} items done, "
          f"{len(tickets)} distinct tickets")


async def test_send_splits_a_file_into_parts_and_writes_the_results(dep: Deployment) -> None:
    alice = dep.add_sender("alice")
    dep.serve()
    await seeded(dep, alice, 30)
    today, number = date.today(), await sender_number(dep, alice)
    path = dep.workdir / "payroll.xml"
    entries = list(bulk_samples.submissions(30, today))
    entries[29] = (30, entries[29][1].replace(samples.worker_inss(29), samples.worker_inss(99)))
    path.write_bytes(bulk_samples.bulk_file(
        bulk_samples.file_reference(number, today, "SPLIT"), entries))
    journal = dep.workdir / "journal.jsonl"
    args = ("send", str(path), "--user", alice.user, "--password", alice.password,
            "--journal", str(journal), "--part-bytes", str(path.stat().st_size // 3),
            "--bulk-timeout", "120")

    sent = await asyncio.to_thread(dep.cli, *args, check=False)

    assert sent.returncode == 1, sent.stdout + sent.stderr  # item 30 is rejected
    assert "in 4 part(s): 29 accepted, 1 rejected" in sent.stdout, sent.stdout + sent.stderr
    rows = list(csv.reader((dep.workdir / "payroll.xml.result.csv").open()))
    assert rows[0] == ["seq", "request_reference", "status", "ticket_or_action", "anomalies"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 31))
    assert {r[2] for r in rows[1:30]} == {"ACCEPTED"} and rows[30][2] == "REJECTED"
    assert b"<BulkResult" in (dep.workdir / "payroll.xml.result.xml").read_bytes()
    assert await dep.scalar("select parts_expected from bulk_files") == 4
    assert await dep.scalar("select count(*) from requests") == 29

    # Run again: answered from the journal, nothing sent, nothing stored twice.
    again = await asyncio.to_thread(dep.cli, *args, check=False)
    assert again.returncode == 1 and "29 accepted, 1 rejected" in again.stdout
    assert await dep.scalar("select count(*) from bulk_files") == 1
