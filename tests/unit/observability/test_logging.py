"""configure_logging: the service's own INFO lines show, the libraries' INFO chatter does not."""

from __future__ import annotations

import json
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


def _records_written(as_json: bool, capsys: pytest.CaptureFixture[str]) -> list[str]:
    configure_logging("INFO", as_json=as_json)
    log = logging.getLogger("service.test")
    log.info('sender %s said "%s"\nsecond line', "acme", "hi")
    try:
        raise ValueError('bad "value"')
    except ValueError:
        log.exception("it failed")
    return capsys.readouterr().err.splitlines()


def test_json_lines_stay_valid_with_quotes_newlines_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = _records_written(True, capsys)
    assert len(lines) == 2  # one line per record, whatever the message holds
    first, second = (json.loads(line) for line in lines)
    assert first["msg"] == 'sender acme said "hi"\nsecond line'
    assert (first["level"], first["logger"]) == ("info", "service.test")
    assert first["t"].endswith("Z")
    assert second["msg"] == "it failed" and second["level"] == "error"
    assert 'ValueError: bad "value"' in second["exception"]


def test_text_format_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _records_written(False, capsys)
    assert " INFO service.test: sender acme said \"hi\"" in lines[0]
    assert any(line.startswith("ValueError") for line in lines)
