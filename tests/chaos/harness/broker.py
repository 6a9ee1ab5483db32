"""A private RabbitMQ node for the tests that must kill or restart the broker (RELIABILITY.md
4.1, `chaos/broker.py`). Never the shared node: its own node name, AMQP and distribution
ports, Mnesia and log directories in a temporary folder, its own config (consumer_timeout,
max_message_size), no plugins. It runs as the `rabbitmq` user so that it shares the Erlang
cookie the CLI tools use; `env()` gives the environment (RABBITMQ_NODENAME,
BREAKGATE_TEST_AMQP_URL) that points `rabbitmqctl`, `breakgate sender add` and the test
support at it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RUNNER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRabbit:
    def __init__(self, folder: Path, *, consumer_timeout_ms: int = 1_800_000,
                 max_message_size: int = 134_217_728) -> None:
        self.folder = folder
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"bgchaos{self.port}@localhost"
        self.consumer_timeout_ms = consumer_timeout_ms
        self.max_message_size = max_message_size
        self.kills = 0
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        """For the test process: rabbitmqctl and the test support target this node."""
        return {"RABBITMQ_NODENAME": self.node, "BREAKGATE_TEST_AMQP_URL": self.url}

    def _server_env(self) -> dict[str, str]:
        f = self.folder
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": "/var/lib/rabbitmq",  # the cookie the CLI tools use
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(f / "mnesia"),
            "RABBITMQ_LOG_BASE": str(f / "log"),
            "RABBITMQ_CONFIG_FILE": str(f / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(f / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(f / "pid"),
            "RABBITMQ_CONF_ENV_FILE": str(f / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, timeout: float = 90) -> None:
        f = self.folder
        if not (f / "rabbitmq.conf").exists():
            (f / "mnesia").mkdir(parents=True, exist_ok=True)
            (f / "log").mkdir(exist_ok=True)
            (f / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
                f"consumer_timeout = {self.consumer_timeout_ms}\n"
                f"max_message_size = {self.max_message_size}\n")
            (f / "enabled_plugins").write_text("[].\n")
            (f / "rabbitmq-env.conf").write_text("")
            shutil.chown(f, "rabbitmq", "rabbitmq")
            for path in f.rglob("*"):
                shutil.chown(path, "rabbitmq", "rabbitmq")
        (f / "pid").unlink(missing_ok=True)
        self._process = subprocess.Popen(
            ["runuser", "-u", "rabbitmq", "--", "env", *[f"{k}={v}" for k, v in
                                                       self._server_env().items()], RUNNER],
            stdout=(f / "server.out").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if self.ctl("await_startup", check=False).returncode == 0:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"private RabbitMQ {self.node} not up in {timeout}s:\n"
                             + (self.folder / "server.out").read_text(errors="replace")[-3000:])

    def beam_pid(self) -> int:
        return int((self.folder / "pid").read_text().strip())

    def kill9(self) -> None:
        """`kill -9` the node's beam.smp (the pid from RABBITMQ_PID_FILE)."""
        os.kill(self.beam_pid(), signal.SIGKILL)
        self._process.wait(30)
        self.kills += 1

    def stop(self) -> None:
        """A graceful `rabbitmqctl stop`."""
        self.ctl("stop", check=False)
        try:
            self._process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill9()

    def restart(self) -> None:
        self.start()
        self.restarts += 1

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                              timeout=120, check=check,
                              env={**os.environ, "RABBITMQ_NODENAME": self.node})

    def destroy(self) -> None:
        """Stop (kill) the node for good; only ever this node's processes."""
        with contextlib.suppress(OSError, ValueError):
            os.kill(self.beam_pid(), signal.SIGKILL)
        if getattr(self, "_process", None) is not None and self._process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self._process.pid, signal.SIGKILL)


@contextlib.contextmanager
def private_rabbit(monkeypatch: Any, *, consumer_timeout_ms: int = 60_000
                   ) -> Iterator[PrivateRabbit]:
    """A started private node in a folder of its own under /tmp (pytest's tmp dirs are private
    to root; the node runs as rabbitmq), with RABBITMQ_NODENAME and BREAKGATE_TEST_AMQP_URL
    pointing at it for the test; destroyed and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="bgchaos-rabbit-"))
    folder.chmod(0o755)  # the node (user rabbitmq) must reach its own folder inside
    node = PrivateRabbit(folder / "node", consumer_timeout_ms=consumer_timeout_ms)
    try:
        node.start()
        for key, value in node.env().items():
            monkeypatch.setenv(key, value)
        yield node
    finally:
        node.destroy()
        shutil.rmtree(folder, ignore_errors=True)
