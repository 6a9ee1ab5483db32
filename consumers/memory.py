"""Giving freed heap back to the OS after large messages (glibc only; elsewhere a no-op).

Parsing and validating a multi-megabyte document with hundreds of thousands of elements makes
lxml and the rules allocate tens of megabytes; once freed, glibc keeps most of it in its arenas,
so the process RSS stays at the high-water mark (RELIABILITY.md T14 measured +70 to +120 MB
after three 7.6 MB messages). `malloc_trim(0)` returns it (about +5 MB left); it costs a few
milliseconds, so the consumer calls it only after a batch that held a large body.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_trim: Callable[[int], int] | None = None
_loaded = False


def release_memory() -> None:
    global _trim, _loaded
    if not _loaded:
        _loaded = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _trim = libc.malloc_trim
        except (OSError, AttributeError):  # not glibc
            log.debug("malloc_trim unavailable")
    if _trim is not None:
        _trim(0)
