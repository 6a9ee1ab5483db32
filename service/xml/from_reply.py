"""Reply and event models -> XML bytes, element order exactly as replies.xsd and bulk.xsd.

One renderer per model, chosen by type. Each writes its elements in schema order; the tests
validate every rendering against the XSD.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from service.domain import replies as r
from service.domain.commands import CompanyRef, SubmitRequest
from service.xml import writing as w
from service.xml.writing import add, group, opt


def _ticket(m: r.Ticket, e: etree._Element) -> None:
    add(e, "RequestReference", m.request_reference)
    add(e, "TicketNumber", m.ticket_number)
    add(e, "Status", m.status)
    add(e, "SubmittedAt", m.submitted_at)
    w.anomalies(e, m.anomalies)


def _acknowledgement(m: r.Acknowledgement, e: etree._Element) -> None:
    add(e, "RequestReference", m.request_reference)
    opt(e, "TicketNumber", m.ticket_number)
    add(e, "Action", m.action)
    add(e, "At", m.at)
    w.messages(e, m.messages.en, m.messages.fr, m.messages.nl)
    w.anomalies(e, m.anomalies)


def _rejection(m: r.Rejection, e: etree._Element) -> None:
    opt(e, "RequestReference", m.request_reference)
    w.anomalies(e, m.anomalies)


def _company(parent: etree._Element, employer: CompanyRef) -> None:
    add(group(parent, "Employer"), "CompanyID", employer.company_id)


def _submitted_fields(e: etree._Element, s: SubmitRequest) -> None:
    """SubmitRequestFields (common.xsd): the stored request as RequestDetails shows it."""
    add(e, "RequestReference", s.request_reference)
    employer = group(e, "Employer")
    add(employer, "CompanyID", s.employer.company_id)
    opt(employer, "NOSSRegistrationNbr", s.employer.noss_registration_nbr)
    worker = group(e, "Worker")
    for name, value in (("INSS", s.worker.inss), ("Source", s.worker.source),
                        ("HireDate", s.worker.hire_date), ("LastName", s.worker.last_name),
                        ("FirstName", s.worker.first_name)):
        opt(worker, name, value)
    add(e, "Scheme", s.scheme)
    opt(e, "Motive", s.motive)
    add(e, "Fraction", s.fraction)
    add(e, "StartDate", s.start_date)
    opt(e, "EndDate", s.end_date)
    add(e, "NoticeDate", s.notice_date)
    for name, regime in (("RegimeBefore", s.regime_before), ("RegimeDuring", s.regime_during)):
        part = group(e, name)
        add(part, "WorkingDaysSystem", regime.working_days_system)
        add(part, "MeanWorkingHours", regime.mean_working_hours)
        add(part, "RefMeanWorkingHours", regime.ref_mean_working_hours)
    add(e, "SeveralEmployers", s.several_employers)
    if s.other_employer is not None:
        other = group(e, "OtherEmployer")
        add(other, "CompanyID", s.other_employer.company_id)
        opt(other, "MeanWorkingHours", s.other_employer.mean_working_hours)
        opt(other, "RefMeanWorkingHours", s.other_employer.ref_mean_working_hours)
        opt(other, "CombinedWorkingDays", s.other_employer.combined_working_days)
    opt(e, "EmployerAgreement", s.employer_agreement)
    for circumstance in s.circumstances:
        add(e, "Circumstance", circumstance)
    if s.child is not None:
        child = group(e, "Child")
        add(child, "BirthDate", s.child.birth_date)
        opt(child, "Disabled", s.child.disabled)
    opt(e, "NotificationId", s.notification_id)


def _request_details(m: r.RequestDetails, e: etree._Element) -> None:
    add(e, "TicketNumber", m.ticket_number)
    add(e, "Status", m.status)
    add(e, "SubmittedAt", m.submitted_at)
    _submitted_fields(e, m.request)
    for info in m.attachments:
        part = group(e, "AttachmentInfo")
        add(part, "FileName", info.file_name)
        add(part, "ContentType", info.content_type)
        add(part, "Size", info.size)
        add(part, "SHA256", info.sha256)
    history = group(e, "History")
    for entry in m.history:
        change = group(history, "Change")
        add(change, "At", entry.at)
        add(change, "Kind", entry.kind)
        opt(change, "Detail", entry.detail)


def _search_result(m: r.SearchResult, e: etree._Element) -> None:
    add(e, "Page", m.page)
    add(e, "PageSize", m.page_size)
    add(e, "Total", m.total)
    for found in m.requests:
        request = group(e, "Request")
        for name, value in (("TicketNumber", found.ticket_number),
                            ("RequestReference", found.request_reference),
                            ("INSS", found.inss), ("Scheme", found.scheme),
                            ("Fraction", found.fraction), ("StartDate", found.start_date),
                            ("EndDate", found.end_date), ("Status", found.status),
                            ("SubmittedAt", found.submitted_at)):
            opt(request, name, value)


def _notification_list(m: r.NotificationList, e: etree._Element) -> None:
    # ListedNotification has no Child: the model's child is not part of the reply.
    for n in m.notifications:
        item = group(e, "Notification")
        for name, value in (("NotificationId", n.notification_id), ("INSS", n.inss),
                            ("LastName", n.last_name), ("FirstName", n.first_name),
                            ("Scheme", n.scheme), ("Motive", n.motive),
                            ("Fraction", n.fraction),
                            ("RequestedStartDate", n.requested_start_date),
                            ("RequestedEndDate", n.requested_end_date),
                            ("NoticeDate", n.notice_date), ("State", n.state),
                            ("ReceivedAt", n.received_at)):
            opt(item, name, value)


def _bulk_receipt(m: r.BulkReceipt, e: etree._Element) -> None:
    add(e, "FileReference", m.file_reference)
    add(e, "ResultCode", m.result_code)
    add(e, "ItemCount", m.item_count)
    w.anomalies(e, m.anomalies)


def _bulk_result(m: r.BulkResult, e: etree._Element) -> None:
    add(e, "FileReference", m.file_reference)
    add(e, "Accepted", m.accepted)
    add(e, "Rejected", m.rejected)
    for item in m.items:
        result = group(e, "ItemResult")
        result.set("seq", str(item.seq))
        add(result, "RequestReference", item.request_reference)
        # TicketNumber and Action are a choice: an accepted submission shows its ticket.
        if item.ticket_number is not None:
            add(result, "TicketNumber", item.ticket_number)
        else:
            opt(result, "Action", item.action)
        add(result, "Status", item.status)
        w.anomalies(result, item.anomalies)


def _bulk_progress(m: r.BulkProgress, e: etree._Element) -> None:
    add(e, "FileReference", m.file_reference)
    add(e, "ItemsDone", m.items_done)
    add(e, "ItemCount", m.item_count)


def _status_update(m: r.StatusUpdate, e: etree._Element) -> None:
    add(e, "TicketNumber", m.ticket_number)
    add(e, "RequestReference", m.request_reference)
    add(e, "Status", m.status)
    add(e, "ChangedAt", m.changed_at)
    opt(e, "Reason", m.reason)
    opt(e, "Version", m.version)


def _notification_update(m: r.NotificationUpdate, e: etree._Element) -> None:
    add(e, "NotificationId", m.notification_id)
    _company(e, m.employer)
    add(e, "State", m.state)
    add(e, "ChangedAt", m.changed_at)
    opt(e, "TicketNumber", m.ticket_number)


def _request_submitted(m: r.RequestSubmitted, e: etree._Element) -> None:
    add(e, "TicketNumber", m.ticket_number)
    _company(e, m.employer)
    add(group(e, "Worker"), "INSS", m.inss)
    add(e, "Scheme", m.scheme)
    opt(e, "Motive", m.motive)
    add(e, "Fraction", m.fraction)
    add(e, "StartDate", m.start_date)
    opt(e, "EndDate", m.end_date)
    opt(e, "NotificationId", m.notification_id)
    add(e, "SubmittedAt", m.submitted_at)


def _request_cancelled(m: r.RequestCancelled, e: etree._Element) -> None:
    add(e, "TicketNumber", m.ticket_number)
    add(e, "At", m.at)


def _request_modified(m: r.RequestModified, e: etree._Element) -> None:
    add(e, "TicketNumber", m.ticket_number)
    opt(e, "NewEndDate", m.new_end_date)
    add(e, "At", m.at)


def _notification_decided(m: r.NotificationDecided, e: etree._Element) -> None:
    add(e, "NotificationId", m.notification_id)
    _company(e, m.employer)
    add(e, "Decision", m.decision)
    opt(e, "NewStartDate", m.new_start_date)
    opt(e, "Reason", m.reason)
    opt(e, "TicketNumber", m.ticket_number)
    w.anomalies(e, m.anomalies)
    add(e, "DecidedAt", m.decided_at)


_RENDERERS: dict[type[Any], Callable[[Any, etree._Element], None]] = {
    r.Ticket: _ticket,
    r.Acknowledgement: _acknowledgement,
    r.Rejection: _rejection,
    r.RequestDetails: _request_details,
    r.SearchResult: _search_result,
    r.NotificationList: _notification_list,
    r.BulkReceipt: _bulk_receipt,
    r.BulkResult: _bulk_result,
    r.BulkProgress: _bulk_progress,
    r.StatusUpdate: _status_update,
    r.NotificationUpdate: _notification_update,
    r.RequestSubmitted: _request_submitted,
    r.RequestCancelled: _request_cancelled,
    r.RequestModified: _request_modified,
    r.NotificationDecided: _notification_decided,
}

RENDERED_TYPES = frozenset(_RENDERERS)


def render_reply(reply: object) -> bytes:
    """UTF-8 XML with declaration; the root is the model's class name (e.g. `Ticket`)."""
    renderer = _RENDERERS.get(type(reply))
    if renderer is None:
        raise TypeError(f"no XML rendering for {type(reply).__name__}")
    element = w.root(type(reply).__name__)
    renderer(reply, element)
    return w.serialise(element)
