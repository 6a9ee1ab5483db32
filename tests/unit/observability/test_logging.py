"""configure_logging: the service's own INFO lines show, the libraries' INFO chatter does not."""

from __future__ import annotations

import logging

import pytest

from service.observability.logging import configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    saved = {name: logging.getLogger(name).level for name in ("", "aio_pika", "aiormq", "alembic")}
    handlers = logging.getLogger().handlers[:]
    yield None
    logging.getLogger().handlers[:] = handlers  # basicConfig(force=True) replaced them
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_library_info_is_quiet_and_warnings_still_show() -> None:
    configure_logging("INFO")
    assert logging.getLogger("service.bootstrap").isEnabledFor(logging.INFO)
    for library in ("aio_pika", "aiormq", "alembic.runtime.migration"):
        assert not logging.getLogger(library).isEnabledFor(logging.INFO), library
        assert logging.getLogger(library).isEnabledFor(logging.WARNING), library
