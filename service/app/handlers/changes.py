"""CancelRequest, ModifyRequest and AddAttachment: an employer changes a stored request
(RULES.md 5.1 R3-R5; V-LCY-1, V-MSG-5, V-LCY-2, V-ATT-1..5).

Each looks the ticket up within the message's employer after the mandate check (V-MAN-2):
another employer's ticket is answered exactly like an unknown one (70012-003).
"""

from __future__ import annotations

from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.employer_checks import identification_and_mandate, rule_context
from service.app.handlers.filing import (
    WorkerFile,
    earlier_request,
    meets,
    store_attachments,
)
from service.app.handlers.status import add_history, move_request
from service.app.ports import StoredRequest
from service.app.routing import AUTHORITY_OUT_EXCHANGE
from service.domain.anomalies import Anomaly, blocking, has_blocking
from service.domain.codes import Action, RequestStatus
from service.domain.commands import (
    AddAttachment,
    CancelRequest,
    ConsultRequest,
    ModifyRequest,
    SubmitRequest,
)
from service.domain.replies import (
    Acknowledgement,
    RequestCancelled,
    RequestModified,
    changes_made,
)
from service.domain.rules import evaluate
from service.domain.rules.caps import v_cap_1_caps, v_dur_5_consecutive_palliative
from service.domain.rules.context import RuleContext
from service.domain.rules.employer_part import EmployerPart
from service.domain.rules.lifecycle_rules import (
    check_modification,
    modified_part,
    v_att_1_attach,
    v_att_5_names_unused,
    v_lcy_1_ticket_known,
    v_msg_5_cancel,
    v_msg_5_modify,
)
from service.domain.rules.stateful import v_msg_4_no_overlap, v_pfl_2_period_covers_end

TicketMessage = CancelRequest | ModifyRequest | AddAttachment | ConsultRequest


async def ticket_request(
    hc: HandlerContext, cmd: TicketMessage, root: str, stateless: list[Anomaly]
) -> tuple[StoredRequest | None, list[Anomaly]]:
    """V-LCY-1: the employer's request with this ticket, or 70012-003 (unknown and foreign
    alike). A malformed ticket, already refused by the stateless rules, is not looked up."""
    if any(a.path == f"{root}/TicketNumber" for a in stateless):
        return None, []
    found = await hc.tx.requests.by_ticket(cmd.employer.company_id, cmd.ticket_number)
    unknown = v_lcy_1_ticket_known(found is not None, root)
    return found, [] if unknown is None else [unknown]


def acknowledged(
    hc: HandlerContext, cmd: TicketMessage, action: Action, warnings: list[Anomaly]
) -> Acknowledgement:
    return Acknowledgement(
        request_reference=cmd.request_reference, ticket_number=cmd.ticket_number,
        action=action, at=hc.now, messages=changes_made(action), anomalies=tuple(warnings),
    )


# ---- CancelRequest (R5) -----------------------------------------------------------------------


async def handle_cancel(cmd: CancelRequest, hc: HandlerContext) -> Outcome:
    root = "/CancelRequest"
    if stop := await identification_and_mandate(hc, cmd, root):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    request, missing = await ticket_request(hc, cmd, root, anomalies)
    anomalies += missing
    if request is not None and (state := v_msg_5_cancel(request.status)):
        anomalies.append(state)
    if request is None or has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    cancelled = RequestCancelled(ticket_number=request.ticket_number, at=hc.now)
    outbound = [
        hc.reply(acknowledged(hc, cmd, Action.CANCELLED, anomalies)),
        hc.event(AUTHORITY_OUT_EXCHANGE, "RequestCancelled", cancelled, "authority"),
        *await move_request(hc, request, (RequestStatus.CANCELLED,)),
    ]
    return Outcome(outbound=tuple(outbound), claims_reference=True)


# ---- ModifyRequest (R3) -----------------------------------------------------------------------


async def handle_modify(cmd: ModifyRequest, hc: HandlerContext) -> Outcome:
    root = "/ModifyRequest"
    if stop := await identification_and_mandate(hc, cmd, root):
        return rejected(hc, cmd.request_reference, stop)
    ctx = await rule_context(hc, cmd.employer.company_id)
    anomalies = evaluate(cmd, ctx)
    request, missing = await ticket_request(hc, cmd, root, anomalies)
    anomalies += missing
    if request is not None:
        state = v_msg_5_modify(request.status)
        anomalies += [state] if state else await _new_period(hc, cmd, request, ctx)
    if request is None or has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    stored = SubmitRequest.model_validate_json(request.payload_json)
    changed = modified_part(stored, cmd.new_end_date)
    await hc.tx.requests.set_end_date(request.ticket_number, cmd.new_end_date,
                                      changed.model_dump_json(), request.version)
    await add_history(hc, request.ticket_number, "MODIFIED",
                      f"EndDate {stored.end_date or '-'} -> {cmd.new_end_date}")
    modified = RequestModified(ticket_number=request.ticket_number,
                               new_end_date=cmd.new_end_date, at=hc.now)
    outbound = (
        hc.reply(acknowledged(hc, cmd, Action.MODIFIED, anomalies)),
        hc.event(AUTHORITY_OUT_EXCHANGE, "RequestModified", modified, "authority"),
    )
    return Outcome(outbound=outbound, claims_reference=True)


async def _new_period(
    hc: HandlerContext, cmd: ModifyRequest, request: StoredRequest, ctx: RuleContext
) -> list[Anomaly]:
    """V-LCY-2: the new period through the EP rules on the end date, then V-MSG-4 (ignoring
    the request itself), V-PFL-2, V-CAP-1 and V-DUR-5, all blamed on NewEndDate."""
    root, new_end = "/ModifyRequest", cmd.new_end_date
    stored = SubmitRequest.model_validate_json(request.payload_json)
    found = check_modification(stored, new_end, ctx, root)
    if blocking(found) and new_end < stored.start_date:
        return found  # 70005-014: no period to judge
    part = EmployerPart.from_submit(modified_part(stored, new_end))
    worker = await WorkerFile.read(hc, part)
    others = worker.others(request.ticket_number)
    history = [earlier_request(r) for r in others]
    path = f"{root}/NewEndDate"
    overlapping = [r.ticket_number for r in others if meets(r, part.start_date, new_end)]
    more = [
        v_msg_4_no_overlap(overlapping, root),
        v_pfl_2_period_covers_end(worker.periods, part.start_date, new_end, root),
        v_cap_1_caps(part, history, hc.parameters, path),
        v_dur_5_consecutive_palliative(part, history, hc.parameters, path),
    ]
    return found + [a.model_copy(update={"path": path}) for a in more if a is not None]


# ---- AddAttachment (R4) -----------------------------------------------------------------------


async def handle_add_attachment(cmd: AddAttachment, hc: HandlerContext) -> Outcome:
    root = "/AddAttachment"
    if stop := await identification_and_mandate(hc, cmd, root):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    request, missing = await ticket_request(hc, cmd, root, anomalies)
    anomalies += missing
    if request is not None:
        if state := v_att_1_attach(request.status):
            anomalies.append(state)
        stored = {a.file_name for a in await hc.tx.attachments.for_request(request.ticket_number)}
        anomalies += v_att_5_names_unused(cmd.attachments, stored, root)
    if request is None or has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    await store_attachments(hc, request.ticket_number, cmd.attachments)
    await add_history(hc, request.ticket_number, "ATTACHMENT_ADDED",
                      ", ".join(a.file_name for a in cmd.attachments))
    modified = RequestModified(ticket_number=request.ticket_number, at=hc.now)
    outbound = (
        hc.reply(acknowledged(hc, cmd, Action.ATTACHMENT_ADDED, anomalies)),
        hc.event(AUTHORITY_OUT_EXCHANGE, "RequestModified", modified, "authority"),
    )
    return Outcome(outbound=outbound, claims_reference=True)
