"""T17 SQLite with two consumer processes and SIGKILLs, T18 PostgreSQL with four consumer
processes and one hot tenant (RELIABILITY.md 4.3)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import DEFAULT_GRACE, chaos_deployment, scenario

pytestmark = [pytest.mark.integration, pytest.mark.slow]

T17_N = 1000
T17_KILLS = 5
T18_N = 2000


async def test_t17_sqlite_two_writers_and_sigkills(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    seed = 1717
    with chaos_deployment(tmp_path, "sqlite") as dep:
        async with scenario(dep, 4, T17_N) as sc:
            supervisor = sc.supervise(2, seed=seed)
            publishing = asyncio.create_task(sc.publish(sc.filings(T17_N)))
            thresholds = await sc.kill_at_progress(T17_KILLS, T17_N, seed=seed)
            await publishing
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=180)
            counts = supervisor.log_counts()
            run = Run("T17-sqlite-concurrency", seed, 2,
                      faults={"consumer_kill": supervisor.kills, "broker_kill": 0,
                              "db_kill": 0, "proxy": "none"},
                      extra_lines=[f"kills:     at {thresholds} replies",
                                   f"sqlite:    writers=2 BEGIN IMMEDIATE busy_timeout=5s "
                                   f"locked_errors_surfaced={counts['locked']} "
                                   f"transient_pauses={counts['transient_pauses']} "
                                   f"(each a lock wait past the busy timeout)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T17-sqlite-concurrency", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert supervisor.kills == T17_KILLS
            assert figures.values["tickets"] == T17_N


async def test_t18_postgresql_four_consumers_hot_tenant(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = 1818
    with chaos_deployment(tmp_path, "postgresql", **DEFAULT_GRACE) as dep:
        async with scenario(dep, 4, T18_N) as sc:
            supervisor = sc.supervise(4, seed=seed)
            hot, *others = sc.tenants
            filings = sc.filings(T18_N * 7 // 10, prefix="HOT", tenants=[hot])
            filings += sc.filings(T18_N - len(filings), prefix="COLD", tenants=others)
            await sc.publish(filings)
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=180)
            counts = supervisor.log_counts()
            run = Run("T18-postgresql-concurrency", seed, 4,
                      faults={"consumer_kill": 0, "hot_tenant_share": "70%"},
                      extra_lines=[f"postgres:  consumers=4 40001/40P01/23505 retries "
                                   f"(StorageConflict)={counts['conflicts']} "
                                   f"transient_pauses={counts['transient_pauses']}"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T18-postgresql-concurrency", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert figures.values["tickets"] == figures.values["distinct_tickets"] == T18_N
