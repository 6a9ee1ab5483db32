"""ConsultRequest and SearchRequests: an employer reads its own requests (V-LCY-1, V-LCY-3,
V-LCY-5, V-LCY-6, V-MAN-2). Nothing changes; the reply is the answer."""

from __future__ import annotations

from service.app.handlers.base import HandlerContext, Outcome, rejected
from service.app.handlers.changes import ticket_request
from service.app.handlers.employer_checks import identification_and_mandate, rule_context
from service.app.ports import StoredRequest
from service.domain.anomalies import has_blocking
from service.domain.codes import RequestStatus
from service.domain.commands import ConsultRequest, SearchRequests, SubmitRequest
from service.domain.replies import (
    AttachmentInfo,
    HistoryEntry,
    RequestDetails,
    RequestSummary,
    SearchResult,
)
from service.domain.rules import evaluate
from service.domain.rules.lifecycle_rules import v_lcy_3_consult
from service.domain.search import SearchCriteria


async def handle_consult(cmd: ConsultRequest, hc: HandlerContext) -> Outcome:
    root = "/ConsultRequest"
    if stop := await identification_and_mandate(hc, cmd, root):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    request, missing = await ticket_request(hc, cmd, root, anomalies)
    anomalies += missing
    if request is not None and (state := v_lcy_3_consult(request.status)):
        anomalies.append(state)
    if request is None or has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    return Outcome(outbound=(hc.reply(await _details(hc, request)),), claims_reference=True)


async def _details(hc: HandlerContext, request: StoredRequest) -> RequestDetails:
    """The stored request as it is now (a modified EndDate included), its attachments
    without content, and its history: the submission, then every stored change."""
    ticket = request.ticket_number
    attachments = tuple(
        AttachmentInfo(file_name=a.file_name, content_type=a.content_type, size=a.size,
                       sha256=a.sha256)
        for a in await hc.tx.attachments.for_request(ticket)
    )
    submitted = HistoryEntry(at=request.submitted_at, kind=RequestStatus.SUBMITTED.value)
    return RequestDetails(
        ticket_number=ticket, status=request.status, submitted_at=request.submitted_at,
        request=SubmitRequest.model_validate_json(request.payload_json),
        attachments=attachments,
        history=(submitted, *await hc.tx.requests.history(ticket)),
    )


async def handle_search(cmd: SearchRequests, hc: HandlerContext) -> Outcome:
    """Only the employer's requests submitted on or after shift(processing date, -24),
    newest first, whatever their state (V-LCY-5)."""
    root = "/SearchRequests"
    if stop := await identification_and_mandate(hc, cmd, root):
        return rejected(hc, cmd.request_reference, stop)
    anomalies = evaluate(cmd, await rule_context(hc, cmd.employer.company_id))
    if has_blocking(anomalies):
        return rejected(hc, cmd.request_reference, anomalies)
    criteria = SearchCriteria.from_command(cmd, hc.today, hc.parameters)
    total, page = await hc.tx.requests.search(cmd.employer.company_id, criteria)
    result = SearchResult(page=criteria.page, page_size=criteria.page_size, total=total,
                          requests=tuple(_summary(r) for r in page))
    return Outcome(outbound=(hc.reply(result),), claims_reference=True)


def _summary(request: StoredRequest) -> RequestSummary:
    fraction = request.fraction or SubmitRequest.model_validate_json(request.payload_json).fraction
    return RequestSummary(
        ticket_number=request.ticket_number, request_reference=request.request_reference,
        inss=request.inss, scheme=request.scheme, fraction=fraction,
        start_date=request.start_date, end_date=request.end_date, status=request.status,
        submitted_at=request.submitted_at,
    )
