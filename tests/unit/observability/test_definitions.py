"""deploy/rabbitmq/definitions.example.json is what the code declares and grants."""

from __future__ import annotations

import json
from pathlib import Path

from consumers.definitions import definitions
from service.config import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "rabbitmq" / \
    "definitions.example.json"


def test_the_shipped_definitions_match_the_code():
    expected = definitions(Settings(), ["acme-payroll", "hr-system-0123456749"], "authority")
    assert json.loads(EXAMPLE.read_text()) == expected


def test_a_sender_may_write_only_its_exchange_and_read_only_its_queue():
    doc = definitions(Settings(), ["acme"], "authority")
    [acme] = [p for p in doc["permissions"] if p["user"] == "acme"]
    assert acme == {"user": "acme", "vhost": "/", "configure": "^$",
                    "write": r"^breakgate\.in\.acme$", "read": r"^breakgate\.replies\.acme$"}
