"""Replies and events as data (CONTRACT.md section 5).

Handlers return these; the XML adapter renders them; producers publish them. Nothing here knows
how it travels.
"""

from __future__ import annotations

from datetime import date, datetime

from service.domain.anomalies import Anomaly, Messages
from service.domain.codes import (
    Action,
    Fraction,
    Motive,
    NotificationDecision,
    NotificationState,
    RequestStatus,
    Scheme,
)
from service.domain.commands import (
    Child,
    CompanyRef,
    Model,
    SubmitRequest,
)


class Ticket(Model):
    request_reference: str
    ticket_number: str
    status: RequestStatus = RequestStatus.SUBMITTED
    submitted_at: datetime
    anomalies: tuple[Anomaly, ...] = ()


class Acknowledgement(Model):
    """"Changes made": `messages` says which in EN/FR/NL (`changes_made(action)`); the
    warnings of the accepted message travel in `anomalies`."""

    request_reference: str
    ticket_number: str | None = None
    action: Action
    at: datetime
    messages: Messages
    anomalies: tuple[Anomaly, ...] = ()


#: The "Changes made" text of each Action, in the three languages every reply carries.
CHANGES_MADE: dict[Action, Messages] = {
    Action.CANCELLED: Messages(
        en="Changes made: the request was cancelled.",
        fr="Modifications effectuées : la demande a été annulée.",
        nl="Wijzigingen doorgevoerd: de aanvraag werd geannuleerd.",
    ),
    Action.MODIFIED: Messages(
        en="Changes made: the end date was changed.",
        fr="Modifications effectuées : la date de fin a été modifiée.",
        nl="Wijzigingen doorgevoerd: de einddatum werd gewijzigd.",
    ),
    Action.ATTACHMENT_ADDED: Messages(
        en="Changes made: the attachment was added.",
        fr="Modifications effectuées : la pièce jointe a été ajoutée.",
        nl="Wijzigingen doorgevoerd: de bijlage werd toegevoegd.",
    ),
    Action.POSTPONED: Messages(
        en="Changes made: the notification was postponed.",
        fr="Modifications effectuées : la notification a été reportée.",
        nl="Wijzigingen doorgevoerd: de melding werd uitgesteld.",
    ),
    Action.REFUSED: Messages(
        en="Changes made: the notification was refused.",
        fr="Modifications effectuées : la notification a été refusée.",
        nl="Wijzigingen doorgevoerd: de melding werd geweigerd.",
    ),
    Action.PARAMETERS_UPDATED: Messages(
        en="Changes made: the parameters were updated.",
        fr="Modifications effectuées : les paramètres ont été mis à jour.",
        nl="Wijzigingen doorgevoerd: de parameters werden bijgewerkt.",
    ),
}


def changes_made(action: Action) -> Messages:
    return CHANGES_MADE[action]


class Rejection(Model):
    request_reference: str | None = None
    anomalies: tuple[Anomaly, ...]


class AttachmentInfo(Model):
    file_name: str
    content_type: str
    size: int
    sha256: str


class HistoryEntry(Model):
    at: datetime
    kind: str
    detail: str | None = None


class RequestDetails(Model):
    ticket_number: str
    status: RequestStatus
    submitted_at: datetime
    request: SubmitRequest
    attachments: tuple[AttachmentInfo, ...] = ()
    history: tuple[HistoryEntry, ...] = ()


class RequestSummary(Model):
    ticket_number: str
    request_reference: str
    inss: str
    scheme: Scheme
    fraction: Fraction
    start_date: date
    end_date: date | None = None
    status: RequestStatus
    submitted_at: datetime


class SearchResult(Model):
    page: int
    page_size: int
    total: int
    requests: tuple[RequestSummary, ...] = ()


class NotificationSummary(Model):
    notification_id: str
    inss: str
    last_name: str | None = None
    first_name: str | None = None
    scheme: Scheme
    motive: Motive | None = None
    fraction: Fraction
    requested_start_date: date
    requested_end_date: date | None = None
    notice_date: date
    state: NotificationState
    received_at: datetime
    child: Child | None = None


class NotificationList(Model):
    notifications: tuple[NotificationSummary, ...] = ()


class BulkReceipt(Model):
    file_reference: str
    result_code: int
    item_count: int
    anomalies: tuple[Anomaly, ...] = ()


class ItemResult(Model):
    seq: int
    request_reference: str
    ticket_number: str | None = None
    action: Action | None = None
    status: str
    anomalies: tuple[Anomaly, ...] = ()


class BulkResult(Model):
    file_reference: str
    accepted: int
    rejected: int
    items: tuple[ItemResult, ...] = ()


class BulkProgress(Model):
    """How far the items of a logical file are, sent while they are processed (at most every
    few seconds, best effort: never stored, a lost one is harmless). Before the BulkResult,
    with the same correlation_id (part 1's message_id)."""

    file_reference: str
    items_done: int
    item_count: int


class StatusUpdate(Model):
    """`version` grows by one per state change of a request; receivers drop stale ones."""

    ticket_number: str
    request_reference: str
    status: RequestStatus
    changed_at: datetime
    reason: str | None = None
    version: int | None = None


class NotificationUpdate(Model):
    """A notification changed state: the `notification.<STATE>` event on breakgate.events.
    Pseudonymous like StatusUpdate (no INSS); `ticket_number` once ACCEPTED."""

    notification_id: str
    employer: CompanyRef
    state: NotificationState
    changed_at: datetime
    ticket_number: str | None = None


# ---- what the authority must know (breakgate.authority.out) ---------------------------------


class RequestSubmitted(Model):
    ticket_number: str
    employer: CompanyRef
    inss: str
    scheme: Scheme
    motive: Motive | None = None
    fraction: Fraction
    start_date: date
    end_date: date | None = None
    notification_id: str | None = None
    submitted_at: datetime


class RequestCancelled(Model):
    ticket_number: str
    at: datetime


class RequestModified(Model):
    """`new_end_date` None: the attachments changed (RULES 5.1 R4), not the period."""

    ticket_number: str
    new_end_date: date | None = None
    at: datetime


class NotificationDecided(Model):
    notification_id: str
    employer: CompanyRef
    decision: NotificationDecision
    new_start_date: date | None = None
    reason: str | None = None
    ticket_number: str | None = None
    anomalies: tuple[Anomaly, ...] = ()
    decided_at: datetime


Reply = (
    Ticket
    | Acknowledgement
    | Rejection
    | RequestDetails
    | SearchResult
    | NotificationList
    | BulkReceipt
    | BulkResult
    | BulkProgress
    | StatusUpdate
    | NotificationUpdate
)
AuthorityEvent = RequestSubmitted | RequestCancelled | RequestModified | NotificationDecided
