"""Authority messages about requests and notifications: WorkerPartCompleted, Decision and
EmployeeNotification (CONTRACT.md section 4; RULES.md 5.1 R6-R9, 5.2 N1-N2, V-LCY-8,
V-NTF-1..3).

A B anomaly is "B†": the message is parked on breakgate.dead with its code and nothing is
sent to an employer. An exact repeat is ignored: nothing changes, nothing is sent.
"""

from __future__ import annotations

from service.app.handlers.authority import parked_if_blocking
from service.app.handlers.base import HandlerContext, Outcome
from service.app.handlers.status import move_request, notification_event
from service.app.ports import StoredNotification
from service.app.results import Parked
from service.app.routing import AUTHORITY_OUT_EXCHANGE
from service.domain.anomalies import Anomaly
from service.domain.codes import NotificationDecision
from service.domain.commands import CompanyRef, Decision, EmployeeNotification, WorkerPartCompleted
from service.domain.lifecycle import (
    Trigger,
    Verdict,
    decision_trigger,
    initial_notification_state,
    request_transition,
)
from service.domain.replies import NotificationDecided
from service.domain.rules.lifecycle_rules import v_lcy_8_authority_state
from service.domain.rules.notifications import (
    Repeat,
    notification_fingerprint,
    v_ntf_1_auto_refusal,
    v_ntf_2_repeat,
)


def _parked(found: Anomaly) -> Outcome:
    return Outcome(parked=Parked(code=found.code, reason=found.messages.en))


# ---- WorkerPartCompleted (R6), Decision (R7-R9) ------------------------------------------------


async def handle_worker_part_completed(cmd: WorkerPartCompleted, hc: HandlerContext) -> Outcome:
    return await _move(hc, cmd, Trigger.WORKER_COMPLETED)


async def handle_decision(cmd: Decision, hc: HandlerContext) -> Outcome:
    """R9: a Decision on a SUBMITTED request (the worker completion lost or late) goes
    through WORKER_COMPLETED: both StatusUpdates, in order."""
    return await _move(hc, cmd, decision_trigger(cmd.outcome), cmd.reason)


async def _move(
    hc: HandlerContext, cmd: WorkerPartCompleted | Decision, trigger: Trigger,
    reason: str | None = None,
) -> Outcome:
    """V-LCY-8: ticket known (70012-003), transition allowed by RULES 5.1 (70012-241 on a
    cancelled request, 70012-272 on the other final outcome); a repeat is ignored."""
    if parked := parked_if_blocking(hc, cmd):
        return parked
    request = await hc.tx.requests.by_ticket_for_authority(cmd.ticket_number)
    verdict, found = v_lcy_8_authority_state(None if request is None else request.status,
                                             trigger)
    if found is not None:
        return _parked(found)
    if verdict is Verdict.IGNORE or request is None:
        return Outcome()
    steps = request_transition(request.status, trigger).steps
    return Outcome(outbound=tuple(await move_request(hc, request, steps, reason)))


# ---- EmployeeNotification (N1, N2) ------------------------------------------------------------


async def handle_employee_notification(cmd: EmployeeNotification, hc: HandlerContext) -> Outcome:
    """Stored PENDING when the employer accepts notifications (notification.PENDING event);
    otherwise stored AUTO_REFUSED and answered NotificationDecided(AUTO_REFUSED) with
    70014-146, or 00014-235 for an employer unknown to breakgate (V-NTF-1)."""
    if parked := parked_if_blocking(hc, cmd):
        return parked
    earlier = await hc.tx.notifications.by_id(cmd.notification_id)
    repeat = v_ntf_2_repeat(
        None if earlier is None else notification_fingerprint(
            EmployeeNotification.model_validate_json(earlier.payload_json)),
        notification_fingerprint(cmd),
    )
    if repeat.anomaly is not None:
        return _parked(repeat.anomaly)
    if repeat.kind is Repeat.IDENTICAL:
        return Outcome()
    company = cmd.employer.company_id
    refusal = await _auto_refusal(hc, company)
    state = initial_notification_state(None if refusal is None else refusal.code)
    await hc.tx.notifications.add(StoredNotification(
        notification_id=cmd.notification_id, company_id=company, inss=cmd.worker.inss,
        payload_json=cmd.model_dump_json(), state=state, received_at=hc.now,
        decided_at=None if refusal is None else hc.now,
        reason=None if refusal is None else refusal.code,
    ))
    event = notification_event(hc, company, cmd.notification_id, state)
    if refusal is None:
        return Outcome(outbound=(event,))
    told = NotificationDecided(
        notification_id=cmd.notification_id, employer=CompanyRef(company_id=company),
        decision=NotificationDecision.AUTO_REFUSED, anomalies=(refusal,), decided_at=hc.now,
    )
    return Outcome(outbound=(
        hc.event(AUTHORITY_OUT_EXCHANGE, "NotificationDecided", told, "authority"), event,
    ))


async def _auto_refusal(hc: HandlerContext, company_id: str) -> Anomaly | None:
    profile = await hc.tx.employers.profile(company_id)
    known = profile is not None or await hc.tx.mandates.ever_granted_for(company_id)
    return v_ntf_1_auto_refusal(None if profile is None else profile.accepts_notifications,
                                known)
