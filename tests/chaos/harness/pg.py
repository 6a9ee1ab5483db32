"""A private PostgreSQL cluster for the tests that must crash the database (RELIABILITY.md 4.1,
`chaos/pg.py`): `initdb` and `pg_ctl` as the non-root `postgres` user, in a temporary folder,
on its own port (TCP on 127.0.0.1 only, its own socket directory), trust authentication.
`crash()` is `pg_ctl stop -m immediate` (no shutdown checkpoint: crash recovery at the next
start). The shared cluster is never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from .broker import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def _tool(name: str) -> str:
    local = BIN / name
    return str(local) if local.exists() else (shutil.which(name) or name)


class PrivatePostgres:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.crashes = 0

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True,
                              text=True, timeout=180, check=check, cwd="/tmp")

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._as_postgres(_tool("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.folder} -c fsync=on "
                   "-c max_connections=100")
        self._as_postgres(_tool("pg_ctl"), "-D", str(self.data), "-l",
                          str(self.folder / "server.log"), "-o", options, "-w", "-t", "60",
                          "start")

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend killed, no checkpoint."""
        self._as_postgres(_tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        self.crashes += 1

    def stop(self) -> None:
        self._as_postgres(_tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop",
                          check=False)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run([_tool("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                  capture_output=True, check=False)
            if done.returncode == 0:
                return
            time.sleep(0.3)
        raise AssertionError(f"private PostgreSQL on {self.port} not ready")
