"""State changes of stored requests and notifications, and what each one publishes.

A request entering a status (RULES.md 5.1) gets one history entry, its version raised by one,
a `StatusUpdate` for the submitting sender while its mandate holds, else for every sender
mandated for the employer (V-MAN-4), and the same document as the `status.<STATUS>` event.
StatusUpdates go to the senders' durable reply queues (never to a per-message `reply_to`: they
are not the reply to a message) with the causing message's id as correlation_id.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.app.envelope import Outbound
from service.app.handlers.base import HandlerContext
from service.app.ports import StoredRequest
from service.app.routing import EVENTS_EXCHANGE
from service.domain.codes import NotificationState, RequestStatus
from service.domain.commands import CompanyRef
from service.domain.replies import HistoryEntry, NotificationUpdate, StatusUpdate

MAX_DETAIL = 500  # ShortText of RequestDetails/History/Change/Detail

#: Requests that no longer count: not overlapping (V-MSG-4), not in the caps (V-CAP-1).
ENDED = frozenset({RequestStatus.CANCELLED, RequestStatus.REFUSED})


async def status_recipients(hc: HandlerContext, request: StoredRequest) -> list[str]:
    """V-MAN-4: the submitting sender while its mandate is valid, else every sender currently
    mandated for the employer (requests belong to the employer, V-MAN-3)."""
    if await hc.tx.mandates.holds(request.sender, request.company_id, hc.today):
        return [request.sender]
    return await hc.tx.mandates.mandated_senders(request.company_id, hc.today)


async def move_request(
    hc: HandlerContext,
    request: StoredRequest,
    steps: Sequence[RequestStatus],
    reason: str | None = None,
) -> list[Outbound]:
    """Enters each status of `steps` in order (two for R9): stores the last one, guarded by
    the version read, and returns per step its StatusUpdates then its event. `reason` goes
    with the last step (Decision/Reason)."""
    last = request.version + len(steps)
    await hc.tx.requests.update_status(request.ticket_number, steps[-1], last, request.version)
    recipients = await status_recipients(hc, request)
    found: list[Outbound] = []
    for version, status in enumerate(steps, start=request.version + 1):
        said = reason[:MAX_DETAIL] if reason and version == last else None
        await add_history(hc, request.ticket_number, status.value, said)
        update = StatusUpdate(
            ticket_number=request.ticket_number, request_reference=request.request_reference,
            status=status, changed_at=hc.now, reason=said, version=version,
        )
        found += [hc.outbound.to_sender(hc.envelope, sender, update, f"status:{version}:{sender}")
                  for sender in recipients]
        found.append(hc.event(EVENTS_EXCHANGE, f"status.{status}", update,
                              f"event:status:{version}"))
    return found


async def add_history(
    hc: HandlerContext, ticket_number: str, kind: str, detail: str | None = None
) -> None:
    await hc.tx.requests.add_history(
        ticket_number,
        HistoryEntry(at=hc.now, kind=kind, detail=detail[:MAX_DETAIL] if detail else None),
    )


def notification_event(
    hc: HandlerContext,
    company_id: str,
    notification_id: str,
    state: NotificationState,
    ticket_number: str | None = None,
) -> Outbound:
    """The `notification.<STATE>` event (pseudonymous: no INSS)."""
    update = NotificationUpdate(
        notification_id=notification_id, employer=CompanyRef(company_id=company_id),
        state=state, changed_at=hc.now, ticket_number=ticket_number,
    )
    return hc.event(EVENTS_EXCHANGE, f"notification.{state}", update,
                    f"event:notification:{state}")
