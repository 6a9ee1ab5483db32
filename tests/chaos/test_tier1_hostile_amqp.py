"""T15 hostile AMQP corpus (RELIABILITY.md 4.3 and section 5, A1-A15) against a running
`breakgate serve`, with tenants made by `breakgate sender add`.

Each case's outcome is observed, not assumed: the broker's error class for what the broker
must refuse, the reply code (or ticket) for what reaches the service, and the other tenant's
reply queue for isolation. A9 uses the broker's configured `max_message_size` (read from the
node). A14: a quorum queue on 3.10 honours a tenant's `expiration`, so an expired filing is
dead-lettered to breakgate.dead (reason `expired`), never dropped silently, and `breakgate dead
retry` re-drives it. A15: `breakgate sender add` sets no per-user limits, so the test sets them
as an operator would (`rabbitmqctl set_user_limits`) and checks the broker's behaviour.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import zlib
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.ledger import Filing
from chaos.harness.scenario import Scenario, chaos_deployment, scenario

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = 1515
MIB = 1024 * 1024


async def _outcome(action: Awaitable[Any]) -> str:
    try:
        await action
    except Exception as error:  # the class name is the observed outcome
        return type(error).__name__
    return "ok"


async def _raw_publish(url: str, exchange: str, key: str, body: bytes, **props: Any) -> None:
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        target = channel.default_exchange if exchange == "" else await channel.get_exchange(
            exchange, ensure=False)
        props.setdefault("content_type", "application/xml")
        await target.publish(aio_pika.Message(body, **props), routing_key=key, mandatory=True,
                             timeout=60)
    finally:
        await connection.close()


async def _ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    return None


async def _raw_channel_action(url: str, action: str, name: str) -> None:
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = await connection.channel()
        if action == "consume":
            queue = await channel.get_queue(name, ensure=False)
            await queue.consume(_ignore)
        elif action == "get":
            queue = await channel.get_queue(name, ensure=False)
            await queue.get(no_ack=True, fail=False)
        elif action == "declare_queue":
            await channel.declare_queue(name, durable=True)
        elif action == "declare_exchange":
            await channel.declare_exchange(name, aio_pika.ExchangeType.FANOUT)
        elif action == "bind":
            queue = await channel.get_queue(name, ensure=False)
            await queue.bind("breakgate.replies", routing_key="anyone")
    finally:
        await connection.close()


def _broker_max_message_size() -> int:
    done = subprocess.run(["rabbitmqctl", "-q", "eval",
                           "application:get_env(rabbit, max_message_size)."],
                          capture_output=True, text=True, timeout=60, check=True)
    found = re.search(r"\{ok,\s*(\d+)\}", done.stdout)
    return int(found.group(1)) if found else 128 * MIB


def _gzip_bomb(expanded: int) -> bytes:
    """gzip of `expanded` zero bytes, built in 1 MiB steps (about 1 MB per GB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(MIB)
    parts = [packer.compress(chunk) for _ in range(expanded // MIB)]
    parts.append(packer.flush())
    return b"".join(parts)


def _rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]


async def test_t15_hostile_amqp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with chaos_deployment(tmp_path, "sqlite") as dep:
        async with scenario(dep, 2, 40, names=["alice", "bob"]) as sc:
            supervisor = sc.supervise(1, seed=SEED)
            pid = supervisor.pids()[0]
            alice, bob = sc.tenants
            a_url, b_url = dep.url_for(alice), dep.url_for(bob)
            own = f"breakgate.in.{alice.user}"
            lines: list[str] = []
            good: list[Filing] = []

            def line(case: str, text: str) -> None:
                lines.append(f"{case:<4} {text}")

            def filing(reference: str, expect: str = "ticket", **props: Any) -> Filing:
                made = sc.filings(1, prefix=reference, tenants=[alice])[0]
                return Filing(alice.user, made.reference, f"{alice.user}:{reference}", made.body,
                              expect, properties=props)

            # A1, A3-A6: what the broker must refuse (tenants made by `breakgate sender add`).
            body = sc.filings(1, prefix="REFUSED", tenants=[alice])[0].body
            a1 = await _outcome(_raw_publish(a_url, own, "SubmitRequest", body,
                                             user_id=bob.user, message_id="a1"))
            line("A1", f"user_id spoofed to the other tenant: {a1}")
            a3 = await _outcome(_raw_publish(a_url, f"breakgate.in.{bob.user}", "SubmitRequest",
                                             body, message_id="a3"))
            line("A3", f"publish to the other tenant's exchange: {a3}")
            a4 = await _outcome(_raw_publish(a_url, "", "breakgate.requests", body,
                                             message_id="a4"))
            line("A4", f"publish via the default exchange to the intake queue: {a4}")
            a4b = await _outcome(_raw_publish(a_url, "breakgate.replies", bob.user, b"<Ticket/>",
                                              message_id="a4b"))
            line("A4b", f"forge a reply into breakgate.replies for the other tenant: {a4b}")
            a5 = [await _outcome(_raw_channel_action(a_url, act, f"breakgate.replies.{bob.user}"))
                  for act in ("consume", "get")]
            line("A5", f"consume / get the other tenant's reply queue: {a5[0]} / {a5[1]}")
            a6 = [await _outcome(_raw_channel_action(a_url, act, name)) for act, name in (
                ("declare_queue", f"breakgate.replies.{alice.user}.mine"),
                ("declare_exchange", "alice-private"),
                ("bind", f"breakgate.replies.{alice.user}"))]
            line("A6", f"declare queue / declare exchange / bind own queue to another key: "
                       f"{' / '.join(a6)}")
            refused_ok = (a1 == "ChannelPreconditionFailed" and
                          {a3, a4, a4b, *a5, *a6} == {"ChannelAccessRefused"})

            # What reaches the service.
            a2 = filing("A2")
            a7 = filing("A7", reply_to=f"breakgate.replies.{bob.user}")
            a8 = filing("A8", headers={
                "x-death": [{"count": 99, "queue": "breakgate.requests", "reason": "rejected"}],
                "x-first-death-reason": "delivery_limit", "x-delivery-count": 99,
                "x-attempts": "999", "x-error-code": "forged"})
            a10 = Filing(alice.user, "A10", f"{alice.user}:A10",
                         b"<SubmitRequest>" + b"x" * (9 * MIB) + b"</SubmitRequest>",
                         "reject:90000-093")
            rss_before = _rss_kb(pid)
            bomb = _gzip_bomb(1024 * MIB)
            a11 = Filing(alice.user, "A11", f"{alice.user}:A11", bomb, "reject:90000-146",
                         properties={"content_encoding": "gzip"})
            a12 = filing("A12", expect="reject:90000-146", content_type="application/json")
            nested: dict[str, Any] = {"leaf": 1}
            for _ in range(60):
                nested = {"n": nested}
            a13a = filing("A13a", headers={f"h{i}": i for i in range(5000)})
            a13b = filing("A13b", headers={"deep": nested, "x-delivery-count": "not-a-number",
                                            "x-death": "not-a-list"})
            a14b = filing("A14b", priority=9, delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT)
            sent = [a2, a7, a8, a10, a11, a12, a13a, a13b, a14b]
            good += sent
            publisher = sc.publisher(alice.user)
            publisher.set_user_id = False  # A2: no user_id at all
            await publisher.publish([a2])
            publisher.set_user_id = True
            await publisher.publish(sent[1:])
            assert not await sc.collector.wait_for([f.message_id for f in sent], timeout=60)
            rss_after = _rss_kb(pid)

            def replies_to(f: Filing) -> list[str]:
                return [r.kind + ("" if not r.codes else ":" + ",".join(r.codes))
                        for r in sc.collector.replies if r.correlation_id == f.message_id]

            line("A2", f"no user_id: {replies_to(a2)}")
            bob_replies = [r for r in sc.collector.replies if r.tenant == bob.user]
            a7_in = {r.tenant for r in sc.collector.replies if r.correlation_id == a7.message_id}
            line("A7", f"reply_to = other tenant's queue: {replies_to(a7)} delivered to "
                       f"{sorted(t.split('-')[-1] for t in a7_in)}; other tenant's replies "
                       f"{len(bob_replies)}")
            line("A8", f"forged x-death / x-first-death-* / x-delivery-count: {replies_to(a8)}")
            line("A10", f"9 MiB body (app cap 8 MiB < broker cap): {replies_to(a10)}")
            line("A11", f"gzip bomb 1 GiB -> {len(bomb)} B, content_encoding=gzip: "
                        f"{replies_to(a11)}; service RSS {rss_before // 1024} -> "
                        f"{rss_after // 1024} MB")
            line("A12", f"content_type application/json: {replies_to(a12)}")
            line("A13", f"5000 headers: {replies_to(a13a)}; 60-deep table + typeless "
                        f"x-delivery-count/x-death: {replies_to(a13b)}")
            a13c = await _outcome(_raw_publish(
                a_url, own, "SubmitRequest", body, message_id="a13c",
                headers={f"h{i}": "v" * 8 for i in range(10_000)}))
            line("A13c", f"10 000 headers (over one frame): {a13c}; service pid "
                         f"{supervisor.pids()}")

            # A9: over the broker's max_message_size.
            limit = _broker_max_message_size()
            started = time.monotonic()
            a9 = await _outcome(_raw_publish(a_url, own, "SubmitRequest", bytes(limit + 1),
                                             message_id="a9"))
            line("A9", f"body of max_message_size+1 = {limit + 1} B: {a9} "
                       f"({time.monotonic() - started:.1f}s)")

            # A14: per-message TTL while nothing consumes.
            await asyncio.to_thread(supervisor.stop)
            a14 = filing("A14", expiration=1)
            await sc.publish([a14])
            await asyncio.sleep(1.5)
            supervisor = sc.supervise(1, seed=SEED, tag="after-ttl")
            listed = json.loads(dep.cli("dead", "list", "--json").stdout)
            expired = [d for d in listed if d["message_id"] == a14.message_id]
            if expired:
                dep.cli("dead", "retry", expired[0]["id"])
            assert not await sc.collector.wait_for([a14.message_id], timeout=60)
            fate = f"dead-lettered reason {expired[0]['reason']}" if expired else "not expired"
            line("A14", f"expiration=1 ms, no consumer: {fate}, then {replies_to(a14)} "
                        f"(after `dead retry` when dead-lettered); priority=9 + "
                        f"delivery_mode=1: {replies_to(a14b)}")
            good.append(a14)

            # A15: per-user connection and channel limits.
            a15, ticket = await _limits(dep.vhost, bob.user, b_url, sc)
            line("A15", f"{a15}; existing connection's filing: {ticket}")

            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=60)
            run = Run("T15-hostile-amqp", SEED, 1, faults={"amqp_kinds": 15},
                      extra_lines=lines)
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T15-hostile-amqp", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert refused_ok, "\n".join(lines)
            assert a7_in == {alice.user} and not bob_replies[:-1], "\n".join(lines)
            assert a9 == "ChannelPreconditionFailed", a9
            assert a13c != "ok" or supervisor.restarts == 0
            assert (rss_after - rss_before) / 1024 < 50, "the gzip bomb grew the service RSS"
            assert "refused" in a15 and ticket == "Ticket", a15


async def _limits(vhost: str, user: str, url: str, sc: Scenario) -> tuple[str, str]:
    def ctl(*args: str) -> None:
        subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60,
                       check=True)

    await asyncio.to_thread(ctl, "set_user_limits", user,
                            '{"max-connections": 2, "max-channels": 3}')
    await asyncio.sleep(0.5)
    first = await aio_pika.connect(url, timeout=10)
    second = await aio_pika.connect(url, timeout=10)
    try:
        third = await _outcome(aio_pika.connect(url, timeout=10))
        channels = [await _outcome(second.channel()) for _ in range(4)]
        made = sc.filings(1, prefix="A15", tenants=[t for t in sc.tenants if t.user == user])[0]
        channel = await first.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(f"breakgate.in.{user}", ensure=False)
        sc.ledger.register([made])
        await exchange.publish(aio_pika.Message(made.body, message_id=made.message_id,
                                                content_type="application/xml"),
                               routing_key="SubmitRequest", mandatory=True)
        from chaos.harness.ledger import Attempt

        now = time.time()
        sc.ledger.record(Attempt(made.tenant, made.reference, made.sha256, made.message_id, 1,
                                 "ack", now, now))
        assert not await sc.collector.wait_for([made.message_id], timeout=30)
        kinds = [r.kind for r in sc.collector.replies if r.correlation_id == made.message_id]
    finally:
        for connection in (first, second):
            if not connection.is_closed:
                await connection.close()
        await asyncio.to_thread(ctl, "clear_user_limits", user, "all")
    verdict = "refused" if third != "ok" else "ACCEPTED"
    return (f"max-connections 2: third connection {verdict} ({third}); max-channels 3: "
            f"channels {channels}", kinds[0] if kinds else "none")
