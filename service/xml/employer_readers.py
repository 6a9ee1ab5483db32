"""Readers of the employer messages (CONTRACT.md section 3), BulkFile included."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from service.domain import commands as c
from service.domain.codes import (
    Fraction,
    Motive,
    NotificationState,
    RefuseReason,
    RequestStatus,
    Scheme,
    Sector,
)
from service.xml import parts
from service.xml.reading import Fields


def _opt_motive(m: Fields) -> Motive | None:
    value = m.opt_text("Motive")
    return None if value is None else Motive(value)


def submit_request(m: Fields) -> c.SubmitRequest:
    return c.SubmitRequest(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        worker=parts.worker(m),
        scheme=Scheme(m.text("Scheme")),
        motive=_opt_motive(m),
        fraction=Fraction(m.text("Fraction")),
        start_date=m.day("StartDate"),
        notification_id=m.opt_text("NotificationId"),
        attachments=parts.attachments(m),
        **parts.employer_part(m),
    )


def cancel_request(m: Fields) -> c.CancelRequest:
    return c.CancelRequest(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        ticket_number=m.text("TicketNumber"),
        confirm=m.flag("Confirm"),
    )


def modify_request(m: Fields) -> c.ModifyRequest:
    return c.ModifyRequest(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        ticket_number=m.text("TicketNumber"),
        new_end_date=m.day("NewEndDate"),
    )


def add_attachment(m: Fields) -> c.AddAttachment:
    return c.AddAttachment(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        ticket_number=m.text("TicketNumber"),
        attachments=parts.attachments(m),
    )


def consult_request(m: Fields) -> c.ConsultRequest:
    return c.ConsultRequest(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        ticket_number=m.text("TicketNumber"),
    )


def _criteria(m: Fields) -> c.ByCharacteristics | c.ByWorker:
    by_worker = m.opt_part("ByWorker")
    if by_worker is not None:
        return c.ByWorker(inss=by_worker.text("INSS"))
    by = m.part("ByCharacteristics")
    scheme, fraction, status = (by.opt_text(n) for n in ("Scheme", "Fraction", "Status"))
    return c.ByCharacteristics(
        scheme=None if scheme is None else Scheme(scheme),
        fraction=None if fraction is None else Fraction(fraction),
        status=None if status is None else RequestStatus(status),
        start_from=by.opt_day("StartFrom"),
        start_to=by.opt_day("StartTo"),
    )


def search_requests(m: Fields) -> c.SearchRequests:
    # Defaults applied here, not by the XSD, so that an empty element is refused.
    page, page_size = m.opt_number("Page"), m.opt_number("PageSize")
    return c.SearchRequests(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        criteria=_criteria(m),
        page=1 if page is None else page,
        page_size=100 if page_size is None else page_size,
    )


def list_notifications(m: Fields) -> c.ListNotifications:
    state = m.opt_text("State")
    return c.ListNotifications(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        state=NotificationState.PENDING if state is None else NotificationState(state),
    )


def _decision(m: Fields) -> c.Postpone | c.Refuse | c.Accept:
    postpone, refuse = m.opt_part("Postpone"), m.opt_part("Refuse")
    if postpone is not None:
        return c.Postpone(new_start_date=postpone.day("NewStartDate"))
    if refuse is not None:
        return c.Refuse(
            reason=RefuseReason(refuse.text("Reason")), comment=refuse.opt_free("Comment")
        )
    return c.Accept(**parts.employer_part(m.part("Accept")))


def decide_notification(m: Fields) -> c.DecideNotification:
    return c.DecideNotification(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        notification_id=m.text("NotificationId"),
        decision=_decision(m),
        attachments=parts.attachments(m),
    )


def update_parameters(m: Fields) -> c.UpdateParameters:
    contact = m.part("Contact")
    return c.UpdateParameters(
        request_reference=m.text("RequestReference"),
        employer=parts.employer(m),
        contact=c.Contact(
            name=contact.free("Name"),
            email=contact.text("Email"),
            phone=contact.opt_text("Phone"),
        ),
        sector=Sector(m.text("Sector")),
        joint_commission_nbr=m.text("JointCommissionNbr"),
        headcount=m.number("Headcount"),
        accept_employee_notifications=m.flag("AcceptEmployeeNotifications"),
    )


# Only these may be items of a BulkFile (V-MSG-2; the XSD's BulkItem choice).
BULK_ITEM_READERS: dict[str, Callable[[Fields], c.BulkItemCommand]] = {
    "SubmitRequest": submit_request,
    "CancelRequest": cancel_request,
    "ModifyRequest": modify_request,
    "AddAttachment": add_attachment,
    "DecideNotification": decide_notification,
}


def bulk_item(item: etree._Element) -> c.BulkItem:
    """One `Item`: its seq and the one batchable message inside it."""
    message = next(e for e in item.iterchildren() if isinstance(e.tag, str))
    reader = BULK_ITEM_READERS[etree.QName(message).localname]
    return c.BulkItem(seq=int(str(item.get("seq")).strip()), command=reader(Fields(message)))


def bulk_file(m: Fields) -> c.BulkFile:
    return c.BulkFile(
        file_reference=m.text("FileReference"),
        items=tuple(bulk_item(item) for item in m.each("Item")),
    )
