"""T12 poison messages (RELIABILITY.md 4.3) and `breakgate dead list | retry | discard`.

Ten poison messages (the test hook raises while decoding them) among good ones, at prefetch 1
and at prefetch 20 (max_attempts = delivery limit = 3): each poison reaches breakgate.dead
with its fault headers after 3 attempts, no innocent message goes there, the good ones are all
processed and the consumer keeps running (same PID). Then, with the hook off, `breakgate dead
retry` re-drives the poison messages: one ticket each, no duplicate. The audit file records
every action; `discard` removes for good.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import chaos_deployment, scenario

from service.faults import POISON_RAISE

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GOOD = 150
POISON = 10
SEED = 1212


async def test_t12_poison_then_redrive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with chaos_deployment(tmp_path, "sqlite", BREAKGATE_MAX_ATTEMPTS="3",
                          BREAKGATE_DELIVERY_LIMIT="3") as dep:
        async with scenario(dep, 2, 2 * (GOOD + POISON) + 2) as sc:
            blocks: list[str] = []
            poison_ids: list[str] = []
            for tenant, prefetch in zip(sc.tenants, (1, 20), strict=True):
                supervisor = sc.supervise(1, seed=SEED, tag=f"prefetch{prefetch}", env={
                    "BREAKGATE_TEST_FAULTS": "1", "BREAKGATE_PREFETCH": str(prefetch)})
                pid = supervisor.pids()[0]
                good = sc.filings(GOOD, prefix=f"GOOD{prefetch}", tenants=[tenant])
                bad = sc.filings(POISON, prefix=f"POISON{prefetch}", tenants=[tenant],
                                 marker=POISON_RAISE, expect="dead")
                mixed = good[:]
                for i, poison in enumerate(bad):  # spread among the good ones
                    mixed.insert(1 + i * (GOOD // POISON), poison)
                poison_ids += [p.message_id for p in bad]
                await sc.publish(mixed)
                quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=120,
                                      expected_dead=[p.message_id for p in bad])
                run = Run(f"T12-poison-prefetch{prefetch}", SEED, 1, tenants={tenant.user},
                          faults={"poison": f"{POISON} raise", "max_attempts": 3,
                                  "delivery_limit": 3, "prefetch": prefetch},
                          extra_lines=[f"consumer:  pid {pid} -> {supervisor.pids()} "
                                       f"(alive, not restarted: {supervisor.restarts == 0})"])
                figures = await check(run, dep, sc.ledger, sc.collector,
                                      supervisor=supervisor, quiescence_s=quiet)
                blocks.append(figures.block())
                report(figures, f"T12-poison-prefetch{prefetch}", capsys, tmp_path)
                assert figures.passed, figures.block()
                assert figures.values["dlq"] == POISON and figures.values["innocent_in_dlq"] == 0
                assert supervisor.pids() == [pid] and supervisor.restarts == 0
                await asyncio.to_thread(supervisor.stop)
                sc.supervisor = None

            listed = json.loads(dep.cli("dead", "list", "--json").stdout)
            assert sorted(d["message_id"] for d in listed) == sorted(poison_ids)
            for letter in listed:
                assert letter["error_code"] == "PROCESSING_FAILED"
                assert letter["exception_type"] == "service.faults.PoisonMessage"
                assert letter["attempts"] == 3
                assert letter["original_queue"] == "breakgate.requests"
                assert letter["original_exchange"].startswith("breakgate.in.")
                assert letter["original_routing_key"] == "SubmitRequest"
                assert "INSS" not in json.dumps(letter) and letter["size"] > 0
            text_listing = dep.cli("dead", "list").stdout
            assert all(d["id"] in text_listing for d in listed)
            assert b"<INSS>" not in text_listing.encode()

            # Re-drive with the hook off: the poison messages are ordinary valid filings.
            supervisor = sc.supervise(1, seed=SEED, tag="redrive")
            for message_id in poison_ids:
                filing = sc.ledger.filings[message_id]
                sc.ledger.filings[message_id] = dataclasses.replace(filing, expect="ticket")
            unknown = dep.cli("dead", "retry", "nosuchid", check=False)
            assert unknown.returncode == 1 and "nosuchid" in unknown.stderr
            done = dep.cli("dead", "retry", *[d["id"] for d in listed])
            assert done.stdout.count(": ok: re-published") == 2 * POISON, done.stdout
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=120)
            run = Run("T12-redrive", SEED, 1,
                      faults={"redriven": 2 * POISON, "hook": "off"})
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T12-redrive", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert figures.values["dlq"] == 0
            assert figures.values["tickets"] == 2 * (GOOD + POISON)
            audit = [json.loads(line) for line in
                     (dep.workdir / "var" / "dead-letters.jsonl").read_text().splitlines()]
            assert [a["action"] for a in audit] == ["retry"] * (2 * POISON)
            assert all(a["ok"] and a["operator"] for a in audit)
            assert sorted(a["message_id"] for a in audit) == sorted(poison_ids)
