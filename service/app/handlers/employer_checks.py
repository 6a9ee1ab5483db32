"""The checks every employer message goes through first (RULES.md section 0, step 3):
identification and mandate stop the evaluation on a B, so nothing about the employer leaks."""

from __future__ import annotations

from service.app.handlers.base import HandlerContext
from service.domain.anomalies import Anomaly, blocking
from service.domain.commands import EmployerMessage
from service.domain.rules.context import RuleContext
from service.domain.rules.identification import (
    check_employer_identification,
    check_request_reference,
)
from service.domain.rules.stateful import v_id_8_mandate, v_id_9_noss_matches


async def identification_and_mandate(
    hc: HandlerContext, cmd: EmployerMessage, root: str
) -> list[Anomaly]:
    """The blocking anomalies of steps V-LCY-4 (format), V-ID-4/5, V-ID-8 and V-ID-9, in that
    order; an empty list means the message may be judged on its content."""
    found = [a for a in [check_request_reference(cmd.request_reference,
                                                 f"{root}/RequestReference")] if a]
    found += check_employer_identification(
        cmd.employer.company_id, cmd.employer.noss_registration_nbr, root
    )
    if stop := blocking(found):
        return stop
    company = cmd.employer.company_id
    holds = await hc.tx.mandates.holds(hc.envelope.sender, company, hc.today)
    if mandate := v_id_8_mandate(holds, root):
        return [mandate]
    registered = await hc.tx.employers.registered_noss(company)
    if clash := v_id_9_noss_matches(registered, cmd.employer.noss_registration_nbr, root):
        return [clash]
    return []


async def remember_noss(hc: HandlerContext, cmd: EmployerMessage) -> None:
    """V-ID-9: the first valid NOSS number seen for an employer is recorded."""
    noss = cmd.employer.noss_registration_nbr
    company = cmd.employer.company_id
    if noss and await hc.tx.employers.registered_noss(company) is None:
        await hc.tx.employers.record_noss(company, noss)


async def rule_context(hc: HandlerContext, company_id: str) -> RuleContext:
    return RuleContext(
        processing_date=hc.today,
        parameters=hc.parameters,
        employer=await hc.tx.employers.profile(company_id),
        offline=False,
    )
