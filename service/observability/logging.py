"""Logging set-up for the entry points. Log lines never carry an INSS: the code logs ids,
counts and codes, not message bodies."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    fmt = ('{"t":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","msg":"%(message)s"}'
           if as_json else "%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.basicConfig(level=level.upper(), format=fmt, stream=sys.stderr, force=True)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)
