"""Readers of the authority-side messages (CONTRACT.md section 4)."""

from __future__ import annotations

from service.domain import commands as c
from service.domain.codes import DecisionOutcome, Fraction, Motive, Scheme
from service.xml import parts
from service.xml.reading import Fields


def worker_part_completed(m: Fields) -> c.WorkerPartCompleted:
    return c.WorkerPartCompleted(
        ticket_number=m.text("TicketNumber"), completed_on=m.day("CompletedOn")
    )


def decision(m: Fields) -> c.Decision:
    return c.Decision(
        ticket_number=m.text("TicketNumber"),
        outcome=DecisionOutcome(m.text("Outcome")),
        decided_on=m.day("DecidedOn"),
        reason=m.opt_free("Reason"),
    )


def employee_notification(m: Fields) -> c.EmployeeNotification:
    person = m.part("Worker")
    motive = m.opt_text("Motive")
    return c.EmployeeNotification(
        notification_id=m.text("NotificationId"),
        employer=parts.company(m),
        worker=c.NotifiedWorker(
            inss=person.text("INSS"),
            last_name=person.opt_free("LastName"),
            first_name=person.opt_free("FirstName"),
        ),
        scheme=Scheme(m.text("Scheme")),
        motive=None if motive is None else Motive(motive),
        fraction=Fraction(m.text("Fraction")),
        requested_start_date=m.day("RequestedStartDate"),
        requested_end_date=m.opt_day("RequestedEndDate"),
        notice_date=m.day("NoticeDate"),
        child=parts.child(m),
    )


def dimona_declaration(m: Fields) -> c.DimonaDeclaration:
    person = m.part("Worker")
    return c.DimonaDeclaration(
        employer=parts.company(m),
        worker=c.DimonaWorker(
            inss=person.text("INSS"),
            last_name=person.free("LastName"),
            first_name=person.free("FirstName"),
        ),
        entry_date=m.day("EntryDate"),
        exit_date=m.opt_day("ExitDate"),
        joint_commission_nbr=m.text("JointCommissionNbr"),
    )


def grant_mandate(m: Fields) -> c.GrantMandate:
    return c.GrantMandate(
        sender=m.text("Sender"),
        employer=parts.company(m),
        valid_from=m.day("ValidFrom"),
        valid_to=m.opt_day("ValidTo"),
    )


def revoke_mandate(m: Fields) -> c.RevokeMandate:
    return c.RevokeMandate(
        sender=m.text("Sender"),
        employer=parts.company(m),
        valid_from=m.day("ValidFrom"),
        valid_to=m.opt_day("ValidTo"),
    )
