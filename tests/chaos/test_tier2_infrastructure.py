"""Tier 2 (make chaos): the broker and the database themselves fail (RELIABILITY.md 4.3).

T4 kills a PRIVATE RabbitMQ node with `kill -9` (then a graceful stop/start), T5 crashes a
PRIVATE PostgreSQL cluster (`pg_ctl stop -m immediate`), T7 and T8 put the TCP fault proxy
between the service and RabbitMQ / PostgreSQL. The shared RabbitMQ node and PostgreSQL cluster
are never stopped: the proxy only cuts this test's own connections.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from pathlib import Path

import pytest
from chaos.harness.broker import PrivateRabbit
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.pg import PrivatePostgres
from chaos.harness.proxy import FaultProxy
from chaos.harness.scenario import chaos_deployment, scenario
from sqlalchemy.engine import make_url
from support_db import create_postgres_database, drop_postgres_database, run_isolated

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def _service_connections(rabbit: PrivateRabbit, vhost: str) -> int:
    done = rabbit.ctl("list_connections", "-p", vhost, "--no-table-headers",
                      "client_properties", check=False)
    return done.stdout.count("breakgate-serve") if done.returncode == 0 else 0


async def test_t4_broker_kill9_and_graceful_restart(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rabbit: PrivateRabbit) -> None:
    seed, n = 4004, 2000
    with chaos_deployment(tmp_path, "sqlite") as dep:
        async with scenario(dep, 4, n) as sc:
            supervisor = sc.supervise(2, seed=seed)
            filings = sc.filings(n)
            publishing = asyncio.create_task(sc.publish(filings))
            reconnects: list[float] = []
            await _until_replies(sc, n // 5)
            for how in ("kill -9", "rabbitmqctl stop"):
                await asyncio.to_thread(rabbit.kill9 if how == "kill -9" else rabbit.stop)
                await asyncio.sleep(5)
                await asyncio.to_thread(rabbit.restart)
                back = time.monotonic()
                while await asyncio.to_thread(_service_connections, rabbit, dep.vhost) < 2:
                    assert time.monotonic() - back < 60, "the service did not reconnect"
                    await asyncio.sleep(0.5)
                reconnects.append(time.monotonic() - back)
                await _until_replies(sc, n // 2 if how == "kill -9" else 3 * n // 4)
            await publishing
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
            run = Run("T4-broker-crash", seed, 2,
                      faults={"consumer_kill": 0, "broker_kill": rabbit.kills,
                              "broker_graceful_restart": 1, "db_kill": 0},
                      extra_lines=[f"reconnect: service back "
                                   f"{', '.join(f'{r:.1f}s' for r in reconnects)} after the "
                                   "node was up again (kill -9, then graceful)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T4-broker-crash", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert max(reconnects) < 60 and supervisor.restarts == 0


async def _until_replies(sc, count: int, timeout: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while len(sc.collector.correlation_ids()) < count:
        assert time.monotonic() < deadline, f"stuck below {count} replies"
        await asyncio.sleep(0.1)


async def test_t5_postgresql_crash_mid_load(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres: PrivatePostgres) -> None:
    seed, n = 5055, 3000
    url = run_isolated(lambda: create_postgres_database(postgres.admin_url))
    with chaos_deployment(tmp_path, "postgresql", database_url=url) as dep:
        async with scenario(dep, 4, n) as sc:
            supervisor = sc.supervise(2, seed=seed)
            publishing = asyncio.create_task(sc.publish(sc.filings(n)))
            await _until_replies(sc, n // 4)
            await asyncio.to_thread(postgres.crash)
            down = time.monotonic()
            await asyncio.sleep(10)
            await asyncio.to_thread(postgres.start)
            await publishing
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
            counts = supervisor.log_counts()
            run = Run("T5-postgresql-crash", seed, 2,
                      faults={"db_kill": postgres.crashes, "db_down_s": 10},
                      extra_lines=[f"database:  down {10:.0f}s (pg_ctl stop -m immediate), "
                                   f"transient_pauses={counts['transient_pauses']}, "
                                   f"quiet {time.monotonic() - down:.0f}s after the crash"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T5-postgresql-crash", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert figures.values["dlq"] == 0 and figures.values["tickets"] == n
            assert counts["transient_pauses"] > 0


def _first_error_after(log: Path, since: datetime, pattern: str) -> datetime | None:
    for line in log.read_text(errors="replace").splitlines():
        found = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ", line)
        if found and re.search(pattern, line):
            at = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f")
            if at >= since:
                return at
    return None


@pytest.mark.parametrize("toxic", ["blackhole", "reset_peer", "latency_slicer", "limit_data"])
async def test_t7_network_faults_between_service_and_broker(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], toxic: str) -> None:
    seed, n = 7007, 1000
    proxy = FaultProxy(5672, seed=seed).start()
    try:
        with chaos_deployment(tmp_path, "sqlite") as dep:
            async with scenario(dep, 3, n) as sc:
                via_proxy = re.sub(r"@127\.0\.0\.1:5672/", f"@127.0.0.1:{proxy.port}/",
                                   dep.admin_url)
                supervisor = sc.supervise(1, seed=seed,
                                          env={"BREAKGATE_AMQP_URL": via_proxy})
                publishing = asyncio.create_task(sc.publish(sc.filings(n)))
                await _until_replies(sc, n // 5)
                started = datetime.now()
                detail = ""
                if toxic == "blackhole":  # longer than the heartbeat grace (consumers.connection)
                    proxy.blackhole(60)
                    await asyncio.sleep(61)
                    seen = _first_error_after(supervisor.slots[0].log, started,
                                              r"stuck|heartbeat|Unexpected connection close|"
                                              r"reader exited|Connection.*(lost|closed)")
                    detection = (seen - started).total_seconds() if seen else None
                    shown = "never" if detection is None else f"{detection:.1f}s"
                    verdict = ("met" if detection is not None and detection <= 45
                               else "MISSED")
                    detail = (f"heartbeat 15s: loss detected after {shown} (plan target "
                              f"3 x heartbeat = 45s: {verdict})")
                elif toxic == "reset_peer":
                    proxy.reset_peer(after_s=5)
                    await asyncio.sleep(20)
                    detail = f"connections reset every 5 s for 20 s: resets {proxy.resets}"
                elif toxic == "latency_slicer":
                    proxy.latency(200, 50)
                    proxy.slicer(512, 1)
                    await asyncio.sleep(15)
                    detail = "latency 200+-50 ms and 512-byte slices for 15 s"
                else:  # three cuts in the middle of the stream (of a frame, most likely)
                    for _ in range(3):
                        proxy.cut_after(100_003)
                        await asyncio.sleep(5)
                    detail = (f"open connections cut 3 times after 100 003 more bytes: resets "
                              f"{proxy.resets}")
                proxy.clear()
                await publishing
                quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
                run = Run(f"T7-{toxic}", seed, 1,
                          faults={"proxy": toxic, "connections": proxy.connections},
                          extra_lines=[f"network:   {detail}; proxy connections "
                                       f"{proxy.connections} (reconnects "
                                       f"{max(0, proxy.connections - 1)})"])
                figures = await check(run, dep, sc.ledger, sc.collector,
                                      supervisor=supervisor, quiescence_s=quiet)
                report(figures, f"T7-{toxic}", capsys, tmp_path)
                assert figures.passed, figures.block()
                if toxic == "blackhole":
                    # RELIABILITY.md T7: detected within 3 x heartbeat (consumers.connection)
                    assert detection is not None and detection <= 3 * 15, detail
    finally:
        proxy.stop()


async def test_t8_blackholed_database_link(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    seed, n = 8008, 1500
    url = run_isolated(create_postgres_database)
    parsed = make_url(url)
    proxy = FaultProxy(parsed.port or 5432, seed=seed).start()
    try:
        via_proxy = parsed.set(port=proxy.port).render_as_string(hide_password=False)
        with chaos_deployment(tmp_path, "postgresql", database_url=url) as dep:
            async with scenario(dep, 3, n) as sc:
                supervisor = sc.supervise(2, seed=seed,
                                          env={"BREAKGATE_DATABASE_URL": via_proxy})
                publishing = asyncio.create_task(sc.publish(sc.filings(n)))
                await _until_replies(sc, n // 5)
                proxy.blackhole(20)
                began = time.monotonic()
                await asyncio.sleep(20)
                at_end = len(sc.collector.correlation_ids())
                while len(sc.collector.correlation_ids()) == at_end:
                    await asyncio.sleep(0.1)
                    if time.monotonic() - began > 20 + 15 + 10 + 30:
                        break
                resumed = time.monotonic() - began - 20
                await publishing
                quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=300)
                counts = supervisor.log_counts()
                run = Run("T8-db-link-blackhole", seed, 2,
                          faults={"proxy": "blackhole 20s service<->PostgreSQL"},
                          extra_lines=[f"database:  processing resumed {resumed:.1f}s after "
                                       f"the link came back; transient_pauses="
                                       f"{counts['transient_pauses']}; proxy connections "
                                       f"{proxy.connections}"])
                figures = await check(run, dep, sc.ledger, sc.collector,
                                      supervisor=supervisor, quiescence_s=quiet)
                report(figures, "T8-db-link-blackhole", capsys, tmp_path)
                assert figures.passed, figures.block()
                assert figures.values["dlq"] == 0
                assert resumed < 15 + 10 + 30
    finally:
        proxy.stop()
        run_isolated(lambda: drop_postgres_database(url))
