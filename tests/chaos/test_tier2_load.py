"""Tier 2 (make chaos): T9 a zombie consumer (SIGSTOP past the broker's consumer_timeout, on a
PRIVATE RabbitMQ node configured with consumer_timeout = 60 s) and T16 a tenant flood
(RELIABILITY.md 4.3)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chaos.harness.broker import PrivateRabbit, private_rabbit
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import DEFAULT_GRACE, chaos_deployment, scenario

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


@pytest.fixture
def rabbit(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateRabbit]:
    with private_rabbit(monkeypatch) as node:
        yield node


async def test_t9_zombie_consumer(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  rabbit: PrivateRabbit) -> None:
    """One of two consumers is SIGSTOPped for 90 s in the middle of the load, holding its
    prefetched deliveries: the broker's consumer_timeout (60 s) takes them back and the other
    consumer processes them. After SIGCONT the zombie finishes what it held: its late commits
    hit the inbox (no second ticket) and its late acks fail on a closed channel, handled."""
    seed, n, stop_s = 9009, 1500, 90
    with chaos_deployment(tmp_path, "postgresql", BREAKGATE_MAX_BATCH="50") as dep:
        async with scenario(dep, 3, n) as sc:
            supervisor = sc.supervise(2, seed=seed)
            publishing = asyncio.create_task(sc.publish(sc.filings(n)))
            while len(sc.collector.correlation_ids()) < n // 10:
                await asyncio.sleep(0.05)
            zombie = supervisor.pids()[0]
            os.kill(zombie, signal.SIGSTOP)
            stopped = time.monotonic()
            answered_at_stop = len(sc.collector.correlation_ids())
            await asyncio.sleep(stop_s)
            answered_while = len(sc.collector.correlation_ids()) - answered_at_stop
            os.kill(zombie, signal.SIGCONT)
            await publishing
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
            counts = supervisor.log_counts()
            run = Run("T9-zombie-consumer", seed, 2,
                      faults={"sigstop_s": stop_s, "consumer_timeout_s": 60},
                      extra_lines=[f"zombie:    pid {zombie} stopped {stop_s}s; answered by the "
                                   f"other consumer meanwhile {answered_while}; double-processing"
                                   f" attempts caught (StorageConflict) {counts['conflicts']}; "
                                   f"zombie alive after SIGCONT {zombie in supervisor.pids()}"
                                   f" ({time.monotonic() - stopped:.0f}s)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T9-zombie-consumer", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert figures.values["tickets"] == n


async def test_t16_tenant_flood(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tenant A floods, tenant B sends a little at the same time. Measured: B's latency (the
    single shared intake queue has no per-tenant fairness: B waits behind A's backlog), A's
    nacks if the intake is bounded, and the universal pass condition."""
    seed, flood, small = 1616, 6000, 100
    with chaos_deployment(tmp_path, "postgresql", **DEFAULT_GRACE) as dep:
        async with scenario(dep, 2, flood + small, names=["flooder", "small"]) as sc:
            supervisor = sc.supervise(2, seed=seed)
            a, b = sc.tenants
            a_filings = sc.filings(flood, prefix="A", tenants=[a])
            b_filings = sc.filings(small, prefix="B", tenants=[b])
            flooding = asyncio.create_task(sc.publish(a_filings))
            await asyncio.sleep(0.5)
            for start in range(0, small, 10):
                await sc.publish(b_filings[start:start + 10])
                await asyncio.sleep(0.2)
            await flooding
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=600)
            confirmed = sc.ledger.confirmed_at()
            first = {}
            for reply in sc.collector.replies:
                first.setdefault(reply.correlation_id, reply.at)
            b_lat = sorted(1000 * (first[f.message_id] - confirmed[f.message_id])
                           for f in b_filings if f.message_id in first)
            a_nacks = sum(1 for x in sc.ledger.attempts if x.tenant == a.user
                          and x.outcome != "ack")
            p99 = b_lat[min(len(b_lat) - 1, round(0.99 * (len(b_lat) - 1)))]
            run = Run("T16-tenant-flood", seed, 2,
                      faults={"flood": f"A {flood} + B {small}"},
                      extra_lines=[f"fairness:  A nacks/returns/timeouts {a_nacks} (retried); "
                                   f"B p50/p99 latency {b_lat[len(b_lat) // 2]:.0f}/{p99:.0f} ms"
                                   f" (target < 2000 ms: {'met' if p99 < 2000 else 'MISSED'}: "
                                   "one shared intake queue, no per-tenant fairness)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T16-tenant-flood", capsys, tmp_path)
            assert figures.passed, figures.block()
