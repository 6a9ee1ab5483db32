"""ListNotifications and DecideNotification: an employer answers its employees' notifications
(RULES.md 5.2 N3-N5, V-NTF-4..8, V-NOT-4, V-NOT-8, V-MAN-2).

The notification is looked up within the message's employer after the mandate check: another
employer's notification is answered exactly like an unknown one (70014-003).
"""

from __future__ import annotations

from fractions import Fraction as Ratio

from service.app.envelope import Outbound
from service.app.handlers.accept import accept_notification
from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.employer_checks import identification_and_mandate, rule_context
from service.app.handlers.filing import earlier_request
from service.app.handlers.status import ENDED, notification_event
from service.app.ports import StoredNotification
from service.app.routing import AUTHORITY_OUT_EXCHANGE
from service.domain.anomalies import Anomaly, has_blocking
from service.domain.codes import (
    Action,
    NotificationDecision,
    NotificationState,
    RefuseReason,
    Scheme,
)
from service.domain.commands import (
    Accept,
    CompanyRef,
    DecideNotification,
    EmployeeNotification,
    ListNotifications,
    Postpone,
    Refuse,
    Regime,
)
from service.domain.replies import (
    Acknowledgement,
    NotificationDecided,
    NotificationList,
    NotificationSummary,
    changes_made,
)
from service.domain.rules import evaluate
from service.domain.rules.caps import medical_history_months
from service.domain.rules.employer_part import EmployerPart
from service.domain.rules.ep_shapes import Form, medical_form, parental_form
from service.domain.rules.notifications import (
    RefusalFacts,
    notification_headcount,
    v_not_4_new_start_date,
    v_not_8_decided_in_time,
    v_ntf_4_notification,
    v_ntf_5_postpone_allowed,
    v_ntf_6_refusal_reason,
)

ROOT = "/DecideNotification"


# ---- ListNotifications (V-NTF-8) --------------------------------------------------------------


async def handle_list_notifications(cmd: ListNotifications, hc: HandlerContext) -> Outcome:
    """Only the employer's notifications in the state asked for (PENDING by default)."""
    if stop := await identification_and_mandate(hc, cmd, "/ListNotifications"):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    if has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    stored = await hc.tx.notifications.in_state(cmd.employer.company_id, cmd.state)
    listed = NotificationList(notifications=tuple(_summary(n) for n in stored))
    return Outcome(outbound=(hc.reply(listed),), claims_reference=True)


def _summary(stored: StoredNotification) -> NotificationSummary:
    n = EmployeeNotification.model_validate_json(stored.payload_json)
    return NotificationSummary(
        notification_id=n.notification_id, inss=n.worker.inss, last_name=n.worker.last_name,
        first_name=n.worker.first_name, scheme=n.scheme, motive=n.motive, fraction=n.fraction,
        requested_start_date=n.requested_start_date,
        requested_end_date=n.requested_end_date, notice_date=n.notice_date,
        state=stored.state, received_at=stored.received_at, child=n.child,
    )


# ---- DecideNotification -----------------------------------------------------------------------


async def handle_decide(cmd: DecideNotification, hc: HandlerContext) -> Outcome:
    if stop := await identification_and_mandate(hc, cmd, ROOT):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    stored = None
    if not any(a.path == f"{ROOT}/NotificationId" for a in anomalies):  # malformed: said
        stored = await hc.tx.notifications.get(cmd.employer.company_id, cmd.notification_id)
        if found := v_ntf_4_notification(None if stored is None else stored.state):
            anomalies.append(found)
    if stored is None or has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    notification = EmployeeNotification.model_validate_json(stored.payload_json)
    decision = cmd.decision
    if isinstance(decision, Accept):
        return await accept_notification(hc, cmd, notification, anomalies)
    if isinstance(decision, Postpone):
        anomalies += _postponement(hc, notification, decision)
    else:
        anomalies += await _refusal(hc, cmd, notification, decision)
    if has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    return await _decided(hc, cmd, notification, anomalies)


def _postponement(
    hc: HandlerContext, notification: EmployeeNotification, postpone: Postpone
) -> list[Anomaly]:
    """V-NTF-5 (the scheme allows it), V-NOT-4 (at most ⚙ 6 months after the requested
    start), V-NOT-8 (decided within ⚙ one month of the notice)."""
    found = [
        v_ntf_5_postpone_allowed(notification.scheme, hc.parameters, hc.today),
        v_not_4_new_start_date(notification.requested_start_date, postpone.new_start_date,
                               hc.parameters, hc.today),
        v_not_8_decided_in_time(notification.notice_date, hc.today, hc.parameters),
    ]
    return [a for a in found if a is not None]


async def _refusal(
    hc: HandlerContext, cmd: DecideNotification, notification: EmployeeNotification,
    refuse: Refuse,
) -> list[Anomaly]:
    """V-NTF-6: the refusal reason's condition holds for this notification (V-PAR-6 for the
    headcount; the worker's medical-assistance history here for MEDICAL_LIMIT)."""
    company = cmd.employer.company_id
    profile = await hc.tx.employers.profile(company)
    headcount, warnings = notification_headcount(profile, notification.notice_date)
    full, partial = Ratio(0), Ratio(0)
    if notification.scheme is Scheme.MEDICAL_ASSISTANCE:
        medical = await hc.tx.requests.for_worker(
            company, notification.worker.inss, Scheme.MEDICAL_ASSISTANCE)
        history = [earlier_request(r) for r in medical if r.status not in ENDED]
        full, partial = medical_history_months(history)
    facts = RefusalFacts.from_notification(
        notification, headcount, flexible=_flexible(hc, cmd, notification),
        history_full_months=full, history_partial_months=partial,
    )
    return warnings + v_ntf_6_refusal_reason(refuse.reason, facts, hc.parameters)


def _flexible(hc: HandlerContext, cmd: DecideNotification, n: EmployeeNotification) -> bool:
    """Whether the requested period is a flexible form (weeks, short parental blocks)."""
    if n.scheme not in (Scheme.PARENTAL_LEAVE, Scheme.MEDICAL_ASSISTANCE):
        return False
    none = Regime(working_days_system=0, mean_working_hours=0, ref_mean_working_hours=0)
    accept = Accept(notice_date=n.notice_date, regime_before=none, regime_during=none,
                    several_employers=False, end_date=n.requested_end_date)
    part = EmployerPart.from_accept(cmd.model_copy(update={"decision": accept}), n)
    shape = parental_form if n.scheme is Scheme.PARENTAL_LEAVE else medical_form
    return shape(part, hc.parameters) is Form.FLEXIBLE


async def _decided(
    hc: HandlerContext, cmd: DecideNotification, n: EmployeeNotification,
    warnings: list[Anomaly],
) -> Outcome:
    """N3 / N4: the notification's new state, then the Acknowledgement to the sender,
    NotificationDecided to the authority and the notification.<STATE> event."""
    decision = cmd.decision
    postponed = isinstance(decision, Postpone)
    state = NotificationState.POSTPONED if postponed else NotificationState.REFUSED
    new_start = decision.new_start_date if isinstance(decision, Postpone) else None
    reason: RefuseReason | None = decision.reason if isinstance(decision, Refuse) else None
    await hc.tx.notifications.decide(n.notification_id, state, hc.now,
                                     new_start_date=new_start, reason=reason)
    action = Action.POSTPONED if postponed else Action.REFUSED
    ack = Acknowledgement(request_reference=cmd.request_reference, action=action, at=hc.now,
                          messages=changes_made(action), anomalies=tuple(warnings))
    told = NotificationDecided(
        notification_id=n.notification_id, employer=CompanyRef(company_id=n.employer.company_id),
        decision=NotificationDecision(state.value), new_start_date=new_start, reason=reason,
        decided_at=hc.now,
    )
    outbound: tuple[Outbound, ...] = (
        hc.reply(ack),
        hc.event(AUTHORITY_OUT_EXCHANGE, "NotificationDecided", told, "authority"),
        notification_event(hc, n.employer.company_id, n.notification_id, state),
    )
    return Outcome(outbound=outbound, claims_reference=True)

