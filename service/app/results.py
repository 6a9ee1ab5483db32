"""What processing one inbound message came to, for the transport to act on."""

from __future__ import annotations

from dataclasses import dataclass

from service.app.envelope import Outbound


@dataclass(frozen=True)
class Answered:
    """Committed: publish `outbound`, then ack. Business refusals are answers too."""

    outbound: tuple[Outbound, ...]


@dataclass(frozen=True)
class Failed:
    """Could not process (an unexpected error in this message only). Its changes were rolled
    back; the consumer's policy table decides: retry, or dead-letter with fault headers."""

    error: BaseException


@dataclass(frozen=True)
class Parked:
    """An authority message that must not be applied (B† in RULES.md): dead-letter it with
    `code`, alert ops, answer nobody."""

    code: str
    reason: str


MessageResult = Answered | Failed | Parked
