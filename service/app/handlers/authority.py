"""Authority-side messages: mandates and the Dimona personnel file.

A B anomaly on an authority message is "B†": not applied, parked on breakgate.dead for ops,
and nothing is sent to any employer (RULES.md section 0).
"""

from __future__ import annotations

from datetime import timedelta

from service.app.handlers.base import HandlerContext, Outcome
from service.app.ports import EmploymentPeriod, Mandate
from service.app.results import Parked
from service.domain.anomalies import Anomaly, blocking
from service.domain.commands import DimonaDeclaration, GrantMandate, RevokeMandate
from service.domain.rules import evaluate
from service.domain.rules.context import RuleContext


def parked_if_blocking(hc: HandlerContext, command: object) -> Outcome | None:
    ctx = RuleContext(processing_date=hc.today, parameters=hc.parameters, offline=True)
    found: list[Anomaly] = blocking(evaluate(command, ctx))  # type: ignore[arg-type]
    if not found:
        return None
    first = found[0]
    return Outcome(parked=Parked(code=first.code, reason=first.messages.en))


async def handle_grant_mandate(cmd: GrantMandate, hc: HandlerContext) -> Outcome:
    if parked := parked_if_blocking(hc, cmd):
        return parked
    await hc.tx.mandates.grant(Mandate(cmd.sender, cmd.employer.company_id,
                                       cmd.valid_from, cmd.valid_to))
    return Outcome()


async def handle_revoke_mandate(cmd: RevokeMandate, hc: HandlerContext) -> Outcome:
    """A revocation ends the mandate on its date (V-MAN-1): from ValidFrom on it no longer
    holds."""
    if parked := parked_if_blocking(hc, cmd):
        return parked
    last_day = cmd.valid_from - timedelta(days=1)
    await hc.tx.mandates.revoke(cmd.sender, cmd.employer.company_id, last_day)
    return Outcome()


async def handle_dimona(cmd: DimonaDeclaration, hc: HandlerContext) -> Outcome:
    """Upsert keyed on (employer, INSS, EntryDate) (V-PFL-5)."""
    if parked := parked_if_blocking(hc, cmd):
        return parked
    await hc.tx.personnel.upsert(EmploymentPeriod(
        company_id=cmd.employer.company_id, inss=cmd.worker.inss,
        entry_date=cmd.entry_date, exit_date=cmd.exit_date,
        last_name=cmd.worker.last_name, first_name=cmd.worker.first_name,
    ))
    return Outcome()
