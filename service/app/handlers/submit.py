"""SubmitRequest: judge the employer part, issue one ticket, tell the sender and the authority."""

from __future__ import annotations

from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.employer_checks import (
    identification_and_mandate,
    remember_noss,
    rule_context,
)
from service.app.ports import StoredRequest
from service.app.routing import AUTHORITY_OUT_EXCHANGE, EVENTS_EXCHANGE
from service.domain.anomalies import Anomaly, has_blocking
from service.domain.codes import Environment, RequestStatus
from service.domain.commands import CompanyRef, SubmitRequest
from service.domain.replies import RequestSubmitted, StatusUpdate, Ticket
from service.domain.rules import evaluate
from service.domain.rules.stateful import (
    Period,
    v_msg_4_no_overlap,
    v_pfl_1_in_personnel_file,
    v_pfl_2_period_covers_end,
)

ROOT = "/SubmitRequest"


def ticket_number(environment: Environment, year: int, value: int) -> str:
    """`ELO2026-000000123`; rehearsal (T) tickets start with `T` instead of `ELO`."""
    prefix = "T" if environment is Environment.TEST else "ELO"
    return f"{prefix}{year}-{value:09d}"


async def handle_submit(cmd: SubmitRequest, hc: HandlerContext) -> Outcome:
    if stop := await identification_and_mandate(hc, cmd, ROOT):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    anomalies += await _stateful_anomalies(hc, cmd)
    if has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    return await _accept(hc, cmd, anomalies)


async def _stateful_anomalies(hc: HandlerContext, cmd: SubmitRequest) -> list[Anomaly]:
    company, inss = cmd.employer.company_id, cmd.worker.inss
    periods = [Period(p.entry_date, p.exit_date)
               for p in await hc.tx.personnel.periods(company, inss)]
    overlapping = await hc.tx.requests.overlapping(
        company, inss, cmd.scheme, cmd.start_date, cmd.end_date
    )
    found = [
        v_pfl_1_in_personnel_file(periods, cmd.start_date, cmd.worker.source, ROOT),
        v_pfl_2_period_covers_end(periods, cmd.start_date, cmd.end_date, ROOT),
        v_msg_4_no_overlap([r.ticket_number for r in overlapping], ROOT),
    ]
    return [a for a in found if a is not None]


async def _accept(hc: HandlerContext, cmd: SubmitRequest, warnings: list[Anomaly]) -> Outcome:
    env = hc.envelope.environment
    value = await hc.tx.tickets.next_value(env, hc.today.year)
    ticket = ticket_number(env, hc.today.year, value)
    await remember_noss(hc, cmd)
    await hc.tx.requests.add(_stored(hc, cmd, ticket))
    reply = Ticket(request_reference=cmd.request_reference, ticket_number=ticket,
                   submitted_at=hc.now, anomalies=tuple(warnings))
    return Outcome(
        outbound=(
            hc.reply(reply),
            hc.event(AUTHORITY_OUT_EXCHANGE, "RequestSubmitted", _submitted(cmd, ticket, hc),
                     "authority"),
            hc.event(EVENTS_EXCHANGE, f"status.{RequestStatus.SUBMITTED}",
                     _status_event(cmd, ticket, hc), "event"),
        ),
        claims_reference=True,
    )


def _stored(hc: HandlerContext, cmd: SubmitRequest, ticket: str) -> StoredRequest:
    return StoredRequest(
        ticket_number=ticket, sender=hc.envelope.sender, company_id=cmd.employer.company_id,
        request_reference=cmd.request_reference, inss=cmd.worker.inss, scheme=cmd.scheme,
        start_date=cmd.start_date, end_date=cmd.end_date, status=RequestStatus.SUBMITTED,
        version=1, submitted_at=hc.now, payload_json=cmd.model_dump_json(),
    )


def _submitted(cmd: SubmitRequest, ticket: str, hc: HandlerContext) -> RequestSubmitted:
    return RequestSubmitted(
        ticket_number=ticket, employer=CompanyRef(company_id=cmd.employer.company_id),
        inss=cmd.worker.inss, scheme=cmd.scheme, motive=cmd.motive, fraction=cmd.fraction,
        start_date=cmd.start_date, end_date=cmd.end_date, notification_id=cmd.notification_id,
        submitted_at=hc.now,
    )


def _status_event(cmd: SubmitRequest, ticket: str, hc: HandlerContext) -> StatusUpdate:
    """Events are pseudonymous: a StatusUpdate carries no INSS."""
    return StatusUpdate(ticket_number=ticket, request_reference=cmd.request_reference,
                        status=RequestStatus.SUBMITTED, changed_at=hc.now, version=1)
