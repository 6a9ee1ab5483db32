"""A stand-in for the XML gateway in consumer tests: the body is the request reference."""

from __future__ import annotations


class StubDecoded:
    def __init__(self, reference: str) -> None:
        self.message_type = "SubmitRequest"
        self.request_reference = reference
        self.command = None
        self.anomalies = ()


def decode_reference(body: bytes, expected_type: str | None) -> StubDecoded:
    return StubDecoded(body.decode())
