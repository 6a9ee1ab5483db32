"""Proof that hostile XML reaches neither a local file nor the network.

Python audit hooks do not see libxml2's C-level opens, so the proofs are made by the kernel:
an inotify watch on the canary folder (in-process, no tool needed) and `strace` on a child
process; and a local HTTP server that counts every request it gets.
"""

from __future__ import annotations

import ctypes
import os
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_IN_ACCESS = 0x001
_IN_OPEN = 0x020
_IN_NONBLOCK = os.O_NONBLOCK
_EVENT_HEADER = struct.Struct("iIII")


class OpenWatch:
    """Counts opens and reads of anything in a folder, as the kernel reports them."""

    def __init__(self, folder: Path) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(_IN_NONBLOCK)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        watch = self._libc.inotify_add_watch(self._fd, str(folder).encode(), _IN_OPEN | _IN_ACCESS)
        if watch < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch failed")

    def drain(self) -> list[str]:
        """The names opened or read since the last drain."""
        names: list[str] = []
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return names
            offset = 0
            while offset < len(data):
                _, _, _, size = _EVENT_HEADER.unpack_from(data, offset)
                start = offset + _EVENT_HEADER.size
                names.append(data[start : start + size].rstrip(b"\0").decode() or ".")
                offset = start + size

    def close(self) -> None:
        os.close(self._fd)


class HttpCanary:
    """A local HTTP server that serves plausible attack payloads and counts every hit."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.hits.append(self.path)
                body = b'<!ENTITY leak "canary">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @contextmanager
    def running(self) -> Iterator[HttpCanary]:
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
