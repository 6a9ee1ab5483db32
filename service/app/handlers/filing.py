"""Filing an employer part: what SubmitRequest and DecideNotification/Accept share (R1, R2).

The stateful EP rules (personnel file, overlaps, caps over breakgate's history, seniority),
then one ticket, the stored request with its attachments, and the three messages of a
submission: the Ticket to the sender, RequestSubmitted to the authority, status.SUBMITTED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.app.envelope import Outbound
from service.app.handlers.base import HandlerContext
from service.app.handlers.employer_checks import remember_noss
from service.app.handlers.status import ENDED
from service.app.ports import StoredAttachment, StoredRequest
from service.app.routing import AUTHORITY_OUT_EXCHANGE, EVENTS_EXCHANGE
from service.domain.anomalies import Anomaly
from service.domain.codes import Environment, RequestStatus
from service.domain.commands import Attachment, CompanyRef, SubmitRequest
from service.domain.replies import RequestSubmitted, StatusUpdate, Ticket
from service.domain.rules.attachments import decoded_attachment
from service.domain.rules.caps import (
    EarlierRequest,
    v_cap_1_caps,
    v_dur_5_consecutive_palliative,
)
from service.domain.rules.employer_part import EmployerPart
from service.domain.rules.seniority import v_elg_4_seniority
from service.domain.rules.stateful import (
    Period,
    v_msg_4_no_overlap,
    v_pfl_1_in_personnel_file,
    v_pfl_2_period_covers_end,
)


def ticket_number(environment: Environment, year: int, value: int) -> str:
    """`ELO2026-000000123`; rehearsal (T) tickets start with `T` instead of `ELO`."""
    prefix = "T" if environment is Environment.TEST else "ELO"
    return f"{prefix}{year}-{value:09d}"


# ---- stateful rules ---------------------------------------------------------------------------


def earlier_request(stored: StoredRequest) -> EarlierRequest:
    """A stored request as the caps count it (motive, fraction and child from its payload)."""
    submit = SubmitRequest.model_validate_json(stored.payload_json)
    return EarlierRequest(
        scheme=stored.scheme, motive=submit.motive, fraction=submit.fraction,
        start=stored.start_date, end=stored.end_date,
        child_birth=submit.child.birth_date if submit.child else None,
    )


def meets(request: StoredRequest, start: date, end: date | None) -> bool:
    """The request's period shares at least one day with [start, end] (None: open end)."""
    return (request.end_date is None or request.end_date >= start) and (
        end is None or request.start_date <= end
    )


@dataclass(frozen=True)
class WorkerFile:
    """What the stateful EP rules read about one worker at one employer, for one scheme."""

    periods: list[Period]
    live: list[StoredRequest]  # same scheme, neither CANCELLED nor REFUSED

    @classmethod
    async def read(cls, hc: HandlerContext, part: EmployerPart) -> WorkerFile:
        company, inss = part.company_id, part.worker_inss
        periods = [Period(p.entry_date, p.exit_date)
                   for p in await hc.tx.personnel.periods(company, inss)]
        same_scheme = await hc.tx.requests.for_worker(company, inss, part.scheme)
        return cls(periods, [r for r in same_scheme if r.status not in ENDED])

    def others(self, ticket: str | None) -> list[StoredRequest]:
        return [r for r in self.live if r.ticket_number != ticket]


def _at(found: Anomaly | None, path: str) -> Anomaly | None:
    return None if found is None else found.model_copy(update={"path": path})


def stateful_ep_anomalies(
    hc: HandlerContext, part: EmployerPart, worker: WorkerFile
) -> list[Anomaly]:
    """V-PFL-1, V-PFL-2, V-MSG-4 (CANCELLED and REFUSED requests do not overlap), V-CAP-1,
    V-DUR-5 (4th palliative month) and V-ELG-4, each blamed where the part says (an Accept
    blames what came from the notification on its NotificationId)."""
    start, end, root = part.start_date, part.end_date, part.root
    overlapping = [r.ticket_number for r in worker.live if meets(r, start, end)]
    history = [earlier_request(r) for r in worker.live]
    found = [
        _at(v_pfl_1_in_personnel_file(worker.periods, start, part.worker_source, root),
            part.path("Worker/INSS")),
        _at(v_pfl_2_period_covers_end(worker.periods, start, end, root), part.path("EndDate")),
        _at(v_msg_4_no_overlap(overlapping, root), part.path("StartDate")),
        v_cap_1_caps(part, history, hc.parameters),
        v_dur_5_consecutive_palliative(part, history, hc.parameters),
        v_elg_4_seniority(part, worker.periods, hc.parameters),
    ]
    return [a for a in found if a is not None]


# ---- the accepted filing ----------------------------------------------------------------------


async def issue_ticket(hc: HandlerContext) -> str:
    env = hc.envelope.environment
    return ticket_number(env, hc.today.year, await hc.tx.tickets.next_value(env, hc.today.year))


async def store_request(hc: HandlerContext, cmd: SubmitRequest, ticket: str) -> None:
    """The request (its payload without attachment content) and its attachments."""
    await remember_noss(hc, cmd)
    await hc.tx.requests.add(StoredRequest(
        ticket_number=ticket, sender=hc.envelope.sender, company_id=cmd.employer.company_id,
        request_reference=cmd.request_reference, inss=cmd.worker.inss, scheme=cmd.scheme,
        start_date=cmd.start_date, end_date=cmd.end_date, status=RequestStatus.SUBMITTED,
        version=1, submitted_at=hc.now,
        payload_json=cmd.model_copy(update={"attachments": ()}).model_dump_json(),
        fraction=cmd.fraction,
    ))
    await store_attachments(hc, ticket, cmd.attachments)


async def store_attachments(
    hc: HandlerContext, ticket: str, attachments: Sequence[Attachment]
) -> None:
    """Checked already (V-ATT-2..5): stored with their size and SHA-256."""
    for attachment in attachments:
        data, sha256 = decoded_attachment(attachment)
        info = StoredAttachment(file_name=attachment.file_name,
                                content_type=attachment.content_type.strip().lower(),
                                size=len(data), sha256=sha256)
        await hc.tx.attachments.add(ticket, info, data)


@dataclass(frozen=True)
class Submission:
    """The three messages of an accepted filing, in the order R1 publishes them."""

    reply: Outbound
    authority: Outbound
    event: Outbound


def submission(
    hc: HandlerContext, cmd: SubmitRequest, ticket: str, warnings: Sequence[Anomaly]
) -> Submission:
    reply = Ticket(request_reference=cmd.request_reference, ticket_number=ticket,
                   submitted_at=hc.now, anomalies=tuple(warnings))
    submitted = RequestSubmitted(
        ticket_number=ticket, employer=CompanyRef(company_id=cmd.employer.company_id),
        inss=cmd.worker.inss, scheme=cmd.scheme, motive=cmd.motive, fraction=cmd.fraction,
        start_date=cmd.start_date, end_date=cmd.end_date, notification_id=cmd.notification_id,
        submitted_at=hc.now,
    )
    # Events are pseudonymous: a StatusUpdate carries no INSS.
    status = StatusUpdate(ticket_number=ticket, request_reference=cmd.request_reference,
                          status=RequestStatus.SUBMITTED, changed_at=hc.now, version=1)
    return Submission(
        reply=hc.reply(reply),
        authority=hc.event(AUTHORITY_OUT_EXCHANGE, "RequestSubmitted", submitted, "authority"),
        event=hc.event(EVENTS_EXCHANGE, f"status.{RequestStatus.SUBMITTED}", status, "event"),
    )
