"""Tier 3 (make soak): T20, the soak (RELIABILITY.md 4.3).

A steady mixed load (accepted SubmitRequests, and one in 20 naming a worker who is not in the
personnel file: rejected 70019-230) from 4 tenants to 2 supervised `breakgate serve` processes
on PostgreSQL, for `BREAKGATE_SOAK_MINUTES` (60). Every `BREAKGATE_SOAK_FAULT_EVERY_SECONDS`
(120), counted from the start, one fault, in seeded shuffled rounds of the five kinds so that
each comes up as often:
- consumer_kill: SIGKILL one `breakgate serve` (the supervisor restarts it);
- broker_kill: `kill -9` the (private) RabbitMQ node, restart it 5 s later;
- db_kill: `pg_ctl stop -m immediate` on the (private) PostgreSQL cluster, start it 10 s later;
- proxy_blackhole: the TCP proxy between the service and RabbitMQ drops everything for 30 s;
- disk_alarm: the node's disk free limit raised above the free space (the broker blocks every
  publishing connection) for 20 s, then set back.

Pass: the universal condition of the 4.2 block, and no leak: the RSS of the longest-lived
`serve` incarnation grows less than 10% after its warm-up, its open file descriptors stay
within a few, and the service's PostgreSQL connections never exceed what its pools allow.
`BREAKGATE_SOAK_MINUTES=5 BREAKGATE_SOAK_FAULT_EVERY_SECONDS=40 make soak` is a short version.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from chaos.harness.broker import PrivateRabbit
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.ledger import Filing, submit_filing
from chaos.harness.pg import PrivatePostgres
from chaos.harness.proxy import FaultProxy
from chaos.harness.scenario import Scenario, chaos_deployment, scenario
from chaos.harness.supervisor import Supervisor
from support_db import create_postgres_database, run_isolated
from support_service import Deployment

pytestmark = [pytest.mark.integration, pytest.mark.soak]

FAULTS = ("consumer_kill", "broker_kill", "db_kill", "proxy_blackhole", "disk_alarm")
CONSUMERS = 2
REJECT_EVERY = 20  # one filing in 20 is refused (worker not in the personnel file)
UNKNOWN_WORKERS = 3_000_000  # worker indexes from here on are never seeded
RSS_GROWTH_LIMIT_PCT = 10.0
FD_DRIFT_LIMIT = 5
# Per process: the SQLAlchemy pool (5 + 10 overflow, service.db.engine); the CLI runs nothing
# during the soak. A leak of connections would pass this bound within minutes.
PG_CONNECTIONS_LIMIT = CONSUMERS * 15


@dataclass
class SoakSettings:
    minutes: float = float(os.environ.get("BREAKGATE_SOAK_MINUTES", "60"))
    fault_every: float = float(os.environ.get("BREAKGATE_SOAK_FAULT_EVERY_SECONDS", "120"))
    rate: int = int(os.environ.get("BREAKGATE_SOAK_RATE", "10"))  # filings per second

    @property
    def total(self) -> int:
        return int(self.minutes * 60 * self.rate)

    @property
    def planned_faults(self) -> int:
        """One every `fault_every` seconds from the start, the last before the load ends."""
        return math.ceil(self.minutes * 60 / self.fault_every) - 1

    @property
    def warm_up(self) -> float:
        """Seconds of an incarnation's life before its RSS is the baseline."""
        return min(300.0, self.minutes * 60 / 6)


@dataclass
class Faults:
    """Injects the faults and keeps the log of what was done when."""

    rabbit: PrivateRabbit
    postgres: PrivatePostgres
    proxy: FaultProxy
    supervisor: Supervisor
    dep: Deployment
    began: float = field(default_factory=time.monotonic)
    log: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULTS, 0))
    pg_connections: list[int] = field(default_factory=list)

    async def inject(self, kind: str) -> None:
        at = time.monotonic() - self.began
        detail = await getattr(self, f"_{kind}")()
        self.counts[kind] += 1
        self.log.append(f"fault:     t={at:6.0f}s {kind}: {detail}")

    async def _consumer_kill(self) -> str:
        slot = await asyncio.to_thread(self.supervisor.kill)
        return f"SIGKILL serve-{slot}"

    async def _broker_kill(self) -> str:
        await asyncio.to_thread(self.rabbit.kill9)
        await asyncio.sleep(5)
        started = time.monotonic()
        await asyncio.to_thread(self.rabbit.restart)
        return f"kill -9, node back {time.monotonic() - started:.1f}s after the restart began"

    async def _db_kill(self) -> str:
        await asyncio.to_thread(self.postgres.crash)
        await asyncio.sleep(10)
        await asyncio.to_thread(self.postgres.start)
        return "pg_ctl stop -m immediate, started 10 s later"

    async def _proxy_blackhole(self) -> str:
        self.proxy.blackhole(30)
        await asyncio.sleep(31)
        return f"30 s, proxy connections so far {self.proxy.connections}"

    async def _disk_alarm(self) -> str:
        await asyncio.to_thread(self.rabbit.ctl, "set_disk_free_limit", "1000000GB")
        raised = await self._await_alarm(True)
        await asyncio.sleep(20)
        await asyncio.to_thread(self.rabbit.ctl, "set_disk_free_limit", "50MB")
        cleared = await self._await_alarm(False)
        return f"alarm raised in {raised:.1f}s, held 20 s, cleared in {cleared:.1f}s"

    async def _await_alarm(self, present: bool, timeout: float = 60) -> float:
        started = time.monotonic()
        while True:
            done = await asyncio.to_thread(self.rabbit.ctl, "eval", "rabbit_alarm:get_alarms().",
                                           check=False)
            if ("resource_limit" in done.stdout and "disk" in done.stdout) == present:
                return time.monotonic() - started
            assert time.monotonic() - started < timeout, f"disk alarm present={present}: " \
                f"{done.stdout}{done.stderr}"
            await asyncio.sleep(1)

    async def sample_pg_connections(self) -> None:
        try:
            found = await self.dep.scalar("select count(*) from pg_stat_activity "
                                          "where datname = current_database() "
                                          "and pid <> pg_backend_pid()")
        except Exception:  # the database is down for a fault: no sample
            return
        self.pg_connections.append(found)


def mixed_filings(sc: Scenario, count: int) -> list[Filing]:
    out = []
    for i in range(count):
        tenant = sc.tenants[i % len(sc.tenants)].user
        if i % REJECT_EVERY == REJECT_EVERY - 1:
            out.append(submit_filing(tenant, f"S-{i}", UNKNOWN_WORKERS + i, sc.today,
                                     expect="reject:70019-230"))
        else:
            out.append(submit_filing(tenant, f"S-{i}", sc.worker(), sc.today))
    return out


async def paced(sc: Scenario, filings: Sequence[Filing], rate: int) -> None:
    """`rate` filings a second; a chunk held up by a fault is caught up afterwards."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for second, begin in enumerate(range(0, len(filings), rate)):
        await asyncio.sleep(max(0.0, started + second - loop.time()))
        await sc.publish(filings[begin:begin + rate])


def leak_figures(supervisor: Supervisor, warm_up: float) -> tuple[float, int, float]:
    """(RSS growth %, fd drift, minutes observed) of the longest-lived current incarnation,
    from its first sample after `warm_up` seconds to its last."""
    slot = min((s for s in supervisor.slots if s.samples), key=lambda s: s.started_at)
    after = [s for s in slot.samples if s[0] - slot.started_at >= warm_up] or slot.samples
    first, last = after[0], after[-1]
    return (100.0 * (last[1] - first[1]) / first[1], last[2] - first[2],
            (last[0] - first[0]) / 60)


async def test_t20_soak(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        rabbit: PrivateRabbit, postgres: PrivatePostgres) -> None:
    settings, seed = SoakSettings(), 2020
    accepted = settings.total - settings.total // REJECT_EVERY
    url = run_isolated(lambda: create_postgres_database(postgres.admin_url))
    proxy = FaultProxy(rabbit.port, seed=seed).start()
    try:
        with chaos_deployment(tmp_path, "postgresql", database_url=url) as dep:
            async with scenario(dep, 4, accepted) as sc:
                via_proxy = dep.admin_url.replace(f"@127.0.0.1:{rabbit.port}/",
                                                  f"@127.0.0.1:{proxy.port}/")
                assert via_proxy != dep.admin_url
                supervisor = sc.supervise(CONSUMERS, seed=seed, restart_delay=0.5,
                                          env={"BREAKGATE_AMQP_URL": via_proxy})
                faults = Faults(rabbit, postgres, proxy, supervisor, dep)
                load = asyncio.create_task(paced(sc, mixed_filings(sc, settings.total),
                                                 settings.rate))
                rng = random.Random(f"soak:{seed}")
                order: list[str] = []
                for k in range(1, settings.planned_faults + 1):  # at k x every, from the start
                    at = faults.began + k * settings.fault_every
                    await asyncio.wait([load], timeout=max(0.0, at - time.monotonic()))
                    if load.done():
                        break
                    await faults.sample_pg_connections()
                    if not order:
                        order = rng.sample(FAULTS, len(FAULTS))
                    await faults.inject(order.pop())
                await load
                quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=900)
                await faults.sample_pg_connections()
                rss_pct, fd_drift, observed = leak_figures(supervisor, settings.warm_up)
                run = Run("T20-soak", seed, CONSUMERS,
                          faults={**faults.counts, "every_s": settings.fault_every,
                                  "minutes": settings.minutes},
                          extra_lines=[
                              *faults.log,
                              f"leaks:     rss_growth_pct={rss_pct:.1f} (limit "
                              f"{RSS_GROWTH_LIMIT_PCT}) open_fds_delta={fd_drift} over "
                              f"{observed:.1f} min after a {settings.warm_up:.0f}s warm-up "
                              f"of the longest-lived incarnation; pg_connections sampled "
                              f"{faults.pg_connections} (limit {PG_CONNECTIONS_LIMIT})"])
                figures = await check(run, dep, sc.ledger, sc.collector,
                                      supervisor=supervisor, quiescence_s=quiet)
                report(figures, "T20-soak", capsys, tmp_path)
                assert figures.passed, figures.block()
                assert figures.values["tickets"] == accepted
                assert rss_pct < RSS_GROWTH_LIMIT_PCT and abs(fd_drift) <= FD_DRIFT_LIMIT
                assert faults.pg_connections and max(faults.pg_connections) <= \
                    PG_CONNECTIONS_LIMIT
                assert sum(faults.counts.values()) == settings.planned_faults, faults.counts
    finally:
        proxy.stop()
