"""UpdateParameters: the employer's contact, sector, joint committee, headcount and whether
its employees may send notifications (V-PAR-1..7)."""

from __future__ import annotations

from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.employer_checks import (
    identification_and_mandate,
    remember_noss,
    rule_context,
)
from service.domain.anomalies import has_blocking
from service.domain.codes import Action
from service.domain.commands import UpdateParameters
from service.domain.replies import Acknowledgement, changes_made
from service.domain.rules import evaluate


async def handle_update_parameters(cmd: UpdateParameters, hc: HandlerContext) -> Outcome:
    """An update replaces every parameter (V-PAR-6); its headcount is the one of 30 June of
    the previous year, stored for reference year = update year - 1. It applies to messages
    processed after it; PENDING notifications are not re-evaluated (V-PAR-7)."""
    if stop := await identification_and_mandate(hc, cmd, "/UpdateParameters"):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    if has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    await remember_noss(hc, cmd)
    await hc.tx.employers.save_parameters(cmd, hc.today.year - 1)
    ack = Acknowledgement(
        request_reference=cmd.request_reference, action=Action.PARAMETERS_UPDATED, at=hc.now,
        messages=changes_made(Action.PARAMETERS_UPDATED), anomalies=tuple(anomalies),
    )
    return Outcome(outbound=(hc.reply(ack),), claims_reference=True)
