"""`make bench`: breakgate against the raw aio-pika ceiling, measured in the same run.

(a) raw echo ceiling: consume, publish a confirmed persistent reply, ack (benchmarks.raw_echo)
(a') the same echo publishing what the contract has breakgate publish per accepted request:
    the reply, the authority's copy and an event (3 confirmed messages, not 1); no XML, no rules,
    no database. It is the ceiling of the contract's own broker traffic on this machine.
(b) breakgate end to end with SubmitRequest messages, on SQLite and on PostgreSQL (and on
    PostgreSQL with 2 `breakgate serve` processes, the way out past one Python thread)
(c) latency p50 / p99 of SubmitRequest at a steady 200 messages/s, on SQLite and PostgreSQL
(d) a 50,000-item BulkFile on SQLite and on PostgreSQL: items/s against (b), the service's
    peak RSS, and p99 of interactive submissions sent while it runs (benchmarks.bulk)

(a) runs with one echo process and with two; the ratios take the better of the two, so
scaling breakgate out to two processes is measured against a ceiling that had the same chance.
Both (a) and (b) start with N messages waiting in a quorum queue and are timed from the first
reply to the last one read by a client, so they pay the same broker costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import aio_pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support_service import Deployment, deployment, seeded, submissions

from benchmarks.bulk import bulk_under_load, describe

N = int(os.environ.get("BENCH_N", "5000"))
STEADY_RATE = 200
STEADY_SECONDS = 10


async def drain_timed(url: str, queue: str, count: int, timeout: float = 300) -> float:
    """Seconds from the first to the last of `count` messages read from `queue`."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1000)
        q = await channel.get_queue(queue, ensure=False)
        first = last = 0.0
        got = 0
        async with q.iterator() as messages:
            async for message in messages:
                await message.ack()
                now = time.perf_counter()
                first = first or now
                got += 1
                if got >= count:
                    last = now
                    break
                if now - (first or now) > timeout:
                    raise TimeoutError(f"only {got} of {count} replies")
        return last - first
    finally:
        await connection.close()


async def raw_ceiling(dep: Deployment, processes: int = 1, fan_out: bool = False) -> float:
    """`fan_out`: the echo publishes the contract's three messages per request (see
    benchmarks.raw_echo), not one."""
    connection = await aio_pika.connect(dep.admin_url)
    channel = await connection.channel()
    for name in ("bench.in", "bench.out", "bench.authority"):
        await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
    await channel.declare_exchange("bench.events", aio_pika.ExchangeType.TOPIC, durable=True)
    await connection.close()
    body = submissions(1)[0][1]
    await _preload(dep.admin_url, "bench.in", [(f"raw-{i}", body) for i in range(N)])
    extra = ["bench.authority", "bench.events"] if fan_out else []
    echoes = [subprocess.Popen([sys.executable, "-m", "benchmarks.raw_echo", dep.admin_url,
                                "bench.in", "bench.out", "512", *extra], stdout=subprocess.PIPE)
              for _ in range(processes)]
    try:
        seconds = await drain_timed(dep.admin_url, "bench.out", N)
    finally:
        for echo in echoes:
            echo.kill()
            echo.wait()
    return N / seconds


async def _preload(url: str, queue: str, bodies: list[tuple[str, bytes]],
                   exchange_name: str = "", routing_key: str | None = None,
                   user: str | None = None) -> None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = (channel.default_exchange if not exchange_name
                    else await channel.get_exchange(exchange_name, ensure=False))
        for start in range(0, len(bodies), 500):
            await asyncio.gather(*(
                exchange.publish(aio_pika.Message(
                    body, message_id=mid, user_id=user, content_type="application/xml",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=routing_key or queue)
                for mid, body in bodies[start:start + 500]))
    finally:
        await connection.close()


async def breakgate_throughput(dep: Deployment, processes: int = 1) -> float:
    alice = dep.add_sender("alice")
    service = dep.serve()
    await seeded(dep, alice, N)
    service.terminate()
    await _preload(dep.url_for(alice), "", submissions(N), f"breakgate.in.{alice.user}",
                   "SubmitRequest", user=alice.user)
    for _ in range(processes):
        dep.serve()
    seconds = await drain_timed(dep.url_for(alice), f"breakgate.replies.{alice.user}", N)
    return N / seconds


async def paced_latencies(url: str, exchange_name: str, routing_key: str, reply_queue: str,
                          bodies: list[tuple[str, bytes]], user: str | None = None
                          ) -> tuple[float, float, float]:
    """p50, p99 and max (ms) from publishing each body, at STEADY_RATE per second, to reading
    the reply that carries its message_id as correlation_id."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    replies = await channel.get_queue(reply_queue, ensure=False)
    done = asyncio.Event()

    async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        latencies.append((time.perf_counter() - sent[str(message.correlation_id)]) * 1000)
        await message.ack()
        if len(latencies) >= len(bodies):
            done.set()

    await replies.consume(on_reply)
    exchange = (channel.default_exchange if not exchange_name
                else await channel.get_exchange(exchange_name, ensure=False))
    started = time.perf_counter()
    for i, (mid, body) in enumerate(bodies):
        await asyncio.sleep(max(0.0, started + i / STEADY_RATE - time.perf_counter()))
        sent[mid] = time.perf_counter()
        await exchange.publish(aio_pika.Message(
            body, message_id=mid, user_id=user, content_type="application/xml",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=routing_key)
    await asyncio.wait_for(done.wait(), timeout=120)
    await connection.close()
    latencies.sort()
    return (statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1],
            latencies[-1])


async def raw_latency(dep: Deployment) -> tuple[float, float, float]:
    """The same paced load through the raw echo: what the broker alone costs (two persistent
    confirmed messages through quorum queues)."""
    connection = await aio_pika.connect(dep.admin_url)
    channel = await connection.channel()
    for name in ("bench.in", "bench.out"):
        await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
    await connection.close()
    echo = subprocess.Popen([sys.executable, "-m", "benchmarks.raw_echo", dep.admin_url,
                             "bench.in", "bench.out", "512"], stdout=subprocess.PIPE)
    try:
        assert echo.stdout is not None and b"ready" in echo.stdout.readline()
        return await paced_latencies(dep.admin_url, "", "bench.in", "bench.out",
                                     submissions(STEADY_RATE * STEADY_SECONDS))
    finally:
        echo.kill()
        echo.wait()


async def steady_latency(dep: Deployment) -> tuple[float, float, float]:
    """p50, p99 and max latency (ms) of SubmitRequest at STEADY_RATE messages per second."""
    alice = dep.add_sender("alice")
    dep.serve()
    count = STEADY_RATE * STEADY_SECONDS
    await seeded(dep, alice, count)
    return await paced_latencies(dep.url_for(alice), f"breakgate.in.{alice.user}",
                                 "SubmitRequest", f"breakgate.replies.{alice.user}",
                                 submissions(count), user=alice.user)


PARTS = ("throughput", "latency", "bulk")


def main() -> None:
    """Every part by default; `BENCH_ONLY=latency,bulk` (say) runs some of them."""
    chosen = [p for p in os.environ.get("BENCH_ONLY", ",".join(PARTS)).split(",") if p]
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown part(s) {sorted(unknown)}; choose from {PARTS}")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def run(name: str, database: str, job):  # type: ignore[no-untyped-def]
            folder = root / name
            folder.mkdir()
            with deployment(folder, database) as dep:
                return asyncio.run(job(dep))

        if "throughput" in chosen:
            one = run("raw", "sqlite", raw_ceiling)
            two = run("raw-2", "sqlite", partial(raw_ceiling, processes=2))
            # The ceiling is the broker's when a second echo process adds nothing: the
            # ratios below are against the better of the two.
            results["raw"] = max(one, two)
            print(f"(a) raw aio-pika echo ceiling:        {one:8.0f} msg/s "
                  f"(2 echo processes: {two:.0f} msg/s)", flush=True)
            one = run("fan", "sqlite", partial(raw_ceiling, fan_out=True))
            two = run("fan-2", "sqlite", partial(raw_ceiling, processes=2, fan_out=True))
            results["fan"] = max(one, two)
            print(f"(a') ... publishing the contract's 3 messages per request: {one:.0f} "
                  f"msg/s (2 echo processes: {two:.0f}) = {results['fan'] / results['raw']:.2f}"
                  " x (a)", flush=True)

            def ratios(rate: float) -> str:
                return (f"= {rate / results['raw']:.2f} x raw (a), "
                        f"{rate / results['fan']:.2f} x (a')")

            for database in ("sqlite", "postgresql"):
                rate = run(f"bg-{database}", database, breakgate_throughput)
                results[database] = rate
                print(f"(b) breakgate SubmitRequest {database:10s} {rate:8.0f} msg/s "
                      f"{ratios(rate)}", flush=True)
            # Scaling out: PostgreSQL takes concurrent writers (SQLite has one write lock).
            rate = run("bg-postgresql-2", "postgresql", partial(breakgate_throughput, processes=2))
            print(f"(b) ... postgresql, 2 serve processes {rate:8.0f} msg/s {ratios(rate)}",
                  flush=True)
        if "latency" in chosen:
            p50, p99, worst = run("raw-latency", "sqlite", raw_latency)
            print(f"(c) raw echo latency at {STEADY_RATE} msg/s:  p50 {p50:.1f} ms, "
                  f"p99 {p99:.1f} ms, max {worst:.1f} ms", flush=True)
            for database, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
                p50, p99, worst = run(f"latency-{database}", database, steady_latency)
                print(f"(c) latency at {STEADY_RATE} msg/s ({label}): p50 {p50:.1f} ms, "
                      f"p99 {p99:.1f} ms, max {worst:.1f} ms", flush=True)
        if "bulk" in chosen:
            for database in ("sqlite", "postgresql"):
                figures = run(f"bulk-{database}", database, bulk_under_load)
                print(describe(database, figures, results.get(database)), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
