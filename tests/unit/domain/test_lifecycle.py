"""RULES.md section 5: the request (5.1) and employee-notification (5.2) state machines."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.codes import (
    DecisionOutcome,
    NotificationDecision,
    NotificationState,
    RefuseReason,
)
from service.domain.codes import RequestStatus as S
from service.domain.commands import Accept, Postpone, Refuse
from service.domain.lifecycle import (
    AUTHORITY_TRIGGERS,
    EMPLOYER_TRIGGERS,
    INITIAL_REQUEST_STATUS,
    NOTIFICATION_TRANSITIONS,
    REQUEST_TRANSITIONS,
    Trigger,
    Verdict,
    decision_kind,
    decision_trigger,
    initial_notification_state,
    notification_transition,
    request_transition,
)

T = Trigger
N = NotificationState
D = NotificationDecision
APPLY, IGNORE, REJECT, PARK = Verdict.APPLY, Verdict.IGNORE, Verdict.REJECT, Verdict.PARK

# (from, trigger) -> (verdict, status after, StatusUpdate steps, code): all 35 pairs of 5.1.
REQUEST_TABLE: dict[tuple[S, Trigger], tuple[Verdict, S, tuple[S, ...], str | None]] = {
    # SUBMITTED
    (S.SUBMITTED, T.CANCEL): (APPLY, S.CANCELLED, (S.CANCELLED,), None),  # R5
    (S.SUBMITTED, T.MODIFY): (APPLY, S.SUBMITTED, (), None),  # R3
    (S.SUBMITTED, T.ATTACH): (APPLY, S.SUBMITTED, (), None),  # R4
    (S.SUBMITTED, T.CONSULT): (APPLY, S.SUBMITTED, (), None),  # consult row
    (S.SUBMITTED, T.WORKER_COMPLETED): (APPLY, S.WORKER_COMPLETED, (S.WORKER_COMPLETED,), None),
    (S.SUBMITTED, T.DECISION_GRANTED): (
        APPLY, S.GRANTED, (S.WORKER_COMPLETED, S.GRANTED), None),  # R9
    (S.SUBMITTED, T.DECISION_REFUSED): (
        APPLY, S.REFUSED, (S.WORKER_COMPLETED, S.REFUSED), None),  # R9
    # CANCELLED: employer 241 (V-MSG-5, V-LCY-3, V-ATT-1); authority parked 241 (crossed)
    (S.CANCELLED, T.CANCEL): (REJECT, S.CANCELLED, (), "70012-241"),
    (S.CANCELLED, T.MODIFY): (REJECT, S.CANCELLED, (), "70012-241"),
    (S.CANCELLED, T.ATTACH): (REJECT, S.CANCELLED, (), "70012-241"),
    (S.CANCELLED, T.CONSULT): (REJECT, S.CANCELLED, (), "70012-241"),
    (S.CANCELLED, T.WORKER_COMPLETED): (PARK, S.CANCELLED, (), "70012-241"),
    (S.CANCELLED, T.DECISION_GRANTED): (PARK, S.CANCELLED, (), "70012-241"),
    (S.CANCELLED, T.DECISION_REFUSED): (PARK, S.CANCELLED, (), "70012-241"),
    # WORKER_COMPLETED
    (S.WORKER_COMPLETED, T.CANCEL): (REJECT, S.WORKER_COMPLETED, (), "70012-272"),
    (S.WORKER_COMPLETED, T.MODIFY): (REJECT, S.WORKER_COMPLETED, (), "70012-272"),
    (S.WORKER_COMPLETED, T.ATTACH): (APPLY, S.WORKER_COMPLETED, (), None),  # R4
    (S.WORKER_COMPLETED, T.CONSULT): (REJECT, S.WORKER_COMPLETED, (), "70012-272"),
    (S.WORKER_COMPLETED, T.WORKER_COMPLETED): (IGNORE, S.WORKER_COMPLETED, (), None),
    (S.WORKER_COMPLETED, T.DECISION_GRANTED): (APPLY, S.GRANTED, (S.GRANTED,), None),  # R7
    (S.WORKER_COMPLETED, T.DECISION_REFUSED): (APPLY, S.REFUSED, (S.REFUSED,), None),  # R8
    # GRANTED
    (S.GRANTED, T.CANCEL): (REJECT, S.GRANTED, (), "70012-272"),
    (S.GRANTED, T.MODIFY): (REJECT, S.GRANTED, (), "70012-272"),
    (S.GRANTED, T.ATTACH): (REJECT, S.GRANTED, (), "70012-272"),
    (S.GRANTED, T.CONSULT): (REJECT, S.GRANTED, (), "70012-272"),
    (S.GRANTED, T.WORKER_COMPLETED): (IGNORE, S.GRANTED, (), None),  # late, after R9
    (S.GRANTED, T.DECISION_GRANTED): (IGNORE, S.GRANTED, (), None),  # exact repeat
    (S.GRANTED, T.DECISION_REFUSED): (PARK, S.GRANTED, (), "70012-272"),
    # REFUSED
    (S.REFUSED, T.CANCEL): (REJECT, S.REFUSED, (), "70012-272"),
    (S.REFUSED, T.MODIFY): (REJECT, S.REFUSED, (), "70012-272"),
    (S.REFUSED, T.ATTACH): (REJECT, S.REFUSED, (), "70012-272"),
    (S.REFUSED, T.CONSULT): (REJECT, S.REFUSED, (), "70012-272"),
    (S.REFUSED, T.WORKER_COMPLETED): (IGNORE, S.REFUSED, (), None),  # late, after R9
    (S.REFUSED, T.DECISION_REFUSED): (IGNORE, S.REFUSED, (), None),  # exact repeat
    (S.REFUSED, T.DECISION_GRANTED): (PARK, S.REFUSED, (), "70012-272"),
}


def test_the_table_covers_every_status_and_trigger() -> None:
    every = {(status, trigger) for status in S for trigger in Trigger}
    assert set(REQUEST_TABLE) == every
    assert set(REQUEST_TRANSITIONS) == every


@pytest.mark.parametrize(
    ("status", "trigger"), list(REQUEST_TABLE), ids=[f"{s}-{t}" for s, t in REQUEST_TABLE]
)
def test_request_transition(status: S, trigger: Trigger) -> None:
    verdict, after, steps, code = REQUEST_TABLE[status, trigger]
    result = request_transition(status, trigger)
    assert (result.verdict, result.status, result.steps, result.code) == (
        verdict, after, steps, code
    )
    assert result.allowed is (verdict is APPLY)
    assert result.changed is bool(steps)


def test_r1_r2_a_new_request_starts_submitted() -> None:
    assert INITIAL_REQUEST_STATUS is S.SUBMITTED
    accepted = notification_transition(N.PENDING, D.ACCEPTED)
    assert accepted.creates_request and accepted.state is N.ACCEPTED


def test_r9_gives_both_status_updates_in_order() -> None:
    result = request_transition(S.SUBMITTED, decision_trigger(DecisionOutcome.REFUSED))
    assert result.row == "R9"
    assert result.steps == (S.WORKER_COMPLETED, S.REFUSED)


@pytest.mark.parametrize("pair", list(REQUEST_TABLE))
def test_anything_refused_leaves_the_request_unchanged(pair: tuple[S, Trigger]) -> None:
    result = request_transition(*pair)
    if not result.allowed:
        assert result.status is pair[0] and result.steps == ()


def test_employer_triggers_are_rejected_and_authority_ones_parked() -> None:
    for (_, trigger), result in REQUEST_TRANSITIONS.items():
        if result.verdict is REJECT:
            assert trigger in EMPLOYER_TRIGGERS
        if result.verdict in (PARK, IGNORE):
            assert trigger in AUTHORITY_TRIGGERS
            assert trigger.from_authority


def test_decision_trigger() -> None:
    assert decision_trigger(DecisionOutcome.GRANTED) is T.DECISION_GRANTED
    assert decision_trigger(DecisionOutcome.REFUSED) is T.DECISION_REFUSED


# ---- 5.2 employee notification ----------------------------------------------------------------

NOTIFICATION_TABLE: dict[tuple[N, D], tuple[Verdict, N, str | None]] = {
    (N.PENDING, D.POSTPONED): (APPLY, N.POSTPONED, None),  # N3
    (N.PENDING, D.REFUSED): (APPLY, N.REFUSED, None),  # N4
    (N.PENDING, D.ACCEPTED): (APPLY, N.ACCEPTED, None),  # N5
    **{
        (state, decision): (REJECT, state, "70014-272")
        for state in (N.POSTPONED, N.REFUSED, N.ACCEPTED, N.AUTO_REFUSED)
        for decision in (D.POSTPONED, D.REFUSED, D.ACCEPTED)
    },
}


def test_the_notification_table_covers_every_state_and_decision() -> None:
    assert set(NOTIFICATION_TRANSITIONS) == set(NOTIFICATION_TABLE)
    assert len(NOTIFICATION_TABLE) == 15


@pytest.mark.parametrize(
    ("state", "decision"), list(NOTIFICATION_TABLE),
    ids=[f"{s}-{d}" for s, d in NOTIFICATION_TABLE],
)
def test_notification_transition(state: N, decision: D) -> None:
    verdict, after, code = NOTIFICATION_TABLE[state, decision]
    result = notification_transition(state, decision)  # type: ignore[arg-type]
    assert (result.verdict, result.state, result.code) == (verdict, after, code)
    assert result.creates_request is (verdict is APPLY and decision is D.ACCEPTED)
    assert NOTIFICATION_TRANSITIONS[state, decision] == result


def test_n3_n4_n5_rows() -> None:
    assert notification_transition(N.PENDING, D.POSTPONED).row == "N3"
    assert notification_transition(N.PENDING, D.REFUSED).row == "N4"
    assert notification_transition(N.PENDING, D.ACCEPTED).row == "N5"


def test_auto_refused_is_not_an_employer_decision() -> None:
    with pytest.raises(ValueError, match="not a decision"):
        notification_transition(N.PENDING, D.AUTO_REFUSED)  # type: ignore[arg-type]


def test_n1_n2_initial_state() -> None:
    assert initial_notification_state(None) is N.PENDING  # N1
    assert initial_notification_state("70014-146") is N.AUTO_REFUSED  # N2
    assert initial_notification_state("00014-235") is N.AUTO_REFUSED  # N2


def test_decision_kind_of_each_decision() -> None:
    regime = {"working_days_system": 500, "mean_working_hours": 3800,
              "ref_mean_working_hours": 3800}
    accept = Accept.model_validate({
        "notice_date": date(2026, 11, 2), "regime_before": regime, "regime_during": regime,
        "several_employers": False,
    })
    assert decision_kind(Postpone(new_start_date=date(2027, 5, 1))) is D.POSTPONED
    assert decision_kind(Refuse(reason=RefuseReason.SMALL_EMPLOYER)) is D.REFUSED
    assert decision_kind(accept) is D.ACCEPTED
