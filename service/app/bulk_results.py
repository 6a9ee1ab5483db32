"""One bulk item's line in the BulkResult, from the reply its interactive handler gave it;
and the synthetic envelope an item is processed under."""

from __future__ import annotations

import hashlib
from datetime import datetime

from service.app.bulk_ports import BulkFileRecord, PendingBulkItem, ReplyReader
from service.app.envelope import Envelope, Inbound, Outbound
from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.commands import (
    AddAttachment,
    BulkItemCommand,
    CancelRequest,
    DecideNotification,
    ModifyRequest,
    SubmitRequest,
)
from service.domain.replies import ItemResult
from service.domain.rules.bulk import item_path

ACCEPTED, REJECTED = "ACCEPTED", "REJECTED"
_COMMANDS: dict[str, type[BulkItemCommand]] = {
    c.__name__: c
    for c in (SubmitRequest, CancelRequest, ModifyRequest, AddAttachment, DecideNotification)
}


def item_inbound(file: BulkFileRecord, item: PendingBulkItem, now: datetime) -> Inbound:
    """The item as an interactive message of the file's sender: message_id
    `bulk:<file id>:<seq>` (its inbox key), the file's environment and correlation id."""
    command = _COMMANDS[item.kind].model_validate_json(item.payload)
    envelope = Envelope(
        sender=file.sender, message_id=f"bulk:{file.id}:{item.seq}",
        correlation_id=file.correlation_id,
        body_sha256=hashlib.sha256(item.payload.encode()).hexdigest(),
        received_at=now, environment=file.environment,
    )
    return Inbound(envelope, message_type=item.kind, request_reference=item.request_reference,
                   command=command)


def item_result(reader: ReplyReader, item: PendingBulkItem, reply: Outbound | None
                ) -> ItemResult:
    """A Ticket or an Acknowledgement is an accepted item (with its ticket, else its
    action), a Rejection a rejected one; anomaly paths are made relative to the file."""
    if reply is None:
        return not_processed(item)
    summary = reader.summary(reply.body)
    accepted = summary.kind in ("Ticket", "Acknowledgement")
    ticket = summary.ticket_number if summary.kind == "Ticket" else None
    return ItemResult(
        seq=item.seq, request_reference=item.request_reference,
        ticket_number=ticket if accepted else None,
        action=summary.action if accepted and ticket is None else None,
        status=ACCEPTED if accepted else REJECTED,
        anomalies=tuple(_under_item(a, item.seq) for a in summary.anomalies),
    )


def _under_item(found: Anomaly, seq: int) -> Anomaly:
    """A reply's anomaly path (`/SubmitRequest/...`) as seen from the file."""
    if found.path is None or found.path.startswith("/BulkFile"):
        return found
    return found.model_copy(update={"path": item_path(seq) + found.path})


def not_processed(item: PendingBulkItem) -> ItemResult:
    return ItemResult(seq=item.seq, request_reference=item.request_reference, status=REJECTED,
                      anomalies=(NOT_PROCESSED,))


NOT_PROCESSED = anomaly(
    "90000-146", Severity.BLOCKING, None,
    "This item could not be processed (technical error); nothing was changed. Send it again.",
    "Cet élément n'a pas pu être traité (erreur technique) ; rien n'a été modifié. "
    "Envoyez-le à nouveau.",
    "Dit item kon niet worden verwerkt (technische fout); er werd niets gewijzigd. "
    "Verstuur het opnieuw.",
)
