"""A TCP fault proxy (RELIABILITY.md 4.1, `chaos/proxy.py`), placed between the service and
RabbitMQ or PostgreSQL. asyncio, in a thread of its own so that tests drive it synchronously.

Toxics (they apply to every connection, existing and new, in both directions):
- `latency(ms, jitter)`: each chunk is held ms ± jitter before it is forwarded (order kept);
- `blackhole(seconds)`: a partition: nothing is forwarded for that long (the bytes wait, as
  TCP would retransmit them), the connections stay open; heartbeats and timeouts must notice;
- `reset_peer(after_bytes=, after_s=)`: connections are aborted with a TCP RST after that many
  bytes or seconds (`reset_all()` now);
- `limit_data(bytes)`: a connection is closed once that many bytes went through it, possibly
  in the middle of a frame (`cut_after(bytes)`: only the connections open now, once);
- `slicer(size, delay_ms)`: chunks are cut into `size`-byte slices sent `delay_ms` apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Toxics:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    blackhole_until: float = 0.0
    reset_after_bytes: int | None = None
    reset_after_s: float | None = None
    limit_bytes: int | None = None
    slice_size: int | None = None
    slice_delay_ms: float = 0.0


@dataclass
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    opened: float = field(default_factory=time.monotonic)
    bytes: int = 0
    closed: bool = False
    limit: int | None = None


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1", *,
                 seed: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.toxics = Toxics()
        self.port = 0
        self.connections = 0
        self.resets = 0
        self._links: list[_Link] = []
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fault-proxy")
        self._server: asyncio.base_events.Server | None = None

    # ---- control (from the test's thread) --------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._shutdown)
        self._thread.join(10)

    def clear(self) -> None:
        self.toxics = Toxics()

    def latency(self, ms: float, jitter: float = 0.0) -> None:
        self.toxics.latency_ms, self.toxics.jitter_ms = ms, jitter

    def blackhole(self, seconds: float) -> None:
        self.toxics.blackhole_until = time.monotonic() + seconds

    def reset_peer(self, *, after_bytes: int | None = None, after_s: float | None = None) -> None:
        self.toxics.reset_after_bytes, self.toxics.reset_after_s = after_bytes, after_s

    def limit_data(self, limit: int | None) -> None:
        """Every connection (existing and new) is closed once `limit` bytes went through it."""
        self.toxics.limit_bytes = limit

    def cut_after(self, more_bytes: int) -> None:
        """The connections open now are closed after `more_bytes` further bytes (most likely
        in the middle of a frame); new connections are not affected."""
        for link in self._links:
            if not link.closed:
                link.limit = link.bytes + more_bytes

    def slicer(self, size: int | None, delay_ms: float = 0.0) -> None:
        self.toxics.slice_size, self.toxics.slice_delay_ms = size, delay_ms

    def reset_all(self) -> None:
        self._loop.call_soon_threadsafe(self._reset_all)

    @property
    def open_links(self) -> int:
        return sum(1 for link in self._links if not link.closed)

    # ---- the proxy (in its thread) ---------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop.create_task(self._watch())
        self._ready.set()
        self._loop.run_forever()

    def _shutdown(self) -> None:
        self._reset_all()
        if self._server is not None:
            self._server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.call_soon(self._loop.stop)

    def _reset_all(self) -> None:
        for link in list(self._links):
            self._abort(link)

    def _abort(self, link: _Link) -> None:
        if link.closed:
            return
        link.closed = True
        self.resets += 1
        for writer in (link.client, link.upstream):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))  # close() sends an RST
            writer.transport.abort()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            after = self.toxics.reset_after_s
            if after is not None:
                now = time.monotonic()
                for link in list(self._links):
                    if not link.closed and now - link.opened >= after:
                        self._abort(link)
            self._links = [link for link in self._links if not link.closed]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        link = _Link(writer, up_writer)
        self._links.append(link)
        await asyncio.gather(self._pump(reader, up_writer, link),
                             self._pump(up_reader, writer, link), return_exceptions=True)
        if not link.closed:
            link.closed = True
            for w in (writer, up_writer):
                w.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    link: _Link) -> None:
        while not link.closed:
            data = await reader.read(65536)
            if not data:
                writer.close()
                return
            while time.monotonic() < self.toxics.blackhole_until and not link.closed:
                await asyncio.sleep(0.05)
            t = self.toxics
            if t.latency_ms or t.jitter_ms:
                delay = t.latency_ms + self._rng.uniform(-t.jitter_ms, t.jitter_ms)
                await asyncio.sleep(max(0.0, delay) / 1000)
            limit = min(x for x in (t.limit_bytes, link.limit, 1 << 62) if x is not None)
            if link.bytes + len(data) > limit:
                data = data[: max(0, limit - link.bytes)]
                await self._send(writer, data, link)
                self._abort(link)
                return
            if t.reset_after_bytes is not None and link.bytes + len(data) > t.reset_after_bytes:
                self._abort(link)
                return
            await self._send(writer, data, link)

    async def _send(self, writer: asyncio.StreamWriter, data: bytes, link: _Link) -> None:
        size, delay = self.toxics.slice_size, self.toxics.slice_delay_ms
        pieces = [data] if not size else [data[i:i + size] for i in range(0, len(data), size)]
        for piece in pieces:
            if link.closed:
                return
            writer.write(piece)
            await writer.drain()
            link.bytes += len(piece)
            if size and delay:
                await asyncio.sleep(delay / 1000)
