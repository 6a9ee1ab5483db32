"""The ack-policy table (consumers.policy): pure, no broker needed."""

from __future__ import annotations

from datetime import UTC, datetime

from consumers.policy import (
    POLICY,
    AttemptTracker,
    Outcome,
    decide,
    describe,
    fault_headers,
    rule_for,
)
from service.app.errors import PublishFailed, StorageConflict, StorageUnavailable


def test_the_table() -> None:
    assert decide(StorageUnavailable("down"), 1, 5) is Outcome.PAUSE_AND_RETRY
    assert decide(StorageUnavailable("down"), 99, 5) is Outcome.PAUSE_AND_RETRY  # never dead
    assert decide(PublishFailed("nack"), 1, 5) is Outcome.ACK
    assert decide(StorageConflict("dup"), 1, 5) is Outcome.RETRY
    assert decide(StorageConflict("dup"), 2, 5) is Outcome.DEAD_LETTER  # redelivered once
    assert [decide(KeyError("x"), n, 3) for n in (1, 2, 3)] == [
        Outcome.RETRY, Outcome.RETRY, Outcome.DEAD_LETTER,
    ]
    assert POLICY[-1].exception is BaseException  # the catch-all is last
    assert rule_for(ValueError()).outcome is Outcome.RETRY


def test_attempt_tracker_is_bounded_and_keyed_on_sender_and_message_id() -> None:
    tracker = AttemptTracker(capacity=2)
    assert tracker.failed(("a", "1")) == 1
    assert tracker.failed(("a", "1")) == 2
    assert tracker.failed(("b", "1")) == 1  # another sender, same id: its own count
    tracker.failed(("c", "1"))
    assert len(tracker) == 2 and tracker.attempts(("a", "1")) == 0  # oldest forgotten
    tracker.forget(("c", "1"))
    assert tracker.attempts(("c", "1")) == 0


def test_fault_headers() -> None:
    kind, text = describe(RuntimeError("x" * 5000))
    headers = fault_headers(code="PROCESSING_FAILED", message=text, exception_type=kind,
                            original_queue="breakgate.requests",
                            failed_at=datetime(2026, 3, 1, 12, tzinfo=UTC), attempts=5)
    assert headers["x-exception-type"] == "builtins.RuntimeError"
    assert len(str(headers["x-error-message"])) == 1000
    assert headers["x-failed-at"] == "2026-03-01T12:00:00+00:00"
    assert headers["x-attempts"] == 5 and headers["x-original-queue"] == "breakgate.requests"
