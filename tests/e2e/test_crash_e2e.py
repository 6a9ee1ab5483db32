"""`breakgate serve` killed with SIGKILL (or stopped with SIGTERM) in the middle of 1,000
submissions, then restarted: exactly one ticket per request, every request answered, and any
repeated reply identical to the first."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from support_service import (
    Deployment,
    Reply,
    collect_replies,
    publish,
    seeded,
    submissions,
    wait_for_rows,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 1000


async def test_sigkill_in_the_middle_of_1000_submissions(dep: Deployment):
    alice = dep.add_sender("alice")
    first = dep.serve()
    await seeded(dep, alice, N)
    messages = submissions(N)
    url, exchange = dep.url_for(alice), f"breakgate.in.{alice.user}"

    await publish(url, exchange, messages[: N // 2], user=alice.user)
    await wait_for_rows(dep, "select count(*) from requests", 100)
    first.kill()
    await publish(url, exchange, messages[N // 2 :], user=alice.user)
    dep.serve()
    replies = await collect_replies(url, f"breakgate.replies.{alice.user}", N, timeout=120,
                                    idle=3.0)

    figures = _check_exactly_once(replies, [mid for mid, _ in messages])
    assert await dep.scalar("select count(*) from requests") == N
    assert await dep.scalar("select count(distinct ticket_number) from requests") == N
    print(f"\nSIGKILL x1 at >=100 of {N}: {figures}")


async def test_sigterm_drains_within_10_seconds_and_loses_nothing(dep: Deployment):
    alice = dep.add_sender("alice")
    first = dep.serve()
    await seeded(dep, alice, N)
    messages = submissions(N)
    url, exchange = dep.url_for(alice), f"breakgate.in.{alice.user}"

    await publish(url, exchange, messages, user=alice.user)
    await wait_for_rows(dep, "select count(*) from requests", 50)
    took = await asyncio.to_thread(first.terminate)
    assert first.popen.returncode == 0, first.output()
    assert took < 10
    dep.serve()
    replies = await collect_replies(url, f"breakgate.replies.{alice.user}", N, timeout=120,
                                    idle=3.0)

    figures = _check_exactly_once(replies, [mid for mid, _ in messages])
    assert await dep.scalar("select count(distinct ticket_number) from requests") == N
    print(f"\nSIGTERM drained in {took:.2f}s: {figures}")


def _check_exactly_once(replies: list[Reply], message_ids: list[str]) -> dict[str, int]:
    by_message: dict[str, list[Reply]] = defaultdict(list)
    for reply in replies:
        by_message[reply.correlation_id].append(reply)
    missing = [mid for mid in message_ids if mid not in by_message]
    conflicting = [mid for mid, rs in by_message.items() if len({r.body for r in rs}) > 1]
    owners: dict[str, set[str | None]] = defaultdict(set)
    for reply in replies:
        owners[reply.ticket or ""].add(reply.reference)
    shared = [t for t, refs in owners.items() if len(refs) > 1]
    kinds = {r.kind for r in replies}

    assert missing == [], f"{len(missing)} requests never answered"
    assert conflicting == [], f"{len(conflicting)} requests answered with different content"
    assert shared == [], f"{len(shared)} tickets shared by two requests"
    assert kinds == {"Ticket"}, kinds
    return {"sent": len(message_ids), "replies": len(replies),
            "redundant_identical": len(replies) - len(by_message), "missing": len(missing),
            "conflicting": len(conflicting), "tickets": len(owners)}
