"""Logging set-up for the entry points. Log lines never carry an INSS: the code logs ids,
counts and codes, not message bodies."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    fmt = ('{"t":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","msg":"%(message)s"}'
           if as_json else "%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.basicConfig(level=level.upper(), format=fmt, stream=sys.stderr, force=True)
    # Libraries say what they do at INFO (alembic: a line per plugin at every start); their
    # warnings and errors still show.
    for library in ("aio_pika", "aiormq", "alembic"):
        logging.getLogger(library).setLevel(logging.WARNING)
