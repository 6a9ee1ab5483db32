"""SubmitRequest end to end: one ticket per accepted request, the same reply for a redelivery
or a resend, coded rejections that store nothing, replies only in the sender's own queue."""

from __future__ import annotations

import pytest
from support_service import (
    Deployment,
    collect_replies,
    publish,
    seeded,
    submissions,
)

from service import samples

pytestmark = pytest.mark.integration

OTHER_COMPANY = "0100000169"  # the sender holds no mandate for it


async def test_tickets_for_valid_requests_and_coded_rejections_for_the_rest(dep: Deployment):
    alice, bob = dep.add_sender("alice"), dep.add_sender("bob")
    dep.serve()
    await seeded(dep, alice, 20)
    valid = submissions(20)
    not_xml = [("bad-xml", b"<SubmitRequest>oops")]
    bad_inss = [("bad-inss", samples.submit_request("BAD-INSS", "75113099747",
                                                    _today()).encode())]
    no_mandate = [("no-mandate", samples.submit_request(
        "NO-MANDATE", samples.worker_inss(1), _today(), company_id=OTHER_COMPANY).encode())]
    await publish(dep.url_for(alice), f"breakgate.in.{alice.user}",
                  valid + not_xml + bad_inss + no_mandate, user=alice.user)

    replies = await collect_replies(dep.url_for(alice), f"breakgate.replies.{alice.user}", 23,
                                    idle=1.0)
    by_id = {r.correlation_id: r for r in replies}

    assert len(replies) == 23
    tickets = [by_id[mid].ticket for mid, _ in valid]
    assert all(by_id[mid].kind == "Ticket" for mid, _ in valid)
    assert len(set(tickets)) == 20
    assert by_id["bad-xml"].codes == ("90000-003",)
    assert by_id["bad-inss"].kind == "Rejection" and "00024-004" in by_id["bad-inss"].codes
    assert by_id["no-mandate"].codes == ("00014-155",)
    assert await dep.scalar("select count(*) from requests") == 20
    assert await dep.scalar("select count(distinct ticket_number) from requests") == 20
    bob_replies = await collect_replies(dep.url_for(bob), f"breakgate.replies.{bob.user}", 1,
                                        timeout=1)
    assert bob_replies == []  # replies only in the sender's own queue


async def test_redelivery_and_resend_never_make_a_second_ticket(dep: Deployment):
    alice, bob = dep.add_sender("alice"), dep.add_sender("bob")
    dep.serve()
    await seeded(dep, alice, 1)
    [(message_id, body)] = submissions(1)
    changed = body.replace(b"<LastName>Peeters</LastName>", b"<LastName>Janssens</LastName>")
    url, exchange = dep.url_for(alice), f"breakgate.in.{alice.user}"

    await publish(url, exchange, [(message_id, body)], user=alice.user)
    [first] = await collect_replies(url, f"breakgate.replies.{alice.user}", 1)
    await publish(url, exchange, [(message_id, body)], user=alice.user)  # same AMQP message
    await publish(url, exchange, [("resend", body)], user=alice.user,  # same reference
                  reply_to=f"breakgate.replies.{bob.user}")  # not permitted: ignored
    await publish(url, exchange, [("changed", changed)], user=alice.user)
    redelivered, resent, conflict = await collect_replies(
        url, f"breakgate.replies.{alice.user}", 3, idle=1.0)

    assert first.kind == "Ticket" and first.ticket
    assert (redelivered.message_id, redelivered.body) == (first.message_id, first.body)
    assert resent.correlation_id == "resend"
    assert resent.body == first.body and resent.message_id != first.message_id
    assert conflict.codes == ("70015-006",)
    assert await dep.scalar("select count(*) from requests") == 1
    assert await collect_replies(dep.url_for(bob), f"breakgate.replies.{bob.user}", 1,
                                 timeout=1) == []


def _today():  # type: ignore[no-untyped-def]
    from datetime import date

    return date.today()
