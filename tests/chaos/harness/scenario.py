"""A chaos scenario on one deployment: tenants provisioned through `breakgate sender add`,
their mandates and workers seeded through the authority queue, a ledger, a reply collector,
and (usually) a supervisor of `breakgate serve` processes."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from support_service import Account, Deployment, deployment, publish, wait_for_rows

from service import samples

from .collector import ReplyCollector
from .ledger import Filing, Ledger, TenantPublisher, submit_filing
from .supervisor import Supervisor

DEFAULT_GRACE = {"BREAKGATE_RELAY_GRACE_SECONDS": "15"}  # the service's default
FAST = {
    # The figures must come quickly after a crash: a short relay grace (tests without crashes
    # keep the default 15 s: under load a reply can wait longer than 1 s for its confirm and
    # the relay would send it a second time), quick backoff.
    "BREAKGATE_RELAY_GRACE_SECONDS": "1",
    "BREAKGATE_RELAY_INTERVAL_SECONDS": "0.5",
    "BREAKGATE_TRANSIENT_BACKOFF_INITIAL_SECONDS": "0.2",
    "BREAKGATE_TRANSIENT_BACKOFF_MAX_SECONDS": "2",
    "BREAKGATE_SHUTDOWN_GRACE_SECONDS": "5",
}


@contextmanager
def chaos_deployment(tmp_path: Path, database: str, *, database_url: str | None = None,
                     **env: str) -> Iterator[Deployment]:
    """`env`: BREAKGATE_* settings (names without the prefix are refused: a typo must not
    silently become a no-op)."""
    assert all(name.startswith("BREAKGATE_") for name in env), sorted(env)
    with deployment(tmp_path, database, env={**FAST, **env}, database_url=database_url) as dep:
        yield dep


def add_tenant(dep: Deployment, name: str, number: int) -> Account:
    """`breakgate sender add <vhost>-<name> --number N`: the tenant's RabbitMQ user,
    permissions, exchange, bindings and reply queue."""
    user = f"{dep.vhost}-{name}"
    done = dep.cli("sender", "add", user, "--number", str(number), check=False)
    found = re.search(r"^password: (\S+)$", done.stdout, re.M)
    assert done.returncode == 0 and found, f"sender add {user}: {done.stdout}{done.stderr}"
    account = Account(user, found.group(1))
    dep.senders[name] = account
    return account


@dataclass
class Scenario:
    dep: Deployment
    tenants: list[Account]
    ledger: Ledger
    collector: ReplyCollector
    today: date = field(default_factory=date.today)
    workers: int = 0  # workers seeded in the personnel file
    _next_worker: int = 0
    supervisor: Supervisor | None = None
    publishers: dict[str, TenantPublisher] = field(default_factory=dict)

    @classmethod
    async def open(cls, dep: Deployment, tenant_count: int, workers: int, *,
                   names: Sequence[str] | None = None) -> Scenario:
        names = list(names or [f"t{i}" for i in range(tenant_count)])
        # Explicit numbers: concurrent `sender add` would otherwise both pick max()+1.
        with ThreadPoolExecutor(max_workers=4) as pool:
            tenants = list(pool.map(lambda n: add_tenant(dep, n[1], 100 + n[0]),
                                    enumerate(names)))
        ledger = Ledger(dep.workdir / "ledger.jsonl")
        collector = ReplyCollector(dep.admin_url, dep.workdir / "replies.jsonl")
        scenario = cls(dep, tenants, ledger, collector)
        await scenario.seed(workers)
        await collector.start([t.user for t in tenants])
        return scenario

    async def seed(self, workers: int) -> None:
        """Mandates for every tenant and `workers` workers in the personnel file, processed
        by a temporary fault-free `breakgate serve`."""
        serving = self.dep.serve(BREAKGATE_TEST_FAULTS="0")
        try:
            bodies = [(f"mandate-{t.user}", samples.grant_mandate(t.user).encode())
                      for t in self.tenants]
            bodies += [(f"dimona-{i}-{secrets.token_hex(2)}",
                        samples.dimona_declaration(samples.worker_inss(i)).encode())
                       for i in range(self.workers, self.workers + workers)]
            await publish(self.dep.url_for(self.dep.authority), "breakgate.authority", bodies,
                          user=self.dep.authority.user)
            self.workers += workers
            await wait_for_rows(self.dep, "select count(*) from personnel", self.workers,
                                timeout=120)
            await wait_for_rows(self.dep, "select count(distinct sender) from mandates",
                                len(self.tenants), timeout=60)
        finally:
            await asyncio.to_thread(serving.terminate)
            self.dep.processes.remove(serving)

    def worker(self) -> int:
        if self._next_worker >= self.workers:
            raise AssertionError(f"only {self.workers} workers seeded")
        self._next_worker += 1
        return self._next_worker - 1

    def filings(self, count: int, *, prefix: str = "R", tenants: Sequence[Account] | None = None,
                **kwargs: Any) -> list[Filing]:
        """`count` accepted SubmitRequests spread round-robin over the tenants."""
        chosen = list(tenants or self.tenants)
        out = []
        for i in range(count):
            tenant = chosen[i % len(chosen)]
            out.append(submit_filing(tenant.user, f"{prefix}-{i}", self.worker(), self.today,
                                     **kwargs))
        return out

    def publisher(self, user: str) -> TenantPublisher:
        if user not in self.publishers:
            account = next(t for t in self.tenants if t.user == user)
            self.publishers[user] = TenantPublisher(self.dep.url_for(account), user, self.ledger)
        return self.publishers[user]

    async def publish(self, filings: Sequence[Filing]) -> None:
        """Every tenant's filings through its own publisher, tenants concurrently."""
        by_tenant: dict[str, list[Filing]] = defaultdict(list)
        for filing in filings:
            by_tenant[filing.tenant].append(filing)
        await asyncio.gather(*(self.publisher(t).publish(fs) for t, fs in by_tenant.items()))

    async def kill_at_progress(self, kills: int, total: int, *, seed: int,
                               timeout: float = 120) -> list[int]:
        """SIGKILLs a random consumer each time the replies pass one of `kills` seeded
        thresholds in [5%, 90%] of `total`: every kill lands while work is in flight.
        Returns the thresholds."""
        import random

        assert self.supervisor is not None
        rng = random.Random(f"progress:{seed}")
        thresholds = sorted(rng.randint(total // 20, total * 9 // 10) for _ in range(kills))
        deadline = asyncio.get_running_loop().time() + timeout
        for threshold in thresholds:
            while len(self.collector.correlation_ids()) < threshold:
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"no progress to {threshold} replies")
                await asyncio.sleep(0.02)
            await asyncio.to_thread(self.supervisor.kill)
        return thresholds

    def supervise(self, count: int, *, seed: int, **kwargs: Any) -> Supervisor:
        self.supervisor = Supervisor(self.dep, count, seed=seed, **kwargs)
        self.supervisor.start()
        return self.supervisor

    async def close(self) -> None:
        for publisher in self.publishers.values():
            await publisher.close()
        await self.collector.stop()
        if self.supervisor is not None:
            await asyncio.to_thread(self.supervisor.stop, graceful=False)


@asynccontextmanager
async def scenario(dep: Deployment, tenants: int, workers: int, **kwargs: Any
                   ) -> Any:
    opened = await Scenario.open(dep, tenants, workers, **kwargs)
    try:
        yield opened
    finally:
        await opened.close()
