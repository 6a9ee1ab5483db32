"""T10 duplicate storm and T11 same RequestReference with a different body (RELIABILITY.md
4.3), on PostgreSQL with two consumer processes competing for the copies."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from chaos.harness.checker import Run, check, quiesce, report
from chaos.harness.ledger import Filing
from chaos.harness.scenario import DEFAULT_GRACE, chaos_deployment, scenario
from sqlalchemy import text

from service.db.engine import create_engine

pytestmark = [pytest.mark.integration, pytest.mark.slow]

T10_REQUESTS = 300
T11_PAIRS = 200


async def test_t10_duplicate_storm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each request published three times back to back: the original, a second copy of the
    same AMQP message (same message_id: a publisher retry) and a resend as a new message
    (new message_id). Two consumers take the copies concurrently; one ticket per request, and
    every answer for a request carries that ticket."""
    seed = 1010
    with chaos_deployment(tmp_path, "postgresql", **DEFAULT_GRACE) as dep:
        async with scenario(dep, 3, T10_REQUESTS) as sc:
            supervisor = sc.supervise(2, seed=seed)
            storm: list[Filing] = []
            for original in sc.filings(T10_REQUESTS, prefix="DUP"):
                resend = dataclasses.replace(original, message_id=original.message_id + ":resend")
                storm += [original, original, resend]
            await sc.publish(storm)
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=180)
            deliveries = len(storm)
            run = Run("T10-duplicate-storm", seed, 2,
                      faults={"duplicates": f"3 copies x {T10_REQUESTS}"},
                      extra_lines=[f"storm:     {deliveries} deliveries for {T10_REQUESTS} "
                                   "requests (copy 2 = same message_id, copy 3 = resend)"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T10-duplicate-storm", capsys, tmp_path)
            assert figures.passed, figures.block()
            v = figures.values
            assert v["tickets"] == v["distinct_tickets"] == T10_REQUESTS
            assert v["deliveries"] >= deliveries  # each copy answered (the same-id copy too)
            by_ref: dict[str, set[str]] = {}
            for reply in sc.collector.replies:
                assert reply.kind == "Ticket", reply
                by_ref.setdefault(f"{reply.tenant}/{reply.request_reference}", set()).add(
                    str(reply.ticket))
            assert len(by_ref) == T10_REQUESTS
            assert all(len(t) == 1 for t in by_ref.values())


async def test_t11_same_reference_different_body(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """200 requests accepted, then 200 new messages reusing their references with another
    content: 200 rejections 70015-006, no extra ticket, no stored row changed."""
    seed = 1111
    with chaos_deployment(tmp_path, "postgresql", **DEFAULT_GRACE) as dep:
        async with scenario(dep, 2, T11_PAIRS) as sc:
            supervisor = sc.supervise(2, seed=seed)
            firsts = sc.filings(T11_PAIRS, prefix="PAIR")
            await sc.publish(firsts)
            await quiesce(dep, sc.collector, sc.ledger, timeout=120, idle=0.5)
            before = await _rows(dep.database_url)
            seconds = [
                Filing(f.tenant, f.reference, f.message_id + ":changed",
                       f.body.replace(b"<LastName>Peeters</LastName>",
                                      b"<LastName>Janssens</LastName>"),
                       expect="reject:70015-006")
                for f in firsts]
            assert all(s.sha256 != f.sha256 for s, f in zip(seconds, firsts, strict=True))
            await sc.publish(seconds)
            quiet = await quiesce(dep, sc.collector, sc.ledger, timeout=120)
            after = await _rows(dep.database_url)
            changed = sum(1 for key, digest in before.items() if after.get(key) != digest)
            rejected = sum(1 for r in sc.collector.replies if r.codes == ("70015-006",))
            run = Run("T11-same-reference-other-body", seed, 2,
                      faults={"conflicting_resends": T11_PAIRS},
                      extra_lines=[f"pairs:     accepted={len(before)} "
                                   f"CONFLICTING_DUPLICATE_rejections={rejected} "
                                   f"extra_tickets={len(after) - len(before)} "
                                   f"rows_changed={changed}"])
            figures = await check(run, dep, sc.ledger, sc.collector, supervisor=supervisor,
                                  quiescence_s=quiet)
            report(figures, "T11-same-reference-other-body", capsys, tmp_path)
            assert figures.passed, figures.block()
            assert len(before) == T11_PAIRS and rejected == T11_PAIRS
            assert len(after) == len(before) and changed == 0


async def _rows(url: str) -> dict[tuple[str, str], str]:
    """(sender, reference) -> a digest of the whole stored request row."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("select * from requests"))
            keys = list(rows.keys())
            out = {}
            for row in rows:
                values = dict(zip(keys, row, strict=True))
                digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
                out[(values["sender"], values["request_reference"])] = digest
            return out
    finally:
        await engine.dispose()
