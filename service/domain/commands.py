"""Typed commands: one model per inbound message of CONTRACT.md sections 3 and 4.

The XML adapter builds these from schema-valid documents. Identifier fields (INSS, CompanyID,
NOSS, references, tickets) are kept as the sender wrote them: their format and check digits are
judged by the rules, which give precise anomaly codes, not by the model.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from service.domain.codes import (
    Circumstance,
    DecisionOutcome,
    Fraction,
    Motive,
    NotificationState,
    RefuseReason,
    RequestStatus,
    Scheme,
    Sector,
    WorkerSource,
)


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- shared parts ---------------------------------------------------------------------------


class EmployerRef(Model):
    company_id: str
    noss_registration_nbr: str | None = None


class Worker(Model):
    inss: str
    source: WorkerSource = WorkerSource.DIMONA
    hire_date: date | None = None
    last_name: str | None = None
    first_name: str | None = None


class Regime(Model):
    """Hundredths: days per week (5 days = 500) and weekly hours (38 h = 3800)."""

    working_days_system: int
    mean_working_hours: int
    ref_mean_working_hours: int


class OtherEmployer(Model):
    company_id: str
    mean_working_hours: int | None = None
    ref_mean_working_hours: int | None = None
    combined_working_days: int | None = None


class Child(Model):
    birth_date: date
    disabled: bool | None = None


class Attachment(Model):
    """`content` is the base64 text as received; decoding it is a rule (V-ATT-2)."""

    file_name: str
    content_type: str
    content: str


# ---- employer messages ----------------------------------------------------------------------


class EmployerMessage(Model):
    request_reference: str
    employer: EmployerRef


class SubmitRequest(EmployerMessage):
    worker: Worker
    scheme: Scheme
    motive: Motive | None = None
    fraction: Fraction
    start_date: date
    end_date: date | None = None
    notice_date: date
    regime_before: Regime
    regime_during: Regime
    several_employers: bool
    other_employer: OtherEmployer | None = None
    employer_agreement: bool | None = None
    circumstances: tuple[Circumstance, ...] = ()
    child: Child | None = None
    notification_id: str | None = None
    attachments: tuple[Attachment, ...] = ()


class CancelRequest(EmployerMessage):
    ticket_number: str
    confirm: bool


class ModifyRequest(EmployerMessage):
    ticket_number: str
    new_end_date: date


class AddAttachment(EmployerMessage):
    ticket_number: str
    attachments: tuple[Attachment, ...]


class ConsultRequest(EmployerMessage):
    ticket_number: str


class ByCharacteristics(Model):
    scheme: Scheme | None = None
    fraction: Fraction | None = None
    status: RequestStatus | None = None
    start_from: date | None = None
    start_to: date | None = None


class ByWorker(Model):
    inss: str


class SearchRequests(EmployerMessage):
    criteria: ByCharacteristics | ByWorker
    page: int = 1
    page_size: int = 100


class ListNotifications(EmployerMessage):
    state: NotificationState = NotificationState.PENDING


class Postpone(Model):
    new_start_date: date


class Refuse(Model):
    reason: RefuseReason
    comment: str | None = None


class Accept(Model):
    """The employer part given when validating an employee notification ("validate and send")."""

    end_date: date | None = None
    notice_date: date
    regime_before: Regime
    regime_during: Regime
    several_employers: bool
    other_employer: OtherEmployer | None = None
    employer_agreement: bool | None = None
    circumstances: tuple[Circumstance, ...] = ()
    child: Child | None = None


class DecideNotification(EmployerMessage):
    notification_id: str
    decision: Postpone | Refuse | Accept
    attachments: tuple[Attachment, ...] = ()


class Contact(Model):
    name: str
    email: str
    phone: str | None = None


class UpdateParameters(EmployerMessage):
    contact: Contact
    sector: Sector
    joint_commission_nbr: str
    headcount: int
    accept_employee_notifications: bool


BulkItemCommand = SubmitRequest | CancelRequest | ModifyRequest | AddAttachment | DecideNotification


class BulkItem(Model):
    seq: int
    command: BulkItemCommand


class BulkFile(Model):
    file_reference: str
    items: tuple[BulkItem, ...]


InteractiveCommand = (
    SubmitRequest
    | CancelRequest
    | ModifyRequest
    | AddAttachment
    | ConsultRequest
    | SearchRequests
    | ListNotifications
    | DecideNotification
    | UpdateParameters
)


# ---- authority messages ---------------------------------------------------------------------


class CompanyRef(Model):
    company_id: str


class WorkerPartCompleted(Model):
    ticket_number: str
    completed_on: date


class Decision(Model):
    ticket_number: str
    outcome: DecisionOutcome
    decided_on: date
    reason: str | None = None


class NotifiedWorker(Model):
    inss: str
    last_name: str | None = None
    first_name: str | None = None


class EmployeeNotification(Model):
    notification_id: str
    employer: CompanyRef
    worker: NotifiedWorker
    scheme: Scheme
    motive: Motive | None = None
    fraction: Fraction
    requested_start_date: date
    requested_end_date: date | None = None
    notice_date: date
    child: Child | None = None


class DimonaWorker(Model):
    inss: str
    last_name: str
    first_name: str


class DimonaDeclaration(Model):
    employer: CompanyRef
    worker: DimonaWorker
    entry_date: date
    exit_date: date | None = None
    joint_commission_nbr: str


class GrantMandate(Model):
    sender: str
    employer: CompanyRef
    valid_from: date
    valid_to: date | None = None


class RevokeMandate(Model):
    sender: str
    employer: CompanyRef
    valid_from: date
    valid_to: date | None = None


AuthorityCommand = (
    WorkerPartCompleted
    | Decision
    | EmployeeNotification
    | DimonaDeclaration
    | GrantMandate
    | RevokeMandate
)

Command = InteractiveCommand | BulkFile | AuthorityCommand
