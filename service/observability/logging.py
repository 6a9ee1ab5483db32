"""Logging set-up for the entry points. Log lines never carry an INSS: the code logs ids,
counts and codes, not message bodies.

Plain text by default; `BREAKGATE_LOG_JSON=true` writes one JSON object per line (structlog's
renderer over the standard library's records), so that a message with quotes, a newline or a
traceback is still one parseable line for the log shipper.
"""

from __future__ import annotations

import logging
import sys

import structlog

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def json_formatter() -> logging.Formatter:
    """Fields: `t` (ISO 8601, UTC), `level`, `logger`, `msg`, and `exception` when there is one."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="t"),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("msg"),
            structlog.processors.JSONRenderer(),
        ],
    )


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if as_json else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # Libraries say what they do at INFO (alembic: a line per plugin at every start); their
    # warnings and errors still show.
    for library in ("aio_pika", "aiormq", "alembic"):
        logging.getLogger(library).setLevel(logging.WARNING)
