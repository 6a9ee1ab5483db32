"""T1 baseline (RELIABILITY.md 4.3): valid filings from several tenants, two consumer
processes on PostgreSQL, no faults. Every request gets exactly one ticket and exactly one
reply; the run also measures the throughput the other tests are calibrated with."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import DEFAULT_GRACE, chaos_deployment, scenario

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 1000
TENANTS = 4
SEED = 1001


async def test_t1_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with chaos_deployment(tmp_path, "postgresql", **DEFAULT_GRACE) as dep:
        async with scenario(dep, TENANTS, N) as sc:
            supervisor = sc.supervise(2, seed=SEED)
            filings = sc.filings(N)
            began = time.monotonic()
            await sc.publish(filings)
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=180)
            last = max(r.at for r in sc.collector.replies)
            first = min(a.published_at for a in sc.ledger.attempts)
            rate = N / max(0.001, last - first)
            run = Run("T1-baseline", SEED, 2, faults={"consumer_kill": 0, "broker_kill": 0,
                                                       "db_kill": 0, "proxy": "none"},
                      extra_lines=[f"throughput: {rate:.0f} msg/s ({N} filings, publish to "
                                   f"last reply {last - first:.1f}s; wall "
                                   f"{time.monotonic() - began:.1f}s)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T1-baseline", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert figures.values["tickets"] == N
            assert figures.values["deliveries"] == N, "T1: replies = N exactly (no redundant)"
