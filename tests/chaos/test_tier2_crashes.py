"""Tier 2 (make chaos): T2 random consumer SIGKILLs, T5 SQLite variant (the writer SIGKILLed
in the middle of its transaction), T13 crash-loop poison (RELIABILITY.md 4.3)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import chaos_deployment, scenario

from service.faults import POISON_EXIT

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


async def test_t2_random_consumer_sigkills(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    seed, n, kills = 2002, 3000, 20
    with chaos_deployment(tmp_path, "postgresql") as dep:
        async with scenario(dep, 5, n) as sc:
            supervisor = sc.supervise(2, seed=seed, restart_delay=0.5)
            filings = sc.filings(n)

            async def steady() -> None:  # a steady load rather than one burst
                for start in range(0, n, 300):
                    await sc.publish(filings[start:start + 300])
                    await asyncio.sleep(1.0)

            publishing = asyncio.create_task(steady())
            thresholds = await sc.kill_at_progress(kills, n, seed=seed, timeout=600)
            await publishing
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
            run = Run("T2-random-sigkill", seed, 2,
                      faults={"consumer_kill": supervisor.kills, "broker_kill": 0, "db_kill": 0,
                              "proxy": "none", "restart_s": 0.5},
                      extra_lines=[f"kills:     at {thresholds} replies"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T2-random-sigkill", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert supervisor.kills == kills and figures.values["tickets"] == n


async def test_t5_sqlite_writer_killed_mid_transaction(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The SQLite variant of T5: both writers SIGKILL themselves with p=0.1 per batch at
    `before_commit` (BEGIN IMMEDIATE taken, the batch's work done, nothing committed). The
    WAL recovers, the write lock is released by the kernel, DLQ stays 0."""
    seed, n = 5005, 1500
    with chaos_deployment(tmp_path, "sqlite", BREAKGATE_MAX_BATCH="20",
                          BREAKGATE_DELIVERY_LIMIT="50") as dep:
        async with scenario(dep, 3, n) as sc:
            supervisor = sc.supervise(2, seed=seed, env={
                "BREAKGATE_TEST_FAULTS": "1", "BREAKGATE_CRASHPOINTS": "before_commit:0.1"})
            await sc.publish(sc.filings(n))
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
            run = Run("T5-sqlite-writer-sigkill", seed, 2,
                      faults={"db_writer_kill_mid_tx": supervisor.crashes_by_point().get(
                          "before_commit", 0)})
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T5-sqlite-writer-sigkill", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert figures.values["dlq"] == 0 and figures.values["tickets"] == n


@pytest.mark.parametrize("prefetch", [1, 20])
async def test_t13_crash_loop_poison(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     prefetch: int) -> None:
    """Five messages whose hook SIGKILLs the process, among good ones. Only the broker's
    delivery limit (3) stops the loop: it dead-letters them (x-death delivery_limit). Deliveries
    in flight beside a poison at each crash count too: innocents may reach breakgate.dead at a
    prefetch above 1 (reported); `breakgate dead retry` re-drives them, so nothing is lost."""
    seed, good, poison, limit = 1313, 300, 5, 3
    with chaos_deployment(tmp_path, "sqlite", BREAKGATE_DELIVERY_LIMIT=str(limit),
                          BREAKGATE_MAX_ATTEMPTS=str(limit),
                          BREAKGATE_PREFETCH=str(prefetch)) as dep:
        async with scenario(dep, 2, good + poison) as sc:
            supervisor = sc.supervise(1, seed=seed, restart_delay=0.3, env={
                "BREAKGATE_TEST_FAULTS": "1"})
            filings = sc.filings(good, prefix="G")
            bad = sc.filings(poison, prefix="X", marker=POISON_EXIT, expect="dead")
            for i, item in enumerate(bad):
                filings.insert(10 + i * (good // poison), item)
            await sc.publish(filings)
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300,
                                  expected_dead=[b.message_id for b in bad])
            restarts = supervisor.restarts
            run = Run(f"T13-crash-loop-poison-prefetch{prefetch}", seed, 1,
                      innocent_allowed=prefetch > 1,
                      faults={"poison_exit": poison, "delivery_limit": limit,
                              "prefetch": prefetch},
                      extra_lines=[f"crashloop: restarts={restarts} (bound "
                                   f"{poison * (limit + 1)}) poison_exits="
                                   f"{supervisor.log_counts()['poison_exits']}"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, f"T13-crash-loop-poison-prefetch{prefetch}", capsys, tmp_path)
            dead = json.loads(dep.cli("dead", "list", "--json").stdout)
            assert figures.passed, figures.block()
            assert restarts <= poison * (limit + 1)
            assert {d["reason"] for d in dead} == {"delivery_limit"}
            if prefetch == 1:
                assert figures.values["innocent_in_dlq"] == 0

            # Re-drive everything with the hook off: the innocents and the poison get tickets.
            for message_id in [b.message_id for b in bad]:
                sc.ledger.filings[message_id] = dataclasses.replace(
                    sc.ledger.filings[message_id], expect="ticket")
            clean = sc.supervise(1, seed=seed, tag="redrive")
            dep.cli("dead", "retry", *[d["id"] for d in dead])
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=120)
            after = await check(Run(f"T13-redrive-prefetch{prefetch}", seed, 1,
                                    faults={"redriven": len(dead)}),
                                dep, sc.ledger, sc.collector, supervisor=clean,
                                quiescence_s=quiet)
            report(after, f"T13-redrive-prefetch{prefetch}", capsys, tmp_path)
            assert after.passed, after.block()
            assert after.values["tickets"] == good + poison
