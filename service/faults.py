"""Test-only fault hooks (RELIABILITY.md section 3). Inert unless `BREAKGATE_TEST_FAULTS=1`.

    BREAKGATE_TEST_FAULTS=1
    BREAKGATE_CRASHPOINTS="after_commit_before_ack:0.2[,before_commit:0.05]"
    BREAKGATE_FAULT_SEED=42            (any string; the supervisor varies it per incarnation)

`crashpoint(name)` SIGKILLs the process with the configured probability at that point (no
cleanup, no flush, exactly like a power cut for everything not yet committed or acked).
`poison_hook(body)` raises `PoisonMessage` (or SIGKILLs the process) when the body carries a
test marker comment; `slow_hook(body)` sleeps as the marker says. The environment is read once,
at first use; `reset()` re-reads it (unit tests).

Markers (XML comments, so a message with the hook off is an ordinary valid filing):
    <!--breakgate-test-poison:raise-->   <!--breakgate-test-poison:exit-->
    <!--breakgate-test-slow:90-->        (seconds)
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
from dataclasses import dataclass, field
from typing import Final

POINTS: Final[tuple[str, ...]] = (
    "after_receive",
    "after_parse",
    "after_inbox_insert",
    "before_commit",
    "after_commit_before_ack",
    "after_ack",
    "relay_after_publish_before_confirm",
    "relay_after_confirm_before_mark_sent",
)
POISON_RAISE: Final = b"<!--breakgate-test-poison:raise-->"
POISON_EXIT: Final = b"<!--breakgate-test-poison:exit-->"
_SLOW: Final = re.compile(rb"<!--breakgate-test-slow:([0-9]+(?:\.[0-9]+)?)-->")
FIRED_PREFIX: Final = "breakgate-fault: crashpoint fired: "


class PoisonMessage(RuntimeError):
    """Raised by `poison_hook` for a body carrying the raise marker."""


@dataclass
class _Config:
    enabled: bool
    probabilities: dict[str, float] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)


_config: _Config | None = None


def parse_crashpoints(spec: str) -> dict[str, float]:
    """`"name:prob,name:prob"` -> {name: prob}; unknown names and bad numbers are errors (a
    typo must not silently turn a chaos test into a no-fault run)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, prob = part.partition(":")
        name = name.strip()
        if name not in POINTS:
            raise ValueError(f"unknown crashpoint {name!r}; known: {', '.join(POINTS)}")
        value = float(prob) if prob.strip() else 1.0
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"crashpoint probability out of [0, 1]: {part!r}")
        out[name] = value
    return out


def _load() -> _Config:
    global _config
    if _config is None:
        enabled = os.environ.get("BREAKGATE_TEST_FAULTS") == "1"
        if not enabled:
            _config = _Config(enabled=False)
        else:
            _config = _Config(
                enabled=True,
                probabilities=parse_crashpoints(os.environ.get("BREAKGATE_CRASHPOINTS", "")),
                rng=random.Random(os.environ.get("BREAKGATE_FAULT_SEED", "0")),
            )
    return _config


def reset() -> None:
    """Forget the configuration: the next hook call reads the environment again."""
    global _config
    _config = None


def enabled() -> bool:
    return _load().enabled


def crashpoint(name: str) -> None:
    config = _load()
    if not config.enabled:
        return
    probability = config.probabilities.get(name)
    if probability and config.rng.random() < probability:
        _die(f"{FIRED_PREFIX}{name}")


def poison_hook(body: bytes) -> None:
    """Raise, or die, for a body with a poison marker (only with faults on)."""
    if not _load().enabled:
        return
    if POISON_EXIT in body:
        _die("breakgate-fault: poison exit")
    if POISON_RAISE in body:
        raise PoisonMessage("test poison message (breakgate-test-poison:raise)")


async def slow_hook(body: bytes) -> None:
    """Sleep as long as the body's slow marker says (only with faults on)."""
    if not _load().enabled:
        return
    match = _SLOW.search(body)
    if match is not None:
        await asyncio.sleep(float(match.group(1)))


def _die(line: str) -> None:
    # A raw write: the log file must show why the process vanished, and nothing buffered in
    # Python may be flushed (a SIGKILL flushes nothing either).
    os.write(2, (line + "\n").encode())
    os.kill(os.getpid(), signal.SIGKILL)
