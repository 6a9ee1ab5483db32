"""consumers.memory.release_memory: gives freed heap back (glibc), never fails."""

from __future__ import annotations

import re
from pathlib import Path

from consumers.memory import release_memory


def _rss_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) // 1024  # type: ignore[union-attr]


def test_freed_small_objects_go_back_to_the_os() -> None:
    before = _rss_mb()
    blocks = [bytearray(200) for _ in range(300_000)]  # ~80 MB of small heap blocks
    grown = _rss_mb()
    del blocks
    release_memory()
    release_memory()  # idempotent
    assert _rss_mb() < grown - (grown - before) // 2
