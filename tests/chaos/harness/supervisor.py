"""The supervisor (RELIABILITY.md 4.1, `chaos/supervisor.py`): N `breakgate serve` processes,
each restarted within `restart_delay` (< 1 s) after it dies, and SIGKILLed at seeded random
instants on request. Every incarnation gets its own fault seed (`<seed>.<slot>.<incarnation>`)
so a crashpoint does not fire at the same place again after each restart, yet a run replays
exactly from its seed.

The logs of all incarnations of a slot go to one file (`serve-<slot>.log`); `log_counts()`
reads from them what the checker reports: redeliveries seen, transient pauses, crashpoints
fired, tracebacks.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from support_service import Deployment

READY = "breakgate serving"


@dataclass
class Death:
    slot: int
    incarnation: int
    returncode: int
    by_supervisor: bool
    at: float


@dataclass
class Slot:
    index: int
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    incarnation: int = 0
    started_at: float = 0.0
    killing: bool = False
    log_offset: int = 0  # where the current incarnation's output starts
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, rss kB, fds)


def _rss_and_fds(pid: int) -> tuple[int, int] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, AttributeError):
        return None
    return rss, fds


class Supervisor:
    def __init__(self, dep: Deployment, count: int, *, seed: int, env: dict[str, str] | None = None,
                 restart_delay: float = 0.3, restart: bool = True,
                 env_for: Callable[[int, int], dict[str, str]] | None = None,
                 tag: str = "serve") -> None:
        self.dep = dep
        self.seed = seed
        self.tag = tag
        self.env = dict(env or {})
        self.env_for = env_for
        self.restart_delay = restart_delay
        self.restart = restart
        self.rng = random.Random(f"supervisor:{seed}")
        self.slots = [Slot(i, dep.workdir / f"{tag}-{i}.log") for i in range(count)]
        self.deaths: list[Death] = []
        self.kills = 0
        self.exit_codes: list[int] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None
        self._killer: threading.Thread | None = None

    # ---- processes ---------------------------------------------------------------------------

    def _spawn(self, slot: Slot) -> None:
        slot.incarnation += 1
        seed = f"{self.seed}.{self.tag}.{slot.index}.{slot.incarnation}"
        env = {**self.env, "BREAKGATE_FAULT_SEED": seed}
        if self.env_for is not None:
            env.update(self.env_for(slot.index, slot.incarnation))
        slot.log.touch()
        slot.log_offset = slot.log.stat().st_size
        with slot.log.open("ab") as handle:
            handle.write(f"\n=== incarnation {slot.incarnation} ===\n".encode())
            slot.popen = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve"], env=self.dep.env(**env),
                cwd=self.dep.workdir, stdout=handle, stderr=subprocess.STDOUT)
        slot.started_at = time.monotonic()
        slot.samples = []

    def _ready(self, slot: Slot) -> bool:
        with slot.log.open("rb") as handle:
            handle.seek(slot.log_offset)
            return READY.encode() in handle.read()

    def start(self, timeout: float = 60) -> None:
        for slot in self.slots:
            self._spawn(slot)
        self.wait_ready(timeout)
        self._monitor = threading.Thread(target=self._watch, daemon=True, name="supervisor")
        self._monitor.start()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for slot in self.slots:
            while not self._ready(slot):
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve-{slot.index} not ready:\n{self.tail(slot)}")
                exited = slot.popen is not None and slot.popen.poll() is not None
                if exited and self._monitor is None:
                    raise AssertionError(f"serve-{slot.index} exited early:\n{self.tail(slot)}")
                time.sleep(0.05)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for slot in self.slots:
                popen = slot.popen
                if popen is None:
                    continue
                code = popen.poll()
                if code is None:
                    self._sample(slot)
                    continue
                with self._lock:
                    self.deaths.append(Death(slot.index, slot.incarnation, code, slot.killing,
                                             time.monotonic()))
                    slot.killing = False
                    slot.popen = None
                if self.restart and not self._stop.is_set():
                    time.sleep(self.restart_delay)
                    self._spawn(slot)
            self._stop.wait(0.05)

    def _sample(self, slot: Slot) -> None:
        now = time.monotonic()
        if slot.popen is None or (slot.samples and now - slot.samples[-1][0] < 1.0):
            return
        found = _rss_and_fds(slot.popen.pid)
        if found is not None:
            slot.samples.append((now, *found))

    def kill(self, index: int | None = None, *, wait: float = 10.0) -> int:
        """SIGKILL one live, ready process (a seeded random one by default), waiting up to
        `wait` seconds for one while all are restarting; returns its slot (-1: none)."""
        deadline = time.monotonic() + wait
        while True:
            slot = self._kill_one(index)
            if slot >= 0 or time.monotonic() > deadline or self._stop.is_set():
                return slot
            time.sleep(0.05)

    def _kill_one(self, index: int | None) -> int:
        with self._lock:
            live = [s for s in self.slots if s.popen is not None and s.popen.poll() is None
                    and not s.killing and self._ready(s)]
            if not live:
                return -1
            if index is not None:
                live = [s for s in live if s.index == index]
            if not live:
                return -1
            slot = live[self.rng.randrange(len(live))]
            assert slot.popen is not None
            slot.killing = True
            with contextlib.suppress(ProcessLookupError):
                slot.popen.send_signal(signal.SIGKILL)
            self.kills += 1
            return slot.index

    def kill_randomly(self, count: int, window: float, *, not_before: float = 0.0) -> None:
        """`count` SIGKILLs at uniform random instants in [not_before, window] from now."""
        instants = sorted(self.rng.uniform(not_before, window) for _ in range(count))

        def run() -> None:
            began = time.monotonic()
            for at in instants:
                if self._stop.wait(max(0.0, began + at - time.monotonic())):
                    return
                self.kill()

        self._killer = threading.Thread(target=run, daemon=True, name="killer")
        self._killer.start()

    def join_killer(self, timeout: float | None = None) -> None:
        if self._killer is not None:
            self._killer.join(timeout)

    def pids(self) -> list[int]:
        return [s.popen.pid for s in self.slots if s.popen is not None]

    def alive(self) -> bool:
        return all(s.popen is not None and s.popen.poll() is None for s in self.slots)

    def stop(self, *, graceful: bool = True, timeout: float = 15) -> list[float]:
        """Stops restarting, then SIGTERM (or SIGKILL) everything; returns the exit times."""
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(5)
        took: list[float] = []
        for slot in self.slots:
            popen = slot.popen
            if popen is None or popen.poll() is not None:
                continue
            began = time.monotonic()
            popen.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(5)
            took.append(time.monotonic() - began)
            self.exit_codes.append(popen.returncode)
        return took

    # ---- figures -----------------------------------------------------------------------------

    @property
    def restarts(self) -> int:
        return sum(s.incarnation - 1 for s in self.slots)

    def self_deaths(self) -> int:
        return sum(1 for d in self.deaths if not d.by_supervisor)

    def tail(self, slot: Slot, size: int = 4000) -> str:
        return slot.log.read_text(errors="replace")[-size:]

    def log_counts(self) -> dict[str, int]:
        text = "".join(s.log.read_text(errors="replace") for s in self.slots)
        return {
            "redeliveries": sum(int(n) for n in re.findall(r"redeliveries seen: (\d+)", text)),
            "transient_pauses": len(re.findall(r"storage unavailable \(.*\): pausing", text)),
            "crashpoints": len(re.findall(r"breakgate-fault: crashpoint fired", text)),
            "poison_exits": text.count("breakgate-fault: poison exit"),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "conflicts": text.count("StorageConflict"),
            "locked": text.count("database is locked"),
        }

    def crashes_by_point(self) -> dict[str, int]:
        text = "".join(s.log.read_text(errors="replace") for s in self.slots)
        found: dict[str, int] = {}
        for name in re.findall(r"breakgate-fault: crashpoint fired: (\w+)", text):
            found[name] = found.get(name, 0) + 1
        return found

    def resources(self) -> tuple[float, int]:
        """(RSS growth %, open fds delta) of the longest-lived current incarnation, from its
        first sample after warm-up (the 3rd second) to its last."""
        best: Slot | None = None
        for slot in self.slots:
            if len(slot.samples) >= 2 and (best is None or slot.started_at < best.started_at):
                best = slot
        if best is None:
            return 0.0, 0
        samples = best.samples[2:] if len(best.samples) > 3 else best.samples
        first, last = samples[0], samples[-1]
        return (100.0 * (last[1] - first[1]) / first[1]), last[2] - first[2]
