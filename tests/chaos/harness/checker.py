"""The checker (RELIABILITY.md 4.1 `chaos/check.py` and the figure block of 4.2).

After quiescence it reads the publish ledger, the reply collector's log, the database and the
queues (dead-letter queue included, read without removing anything), prints the Jepsen-style
block and a verdict, and writes the block to `var/chaos/<test>.txt`.

Identity of a request: (tenant, RequestReference); of a message: its message_id (the
publishers never set a correlation_id, so a reply's correlation_id is the message_id).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import time
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
from sqlalchemy import text
from support_service import Deployment

from service.config import Settings
from service.db.engine import create_engine
from service.dead_letters import DeadLetter, list_dead

from .collector import ReplyCollector, ReplySeen
from .ledger import Ledger

REPO = Path(__file__).resolve().parents[3]
REPORT_DIR = REPO / "var" / "chaos"
TICKET = re.compile(r"^(\D+)(\d{4})-(\d+)$")
INTAKE = "breakgate.requests"


# ---- the state of the world after a run -----------------------------------------------------


@dataclass
class DbSnapshot:
    requests: list[tuple[str, str, str | None]]  # sender, request_reference, ticket_number
    inbox: set[tuple[str, str]]  # (sender, message_id)
    outbox_unsent: int
    integrity: str | None  # SQLite PRAGMA integrity_check, None on PostgreSQL


async def db_snapshot(url: str) -> DbSnapshot:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            requests = [tuple(r) for r in await connection.execute(text(
                "select sender, request_reference, ticket_number from requests"))]
            inbox = {(r[0], r[1]) for r in await connection.execute(text(
                "select sender, message_id from inbox"))}
            unsent = (await connection.execute(text(
                "select count(*) from outbox where sent_at is null"))).scalar() or 0
            integrity = None
            if url.startswith("sqlite"):
                integrity = "; ".join(str(r[0]) for r in await connection.execute(text(
                    "PRAGMA integrity_check")))
    finally:
        await engine.dispose()
    return DbSnapshot(requests, inbox, int(unsent), integrity)  # type: ignore[arg-type]


async def outbox_unsent(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(
                "select count(*) from outbox where sent_at is null"))).scalar() or 0)
    finally:
        await engine.dispose()


def queue_counts(vhost: str, node_env: dict[str, str] | None = None
                 ) -> dict[str, tuple[int, int]]:
    """{queue: (ready, unacked)} from rabbitmqctl (the only source of the unacked count)."""
    import os

    done = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers", "name",
         "messages_ready", "messages_unacknowledged"],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, **(node_env or {})})
    out: dict[str, tuple[int, int]] = {}
    for line in done.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[1].isdigit():
            out[fields[0]] = (int(fields[1]), int(fields[2]))
    return out


async def ready_count(url: str, queue: str) -> int:
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)
    finally:
        await connection.close()


async def quiesce(dep: Deployment, collector: ReplyCollector, ledger: Ledger, *,
                  timeout: float = 120, idle: float = 2.0,
                  expected_dead: Collection[str] = (), stuck: float = 5.0) -> float:
    """Waits for quiescence: every confirmed message answered (or expected dead), the intake
    queue empty, no unsent outbox row, then `idle` seconds without a new reply. Returns the
    seconds it took (time_to_quiescence_s).

    When the queue and the outbox are empty and no reply came for `stuck` seconds while some
    messages are unanswered, it looks in breakgate.dead: unanswered messages found there end
    the wait (the checker reports them), anything else keeps waiting until the timeout."""
    began = time.monotonic()
    deadline = began + timeout
    wanted = ledger.confirmed_ids() - set(expected_dead)
    while time.monotonic() < deadline:
        unanswered = wanted - collector.correlation_ids()
        quiet_for = time.time() - collector.last_at
        if not unanswered or quiet_for >= stuck:
            try:
                empty = await ready_count(dep.admin_url, INTAKE) == 0
                unsent = await outbox_unsent(dep.database_url)
            except Exception:  # broker or database restarting: look again
                empty, unsent = False, 1
            if empty and unsent == 0:
                if not unanswered and quiet_for >= idle:
                    break
                if unanswered:
                    dead = {d.message_id for d in await list_dead(
                        Settings(amqp_url=dep.admin_url))}
                    if unanswered <= dead:
                        break
        await asyncio.sleep(0.2)
    return time.monotonic() - began


# ---- figures --------------------------------------------------------------------------------


@dataclass
class Run:
    """What the test tells the checker about the run."""

    test: str
    seed: int
    consumers: int
    faults: dict[str, Any] = field(default_factory=dict)
    tenants: Collection[str] | None = None  # restrict to these (shared deployments)
    innocent_allowed: bool = False
    extra_lines: list[str] = field(default_factory=list)


@dataclass
class Figures:
    header: str
    lines: list[str]
    violations: list[str]
    values: dict[str, Any]

    @property
    def passed(self) -> bool:
        return not self.violations

    def block(self) -> str:
        verdict = "VERDICT PASS" if self.passed else f"VERDICT FAIL ({self.violations[0]})"
        return "\n".join([self.header, *self.lines, verdict])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def compute(run: Run, ledger: Ledger, replies: list[ReplySeen], db: DbSnapshot,
            queues: dict[str, tuple[int, int]], dead: list[DeadLetter], *,
            restarts: int = 0, log_counts: dict[str, int] | None = None,
            quiescence_s: float = 0.0, resources: tuple[float, int] = (0.0, 0),
            alive: bool = True) -> Figures:
    tenants = set(run.tenants) if run.tenants is not None else None

    def mine(tenant: str) -> bool:
        return tenants is None or tenant in tenants

    attempts = [a for a in ledger.attempts if mine(a.tenant)]
    filings = {mid: f for mid, f in ledger.filings.items() if mine(f.tenant)}
    replies = [r for r in replies if mine(r.tenant)]
    counts = log_counts or {}

    refs_attempted = {(a.tenant, a.request_reference) for a in attempts}
    confirmed_ids = {a.message_id for a in attempts if a.outcome == "ack"}
    refs_confirmed = {(filings[m].tenant, filings[m].reference) for m in confirmed_ids}
    ids_by_ref: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mid, filing in filings.items():
        ids_by_ref[(filing.tenant, filing.reference)].add(mid)

    # db
    rows = [r for r in db.requests if mine(r[0])]
    tickets_by_ref: dict[tuple[str, str], set[str]] = defaultdict(set)
    refs_by_ticket: dict[str, set[tuple[str, str]]] = defaultdict(set)
    rows_by_ref: dict[tuple[str, str], int] = defaultdict(int)
    for sender, reference, ticket in rows:
        rows_by_ref[(sender, reference)] += 1
        if ticket:
            tickets_by_ref[(sender, reference)].add(ticket)
            refs_by_ticket[ticket].add((sender, reference))
    ticket_values = [t for _, _, t in rows if t]
    two_tickets = sum(1 for ref, n in rows_by_ref.items()
                      if n > 1 or len(tickets_by_ref[ref]) > 1)
    shared = sum(1 for refs in refs_by_ticket.values() if len(refs) > 1) + \
        (len(ticket_values) - len(set(ticket_values)))
    unexpected = sum(1 for ref in rows_by_ref if ref not in refs_attempted)
    gaps = _gaps(t for _, _, t in db.requests if t)  # the counter is global: all rows
    inbox = {(s, m) for s, m in db.inbox if mine(s)}
    processed_ids = {m for (_, m) in inbox}

    # dead letters
    dead_ids = [d.message_id or "" for d in dead
                if d.message_id not in ledger.filings or mine(ledger.filings[d.message_id].tenant)]
    expected_dead = {m for m, f in filings.items() if f.expect == "dead" and m in confirmed_ids}
    innocent = [m for m in dead_ids if m not in expected_dead]

    # outcome
    def handled(ref: tuple[str, str]) -> bool:
        return bool(rows_by_ref.get(ref)) or bool(ids_by_ref[ref] & processed_ids) or \
            bool(ids_by_ref[ref] & set(dead_ids))

    lost_refs = [ref for ref in refs_confirmed if not handled(ref)]
    indeterminate = refs_attempted - refs_confirmed
    recovered = sum(1 for ref in indeterminate if handled(ref))

    # replies
    by_corr: dict[str, list[ReplySeen]] = defaultdict(list)
    bodies_by_reply_id: dict[str, set[str]] = defaultdict(set)
    for reply in replies:
        by_corr[reply.correlation_id].append(reply)
        bodies_by_reply_id[reply.message_id].add(reply.body_sha256)
    conflicting: list[str] = [f"reply {mid} with {len(b)} bodies"
                              for mid, b in bodies_by_reply_id.items() if len(b) > 1]
    groups: dict[tuple[str, str, str], list[ReplySeen]] = defaultdict(list)
    ref_tickets_replied: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mid, seen in by_corr.items():
        filing = filings.get(mid)
        if filing is None:
            continue
        groups[(filing.tenant, filing.reference, filing.sha256)].extend(seen)
        for reply in seen:
            if reply.ticket and reply.kind == "Ticket":
                ref_tickets_replied[(filing.tenant, filing.reference)].add(reply.ticket)
    for key, seen in groups.items():
        finals = [r for r in seen if r.kind in ("Ticket", "Rejection")]
        tickets = {r.ticket for r in finals if r.kind == "Ticket"}
        codes = {r.codes for r in finals if r.kind == "Rejection"}
        if len(tickets) > 1 or len(codes) > 1 or (tickets and codes):
            conflicting.append(f"{key[0]}/{key[1]}: tickets {sorted(map(str, tickets))} "
                               f"codes {sorted(codes)}")
    for ref, replied in ref_tickets_replied.items():
        stored = tickets_by_ref.get(ref, set())
        if len(replied) > 1 or not replied <= stored:
            conflicting.append(f"{ref[0]}/{ref[1]}: replied {sorted(replied)} stored "
                               f"{sorted(stored)}")
    unparseable = sum(1 for r in replies if r.kind == "UNPARSEABLE")
    if unparseable:
        conflicting.append(f"{unparseable} unparseable replies")

    processed_refs = {ref for ref in refs_attempted
                      if rows_by_ref.get(ref) or ids_by_ref[ref] & processed_ids}
    replied_refs = {ref for ref in processed_refs
                    if any(by_corr.get(m) for m in ids_by_ref[ref])}
    missing = sorted(m for m in processed_ids & set(filings) if not by_corr.get(m))
    rejections = len(processed_refs - set(rows_by_ref))

    # expectations per message
    mismatched: list[str] = []
    for mid, filing in filings.items():
        if mid not in confirmed_ids or (run.innocent_allowed and mid in dead_ids):
            continue
        seen = [r for r in by_corr.get(mid, []) if r.kind in ("Ticket", "Rejection")]
        if filing.expect == "dead":
            if mid not in dead_ids:
                mismatched.append(f"{mid}: expected in the DLQ")
        elif filing.expect == "ticket":
            if not seen or any(r.kind != "Ticket" for r in seen):
                mismatched.append(f"{mid}: expected a Ticket, got "
                                  f"{[(r.kind, r.codes[:5]) for r in seen]}")
        elif filing.expect.startswith("reject:"):
            code = filing.expect.removeprefix("reject:")
            if not seen or any(r.kind != "Rejection" or (code != "*" and code not in r.codes)
                               for r in seen):
                mismatched.append(f"{mid}: expected {code}, got "
                                  f"{[(r.kind, r.codes[:5]) for r in seen]}")

    status_updates = [r for r in replies if r.kind == "StatusUpdate"]
    regressions = _version_regressions(status_updates)

    # latency: confirm -> first reply
    confirmed_at = ledger.confirmed_at()
    first_reply: dict[str, float] = {}
    for reply in replies:
        first_reply.setdefault(reply.correlation_id, reply.at)
    latencies = [1000 * (first_reply[m] - confirmed_at[m]) for m in confirmed_at
                 if m in first_reply and m in filings]

    intake = queues.get(INTAKE, (-1, -1))
    rss, fds = resources
    faults = ", ".join(f"{k}={v}" for k, v in run.faults.items())
    header = (f"RUN {run.test} seed={run.seed} N={len(refs_attempted)} "
              f"tenants={len({a.tenant for a in attempts})} consumers={run.consumers} "
              f"faults{{{faults}}}")
    lines = [
        f"sent:      attempted={len(refs_attempted)} confirmed={len(refs_confirmed)} "
        f"indeterminate={len(indeterminate)} publish_retries={ledger_retries(attempts)}",
        f"db:        filings={len(rows)} tickets={len(ticket_values)} "
        f"distinct_tickets={len(set(ticket_values))} requests_with_2+_tickets={two_tickets} "
        f"ticket_shared_by_2+_requests={shared}",
        f"           unexpected={unexpected} gaps={gaps}"
        + (f" integrity_check={db.integrity}" if db.integrity is not None else ""),
        f"outcome:   lost={len(lost_refs)} recovered={recovered} "
        f"rejections={rejections} unexpected_outcome={len(mismatched)}",
        f"replies:   requests_with_final_reply={len(replied_refs)} "
        f"(filings+rejections={len(processed_refs)}) deliveries={len(replies)} "
        f"redundant_identical={len(replies) - len(bodies_by_reply_id)}",
        f"           conflicting={len(conflicting)} missing={len(missing)} "
        f"version_regressions_applied={regressions}",
        f"queues:    intake_ready={intake[0]} intake_unacked={intake[1]} "
        f"outbox_unsent={db.outbox_unsent} dlq={len(dead_ids)} (expected {len(expected_dead)}) "
        f"innocent_in_dlq={len(innocent)}",
        f"service:   consumer_restarts={restarts} "
        f"redeliveries_seen={counts.get('redeliveries', 0)} "
        f"transient_pauses={counts.get('transient_pauses', 0)} "
        f"time_to_quiescence_s={quiescence_s:.1f} "
        f"p50/p99_latency_ms={_pct(latencies, 0.5):.0f}/{_pct(latencies, 0.99):.0f}",
        f"           rss_growth_pct={rss:.1f} open_fds_delta={fds}",
        *run.extra_lines,
    ]
    violations: list[str] = []

    def must(condition: bool, what: str) -> None:
        if not condition:
            violations.append(what if len(what) <= 300 else what[:300] + "...")

    must(not lost_refs, f"lost={len(lost_refs)} e.g. {lost_refs[:3]}")
    must(two_tickets == 0, f"requests_with_2+_tickets={two_tickets}")
    must(shared == 0, f"ticket_shared_by_2+_requests={shared}")
    must(unexpected == 0, f"unexpected={unexpected}")
    must(gaps == 0, f"gaps={gaps}")
    must(not conflicting, f"conflicting={len(conflicting)}: {conflicting[:2]}")
    must(not missing, f"missing={len(missing)} e.g. {missing[:3]}")
    must(len(replied_refs) == len(processed_refs),
         f"requests_with_final_reply={len(replied_refs)} != {len(processed_refs)}")
    must(not mismatched, f"unexpected_outcome={len(mismatched)}: {mismatched[:2]}")
    must(db.outbox_unsent == 0, f"outbox_unsent={db.outbox_unsent}")
    must(intake == (0, 0), f"intake ready/unacked={intake}")
    must(len(dead_ids) == len(expected_dead) or run.innocent_allowed,
         f"dlq={len(dead_ids)} != expected {len(expected_dead)}")
    must(not innocent or run.innocent_allowed, f"innocent_in_dlq={len(innocent)}")
    must(db.integrity in (None, "ok"), f"integrity_check={db.integrity}")
    must(alive, "a consumer process is not running")
    values = {
        "attempted": len(refs_attempted), "confirmed": len(refs_confirmed),
        "filings": len(rows), "tickets": len(ticket_values),
        "distinct_tickets": len(set(ticket_values)), "lost": len(lost_refs),
        "conflicting": len(conflicting), "missing": len(missing), "dlq": len(dead_ids),
        "innocent_in_dlq": len(innocent), "deliveries": len(replies),
        "redundant": len(replies) - len(bodies_by_reply_id), "rejections": rejections,
        "redeliveries": counts.get("redeliveries", 0), "restarts": restarts,
        "p99_ms": _pct(latencies, 0.99), "p50_ms": _pct(latencies, 0.5),
        "rss_growth_pct": rss, "quiescence_s": quiescence_s,
        "dead_ids": dead_ids, "mismatched": mismatched,
    }
    return Figures(header, lines, violations, values)


def ledger_retries(attempts: Iterable[Any]) -> int:
    return sum(1 for a in attempts if a.attempt > 1)


def _gaps(tickets: Iterable[str]) -> int:
    """Missing counter values per (prefix, year), the counter starting at 1."""
    series: dict[tuple[str, str], set[int]] = defaultdict(set)
    for ticket in tickets:
        match = TICKET.match(ticket)
        if match:
            series[(match.group(1), match.group(2))].add(int(match.group(3)))
    return sum(max(values) - len(values) for values in series.values())


def _version_regressions(updates: list[ReplySeen]) -> str:
    """A receiver applies only increasing versions per ticket: count the updates it would have
    had to drop (reported) and the regressions it applied (always 0 for such a receiver, so
    the figure is 'n/a' without any StatusUpdate)."""
    if not updates:
        return "0 (no StatusUpdate in this run)"
    seen: dict[str, int] = {}
    dropped = 0
    for update in updates:
        if update.ticket is None or update.version is None:
            continue
        version = int(update.version)
        if version <= seen.get(update.ticket, -1):
            dropped += 1
        else:
            seen[update.ticket] = version
    return f"0 (out-of-order dropped={dropped})"


# ---- one call for the tests -----------------------------------------------------------------


async def check(run: Run, dep: Deployment, ledger: Ledger, collector: ReplyCollector, *,
                supervisor: Any = None, quiescence_s: float = 0.0, stop: bool = True,
                restarts: int = 0) -> Figures:
    """Gathers everything and computes the figures. With a supervisor and `stop`, its
    processes are stopped (SIGTERM) once their liveness and resources are recorded: the
    deliveries they still held come back as ready, which gives an exact unacked count
    (rabbitmqctl's counters for quorum queues lag by up to the statistics interval)."""
    kwargs: dict[str, Any] = {"restarts": restarts}
    if supervisor is not None:
        kwargs = {"restarts": supervisor.restarts, "log_counts": supervisor.log_counts(),
                  "resources": supervisor.resources(), "alive": supervisor.alive()}
    ready = await ready_count(dep.admin_url, INTAKE)
    held = 0
    if supervisor is not None and stop:
        await asyncio.to_thread(supervisor.stop)
        held = await ready_count(dep.admin_url, INTAKE) - ready
    db = await db_snapshot(dep.database_url)
    dead = await list_dead(Settings(amqp_url=dep.admin_url))
    return compute(run, ledger, list(collector.replies), db, {INTAKE: (ready, held)}, dead,
                   quiescence_s=quiescence_s, **kwargs)


def report(figures: Figures, name: str, capsys: Any = None, tmp_path: Path | None = None
           ) -> None:
    """Print the block (visible under `pytest -q` through capsys.disabled()) and write it to
    var/chaos/<name>.txt (and the test's tmp dir)."""
    block = figures.block()
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / f"{name}.txt").write_text(block + "\n")
    if tmp_path is not None:
        (tmp_path / f"{name}.txt").write_text(block + "\n")
    if capsys is not None:
        with capsys.disabled():
            print("\n" + block, flush=True)
    else:
        print("\n" + block, flush=True)


def summary(values: Iterable[float]) -> str:
    data = list(values)
    if not data:
        return "-"
    return f"median {statistics.median(data):.1f} max {max(data):.1f}"
