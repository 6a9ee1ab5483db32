"""End-to-end tests: `breakgate serve` as a process on the real RabbitMQ, with SQLite and with
PostgreSQL. Each test gets its own vhost and database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support_service import Deployment, deployment

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def dep(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path, str(request.param)) as made:
        yield made
