"""(d) A 50,000-item BulkFile through `breakgate serve`, with interactive SubmitRequests sent at
a steady rate while it runs: items/s from publishing the file to its BulkResult, the service's
peak RSS (VmHWM), and the latency of the interactive submissions sent meanwhile.

The workers' Dimona rows are inserted straight into the database (publishing 50,000
DimonaDeclarations through the authority queue works but only slows the set-up); the mandate
is granted through the authority queue and the employer's parameters sent as usual.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import aio_pika
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support_service import Account, Deployment, publish, submissions, wait_for_rows

from service import bulk_samples, samples
from service.db.engine import create_engine
from service.db.tables import personnel

BULK_N = int(os.environ.get("BENCH_BULK_N", "50000"))
LIVE_RATE = 20  # interactive submissions per second while the file is processed


@dataclass(frozen=True)
class BulkFigures:
    items: int
    seconds: float
    receipt_seconds: float
    peak_rss_mb: float
    live: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds


async def _seed(dep: Deployment, sender: Account, workers: int) -> None:
    await publish(dep.url_for(dep.authority), "breakgate.authority",
                  [("mandate-" + sender.user, samples.grant_mandate(sender.user).encode())],
                  user=dep.authority.user)
    engine = create_engine(dep.database_url)
    try:
        rows = [{"company_id": samples.DEMO_COMPANY_ID, "inss": samples.worker_inss(i),
                 "entry_date": date(2015, 9, 1), "exit_date": None, "last_name": "Peeters",
                 "first_name": "An"} for i in range(workers)]
        for start in range(0, len(rows), 5000):
            async with engine.begin() as connection:
                await connection.execute(insert(personnel), rows[start:start + 5000])
    finally:
        await engine.dispose()
    await wait_for_rows(dep, "select count(*) from mandates", 1)
    # A real employer has sent its parameters: its requests carry no 70017-001 warning.
    await publish(dep.url_for(sender), f"breakgate.in.{sender.user}",
                  [("parameters", _parameters(workers).encode())], user=sender.user)
    await wait_for_rows(dep, "select count(*) from employers where sector is not null", 1)


def _parameters(headcount: int) -> str:
    return (
        f'<UpdateParameters xmlns="{samples.NAMESPACE}" schemaVersion="1.0">'
        "<RequestReference>BENCH-PARAMETERS</RequestReference>"
        f"<Employer><CompanyID>{samples.DEMO_COMPANY_ID}</CompanyID></Employer>"
        "<Contact><Name>Payroll</Name><Email>payroll@example.be</Email></Contact>"
        "<Sector>PRIVATE</Sector><JointCommissionNbr>200</JointCommissionNbr>"
        f"<Headcount>{headcount}</Headcount>"
        "<AcceptEmployeeNotifications>true</AcceptEmployeeNotifications></UpdateParameters>"
    )


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def bulk_under_load(dep: Deployment) -> BulkFigures:
    alice = dep.add_sender("alice")
    live_count = LIVE_RATE * 600  # an upper bound: sending stops at the BulkResult
    # BENCH_SERVE_<NAME>=value runs the service with BREAKGATE_<NAME>=value (tuning runs).
    overrides = {f"BREAKGATE_{k[len('BENCH_SERVE_'):]}": v for k, v in os.environ.items()
                 if k.startswith("BENCH_SERVE_")}
    service = dep.serve(**overrides)
    await _seed(dep, alice, BULK_N + live_count)
    number = await dep.scalar(f"select number from senders where \"user\" = '{alice.user}'")
    today = date.today()
    body = bulk_samples.bulk_file(bulk_samples.file_reference(f"{number:06d}", today, "BENCH"),
                                  bulk_samples.submissions(BULK_N, today))
    live = submissions(live_count, start=BULK_N, prefix="LIVE")

    connection = await aio_pika.connect(dep.url_for(alice))
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=1000)
    replies = await channel.get_queue(f"breakgate.replies.{alice.user}", ensure=False)
    exchange = await channel.get_exchange(f"breakgate.in.{alice.user}", ensure=False)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    marks: dict[str, float] = {}
    timeline: list[tuple[float, float]] = []  # (seconds since the file was sent, latency ms)
    finished = asyncio.Event()

    async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        now = time.perf_counter()
        kind = message.type or ""
        if kind in ("BulkReceipt", "BulkResult"):
            marks.setdefault(kind, now)
            if kind == "BulkResult":
                finished.set()
        elif (cid := str(message.correlation_id)) in sent:
            latencies.append((now - sent.pop(cid)) * 1000)
            timeline.append((now - started, latencies[-1]))
        await message.ack()

    await replies.consume(on_reply)
    # The file goes out from another process: framing tens of megabytes in this event loop
    # would delay the replies it timestamps.
    path = Path(tempfile.mkdtemp()) / "bulk.xml"
    path.write_bytes(body)
    del body
    started = time.perf_counter()
    sender = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bulk", dep.url_for(alice), alice.user, str(path))
    for i, (mid, message) in enumerate(live):
        if finished.is_set():
            break
        await asyncio.sleep(max(0.0, started + i / LIVE_RATE - time.perf_counter()))
        sent[mid] = time.perf_counter()
        await exchange.publish(aio_pika.Message(
            message, message_id=mid, user_id=alice.user, content_type="application/xml",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="SubmitRequest")
    await asyncio.wait_for(finished.wait(), timeout=1800)
    await sender.wait()
    path.unlink()
    await asyncio.sleep(1.0)  # the last interactive replies
    await connection.close()
    rss = peak_rss_mb(service.popen.pid)
    if dump := os.environ.get("BENCH_LATENCY_DUMP"):
        with open(dump, "w") as handle:
            handle.writelines(f"{at:.3f} {ms:.1f}\n" for at, ms in timeline)
    latencies.sort()
    return BulkFigures(
        items=BULK_N, seconds=marks["BulkResult"] - started,
        receipt_seconds=marks.get("BulkReceipt", float("nan")) - started,
        peak_rss_mb=rss, live=len(latencies),
        p50_ms=statistics.median(latencies) if latencies else float("nan"),
        p99_ms=latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan"),
        max_ms=latencies[-1] if latencies else float("nan"),
    )


def describe(database: str, figures: BulkFigures, interactive_rate: float | None) -> str:
    ratio = (f" = {figures.items_per_second / interactive_rate:.2f} x the interactive path"
             if interactive_rate else "")
    return (f"(d) bulk {figures.items} items {database:10s} {figures.items_per_second:8.0f} "
            f"items/s{ratio} (receipt after {figures.receipt_seconds:.1f} s, result after "
            f"{figures.seconds:.1f} s); service peak RSS {figures.peak_rss_mb:.0f} MB; "
            f"{figures.live} interactive at {LIVE_RATE}/s meanwhile: p50 "
            f"{figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, max {figures.max_ms:.1f} ms")


async def _publish_file(url: str, user: str, path: Path) -> None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"breakgate.in.{user}", ensure=False)
        await exchange.publish(aio_pika.Message(
            path.read_bytes(), message_id="bench-bulk", user_id=user,
            content_type="application/xml", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="BulkFile")
    finally:
        await connection.close()


if __name__ == "__main__":  # python -m benchmarks.bulk URL USER FILE: publish one BulkFile
    asyncio.run(_publish_file(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
