"""T3 deterministic crash points (RELIABILITY.md 4.3): for each of the 8 crash points, a
tenant's requests are processed by a `breakgate serve` that SIGKILLs itself at that point
with probability p each time it passes there, and is restarted by the supervisor. Universal
pass condition for every point; at `after_commit_before_ack` the broker redelivers what was
committed but not acked, and the inbox still gives one ticket per request."""

from __future__ import annotations

from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import chaos_deployment, scenario

from service.faults import POINTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PER_POINT = 30
PROBABILITY = 0.2
SEED = 3003


async def test_t3_every_crash_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Small batches: many passes through each point, so p=0.2 crashes several times. The
    # broker's delivery limit is raised: a crash returns every delivery in flight and counts
    # toward it (T13 measures that); here it would dead-letter innocent messages.
    with chaos_deployment(tmp_path, "sqlite", BREAKGATE_MAX_BATCH="5",
                          BREAKGATE_PREFETCH="5", BREAKGATE_DELIVERY_LIMIT="50") as dep:
        names = [f"p{i}" for i in range(len(POINTS))]
        async with scenario(dep, len(POINTS), PER_POINT * len(POINTS), names=names) as sc:
            lines: list[str] = []
            failures: list[str] = []
            total_crashes = total_restarts = 0
            for point, tenant in zip(POINTS, sc.tenants, strict=True):
                supervisor = sc.supervise(1, seed=SEED, tag=point, env={
                    "BREAKGATE_TEST_FAULTS": "1",
                    "BREAKGATE_CRASHPOINTS": f"{point}:{PROBABILITY}"})
                filings = sc.filings(PER_POINT, prefix=tenant.user[-2:].upper(),
                                     tenants=[tenant])
                await sc.publish(filings)
                quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=120, idle=1.0)
                crashes = supervisor.crashes_by_point().get(point, 0)
                total_crashes += crashes
                run = Run(f"T3-{point}", SEED, 1, tenants={tenant.user},
                          faults={"crashpoint": f"{point}:{PROBABILITY}"})
                figures = await check(run, dep, sc.ledger, sc.collector,
                                      supervisor=supervisor, quiescence_s=quiet)
                v = figures.values
                lines.append(
                    f"point={point} crashes={crashes} restarts={supervisor.restarts} "
                    f"redeliveries={v['redeliveries']} tickets={v['tickets']} "
                    f"replies={v['deliveries']} (redundant {v['redundant']}) "
                    f"dup {v['tickets'] - v['distinct_tickets']} lost {v['lost']} "
                    f"conflicting {v['conflicting']} "
                    f"{'PASS' if figures.passed else 'FAIL ' + figures.violations[0]}")
                if not figures.passed:
                    failures.append(figures.block())
                if point == "after_commit_before_ack" and crashes and v["redeliveries"] == 0:
                    failures.append(f"{point}: {crashes} crashes but no redelivery seen")
                if v["tickets"] != PER_POINT:
                    failures.append(f"{point}: {v['tickets']} tickets for {PER_POINT} requests")
                total_restarts += supervisor.restarts
                sc.supervisor = None  # stopped by check()

            overall = await check(
                Run("T3-crashpoints", SEED, 1,
                    faults={"crashpoints": f"each of {len(POINTS)} at p={PROBABILITY}",
                            "self_kills": total_crashes, "restarts": total_restarts},
                    extra_lines=lines),
                dep, sc.ledger, sc.collector, restarts=total_restarts)
            report(overall, "T3-crashpoints", capsys, tmp_path)
            assert overall.passed and not failures, "\n\n".join(failures) or overall.block()
            assert total_crashes >= len(POINTS), "too few crashes to prove anything"
