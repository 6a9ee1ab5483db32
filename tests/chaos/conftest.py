"""Chaos tests (RELIABILITY.md section 4). Tier 1 runs in `make test`; tier 2 is marked
`chaos` and runs only when the marker expression names it (`make chaos`: `-m chaos`)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "chaos" in (config.option.markexpr or ""):
        return
    tier2 = [item for item in items if item.get_closest_marker("chaos") is not None]
    if tier2:
        config.hook.pytest_deselected(items=tier2)
        items[:] = [item for item in items if item.get_closest_marker("chaos") is None]
