"""The ONE table that maps "could not process" exceptions to what the consumer does.

Business refusals are never exceptions (they are `Answered` rejections). An exception means the
message could not be processed:

| exception          | outcome           | what the consumer does                              |
|--------------------|-------------------|-----------------------------------------------------|
| StorageUnavailable | PAUSE_AND_RETRY   | stop taking deliveries, back off exponentially and  |
|                    |                   | retry the same batch in-process; no ack, no nack    |
|                    |                   | (on 3.10 quorum queues a requeue counts toward      |
|                    |                   | x-delivery-limit)                                   |
| StorageConflict    | RETRY (2 tries)   | nack(requeue) once: the redelivery hits the inbox   |
| PublishFailed      | ACK               | the reply is in the outbox; the relay re-sends it   |
| anything else      | RETRY, then       | nack(requeue) until `settings.max_attempts`, then   |
|                    | DEAD_LETTER       | dead-letter with fault headers                      |

Attempts are counted here, in memory, keyed on (sender, message_id): never from
sender-controlled headers (`x-death`, `x-delivery-count` can be forged, RELIABILITY.md A8).
The broker's own `x-delivery-limit` stays as the backstop across restarts and instances.

DEAD_LETTER publishes a copy of the delivery to `breakgate.dead` (default exchange, confirmed)
with the fault headers below, then acks the original.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from service.app.errors import PublishFailed, StorageConflict, StorageUnavailable


class Outcome(Enum):
    ACK = "ack"
    RETRY = "retry"
    PAUSE_AND_RETRY = "pause_and_retry"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Rule:
    exception: type[BaseException]
    outcome: Outcome
    max_attempts: int | None = None
    """For RETRY: attempts before DEAD_LETTER; None means `settings.max_attempts`."""


POLICY: Final[tuple[Rule, ...]] = (
    Rule(StorageUnavailable, Outcome.PAUSE_AND_RETRY),
    Rule(StorageConflict, Outcome.RETRY, max_attempts=2),
    Rule(PublishFailed, Outcome.ACK),
    Rule(BaseException, Outcome.RETRY),
)
"""First match wins (isinstance), so the catch-all stays last."""


def rule_for(error: BaseException) -> Rule:
    for rule in POLICY:
        if isinstance(error, rule.exception):
            return rule
    raise AssertionError("unreachable: the table ends with BaseException")  # pragma: no cover


def decide(error: BaseException, attempts: int, default_max_attempts: int) -> Outcome:
    """The outcome for `error` on its `attempts`-th failed attempt (1-based)."""
    rule = rule_for(error)
    if rule.outcome is not Outcome.RETRY:
        return rule.outcome
    limit = rule.max_attempts if rule.max_attempts is not None else default_max_attempts
    return Outcome.DEAD_LETTER if attempts >= limit else Outcome.RETRY


# ---- our own attempt counter ------------------------------------------------------------------


class AttemptTracker:
    """Failed attempts per (sender, message_id), bounded (oldest forgotten first)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._counts: OrderedDict[tuple[str, str], int] = OrderedDict()

    def failed(self, key: tuple[str, str]) -> int:
        """Record one more failed attempt; return the total so far."""
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count
        while len(self._counts) > self._capacity:
            self._counts.popitem(last=False)
        return count

    def attempts(self, key: tuple[str, str]) -> int:
        return self._counts.get(key, 0)

    def forget(self, key: tuple[str, str]) -> None:
        self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)


# ---- fault headers ----------------------------------------------------------------------------

ERROR_CODE_PROCESSING_FAILED: Final = "PROCESSING_FAILED"
ERROR_CODE_NOT_AUTHORISED: Final = "00014-155"
_MAX_HEADER_TEXT: Final = 1000


def fault_headers(
    *,
    code: str,
    message: str,
    exception_type: str,
    original_queue: str,
    failed_at: datetime,
    attempts: int,
) -> dict[str, str | int]:
    return {
        "x-error-code": code,
        "x-error-message": message[:_MAX_HEADER_TEXT],
        "x-exception-type": exception_type,
        "x-original-queue": original_queue,
        "x-failed-at": failed_at.isoformat(),
        "x-attempts": attempts,
    }


def describe(error: BaseException) -> tuple[str, str]:
    """(exception type, message) for the headers; the type is fully qualified."""
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}", str(error) or kind.__name__
