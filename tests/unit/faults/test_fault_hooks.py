"""service.faults: inert unless BREAKGATE_TEST_FAULTS=1, and deterministic per seed when on.

Anything that could kill the process runs in a child, so a broken guard fails this test
instead of killing the test run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import faults

REPO = Path(__file__).resolve().parents[3]
POISON_BODY = b"<SubmitRequest>" + faults.POISON_RAISE + faults.POISON_EXIT + b"</SubmitRequest>"
EVERY_POINT = ",".join(f"{name}:1.0" for name in faults.POINTS)

_CHILD = """
import asyncio, sys
from service import faults
body = sys.argv[1].encode()
for i in range(int(sys.argv[2])):
    print(i, flush=True)
    for name in faults.POINTS:
        faults.crashpoint(name)
faults.poison_hook(body.replace(b"EXIT", faults.POISON_EXIT))
asyncio.run(faults.slow_hook(b"<!--breakgate-test-slow:30-->"))
print("alive", flush=True)
"""


def _child(env: dict[str, str], *, body: str = "<x/>", calls: int = 3
           ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BREAKGATE_")}
    return subprocess.run([sys.executable, "-c", _CHILD, body, str(calls)],
                          env={**clean, "PYTHONPATH": str(REPO), **env}, cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("BREAKGATE_") and ("FAULT" in name or "CRASH" in name):
            monkeypatch.delenv(name)
    faults.reset()
    yield
    faults.reset()


def test_off_by_default_even_with_every_point_at_probability_one() -> None:
    started = time.monotonic()
    done = _child({"BREAKGATE_CRASHPOINTS": EVERY_POINT, "BREAKGATE_FAULT_SEED": "1"},
                  body="<a>EXIT</a>")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "alive"
    assert time.monotonic() - started < 20  # the 30 s slow marker did not sleep


@pytest.mark.parametrize("value", ["0", "true", "yes", ""])
def test_only_the_exact_value_1_turns_them_on(value: str) -> None:
    done = _child({"BREAKGATE_TEST_FAULTS": value, "BREAKGATE_CRASHPOINTS": EVERY_POINT})
    assert done.returncode == 0 and "alive" in done.stdout


def test_in_process_hooks_are_inert_when_off() -> None:
    for name in faults.POINTS:
        faults.crashpoint(name)
    faults.poison_hook(POISON_BODY)
    started = time.monotonic()
    asyncio.run(faults.slow_hook(b"<!--breakgate-test-slow:30-->"))
    assert time.monotonic() - started < 1
    assert not faults.enabled()


@pytest.mark.parametrize("point", faults.POINTS)
def test_a_crashpoint_at_probability_one_sigkills(point: str) -> None:
    done = _child({"BREAKGATE_TEST_FAULTS": "1", "BREAKGATE_CRASHPOINTS": f"{point}:1"})
    assert done.returncode == -signal.SIGKILL
    assert f"{faults.FIRED_PREFIX}{point}" in done.stderr
    assert "alive" not in done.stdout


def test_the_same_seed_crashes_at_the_same_call() -> None:
    env = {"BREAKGATE_TEST_FAULTS": "1", "BREAKGATE_CRASHPOINTS": "after_receive:0.1"}
    runs = [_child({**env, "BREAKGATE_FAULT_SEED": seed}, calls=500)
            for seed in ("7", "7", "8")]
    last = [r.stdout.split()[-1] for r in runs]
    assert all(r.returncode == -signal.SIGKILL for r in runs)
    assert last[0] == last[1]
    assert last[0] != last[2]  # seeds 7 and 8 differ (checked once; the RNG is deterministic)


def test_poison_markers_when_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKGATE_TEST_FAULTS", "1")
    faults.reset()
    faults.poison_hook(b"<SubmitRequest/>")  # no marker: nothing
    with pytest.raises(faults.PoisonMessage):
        faults.poison_hook(b"<a>" + faults.POISON_RAISE + b"</a>")
    done = _child({"BREAKGATE_TEST_FAULTS": "1"}, body="<a>EXIT</a>", calls=0)
    assert done.returncode == -signal.SIGKILL and "poison exit" in done.stderr


def test_slow_marker_when_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKGATE_TEST_FAULTS", "1")
    faults.reset()
    started = time.monotonic()
    asyncio.run(faults.slow_hook(b"<a><!--breakgate-test-slow:0.3--></a>"))
    assert 0.25 < time.monotonic() - started < 3


@pytest.mark.parametrize("spec", ["nowhere:0.5", "after_ack:2", "after_ack:-1", "after_ack:x"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        faults.parse_crashpoints(spec)


def test_spec_parsing() -> None:
    assert faults.parse_crashpoints(" after_ack:0.25, before_commit ,") == {
        "after_ack": 0.25, "before_commit": 1.0}
