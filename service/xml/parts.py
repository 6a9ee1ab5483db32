"""Readers of the parts several messages share: Employer, Worker, Regime, Child, Attachment,
and the employer part common to SubmitRequest and DecideNotification/Accept."""

from __future__ import annotations

from typing import Any

from service.domain import commands as c
from service.domain.codes import Circumstance, WorkerSource
from service.xml.reading import Fields, content


def employer(message: Fields) -> c.EmployerRef:
    part = message.part("Employer")
    return c.EmployerRef(
        company_id=part.text("CompanyID"),
        noss_registration_nbr=part.opt_text("NOSSRegistrationNbr"),
    )


def company(message: Fields) -> c.CompanyRef:
    return c.CompanyRef(company_id=message.part("Employer").text("CompanyID"))


def worker(message: Fields) -> c.Worker:
    part = message.part("Worker")
    source = part.opt_text("Source")
    return c.Worker(
        inss=part.text("INSS"),
        source=WorkerSource(source) if source is not None else WorkerSource.DIMONA,
        hire_date=part.opt_day("HireDate"),
        last_name=part.opt_free("LastName"),
        first_name=part.opt_free("FirstName"),
    )


def regime(message: Fields, name: str) -> c.Regime:
    part = message.part(name)
    return c.Regime(
        working_days_system=part.number("WorkingDaysSystem"),
        mean_working_hours=part.number("MeanWorkingHours"),
        ref_mean_working_hours=part.number("RefMeanWorkingHours"),
    )


def other_employer(message: Fields) -> c.OtherEmployer | None:
    part = message.opt_part("OtherEmployer")
    if part is None:
        return None
    return c.OtherEmployer(
        company_id=part.text("CompanyID"),
        mean_working_hours=part.opt_number("MeanWorkingHours"),
        ref_mean_working_hours=part.opt_number("RefMeanWorkingHours"),
        combined_working_days=part.opt_number("CombinedWorkingDays"),
    )


def child(message: Fields) -> c.Child | None:
    part = message.opt_part("Child")
    if part is None:
        return None
    return c.Child(birth_date=part.day("BirthDate"), disabled=part.opt_flag("Disabled"))


def attachments(message: Fields) -> tuple[c.Attachment, ...]:
    found = []
    for element in message.each("Attachment"):
        part = Fields(element)
        found.append(
            c.Attachment(
                file_name=part.text("FileName"),
                content_type=part.text("ContentType"),
                content=part.text("Content"),
            )
        )
    return tuple(found)


def circumstances(message: Fields) -> tuple[Circumstance, ...]:
    return tuple(Circumstance(content(e).strip()) for e in message.each("Circumstance"))


def employer_part(message: Fields) -> dict[str, Any]:
    """The fields of EmployerPartFields (common.xsd), as keyword arguments."""
    return {
        "end_date": message.opt_day("EndDate"),
        "notice_date": message.day("NoticeDate"),
        "regime_before": regime(message, "RegimeBefore"),
        "regime_during": regime(message, "RegimeDuring"),
        "several_employers": message.flag("SeveralEmployers"),
        "other_employer": other_employer(message),
        "employer_agreement": message.opt_flag("EmployerAgreement"),
        "circumstances": circumstances(message),
        "child": child(message),
    }
