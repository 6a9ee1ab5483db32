"""The employer workflow and the authority channel end to end: `breakgate serve` as a process on
the real RabbitMQ, one test per message kind with its refusals, a cross-tenant test and one
request's whole life. Lighter tests run on SQLite only; search, tenancy and the scenario run on
SQLite and PostgreSQL (`dep`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import update
from support_service import (
    NS,
    Deployment,
    Reply,
    collect_replies,
    deployment,
    seeded,
    wait_for_rows,
)
from support_workflow_e2e import (
    COMPANY,
    EXECUTABLE,
    OTHER_COMPANY,
    PDF,
    Employer,
    accept,
    add_attachment,
    as_authority,
    cancel,
    consult,
    count_of,
    decision,
    employee_notification,
    execute,
    kinds,
    list_notifications,
    modify,
    observe,
    postpone,
    read_queue,
    refuse,
    routes,
    search,
    submit,
    text_of,
    timing,
    update_parameters,
    worker_part_completed,
)

from service import samples
from service.db.tables import requests
from service.domain.calendar import period_end, shift

pytestmark = pytest.mark.integration

UNKNOWN_TICKET = f"ELO{datetime.now(UTC).year}-000000999"
DAY = timedelta(days=1)


def _all(message: Reply, path: str) -> list[etree._Element]:
    return etree.fromstring(message.body).findall(path, namespaces=NS)


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path, "sqlite") as made:
        yield made


async def started(dep: Deployment, workers: int = 1, *, parameters: bool = False) -> Employer:
    """alice, mandated for the demo employer, with `workers` workers in its personnel file."""
    alice = Employer(dep, dep.add_sender("alice"))
    dep.serve()
    await seeded(dep, alice.account, workers)
    if parameters:
        assert (await alice.ask(update_parameters("PAR-0"))).kind == "Acknowledgement"
    return alice


async def filed(alice: Employer, reference: str, worker: int = 0) -> str:
    ticket = await alice.ask(submit(reference, worker))
    assert ticket.kind == "Ticket" and ticket.ticket, ticket
    return ticket.ticket


# ---- CancelRequest -----------------------------------------------------------------------------


async def test_cancel_request(lite: Deployment):
    alice = await started(lite, 2)
    first, second = await filed(alice, "REQ-1", 0), await filed(alice, "REQ-2", 1)
    [message_id] = await alice.send(cancel("CAN-1", first))
    ack, update = await alice.replies(2)
    twice = await alice.ask(cancel("CAN-2", first))
    await as_authority(lite, worker_part_completed(second))
    [completed] = await alice.replies(1)
    locked = await alice.ask(cancel("CAN-3", second))
    unknown = await alice.ask(cancel("CAN-4", UNKNOWN_TICKET))

    assert (ack.kind, ack.ticket, text_of(ack, "b:Action")) == (
        "Acknowledgement", first, "CANCELLED")
    assert (update.kind, text_of(update, "b:Status"), text_of(update, "b:Version")) == (
        "StatusUpdate", "CANCELLED", "2")
    assert ack.correlation_id == update.correlation_id == message_id
    assert twice.codes == ("70012-241",)
    assert text_of(completed, "b:Status") == "WORKER_COMPLETED"
    assert locked.codes == ("70012-272",)  # the worker's part locks the request
    assert unknown.codes == ("70012-003",)
    assert await lite.scalar("select count(*) from requests where status = 'CANCELLED'") == 1


# ---- ModifyRequest -----------------------------------------------------------------------------


async def test_modify_request(lite: Deployment):
    alice = await started(lite, 2)
    ticket, other = await filed(alice, "REQ-1", 0), await filed(alice, "REQ-2", 1)
    start = timing().start
    longer = await alice.ask(modify("MOD-1", ticket, period_end(start, 9)))
    too_short = await alice.ask(modify("MOD-2", ticket, period_end(start, 2)))
    before_start = await alice.ask(modify("MOD-3", ticket, start.replace(day=1) - DAY))
    await as_authority(lite, worker_part_completed(other))
    await alice.replies(1)  # its StatusUpdate
    locked = await alice.ask(modify("MOD-4", other, period_end(start, 9)))

    assert (longer.kind, text_of(longer, "b:Action")) == ("Acknowledgement", "MODIFIED")
    assert "70005-008" in too_short.codes
    assert before_start.codes == ("70005-014",)
    assert locked.codes == ("70012-272",)
    assert await lite.scalar(
        f"select count(*) from requests where end_date = '{period_end(start, 9)}'") == 1


# ---- AddAttachment -----------------------------------------------------------------------------


async def test_add_attachment(lite: Deployment):
    alice = await started(lite)
    ticket = await filed(alice, "REQ-1")
    added = await alice.ask(add_attachment("ATT-1", ticket, "attestation.pdf", PDF))
    renamed = await alice.ask(add_attachment("ATT-2", ticket, "invoice.pdf", EXECUTABLE))
    same_name = await alice.ask(add_attachment("ATT-3", ticket, "attestation.pdf", PDF))
    await as_authority(lite, decision(ticket, "GRANTED"))
    updates = await alice.replies(2)  # R9: WORKER_COMPLETED, then GRANTED
    decided = await alice.ask(add_attachment("ATT-4", ticket, "late.pdf", PDF))

    assert (added.kind, text_of(added, "b:Action")) == ("Acknowledgement", "ATTACHMENT_ADDED")
    assert renamed.codes == ("70013-008",)  # an executable, whatever its name says
    assert same_name.codes == ("70013-133",)
    assert [text_of(u, "b:Status") for u in updates] == ["WORKER_COMPLETED", "GRANTED"]
    assert decided.codes == ("70012-272",)
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert await lite.scalar(
        f"select count(*) from attachments where sha256 = '{sha256}' and size = {len(PDF)}") == 1
    assert await lite.scalar("select count(*) from attachments") == 1


# ---- ConsultRequest ----------------------------------------------------------------------------


async def test_consult_request(lite: Deployment):
    alice = await started(lite)
    ticket = await filed(alice, "REQ-1")
    await alice.ask(add_attachment("ATT-1", ticket))
    details = await alice.ask(consult("CON-1", ticket))
    unknown = await alice.ask(consult("CON-2", UNKNOWN_TICKET))
    await alice.send(cancel("CAN-1", ticket))
    await alice.replies(2)
    cancelled = await alice.ask(consult("CON-3", ticket))

    assert (details.kind, details.ticket, text_of(details, "b:Status")) == (
        "RequestDetails", ticket, "SUBMITTED")
    assert text_of(details, "b:Worker/b:INSS") == samples.worker_inss(0)
    assert text_of(details, "b:AttachmentInfo/b:SHA256") == hashlib.sha256(PDF).hexdigest()
    changes = [c.text for c in _all(details, "b:History/b:Change/b:Kind")]
    assert changes == ["SUBMITTED", "ATTACHMENT_ADDED"]
    assert unknown.codes == ("70012-003",)
    assert cancelled.codes == ("70012-241",)


# ---- SearchRequests ----------------------------------------------------------------------------


async def test_search_requests(dep: Deployment):
    alice = await started(dep, 2)
    old, recent = await filed(alice, "REQ-1", 0), await filed(alice, "REQ-2", 1)
    long_ago = datetime.now(UTC).replace(year=datetime.now(UTC).year - 2) - DAY
    await execute(dep, update(requests).where(requests.c.ticket_number == old)
                  .values(submitted_at=long_ago))
    everything = await alice.ask(search("SRC-1"))
    old_worker = await alice.ask(search("SRC-2", inss=samples.worker_inss(0)))
    new_worker = await alice.ask(search("SRC-3", inss=samples.worker_inss(1)))
    start = timing().start
    reversed_range = await alice.ask(search("SRC-4", start_from=start,
                                            start_to=shift(start, -1)))

    assert everything.kind == "SearchResult"
    assert (text_of(everything, "b:Total"), text_of(everything, "b:Request/b:TicketNumber")) == (
        "1", recent)  # the request submitted more than two years ago is not returned
    assert text_of(old_worker, "b:Total") == "0"
    assert count_of(new_worker, "b:Request") == 1
    assert reversed_range.codes == ("70020-014",)


# ---- ListNotifications, DecideNotification, EmployeeNotification -------------------------------


async def test_list_and_decide_notifications(lite: Deployment):
    alice = await started(lite, 3, parameters=True)
    await as_authority(lite, employee_notification("NTF-1", 0), employee_notification("NTF-2", 1),
                       employee_notification("NTF-3", 2, palliative=True))
    await wait_for_rows(lite, "select count(*) from notifications where state = 'PENDING'", 3)
    listed = await alice.ask(list_notifications("LST-1"))
    start = timing().start
    too_late = await alice.ask(postpone("DEC-1", "NTF-1", shift(start, 6) + DAY))
    postponed = await alice.ask(postpone("DEC-2", "NTF-1", shift(start, 2)))
    palliative = await alice.ask(refuse("DEC-3", "NTF-3", "SMALL_EMPLOYER"))
    accepted = await alice.ask(accept("DEC-4", "NTF-2", timing().notice))
    twice = await alice.ask(refuse("DEC-5", "NTF-2", "MANAGEMENT_STAFF"))
    unknown = await alice.ask(refuse("DEC-6", "NTF-404", "MANAGEMENT_STAFF"))
    still_pending = await alice.ask(list_notifications("LST-2"))

    assert (listed.kind, count_of(listed, "b:Notification")) == ("NotificationList", 3)
    assert too_late.codes == ("70004-021",)  # more than 6 months after the requested start
    assert (postponed.kind, text_of(postponed, "b:Action")) == ("Acknowledgement", "POSTPONED")
    assert palliative.codes == ("70016-146",)  # palliative leave can never be refused
    assert accepted.kind == "Ticket" and accepted.ticket
    assert twice.codes == ("70014-272",)
    assert unknown.codes == ("70014-003",)
    assert [n.text for n in _all(still_pending, "b:Notification/b:NotificationId")] == ["NTF-3"]
    assert await lite.scalar(
        "select count(*) from requests where payload_json like '%NTF-2%'") == 1


async def test_update_parameters_and_auto_refused_notification(lite: Deployment):
    alice = await started(lite)
    observer = await observe(lite)
    refused_all = await alice.ask(update_parameters("PAR-1", accepts=False))
    bad_email = await alice.ask(update_parameters("PAR-2", email="nobody"))
    await as_authority(lite, employee_notification("NTF-1"))
    seen = await read_queue(lite.admin_url, observer, 2, idle=0.5)

    assert (refused_all.kind, text_of(refused_all, "b:Action")) == (
        "Acknowledgement", "PARAMETERS_UPDATED")
    assert bad_email.codes == ("70017-003",)
    assert routes(seen) == [("breakgate.authority.out", "NotificationDecided"),
                            ("breakgate.events", "notification.AUTO_REFUSED")]
    assert (text_of(seen[0], "b:Decision"), text_of(seen[0], "b:Anomaly/b:Code")) == (
        "AUTO_REFUSED", "70014-146")
    assert await lite.scalar(
        "select count(*) from notifications where state = 'AUTO_REFUSED'") == 1


# ---- WorkerPartCompleted, Decision --------------------------------------------------------------


async def test_worker_part_completed_and_decisions(lite: Deployment):
    alice = await started(lite, 2)
    observer = await observe(lite)
    first, second = await filed(alice, "REQ-1", 0), await filed(alice, "REQ-2", 1)
    await read_queue(lite.admin_url, observer, 4)  # the two submissions' messages
    await as_authority(lite, worker_part_completed(first))
    [completed] = await alice.replies(1)
    await as_authority(lite, decision(first, "GRANTED"))
    [granted] = await alice.replies(1)
    await as_authority(lite, decision(second, "REFUSED", "Balance exhausted"))  # R9
    r9 = await alice.replies(2)
    await as_authority(lite, worker_part_completed(first),  # a late repeat: ignored
                       worker_part_completed(UNKNOWN_TICKET))  # parked
    dead = await read_queue(lite.admin_url, "breakgate.dead", 1)
    events = await read_queue(lite.admin_url, observer, 4, idle=0.5)

    assert [(text_of(u, "b:Status"), text_of(u, "b:Version")) for u in [completed, granted]] == [
        ("WORKER_COMPLETED", "2"), ("GRANTED", "3")]
    assert [(text_of(u, "b:Status"), text_of(u, "b:Version"), text_of(u, "b:Reason"))
            for u in r9] == [("WORKER_COMPLETED", "2", None),
                             ("REFUSED", "3", "Balance exhausted")]
    assert [m.routing_key for m in events] == [
        "status.WORKER_COMPLETED", "status.GRANTED", "status.WORKER_COMPLETED",
        "status.REFUSED"]
    assert [(m.kind, m.headers.get("x-error-code")) for m in dead] == [
        ("WorkerPartCompleted", "70012-003")]
    assert await collect_replies(lite.url_for(alice.account), alice.queue, 1, timeout=1) == []


# ---- tenancy -----------------------------------------------------------------------------------


async def test_a_sender_without_mandate_can_neither_read_nor_change_another_employers_data(
    dep: Deployment,
):
    alice = await started(dep, 1, parameters=True)
    bob = Employer(dep, dep.add_sender("bob"))
    ticket = await filed(alice, "REQ-1")
    await as_authority(dep, employee_notification("NTF-1"),
                       samples.grant_mandate(bob.account.user, company_id=OTHER_COMPANY).encode())
    await wait_for_rows(dep, "select count(*) from notifications", 1)
    await wait_for_rows(dep, "select count(*) from mandates", 2)
    start, notice = timing().start, timing().notice
    naming_a = [
        submit("B-1"), cancel("B-2", ticket), modify("B-3", ticket, period_end(start, 9)),
        add_attachment("B-4", ticket), consult("B-5", ticket), search("B-6"),
        search("B-7", inss=samples.worker_inss(0)), list_notifications("B-8"),
        postpone("B-9", "NTF-1", shift(start, 1)), refuse("B-10", "NTF-1", "MANAGEMENT_STAFF"),
        accept("B-11", "NTF-1", notice), update_parameters("B-12", accepts=False),
    ]
    as_c = [  # B's own employer C, naming A's ticket and notification
        cancel("C-1", ticket, OTHER_COMPANY), modify("C-2", ticket, period_end(start, 9),
                                                     OTHER_COMPANY),
        add_attachment("C-3", ticket, company=OTHER_COMPANY), consult("C-4", ticket,
                                                                      OTHER_COMPANY),
        postpone("C-5", "NTF-1", shift(start, 1), OTHER_COMPANY),
        refuse("C-6", "NTF-1", "MANAGEMENT_STAFF", OTHER_COMPANY),
        accept("C-7", "NTF-1", notice, OTHER_COMPANY),
        search("C-8", OTHER_COMPANY, inss=samples.worker_inss(0)),
        list_notifications("C-9", OTHER_COMPANY),
    ]
    ids = await bob.send(*naming_a, *as_c)
    by_id = {r.correlation_id: r for r in await bob.replies(len(ids), idle=1.0)}

    assert len(by_id) == len(ids)
    for message_id in ids[:len(naming_a)]:
        assert (by_id[message_id].kind, by_id[message_id].codes) == ("Rejection", ("00014-155",))
    answers = [by_id[message_id] for message_id in ids[len(naming_a):]]
    assert [a.codes for a in answers[:4]] == [("70012-003",)] * 4  # as unknown as can be
    assert [a.codes for a in answers[4:7]] == [("70014-003",)] * 3
    assert text_of(answers[7], "b:Total") == "0"
    assert count_of(answers[8], "b:Notification") == 0
    # nothing changed, and alice heard nothing of it
    assert await dep.scalar(
        "select count(*) from requests where status = 'SUBMITTED' and version = 1") == 1
    assert await dep.scalar("select count(*) from requests") == 1
    assert await dep.scalar("select count(*) from attachments") == 0
    assert await dep.scalar("select count(*) from notifications where state = 'PENDING'") == 1
    assert await dep.scalar("select count(*) from employers where sector is not null") == 1
    assert await collect_replies(dep.url_for(alice.account), alice.queue, 1, timeout=1) == []
    assert await dep.scalar(
        f"select count(*) from employers where company_id = '{COMPANY}' "
        "and accepts_notifications = true") == 1


# ---- one request's whole life ------------------------------------------------------------------


async def test_one_request_from_notification_to_decision(dep: Deployment):
    alice = Employer(dep, dep.add_sender("alice"))
    dep.serve()
    observer = await observe(dep)
    await seeded(dep, alice.account, 1)
    inss = samples.worker_inss(0)
    t = timing()

    parameters = await alice.ask(update_parameters("PAR-1"))
    await as_authority(dep, employee_notification("NTF-1"))
    [pending] = await read_queue(dep.admin_url, observer, 1)
    listed = await alice.ask(list_notifications("LST-1"))
    ticket_reply = await alice.ask(accept("DEC-1", "NTF-1", t.notice))
    ticket = ticket_reply.ticket
    attached = await alice.ask(add_attachment("ATT-1", str(ticket)))
    modified = await alice.ask(modify("MOD-1", str(ticket), period_end(t.start, 9)))
    details = await alice.ask(consult("CON-1", str(ticket)))
    await as_authority(dep, worker_part_completed(str(ticket)))
    [completed] = await alice.replies(1)
    await as_authority(dep, decision(str(ticket), "GRANTED"))
    [granted] = await alice.replies(1)
    seen = await read_queue(dep.admin_url, observer, 8, idle=1.0)

    # every reply, in order
    assert kinds([parameters, listed, ticket_reply, attached, modified, details]) == [
        "Acknowledgement", "NotificationList", "Ticket", "Acknowledgement", "Acknowledgement",
        "RequestDetails"]
    assert text_of(listed, "b:Notification/b:NotificationId") == "NTF-1"
    assert ticket and ticket.startswith("ELO")
    assert [text_of(a, "b:Action") for a in (attached, modified)] == [
        "ATTACHMENT_ADDED", "MODIFIED"]
    assert text_of(details, "b:EndDate") == str(period_end(t.start, 9))
    assert text_of(details, "b:NotificationId") == "NTF-1"
    assert [c.text for c in _all(details, "b:History/b:Change/b:Kind")] == [
        "SUBMITTED", "ATTACHMENT_ADDED", "MODIFIED"]
    assert [(u.kind, text_of(u, "b:Status"), text_of(u, "b:Version"))
            for u in (completed, granted)] == [
        ("StatusUpdate", "WORKER_COMPLETED", "2"), ("StatusUpdate", "GRANTED", "3")]
    # every event and authority message, in order
    assert routes([pending, *seen]) == [
        ("breakgate.events", "notification.PENDING"),
        ("breakgate.authority.out", "NotificationDecided"),
        ("breakgate.authority.out", "RequestSubmitted"),
        ("breakgate.events", "notification.ACCEPTED"),
        ("breakgate.events", "status.SUBMITTED"),
        ("breakgate.authority.out", "RequestModified"),  # the attachment
        ("breakgate.authority.out", "RequestModified"),  # the new end date
        ("breakgate.events", "status.WORKER_COMPLETED"),
        ("breakgate.events", "status.GRANTED"),
    ]
    decided, submitted, modified_attachment, modified_end = seen[0], seen[1], seen[4], seen[5]
    assert (text_of(decided, "b:Decision"), text_of(decided, "b:TicketNumber")) == (
        "ACCEPTED", ticket)
    assert (text_of(submitted, "b:NotificationId"), text_of(submitted, "b:Worker/b:INSS")) == (
        "NTF-1", inss)
    assert text_of(modified_attachment, "b:NewEndDate") is None
    assert text_of(modified_end, "b:NewEndDate") == str(period_end(t.start, 9))
    events = [m for m in [pending, *seen] if m.exchange == "breakgate.events"]
    assert all(inss.encode() not in m.body for m in events)  # pseudonymous
    assert [text_of(m, "b:Version") for m in events if m.kind == "StatusUpdate"] == [
        "1", "2", "3"]
    assert await dep.scalar("select count(*) from requests where status = 'GRANTED'") == 1
