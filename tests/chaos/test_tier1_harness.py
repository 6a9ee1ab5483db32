"""The harness itself: the checker flags what it must (positive controls on synthetic data),
and the TCP fault proxy's toxics do what they say (against a local echo server)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chaos.harness.checker import DbSnapshot, Run, compute
from chaos.harness.collector import ReplySeen
from chaos.harness.ledger import Attempt, Filing, Ledger
from chaos.harness.proxy import FaultProxy

from service.dead_letters import DeadLetter

# ---- checker --------------------------------------------------------------------------------


def _world(tmp_path: Path, n: int = 3) -> tuple[Ledger, list[ReplySeen], DbSnapshot]:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    filings = [Filing("t", f"R{i}", f"m{i}", f"<b>{i}</b>".encode()) for i in range(n)]
    ledger.register(filings)
    for f in filings:
        ledger.record(Attempt("t", f.reference, f.sha256, f.message_id, 1, "ack", 1.0, 1.0))
    replies = [ReplySeen("t", f"r{i}", f"m{i}", "Ticket", f"R{i}", f"ELO2026-{i + 1:09d}", (),
                         None, f"sha{i}", False, 2.0) for i in range(n)]
    db = DbSnapshot([("t", f"R{i}", f"ELO2026-{i + 1:09d}") for i in range(n)],
                    {("t", f"m{i}") for i in range(n)}, 0, "ok")
    return ledger, replies, db


def _figures(ledger: Ledger, replies: list[ReplySeen], db: DbSnapshot,
             dead: list[DeadLetter] | None = None) -> list[str]:
    figures = compute(Run("unit", 0, 1), ledger, replies, db,
                      {"breakgate.requests": (0, 0)}, dead or [])
    return figures.violations


def test_a_clean_run_passes(tmp_path: Path) -> None:
    assert _figures(*_world(tmp_path)) == []


def test_the_checker_flags_each_broken_invariant(tmp_path: Path) -> None:
    ledger, replies, db = _world(tmp_path)
    lost = DbSnapshot(db.requests[:2], {("t", "m0"), ("t", "m1")}, 0, "ok")
    assert any(v.startswith("lost=1") for v in _figures(ledger, replies[:2], lost))

    doubled = DbSnapshot([*db.requests, ("t", "R0", "ELO2026-000000009")], db.inbox, 0, "ok")
    assert any("requests_with_2+_tickets=1" in v for v in _figures(ledger, replies, doubled))

    other = ReplySeen("t", "r9", "m0", "Ticket", "R0", "ELO2026-000000002", (), None, "x",
                      False, 3.0)
    assert any(v.startswith("conflicting") for v in _figures(ledger, [*replies, other], db))

    assert any(v.startswith("missing=1") for v in _figures(ledger, replies[1:], db))

    unsent = DbSnapshot(db.requests, db.inbox, 2, "ok")
    assert any(v.startswith("outbox_unsent=2") for v in _figures(ledger, replies, unsent))

    gap = DbSnapshot([("t", "R0", "ELO2026-000000001"), ("t", "R1", "ELO2026-000000002"),
                      ("t", "R2", "ELO2026-000000005")], db.inbox, 0, "ok")
    gap_replies = [*replies[:2], ReplySeen("t", "r2", "m2", "Ticket", "R2",
                                           "ELO2026-000000005", (), None, "s", False, 2.0)]
    assert any(v.startswith("gaps=2") for v in _figures(ledger, gap_replies, gap))

    corrupt = DbSnapshot(db.requests, db.inbox, 0, "*** in database main ***")
    assert any("integrity_check" in v for v in _figures(ledger, replies, corrupt))

    innocent = DeadLetter("x", "m0", None, 1, "s", None, None, None, None, None, None, None,
                          None, None)
    assert any("innocent_in_dlq=1" in v or "dlq=1" in v
               for v in _figures(ledger, replies, db, [innocent]))


# ---- proxy ----------------------------------------------------------------------------------


@pytest.fixture
def echo() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    server.close()


def _echo(conn: socket.socket) -> None:
    with conn, contextlib.suppress(OSError):
        while data := conn.recv(65536):
            conn.sendall(data)


async def _roundtrip(port: int, payload: bytes, timeout: float = 5.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        got = b""
        while len(got) < len(payload):
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                break
            got += chunk
        return got
    finally:
        writer.close()


async def test_proxy_toxics(echo: int) -> None:
    proxy = FaultProxy(echo).start()
    try:
        assert await _roundtrip(proxy.port, b"hello") == b"hello"

        proxy.latency(150, 10)
        began = time.monotonic()
        assert await _roundtrip(proxy.port, b"slow") == b"slow"
        assert time.monotonic() - began >= 0.25  # both directions
        proxy.clear()

        proxy.slicer(3, 20)
        assert await _roundtrip(proxy.port, b"0123456789") == b"0123456789"
        proxy.clear()

        proxy.blackhole(0.8)
        began = time.monotonic()
        assert await _roundtrip(proxy.port, b"held") == b"held"  # held, then delivered
        assert time.monotonic() - began >= 0.7

        proxy.clear()
        proxy.limit_data(4)
        with contextlib.suppress(ConnectionError):  # cut mid-stream: short data, or the RST
            assert len(await _roundtrip(proxy.port, b"0123456789")) < 10
        proxy.clear()

        proxy.reset_peer(after_bytes=0)
        with pytest.raises((ConnectionError, OSError, AssertionError)):
            got = await _roundtrip(proxy.port, b"reset")
            assert got == b"reset"
        assert proxy.resets >= 1
    finally:
        proxy.stop()
