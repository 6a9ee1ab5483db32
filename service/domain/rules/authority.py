"""Stateless checks of the authority-side messages (CONTRACT.md section 4).

Their blocking anomalies are "B†" (RULES section 0): the message is parked on the dead-letter
queue with the code and ops are alerted; nothing is answered to an employer. These functions
only return the anomalies; the use case parks. The checks needing stored state (V-LCY-8
ticket known and transition, V-NTF-1, V-NTF-2, V-PFL-5) live in the use cases.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Motive, Scheme
from service.domain.commands import (
    Decision,
    DimonaDeclaration,
    EmployeeNotification,
    GrantMandate,
    RevokeMandate,
    WorkerPartCompleted,
)
from service.domain.identifiers import check_company_id, check_inss, check_joint_commission
from service.domain.rules.context import RuleContext
from service.domain.rules.messages import check_notification_id, check_ticket_format, root_of
from service.domain.schemes import ALLOWED_FRACTIONS, MOTIVE_REQUIRED_FOR

B = Severity.BLOCKING


def _present(found: Iterable[Anomaly | None]) -> list[Anomaly]:
    return [a for a in found if a is not None]


# ---- WorkerPartCompleted, Decision (V-LCY-8, stateless part) --------------------------------


def check_worker_part_completed(cmd: WorkerPartCompleted, ctx: RuleContext) -> list[Anomaly]:
    return _present([check_ticket_format(cmd.ticket_number, "/WorkerPartCompleted/TicketNumber")])


def check_decision(cmd: Decision, ctx: RuleContext) -> list[Anomaly]:
    return _present([check_ticket_format(cmd.ticket_number, "/Decision/TicketNumber")])


# ---- EmployeeNotification (V-NTF-3) ---------------------------------------------------------


def check_employee_notification(cmd: EmployeeNotification, ctx: RuleContext) -> list[Anomaly]:
    """V-NTF-3: INSS (V-ID-1..3), Scheme and Fraction (V-TYP-1), Motive (V-TYP-3); plus the
    CompanyID (V-ID-4) and the NotificationId format a later DecideNotification must quote."""
    root = "/EmployeeNotification"
    return _present([
        check_notification_id(cmd.notification_id, f"{root}/NotificationId"),
        check_company_id(cmd.employer.company_id, f"{root}/Employer/CompanyID"),
        check_inss(cmd.worker.inss, f"{root}/Worker/INSS", ctx.processing_date),
        *check_v_typ_1_scheme_fraction(cmd.scheme, cmd.fraction, root),
        check_v_typ_3_motive(cmd.scheme, cmd.motive, root),
    ])


def check_v_typ_1_scheme_fraction(scheme: str, fraction: str, root: str) -> list[Anomaly]:
    """V-TYP-1: one of the six schemes (70001-008); a fraction the scheme knows (70003-008)."""
    if scheme not in ALLOWED_FRACTIONS:
        return [anomaly(
            "70001-008", B, f"{root}/Scheme",
            "The scheme is not one of the six known schemes.",
            "Le régime n'est pas l'un des six régimes connus.",
            "De regeling is geen van de zes gekende regelingen.",
        )]
    if fraction in ALLOWED_FRACTIONS[Scheme(scheme)]:
        return []
    return [anomaly(
        "70003-008", B, f"{root}/Fraction",
        f"The fraction {fraction} is not allowed for the scheme {scheme}.",
        f"La fraction {fraction} n'est pas autorisée pour le régime {scheme}.",
        f"De breuk {fraction} is niet toegelaten voor de regeling {scheme}.",
    )]


def check_v_typ_3_motive(scheme: Scheme, motive: Motive | None, root: str) -> Anomaly | None:
    """V-TYP-3: a motive is required for TIME_CREDIT (70002-001), forbidden otherwise (-005)."""
    path = f"{root}/Motive"
    required = scheme in MOTIVE_REQUIRED_FOR
    if required and motive is None:
        return anomaly(
            "70002-001", B, path,
            "A time credit needs a motive.",
            "Un crédit-temps exige un motif.",
            "Een tijdskrediet vereist een motief.",
        )
    if not required and motive is not None:
        return anomaly(
            "70002-005", B, path,
            f"The scheme {scheme} takes no motive.",
            f"Le régime {scheme} n'admet pas de motif.",
            f"De regeling {scheme} laat geen motief toe.",
        )
    return None


# ---- DimonaDeclaration (V-PFL-4) ------------------------------------------------------------


def check_dimona_declaration(cmd: DimonaDeclaration, ctx: RuleContext) -> list[Anomaly]:
    """V-PFL-4: INSS (V-ID-1..3), CompanyID (V-ID-4), ExitDate >= EntryDate (70019-014),
    JointCommissionNbr (V-ID-7). EntryDate's presence is the XSD's."""
    root = "/DimonaDeclaration"
    return _present([
        check_company_id(cmd.employer.company_id, f"{root}/Employer/CompanyID"),
        check_inss(cmd.worker.inss, f"{root}/Worker/INSS", ctx.processing_date),
        check_v_pfl_4_exit_date(cmd),
        check_joint_commission(cmd.joint_commission_nbr, f"{root}/JointCommissionNbr"),
    ])


def check_v_pfl_4_exit_date(cmd: DimonaDeclaration) -> Anomaly | None:
    if cmd.exit_date is None or cmd.exit_date >= cmd.entry_date:
        return None
    return anomaly(
        "70019-014", B, "/DimonaDeclaration/ExitDate",
        "The exit date is before the entry date.",
        "La date de sortie précède la date d'entrée.",
        "De uitdiensttredingsdatum ligt vóór de indiensttredingsdatum.",
    )


# ---- GrantMandate, RevokeMandate (V-MAN-1) --------------------------------------------------


def check_mandate(cmd: GrantMandate | RevokeMandate, ctx: RuleContext) -> list[Anomaly]:
    """V-MAN-1: CompanyID (V-ID-4); ValidTo, when given, >= ValidFrom (90000-014)."""
    root = root_of(cmd)
    return _present([
        check_company_id(cmd.employer.company_id, f"{root}/Employer/CompanyID"),
        check_v_man_1_validity(cmd, root),
    ])


def check_v_man_1_validity(cmd: GrantMandate | RevokeMandate, root: str) -> Anomaly | None:
    if cmd.valid_to is None or cmd.valid_to >= cmd.valid_from:
        return None
    return anomaly(
        "90000-014", B, f"{root}/ValidTo",
        "The mandate's end date is before its start date.",
        "La date de fin du mandat précède sa date de début.",
        "De einddatum van het mandaat ligt vóór de begindatum.",
    )

