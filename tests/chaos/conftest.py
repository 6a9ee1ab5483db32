"""Chaos tests (RELIABILITY.md section 4). Tier 1 runs in `make test`; tier 2 is marked
`chaos` and tier 3 (the soak) `soak`: each runs only when the marker expression names it
(`make chaos`: `-m chaos`; `make soak`: `-m soak`)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from chaos.harness.broker import PrivateRabbit, private_rabbit
from chaos.harness.pg import PrivatePostgres

OPT_IN_MARKERS = ("chaos", "soak")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    expression = config.option.markexpr or ""
    for marker in OPT_IN_MARKERS:
        if marker in expression:
            continue
        opted = [item for item in items if item.get_closest_marker(marker) is not None]
        if opted:
            config.hook.pytest_deselected(items=opted)
            items[:] = [item for item in items if item.get_closest_marker(marker) is None]


@pytest.fixture
def rabbit(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateRabbit]:
    with private_rabbit(monkeypatch) as node:
        yield node


@pytest.fixture
def postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivatePostgres]:
    # Not under pytest's tmp dir: it is private to root, and the cluster runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="bgchaos-pg-"))
    folder.chmod(0o755)  # the cluster (user postgres) must reach its own folder inside
    cluster = PrivatePostgres(folder / "pg")
    try:
        cluster.init()
        cluster.start()
        monkeypatch.setenv("BREAKGATE_TEST_DATABASE_URL", cluster.admin_url)
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)

