"""Stateless rules of the employer messages other than SubmitRequest (RULES 3.6-3.8).

Every employer message starts with its RequestReference (V-LCY-4) and its employer
identification (V-ID-4/5/6); a blocking identification anomaly stops the evaluation there
(RULES section 0, step 3), so nothing else about the employer's data is said. The rules that
need stored state (ticket known, request state, notification state) run in the use cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from service.domain.anomalies import Anomaly, Severity, anomaly, has_blocking
from service.domain.codes import Sector
from service.domain.commands import (
    AddAttachment,
    ByCharacteristics,
    CancelRequest,
    ConsultRequest,
    Contact,
    DecideNotification,
    EmployerMessage,
    ListNotifications,
    ModifyRequest,
    SearchRequests,
    UpdateParameters,
)
from service.domain.identifiers import check_inss, check_joint_commission
from service.domain.rules.attachments import check_attachments
from service.domain.rules.context import RuleContext
from service.domain.rules.identification import (
    check_employer_identification,
    check_request_reference,
)

B = Severity.BLOCKING

MAX_PAGE_SIZE = 500  # CONTRACT.md 3, SearchRequests: PageSize 1..500
MAX_HEADCOUNT = 999_999
MAX_CONTACT_NAME = 100
MAX_EMAIL = 254

_TICKET = re.compile(r"(?:ELO|T)[0-9]{4}-[0-9]{9}")
_NOTIFICATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,36}")
_EMAIL_LOCAL = re.compile(r"[^\s@]+")
_EMAIL_DOMAIN = re.compile(r"[^\s@.]+(?:\.[^\s@.]+)+")
_PHONE = re.compile(r"\+[0-9]{8,15}")


def root_of(cmd: object) -> str:
    """`/SubmitRequest`, `/CancelRequest`, ...: command classes carry their root's name."""
    return f"/{type(cmd).__name__}"


def check_employer_message(
    cmd: EmployerMessage, body: Callable[[], Iterable[Anomaly | None]]
) -> list[Anomaly]:
    """V-LCY-4 format and identification first; `body` runs only when identification holds."""
    root = root_of(cmd)
    reference = check_request_reference(cmd.request_reference, f"{root}/RequestReference")
    identification = check_employer_identification(
        cmd.employer.company_id, cmd.employer.noss_registration_nbr, root
    )
    found = [*_present([reference]), *identification]
    if has_blocking(identification):
        return found
    return found + _present(body())


def _present(found: Iterable[Anomaly | None]) -> list[Anomaly]:
    return [a for a in found if a is not None]


# ---- V-LCY-1 ticket number ------------------------------------------------------------------


def check_ticket_format(value: str, path: str) -> Anomaly | None:
    """`^(ELO|T)\\d{4}-\\d{9}$` (70012-003); also used for the authority's messages."""
    if _TICKET.fullmatch(value):
        return None
    return anomaly(
        "70012-003", B, path,
        "The ticket number is invalid: expected ELO or T, a 4-digit year, '-' and 9 digits.",
        "Le numéro de ticket est invalide : attendu ELO ou T, une année à 4 chiffres, '-' et "
        "9 chiffres.",
        "Het ticketnummer is ongeldig: verwacht ELO of T, een jaartal van 4 cijfers, '-' en "
        "9 cijfers.",
    )


def check_v_lcy_1_ticket(value: str, path: str) -> Anomaly | None:
    """V-LCY-1, stateless part: present (70012-001), then well formed (70012-003)."""
    if not value.strip():
        return anomaly(
            "70012-001", B, path,
            "The ticket number is missing.",
            "Le numéro de ticket est absent.",
            "Het ticketnummer ontbreekt.",
        )
    return check_ticket_format(value, path)


def _ticket(cmd: CancelRequest | ModifyRequest | AddAttachment | ConsultRequest) -> Anomaly | None:
    return check_v_lcy_1_ticket(cmd.ticket_number, f"{root_of(cmd)}/TicketNumber")


# ---- CancelRequest, ModifyRequest, AddAttachment, ConsultRequest ----------------------------


def check_cancel_request(cmd: CancelRequest, ctx: RuleContext) -> list[Anomaly]:
    return check_employer_message(cmd, lambda: [_ticket(cmd), check_confirm(cmd.confirm)])


def check_confirm(confirm: bool) -> Anomaly | None:
    """CONTRACT 3: `Confirm` must be true (70012-008, on the ticket's zone)."""
    if confirm:
        return None
    return anomaly(
        "70012-008", B, "/CancelRequest/Confirm",
        "A cancellation must be confirmed: Confirm must be true.",
        "Une annulation doit être confirmée : Confirm doit valoir true.",
        "Een annulering moet bevestigd worden: Confirm moet true zijn.",
    )


def check_modify_request(cmd: ModifyRequest, ctx: RuleContext) -> list[Anomaly]:
    """NewEndDate is required by the XSD; its checks against the request are stateful."""
    return check_employer_message(cmd, lambda: [_ticket(cmd)])


def check_add_attachment(cmd: AddAttachment, ctx: RuleContext) -> list[Anomaly]:
    return check_employer_message(
        cmd,
        lambda: [_ticket(cmd), *check_attachments(cmd.attachments, "/AddAttachment", ctx)],
    )


def check_consult_request(cmd: ConsultRequest, ctx: RuleContext) -> list[Anomaly]:
    return check_employer_message(cmd, lambda: [_ticket(cmd)])


# ---- SearchRequests (V-LCY-6) ---------------------------------------------------------------


def check_search_requests(cmd: SearchRequests, ctx: RuleContext) -> list[Anomaly]:
    def body() -> list[Anomaly | None]:
        if isinstance(cmd.criteria, ByCharacteristics):
            criterion = check_v_lcy_6_start_range(cmd.criteria)
        else:
            path = "/SearchRequests/ByWorker/INSS"
            criterion = check_inss(cmd.criteria.inss, path, ctx.processing_date)
        return [criterion, *check_v_lcy_6_paging(cmd.page, cmd.page_size)]

    return check_employer_message(cmd, body)


def check_v_lcy_6_start_range(criteria: ByCharacteristics) -> Anomaly | None:
    """V-LCY-6: StartTo >= StartFrom when both are given (70020-014)."""
    if criteria.start_from is None or criteria.start_to is None:
        return None
    if criteria.start_to >= criteria.start_from:
        return None
    return anomaly(
        "70020-014", B, "/SearchRequests/ByCharacteristics/StartTo",
        "StartTo is before StartFrom.",
        "StartTo précède StartFrom.",
        "StartTo ligt vóór StartFrom.",
    )


def check_v_lcy_6_paging(page: int, page_size: int) -> list[Anomaly]:
    """Page >= 1 and 1 <= PageSize <= 500 (70020-008)."""
    found = []
    if page < 1:
        found.append(anomaly(
            "70020-008", B, "/SearchRequests/Page",
            "The page number must be 1 or more.",
            "Le numéro de page doit valoir au moins 1.",
            "Het paginanummer moet minstens 1 zijn.",
        ))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        found.append(anomaly(
            "70020-008", B, "/SearchRequests/PageSize",
            f"The page size must be between 1 and {MAX_PAGE_SIZE}.",
            f"La taille de page doit être comprise entre 1 et {MAX_PAGE_SIZE}.",
            f"De paginagrootte moet tussen 1 en {MAX_PAGE_SIZE} liggen.",
        ))
    return found


# ---- ListNotifications, DecideNotification --------------------------------------------------


def check_list_notifications(cmd: ListNotifications, ctx: RuleContext) -> list[Anomaly]:
    return check_employer_message(cmd, list)


def check_decide_notification(cmd: DecideNotification, ctx: RuleContext) -> list[Anomaly]:
    """The Accept employer part is judged by the use case, once merged with the stored
    notification; here only the identifier and the attachments."""
    return check_employer_message(
        cmd,
        lambda: [
            check_notification_id(cmd.notification_id, "/DecideNotification/NotificationId"),
            *check_attachments(cmd.attachments, "/DecideNotification", ctx),
        ],
    )


def check_notification_id(value: str, path: str) -> Anomaly | None:
    """`[A-Za-z0-9._:-]{1,36}` (70014-003); also used for EmployeeNotification."""
    if _NOTIFICATION_ID.fullmatch(value):
        return None
    return anomaly(
        "70014-003", B, path,
        "The notification id is invalid: 1 to 36 letters, digits or . _ : -",
        "L'identifiant de notification est invalide : 1 à 36 lettres, chiffres ou . _ : -",
        "De meldingsidentificatie is ongeldig: 1 tot 36 letters, cijfers of . _ : -",
    )


# ---- UpdateParameters (V-PAR-1..5) ----------------------------------------------------------


def check_update_parameters(cmd: UpdateParameters, ctx: RuleContext) -> list[Anomaly]:
    return check_employer_message(
        cmd,
        lambda: [
            *check_v_par_5_contact(cmd.contact),
            check_v_par_1_sector(cmd.sector),
            check_joint_commission(
                cmd.joint_commission_nbr, "/UpdateParameters/JointCommissionNbr"
            ),
            check_v_par_3_headcount(cmd.headcount),
            check_v_par_4_accept(cmd.accept_employee_notifications),
        ],
    )


def check_v_par_1_sector(value: str) -> Anomaly | None:
    """V-PAR-1: one of the five sectors of RULES 2.5 (70017-008)."""
    if value in {sector.value for sector in Sector}:
        return None
    return _par_008(
        "/UpdateParameters/Sector",
        "The sector must be PRIVATE, PUBLIC_FEDERAL, PUBLIC_OTHER, EDUCATION or DEFENCE.",
        "Le secteur doit être PRIVATE, PUBLIC_FEDERAL, PUBLIC_OTHER, EDUCATION ou DEFENCE.",
        "De sector moet PRIVATE, PUBLIC_FEDERAL, PUBLIC_OTHER, EDUCATION of DEFENCE zijn.",
    )


def check_v_par_3_headcount(value: int) -> Anomaly | None:
    """V-PAR-3: an integer in [0; 999999] (70017-008)."""
    if not isinstance(value, bool) and 0 <= value <= MAX_HEADCOUNT:
        return None
    return _par_008(
        "/UpdateParameters/Headcount",
        f"The headcount must be a whole number from 0 to {MAX_HEADCOUNT}.",
        f"L'effectif doit être un nombre entier de 0 à {MAX_HEADCOUNT}.",
        f"Het personeelsbestand moet een geheel getal van 0 tot {MAX_HEADCOUNT} zijn.",
    )


def check_v_par_4_accept(value: object) -> Anomaly | None:
    """V-PAR-4: `true` or `false` (70017-008); the XSD already types it as a boolean."""
    if isinstance(value, bool):
        return None
    return _par_008(
        "/UpdateParameters/AcceptEmployeeNotifications",
        "AcceptEmployeeNotifications must be true or false.",
        "AcceptEmployeeNotifications doit valoir true ou false.",
        "AcceptEmployeeNotifications moet true of false zijn.",
    )


def _par_008(path: str, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly("70017-008", B, path, en, fr, nl)


def check_v_par_5_contact(contact: Contact) -> list[Anomaly]:
    """V-PAR-5: Name 1-100 characters; Email one `@`, a dotted domain, <= 254 characters;
    Phone, when given, `+` and 8-15 digits."""
    found = [check_contact_name(contact.name), check_contact_email(contact.email)]
    if contact.phone is not None:
        found.append(check_contact_phone(contact.phone))
    return _present(found)


def check_contact_name(name: str) -> Anomaly | None:
    if name.strip() and len(name) <= MAX_CONTACT_NAME:
        return None
    return anomaly(
        "70017-093", B, "/UpdateParameters/Contact/Name",
        f"The contact name must have 1 to {MAX_CONTACT_NAME} characters.",
        f"Le nom du contact doit compter de 1 à {MAX_CONTACT_NAME} caractères.",
        f"De naam van de contactpersoon moet 1 tot {MAX_CONTACT_NAME} tekens tellen.",
    )


def check_contact_email(email: str) -> Anomaly | None:
    path = "/UpdateParameters/Contact/Email"
    local, at, domain = email.partition("@")
    if not (at and _EMAIL_LOCAL.fullmatch(local) and _EMAIL_DOMAIN.fullmatch(domain)):
        return anomaly(
            "70017-003", B, path,
            "The contact e-mail address is invalid: one @ followed by a domain with a dot.",
            "L'adresse e-mail du contact est invalide : un seul @ suivi d'un domaine avec un "
            "point.",
            "Het e-mailadres van de contactpersoon is ongeldig: één @ gevolgd door een domein "
            "met een punt.",
        )
    if len(email) > MAX_EMAIL:
        return anomaly(
            "70017-093", B, path,
            f"The contact e-mail address must have at most {MAX_EMAIL} characters.",
            f"L'adresse e-mail du contact doit compter au plus {MAX_EMAIL} caractères.",
            f"Het e-mailadres van de contactpersoon mag hoogstens {MAX_EMAIL} tekens tellen.",
        )
    return None


def check_contact_phone(phone: str) -> Anomaly | None:
    if _PHONE.fullmatch(phone):
        return None
    return anomaly(
        "70017-003", B, "/UpdateParameters/Contact/Phone",
        "The contact phone number must be + followed by 8 to 15 digits.",
        "Le numéro de téléphone du contact doit être un + suivi de 8 à 15 chiffres.",
        "Het telefoonnummer van de contactpersoon moet een + gevolgd door 8 tot 15 cijfers zijn.",
    )
