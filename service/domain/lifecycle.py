"""The lifecycle state machines of RULES.md section 5, as data plus two lookup functions.

`request_transition(status, trigger)` answers for a stored request (5.1) and
`notification_transition(state, decision)` for a stored employee notification (5.2). Both
return a small frozen result, never raise for a refused transition: the use case turns a
`REJECT` into a `Rejection` (employer side, the anomaly builders are in
`rules/lifecycle_rules.py`), a `PARK` into a message parked on `breakgate.dead` (authority
side, "B†"), an `IGNORE` into nothing at all, and an `APPLY` into the new state plus one
`StatusUpdate` per entry of `steps`, in order.

Creations (R1, R2, N1, N2) have no "from" state: `INITIAL_REQUEST_STATUS` and
`initial_notification_state` cover them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from service.domain.codes import (
    DecisionOutcome,
    NotificationDecision,
    NotificationState,
    RequestStatus,
)
from service.domain.commands import Accept, Postpone, Refuse

S = RequestStatus
N = NotificationState

#: R1 (SubmitRequest) and R2 (DecideNotification/Accept) create the request in this state.
INITIAL_REQUEST_STATUS = RequestStatus.SUBMITTED

CANCELLED_CODE = "70012-241"
PROCESSED_CODE = "70012-272"
NOTIFICATION_PROCESSED_CODE = "70014-272"


class Trigger(StrEnum):
    """What may happen to a stored request: four employer messages, three authority ones."""

    CANCEL = "CANCEL"  # CancelRequest (CAN)
    MODIFY = "MODIFY"  # ModifyRequest (MOD)
    ATTACH = "ATTACH"  # AddAttachment (ATT)
    CONSULT = "CONSULT"  # ConsultRequest (CON)
    WORKER_COMPLETED = "WORKER_COMPLETED"  # WorkerPartCompleted (WPC)
    DECISION_GRANTED = "DECISION_GRANTED"  # Decision(GRANTED) (DCS)
    DECISION_REFUSED = "DECISION_REFUSED"  # Decision(REFUSED) (DCS)

    @property
    def from_authority(self) -> bool:
        return self in AUTHORITY_TRIGGERS


EMPLOYER_TRIGGERS = frozenset({Trigger.CANCEL, Trigger.MODIFY, Trigger.ATTACH, Trigger.CONSULT})
AUTHORITY_TRIGGERS = frozenset(
    {Trigger.WORKER_COMPLETED, Trigger.DECISION_GRANTED, Trigger.DECISION_REFUSED}
)

#: The rule of RULES.md section 3 that guards each trigger (named in anomalies and logs).
GUARDING_RULE: MappingProxyType[Trigger, str] = MappingProxyType({
    Trigger.CANCEL: "V-MSG-5",
    Trigger.MODIFY: "V-MSG-5",
    Trigger.CONSULT: "V-LCY-3",
    Trigger.ATTACH: "V-ATT-1",
    Trigger.WORKER_COMPLETED: "V-LCY-8",
    Trigger.DECISION_GRANTED: "V-LCY-8",
    Trigger.DECISION_REFUSED: "V-LCY-8",
})


def decision_trigger(outcome: DecisionOutcome) -> Trigger:
    """The trigger of an authority `Decision` with this outcome."""
    if outcome is DecisionOutcome.GRANTED:
        return Trigger.DECISION_GRANTED
    return Trigger.DECISION_REFUSED


class Verdict(StrEnum):
    APPLY = "APPLY"  # allowed: store `status` (may equal the old one) and publish `steps`
    IGNORE = "IGNORE"  # exact repeat of an authority message: nothing changes, nothing is sent
    REJECT = "REJECT"  # employer message refused (B): `Rejection` with `code`
    PARK = "PARK"  # authority message not applied (B†): parked with `code`, ops alerted


@dataclass(frozen=True)
class TransitionResult:
    """The answer of the request machine for one (status, trigger).

    `status` is the status after the message (the old one unless it moved); `steps` are the
    statuses entered, in order: one `StatusUpdate` each (two for R9, none when it stays put).
    `code` is the anomaly code of a REJECT or PARK; `row` the RULES 5.1 row it comes from.
    """

    verdict: Verdict
    status: RequestStatus
    steps: tuple[RequestStatus, ...] = ()
    code: str | None = None
    row: str = ""

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.APPLY

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def _apply(row: str, to: RequestStatus, *steps: RequestStatus) -> TransitionResult:
    return TransitionResult(Verdict.APPLY, to, tuple(steps), row=row)


def _stay(row: str, status: RequestStatus) -> TransitionResult:
    return TransitionResult(Verdict.APPLY, status, row=row)


def _refused(verdict: Verdict, status: RequestStatus, code: str, row: str) -> TransitionResult:
    return TransitionResult(verdict, status, code=code, row=row)


def _request_table() -> dict[tuple[RequestStatus, Trigger], TransitionResult]:
    table: dict[tuple[RequestStatus, Trigger], TransitionResult] = {}
    # ---- employer messages (V-MSG-5, V-LCY-3, V-ATT-1) ------------------------------------
    table[S.SUBMITTED, Trigger.CANCEL] = _apply("R5", S.CANCELLED, S.CANCELLED)
    table[S.SUBMITTED, Trigger.MODIFY] = _stay("R3", S.SUBMITTED)
    table[S.SUBMITTED, Trigger.ATTACH] = _stay("R4", S.SUBMITTED)
    table[S.SUBMITTED, Trigger.CONSULT] = _stay("consult", S.SUBMITTED)
    table[S.WORKER_COMPLETED, Trigger.ATTACH] = _stay("R4", S.WORKER_COMPLETED)
    for trigger in EMPLOYER_TRIGGERS:
        table[S.CANCELLED, trigger] = _refused(
            Verdict.REJECT, S.CANCELLED, CANCELLED_CODE, GUARDING_RULE[trigger]
        )
        for status in (S.WORKER_COMPLETED, S.GRANTED, S.REFUSED):
            table.setdefault(
                (status, trigger),
                _refused(Verdict.REJECT, status, PROCESSED_CODE, GUARDING_RULE[trigger]),
            )
    # ---- authority messages (V-LCY-8) ------------------------------------------------------
    table[S.SUBMITTED, Trigger.WORKER_COMPLETED] = _apply(
        "R6", S.WORKER_COMPLETED, S.WORKER_COMPLETED
    )
    table[S.WORKER_COMPLETED, Trigger.DECISION_GRANTED] = _apply("R7", S.GRANTED, S.GRANTED)
    table[S.WORKER_COMPLETED, Trigger.DECISION_REFUSED] = _apply("R8", S.REFUSED, S.REFUSED)
    table[S.SUBMITTED, Trigger.DECISION_GRANTED] = _apply(
        "R9", S.GRANTED, S.WORKER_COMPLETED, S.GRANTED
    )
    table[S.SUBMITTED, Trigger.DECISION_REFUSED] = _apply(
        "R9", S.REFUSED, S.WORKER_COMPLETED, S.REFUSED
    )
    for trigger in AUTHORITY_TRIGGERS:
        table[S.CANCELLED, trigger] = _refused(
            Verdict.PARK, S.CANCELLED, CANCELLED_CODE, "crossed cancellation"
        )
    # exact repeats: the request already is where the message would take it
    table[S.WORKER_COMPLETED, Trigger.WORKER_COMPLETED] = TransitionResult(
        Verdict.IGNORE, S.WORKER_COMPLETED, row="repeat"
    )
    table[S.GRANTED, Trigger.DECISION_GRANTED] = TransitionResult(
        Verdict.IGNORE, S.GRANTED, row="repeat"
    )
    table[S.REFUSED, Trigger.DECISION_REFUSED] = TransitionResult(
        Verdict.IGNORE, S.REFUSED, row="repeat"
    )
    # a late worker completion after the decision (R9 already went through WORKER_COMPLETED)
    for final in (S.GRANTED, S.REFUSED):
        table[final, Trigger.WORKER_COMPLETED] = TransitionResult(
            Verdict.IGNORE, final, row="late worker completion"
        )
    table[S.GRANTED, Trigger.DECISION_REFUSED] = _refused(
        Verdict.PARK, S.GRANTED, PROCESSED_CODE, "other outcome"
    )
    table[S.REFUSED, Trigger.DECISION_GRANTED] = _refused(
        Verdict.PARK, S.REFUSED, PROCESSED_CODE, "other outcome"
    )
    return table


#: Every (status, trigger) pair of RULES.md 5.1, with its answer.
REQUEST_TRANSITIONS: MappingProxyType[tuple[RequestStatus, Trigger], TransitionResult] = (
    MappingProxyType(_request_table())
)


def request_transition(status: RequestStatus, trigger: Trigger) -> TransitionResult:
    """What `trigger` does to a request in `status` (RULES.md 5.1)."""
    return REQUEST_TRANSITIONS[status, trigger]


# ---- 5.2 employee notification ------------------------------------------------------------

EmployerDecision = Literal[
    NotificationDecision.POSTPONED, NotificationDecision.REFUSED, NotificationDecision.ACCEPTED
]

EMPLOYER_DECISIONS: tuple[EmployerDecision, ...] = (
    NotificationDecision.POSTPONED, NotificationDecision.REFUSED, NotificationDecision.ACCEPTED
)

_DECIDED_STATE: MappingProxyType[NotificationDecision, NotificationState] = MappingProxyType({
    NotificationDecision.POSTPONED: N.POSTPONED,
    NotificationDecision.REFUSED: N.REFUSED,
    NotificationDecision.ACCEPTED: N.ACCEPTED,
})

_NOTIFICATION_ROW: MappingProxyType[NotificationDecision, str] = MappingProxyType({
    NotificationDecision.POSTPONED: "N3",
    NotificationDecision.REFUSED: "N4",
    NotificationDecision.ACCEPTED: "N5",
})


@dataclass(frozen=True)
class NotificationTransition:
    """The answer of the notification machine: the new state, or the refusal code.

    `creates_request` is true for an accepted Accept: the request starts in SUBMITTED (R2).
    """

    verdict: Verdict
    state: NotificationState
    code: str | None = None
    creates_request: bool = False
    row: str = ""

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.APPLY


def decision_kind(decision: Postpone | Refuse | Accept) -> EmployerDecision:
    """The decision a `DecideNotification` carries."""
    if isinstance(decision, Postpone):
        return NotificationDecision.POSTPONED
    if isinstance(decision, Refuse):
        return NotificationDecision.REFUSED
    return NotificationDecision.ACCEPTED


def notification_transition(
    state: NotificationState, decision: EmployerDecision
) -> NotificationTransition:
    """Only a PENDING notification may be postponed, refused or accepted (N3-N5); any other
    state answers 70014-272 (V-NTF-4). AUTO_REFUSED is not an employer decision."""
    if decision not in _DECIDED_STATE:
        raise ValueError(f"{decision} is not a decision an employer can take")
    if state is not N.PENDING:
        return NotificationTransition(
            Verdict.REJECT, state, code=NOTIFICATION_PROCESSED_CODE, row="already decided"
        )
    return NotificationTransition(
        Verdict.APPLY,
        _DECIDED_STATE[decision],
        creates_request=decision is NotificationDecision.ACCEPTED,
        row=_NOTIFICATION_ROW[decision],
    )


def initial_notification_state(auto_refusal_code: str | None) -> NotificationState:
    """N1 / N2: PENDING when V-NTF-1 holds (no auto-refusal code), else AUTO_REFUSED."""
    return N.PENDING if auto_refusal_code is None else N.AUTO_REFUSED


#: Every (state, decision) pair of RULES.md 5.2, with its answer.
NOTIFICATION_TRANSITIONS: MappingProxyType[
    tuple[NotificationState, NotificationDecision], NotificationTransition
] = MappingProxyType({
    (state, decision): notification_transition(state, decision)
    for state in NotificationState
    for decision in EMPLOYER_DECISIONS
})
