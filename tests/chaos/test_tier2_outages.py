"""Tier 2 (make chaos): T6 a long database outage against the delivery limit, T19 outbox
relay crashes and a tenant's reply queue that refuses messages (RELIABILITY.md 4.3).

T6 makes the test's own PostgreSQL database unavailable on the shared cluster (ALLOW_CONNECTIONS
false, its backends terminated): the cluster itself is never stopped."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, ready_count, report
from chaos.harness.scenario import chaos_deployment, scenario
from sqlalchemy.engine import make_url
from support_db import _admin_execute, admin_url

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


async def _database_available(url: str, available: bool) -> None:
    name = make_url(url).database
    statements = [f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(available).lower()}']
    if not available:
        statements.append("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
    await _admin_execute(admin_url(), *statements)


async def test_t6_long_database_outage_never_burns_delivery_attempts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed, queued, outage = 6006, 500, 60.0
    with chaos_deployment(tmp_path, "postgresql", BREAKGATE_DELIVERY_LIMIT="5") as dep:
        async with scenario(dep, 2, queued + 50) as sc:
            supervisor = sc.supervise(1, seed=seed)
            await sc.publish(sc.filings(50, prefix="BEFORE"))
            await quiesce(dep, sc.collector, sc.ledger, timeout=60, idle=0.5)
            await _database_available(dep.database_url, False)
            began = time.monotonic()
            try:
                await sc.publish(sc.filings(queued, prefix="DURING"))
                dlq_during = 0
                while time.monotonic() - began < outage:
                    dlq_during = max(dlq_during, await ready_count(dep.admin_url,
                                                                   "breakgate.dead"))
                    await asyncio.sleep(2)
                answered_during = len(sc.collector.correlation_ids())
            finally:
                await _database_available(dep.database_url, True)
            recovered = time.monotonic()
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=180)
            counts = supervisor.log_counts()
            run = Run("T6-long-db-outage", seed, 1,
                      faults={"db_outage_s": outage, "delivery_limit": 5, "queued": queued},
                      extra_lines=[f"outage:    DLQ during outage {dlq_during}; answered during "
                                   f"it {answered_during - 50}; processed after recovery "
                                   f"{len(sc.collector.correlation_ids()) - answered_during} in "
                                   f"{quiet:.1f}s; transient_pauses={counts['transient_pauses']}"
                                   f" (recovered {recovered - began:.0f}s after the start)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T6-long-db-outage", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert dlq_during == 0 and figures.values["dlq"] == 0
            assert counts["transient_pauses"] > 0 and supervisor.restarts == 0


async def test_t19_relay_crashes_and_a_blocked_reply_queue(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed, n, blocked_s = 1919, 1200, 45.0
    with chaos_deployment(tmp_path, "sqlite") as dep:
        async with scenario(dep, 3, n) as sc:
            blocked = sc.tenants[0]
            pattern = rf"^breakgate\.replies\.{blocked.user}$"
            await sc.collector.pause(blocked.user)
            subprocess.run(["rabbitmqctl", "-q", "set_policy", "-p", dep.vhost, "--apply-to",
                            "queues", "bgfull", pattern,
                            '{"max-length": 10, "overflow": "reject-publish"}'],
                           capture_output=True, timeout=60, check=True)
            supervisor = sc.supervise(2, seed=seed, env={
                "BREAKGATE_TEST_FAULTS": "1",
                "BREAKGATE_CRASHPOINTS": "relay_after_confirm_before_mark_sent:0.1"})
            began = time.monotonic()
            await sc.publish(sc.filings(n))
            await asyncio.sleep(max(0.0, blocked_s - (time.monotonic() - began)))
            subprocess.run(["rabbitmqctl", "-q", "clear_policy", "-p", dep.vhost, "bgfull"],
                           capture_output=True, timeout=60, check=True)
            await sc.collector.resume(blocked.user)
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=240)
            run = Run("T19-relay-crash-blocked-replies", seed, 2,
                      faults={"crashpoint": "relay_after_confirm_before_mark_sent:0.1",
                              "self_kills": supervisor.crashes_by_point().get(
                                  "relay_after_confirm_before_mark_sent", 0),
                              "blocked_reply_queue_s": blocked_s})
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T19-relay-crash-blocked-replies", capsys, tmp_path)
            assert figures.passed, figures.block()

