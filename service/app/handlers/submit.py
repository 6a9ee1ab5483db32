"""SubmitRequest: judge the employer part, issue one ticket, tell the sender and the authority."""

from __future__ import annotations

from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.employer_checks import identification_and_mandate, rule_context
from service.app.handlers.filing import (
    WorkerFile,
    issue_ticket,
    stateful_ep_anomalies,
    store_request,
    submission,
)
from service.domain.anomalies import Anomaly, has_blocking
from service.domain.commands import SubmitRequest
from service.domain.rules import evaluate
from service.domain.rules.employer_part import EmployerPart
from service.domain.rules.lifecycle_rules import v_lcy_7_cited_notification

ROOT = "/SubmitRequest"


async def handle_submit(cmd: SubmitRequest, hc: HandlerContext) -> Outcome:
    if stop := await identification_and_mandate(hc, cmd, ROOT):
        return rejected(hc, cmd.request_reference, stop)
    part = EmployerPart.from_submit(cmd)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    anomalies += stateful_ep_anomalies(hc, part, await WorkerFile.read(hc, part))
    anomalies += await _cited_notification(hc, cmd)
    if has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    ticket = await issue_ticket(hc)
    await store_request(hc, cmd, ticket)
    sent = submission(hc, cmd, ticket, anomalies)
    return Outcome(outbound=(sent.reply, sent.authority, sent.event), claims_reference=True)


async def _cited_notification(hc: HandlerContext, cmd: SubmitRequest) -> list[Anomaly]:
    """V-LCY-7: a SubmitRequest may follow a POSTPONED notification of this employer; the
    notification stays POSTPONED and the request is linked to it by its NotificationId."""
    if cmd.notification_id is None:
        return []
    cited = await hc.tx.notifications.get(cmd.employer.company_id, cmd.notification_id)
    return v_lcy_7_cited_notification(
        None if cited is None else cited.state,
        None if cited is None else cited.new_start_date,
        cmd.start_date,
        ROOT,
    )
