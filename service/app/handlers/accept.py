"""DecideNotification/Accept, "validate and send" (RULES.md 5.1 R2, 5.2 N5, V-NTF-7).

The notification's worker, scheme, motive, fraction and start date plus the employer part of
Accept make one employer part, judged by every EP rule; accepted, it is filed exactly like a
SubmitRequest (the same ticket, storage and messages, `filing`) and the notification becomes
ACCEPTED with the ticket.
"""

from __future__ import annotations

from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.employer_checks import rule_context
from service.app.handlers.filing import (
    WorkerFile,
    issue_ticket,
    stateful_ep_anomalies,
    store_request,
    submission,
)
from service.app.handlers.status import notification_event
from service.app.routing import AUTHORITY_OUT_EXCHANGE
from service.domain.anomalies import Anomaly, has_blocking
from service.domain.codes import NotificationDecision, NotificationState
from service.domain.commands import (
    Accept,
    CompanyRef,
    DecideNotification,
    EmployeeNotification,
    SubmitRequest,
    Worker,
)
from service.domain.replies import NotificationDecided
from service.domain.rules.employer_part import EmployerPart, check_employer_part
from service.domain.rules.notifications import v_ntf_7_accept_matches


async def accept_notification(
    hc: HandlerContext,
    cmd: DecideNotification,
    notification: EmployeeNotification,
    anomalies: list[Anomaly],
) -> Outcome:
    """`anomalies`: what the message's stateless rules found (identifier, attachments)."""
    accept = cmd.decision
    assert isinstance(accept, Accept)
    part = EmployerPart.from_accept(cmd, notification)
    found = list(anomalies)
    ctx = await rule_context(hc, cmd.employer.company_id)
    # The attachments were judged with the message already: each anomaly once.
    found += [a for a in check_employer_part(part, ctx) if a not in anomalies]
    found += v_ntf_7_accept_matches(accept, notification)
    found += stateful_ep_anomalies(hc, part, await WorkerFile.read(hc, part))
    if has_blocking(found):
        return rejected(hc, cmd.request_reference, found)
    submit = as_submit_request(cmd, notification, part)
    ticket = await issue_ticket(hc)
    await store_request(hc, submit, ticket)
    await hc.tx.notifications.decide(notification.notification_id, NotificationState.ACCEPTED,
                                     hc.now, ticket_number=ticket)
    sent = submission(hc, submit, ticket, found)
    company = cmd.employer.company_id
    told = NotificationDecided(
        notification_id=notification.notification_id, employer=CompanyRef(company_id=company),
        decision=NotificationDecision.ACCEPTED, ticket_number=ticket, decided_at=hc.now,
    )
    outbound = (
        sent.reply,
        hc.event(AUTHORITY_OUT_EXCHANGE, "NotificationDecided", told, "authority:decided"),
        sent.authority,
        notification_event(hc, company, notification.notification_id,
                           NotificationState.ACCEPTED, ticket),
        sent.event,
    )
    return Outcome(outbound=outbound, claims_reference=True)


def as_submit_request(
    cmd: DecideNotification, notification: EmployeeNotification, part: EmployerPart
) -> SubmitRequest:
    """The request an Accept files, as a SubmitRequest (what RequestDetails shows later):
    the merged employer part, linked to its notification."""
    accept = cmd.decision
    assert isinstance(accept, Accept)
    worker = notification.worker
    return SubmitRequest(
        request_reference=cmd.request_reference, employer=cmd.employer,
        worker=Worker(inss=worker.inss, last_name=worker.last_name,
                      first_name=worker.first_name),
        scheme=part.scheme, motive=part.motive, fraction=part.fraction,
        start_date=part.start_date, end_date=part.end_date, notice_date=part.notice_date,
        regime_before=part.regime_before, regime_during=part.regime_during,
        several_employers=part.several_employers, other_employer=part.other_employer,
        employer_agreement=part.employer_agreement, circumstances=part.circumstances,
        child=part.child, notification_id=notification.notification_id,
        attachments=cmd.attachments,
    )
