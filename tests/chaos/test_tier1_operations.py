"""Operations under fault (issue 6, point 5): graceful shutdown with work in flight, automatic
reconnection after the broker closes every connection, and `breakgate dead retry|discard` on
a message that must not be re-driven."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import aio_pika
import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.scenario import chaos_deployment, scenario

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_sigterm_with_work_in_flight(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A batch is held for 2 s by the slow hook when SIGTERM arrives: the process finishes
    it (or returns it), exits 0 within 10 s, and a new process answers everything else."""
    seed = 601
    with chaos_deployment(tmp_path, "sqlite", BREAKGATE_TEST_FAULTS="1") as dep:
        async with scenario(dep, 2, 402) as sc:
            supervisor = sc.supervise(1, seed=seed, restart=False)
            filings = sc.filings(400)
            slow = sc.filings(2, prefix="SLOW", marker=b"<!--breakgate-test-slow:2-->")
            await sc.publish(slow + filings)
            await asyncio.sleep(0.5)  # the first batch is in the slow hook now
            took = await asyncio.to_thread(supervisor.stop)
            codes = list(supervisor.exit_codes)
            answered_before = len(sc.collector.correlation_ids())
            second = sc.supervise(1, seed=seed, tag="after-sigterm")
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=120)
            run = Run("OPS-sigterm-in-flight", seed, 1, faults={"sigterm": 1},
                      extra_lines=[f"shutdown:  SIGTERM exit after {took[0]:.2f}s, rc {codes[0]}"
                                   f"; answered before the restart {answered_before} of "
                                   f"{len(slow) + len(filings)}"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=second,
                                  quiescence_s=quiet)
            report(figures, "OPS-sigterm-in-flight", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert codes == [0] and took[0] < 10
            assert answered_before < len(slow) + len(filings), "SIGTERM came too late"


def _service_connections(vhost: str) -> int:
    done = subprocess.run(["rabbitmqctl", "-q", "list_connections", "-p", vhost,
                           "--no-table-headers", "client_properties"],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.count("breakgate-serve")


async def test_reconnects_after_the_broker_closes_every_connection(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rabbitmqctl close_all_connections` twice in the middle of the load (a stand-in for a
    broker restart on the shared node): services, publishers and the collector reconnect by
    themselves; nothing lost, nothing doubled."""
    seed = 602
    n = 1000
    with chaos_deployment(tmp_path, "postgresql") as dep:
        async with scenario(dep, 3, n) as sc:
            supervisor = sc.supervise(2, seed=seed)
            publishing = asyncio.create_task(sc.publish(sc.filings(n)))
            reconnects: list[float] = []
            for delay in (0.5, 2.0):
                await asyncio.sleep(delay)
                await asyncio.to_thread(subprocess.run, [
                    "rabbitmqctl", "-q", "close_all_connections", "-p", dep.vhost,
                    "chaos: broker-side connection loss"], capture_output=True, timeout=60,
                    check=True)
                closed = time.monotonic()
                while await asyncio.to_thread(_service_connections, dep.vhost) < 2:
                    assert time.monotonic() - closed < 60, "the service did not reconnect"
                    await asyncio.sleep(0.2)
                reconnects.append(time.monotonic() - closed)
            await publishing
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=180)
            run = Run("OPS-reconnect", seed, 2, faults={"close_all_connections": 2},
                      extra_lines=["reconnect: service back in "
                                   f"{', '.join(f'{r:.1f}s' for r in reconnects)} "
                                   "(measured with rabbitmqctl, ~1 s resolution)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "OPS-reconnect", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert supervisor.restarts == 0 and max(reconnects) < 60


async def test_dead_retry_refuses_an_identity_mismatch_and_discard_removes_it(
        tmp_path: Path) -> None:
    with chaos_deployment(tmp_path, "sqlite") as dep:
        async with scenario(dep, 1, 2) as sc:
            sc.supervise(1, seed=603)
            tenant = sc.tenants[0]
            body = sc.filings(1)[0].body
            connection = await aio_pika.connect(dep.admin_url)  # guest sets its own user_id
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(f"breakgate.in.{tenant.user}", ensure=False)
            await exchange.publish(aio_pika.Message(body, message_id="spoofed", user_id="guest",
                                                    content_type="application/xml"),
                                   routing_key="SubmitRequest")
            await connection.close()
            listed: list[dict[str, object]] = []
            for _ in range(100):
                listed = json.loads(dep.cli("dead", "list", "--json").stdout)
                if listed:
                    break
                await asyncio.sleep(0.2)
            (letter,) = listed
            assert letter["error_code"] == "00014-155" and letter["message_id"] == "spoofed"
            refused = dep.cli("dead", "retry", str(letter["id"]), check=False)
            assert refused.returncode == 1 and "not re-driven" in refused.stdout
            assert json.loads(dep.cli("dead", "list", "--json").stdout) == listed
            dep.cli("dead", "discard", str(letter["id"]))
            assert json.loads(dep.cli("dead", "list", "--json").stdout) == []
            audit = [json.loads(line) for line in
                     (dep.workdir / "var" / "dead-letters.jsonl").read_text().splitlines()]
            assert [(a["action"], a["ok"]) for a in audit] == [("retry", False),
                                                               ("discard", True)]
            assert all(a["message_id"] == "spoofed" and a["error_code"] == "00014-155"
                       for a in audit)
