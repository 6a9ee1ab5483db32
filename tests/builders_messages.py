"""Valid employer and authority messages other than SubmitRequest, for the rule tests.

Each builder returns a message that passes every stateless rule; a test overrides one field
to break exactly one rule. Identifiers are the synthetic examples of RULES.md section 4.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from service.domain.anomalies import Anomaly
from service.domain.codes import DecisionOutcome, Fraction, Motive, Scheme, Sector
from service.domain.commands import (
    AddAttachment,
    Attachment,
    BulkFile,
    BulkItem,
    BulkItemCommand,
    ByCharacteristics,
    CancelRequest,
    CompanyRef,
    ConsultRequest,
    Contact,
    DecideNotification,
    Decision,
    DimonaDeclaration,
    DimonaWorker,
    EmployeeNotification,
    EmployerRef,
    GrantMandate,
    ListNotifications,
    ModifyRequest,
    NotifiedWorker,
    Postpone,
    RevokeMandate,
    SearchRequests,
    UpdateParameters,
    WorkerPartCompleted,
)
from service.domain.parameters import LegalParameters, ParameterRecord
from service.domain.rules.context import RuleContext

COMPANY_ID = "0123456749"
OTHER_COMPANY_ID = "0100000169"
NOSS = "076543281"
INSS = "75113099746"
OTHER_INSS = "88123199507"
TICKET = "ELO2026-000000123"
NOTIFICATION_ID = "NTF-2026.0001"
SENDER_NUMBER = "123456"
FILE_REFERENCE = f"FI.ELO.{SENDER_NUMBER}.20260301.AB12C.R"

PROCESSING_DATE = date(2026, 3, 15)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def ctx(
    parameters: LegalParameters | None = None,
    *,
    processing_date: date = PROCESSING_DATE,
    sender_number: str | None = None,
) -> RuleContext:
    """An offline context: no employer profile, so employer-dependent rules stay silent."""
    return RuleContext(
        processing_date=processing_date,
        parameters=parameters or LegalParameters.default(),
        offline=True,
        sender_number=sender_number,
    )


def parameters(**values: Any) -> LegalParameters:
    """The packaged records in force on PROCESSING_DATE, with some names replaced by one
    open-ended record each (`attachment__max_bytes=100` sets `attachment.max_bytes`)."""
    wanted = {name.replace("__", "."): value for name, value in values.items()}
    default = LegalParameters.default()
    kept = [
        default.record(name, PROCESSING_DATE)
        for name in default.names() - wanted.keys()
        if _in_force(default, name)
    ]
    added = [ParameterRecord(name=name, value=value) for name, value in wanted.items()]
    return LegalParameters([*kept, *added])


def _in_force(table: LegalParameters, name: str) -> bool:
    try:
        table.record(name, PROCESSING_DATE)
    except LookupError:
        return False
    return True


def codes(found: list[Anomaly]) -> list[tuple[str, str, str | None]]:
    """(code, severity, path) of each anomaly: what the rule tests assert exactly."""
    return [(a.code, a.severity.value, a.path) for a in found]


def employer(**overrides: Any) -> EmployerRef:
    return EmployerRef(**{"company_id": COMPANY_ID, "noss_registration_nbr": NOSS, **overrides})


def _header(overrides: dict[str, Any], reference: str) -> dict[str, Any]:
    return {"request_reference": reference, "employer": employer(), **overrides}


def attachment(data: bytes = PDF, **overrides: Any) -> Attachment:
    fields = {
        "file_name": "attestation.pdf",
        "content_type": "application/pdf",
        "content": base64.b64encode(data).decode("ascii"),
        **overrides,
    }
    return Attachment(**fields)


def attachments(n: int) -> tuple[Attachment, ...]:
    return tuple(attachment(file_name=f"file-{i}.pdf") for i in range(1, n + 1))


def cancel_request(**overrides: Any) -> CancelRequest:
    fields = _header(overrides, "CAN-1")
    return CancelRequest(**{"ticket_number": TICKET, "confirm": True, **fields})


def modify_request(**overrides: Any) -> ModifyRequest:
    fields = _header(overrides, "MOD-1")
    return ModifyRequest(**{"ticket_number": TICKET, "new_end_date": date(2026, 12, 31), **fields})


def add_attachment(**overrides: Any) -> AddAttachment:
    fields = _header(overrides, "ATT-1")
    return AddAttachment(**{"ticket_number": TICKET, "attachments": (attachment(),), **fields})


def consult_request(**overrides: Any) -> ConsultRequest:
    return ConsultRequest(**{"ticket_number": TICKET, **_header(overrides, "CON-1")})


def search_requests(**overrides: Any) -> SearchRequests:
    criteria = ByCharacteristics(start_from=date(2026, 1, 1), start_to=date(2026, 6, 30))
    return SearchRequests(**{"criteria": criteria, **_header(overrides, "SRC-1")})


def list_notifications(**overrides: Any) -> ListNotifications:
    return ListNotifications(**_header(overrides, "LST-1"))


def decide_notification(**overrides: Any) -> DecideNotification:
    fields = _header(overrides, "DEC-1")
    return DecideNotification(**{
        "notification_id": NOTIFICATION_ID,
        "decision": Postpone(new_start_date=date(2026, 9, 1)),
        **fields,
    })


def contact(**overrides: Any) -> Contact:
    fields = {"name": "Payroll desk", "email": "payroll@example.be", "phone": "+3225551234"}
    return Contact(**{**fields, **overrides})


def update_parameters(**overrides: Any) -> UpdateParameters:
    fields = _header(overrides, "PAR-1")
    return UpdateParameters(**{
        "contact": contact(),
        "sector": Sector.PRIVATE,
        "joint_commission_nbr": "200",
        "headcount": 42,
        "accept_employee_notifications": True,
        **fields,
    })


# ---- bulk -----------------------------------------------------------------------------------


def bulk_file(*commands: BulkItemCommand, **overrides: Any) -> BulkFile:
    items = tuple(BulkItem(seq=seq, command=cmd) for seq, cmd in enumerate(commands, start=1))
    return BulkFile(**{"file_reference": FILE_REFERENCE, "items": items, **overrides})


# ---- authority ------------------------------------------------------------------------------


def worker_part_completed(**overrides: Any) -> WorkerPartCompleted:
    fields = {"ticket_number": TICKET, "completed_on": date(2026, 3, 2)}
    return WorkerPartCompleted(**{**fields, **overrides})


def decision(**overrides: Any) -> Decision:
    fields = {
        "ticket_number": TICKET,
        "outcome": DecisionOutcome.GRANTED,
        "decided_on": date(2026, 3, 5),
    }
    return Decision(**{**fields, **overrides})


def employee_notification(**overrides: Any) -> EmployeeNotification:
    fields = {
        "notification_id": NOTIFICATION_ID,
        "employer": CompanyRef(company_id=COMPANY_ID),
        "worker": NotifiedWorker(inss=INSS),
        "scheme": Scheme.TIME_CREDIT,
        "motive": Motive.TRAINING,
        "fraction": Fraction.ONE_FIFTH,
        "requested_start_date": date(2026, 9, 1),
        "notice_date": date(2026, 3, 1),
    }
    return EmployeeNotification(**{**fields, **overrides})


def dimona_declaration(**overrides: Any) -> DimonaDeclaration:
    fields = {
        "employer": CompanyRef(company_id=COMPANY_ID),
        "worker": DimonaWorker(inss=INSS, last_name="Peeters", first_name="An"),
        "entry_date": date(2020, 1, 1),
        "exit_date": None,
        "joint_commission_nbr": "200",
    }
    return DimonaDeclaration(**{**fields, **overrides})


def grant_mandate(**overrides: Any) -> GrantMandate:
    fields = {
        "sender": "bureau-a",
        "employer": CompanyRef(company_id=COMPANY_ID),
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2026, 12, 31),
    }
    return GrantMandate(**{**fields, **overrides})


def revoke_mandate(**overrides: Any) -> RevokeMandate:
    fields = {
        "sender": "bureau-a",
        "employer": CompanyRef(company_id=COMPANY_ID),
        "valid_from": date(2026, 1, 1),
        "valid_to": None,
    }
    return RevokeMandate(**{**fields, **overrides})
