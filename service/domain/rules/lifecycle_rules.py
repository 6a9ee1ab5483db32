"""Lifecycle rules that need stored state (RULES.md 3.6, 3.11 and 5), as pure functions.

The use case looks up the ticket, the request's status, the stored attachment names or the
cited notification, and passes those plain values in; these functions only judge them. The
state machine itself is `service.domain.lifecycle`; here its refusal codes become anomalies
with a path and EN/FR/NL messages.

`root` is the XPath of the message element (`/CancelRequest`, or
`/BulkFile/Item[@seq="3"]/CancelRequest` for a bulk item).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import NotificationState, RequestStatus
from service.domain.commands import Attachment, SubmitRequest
from service.domain.lifecycle import (
    CANCELLED_CODE,
    PROCESSED_CODE,
    Trigger,
    Verdict,
    request_transition,
)
from service.domain.rules.context import RuleContext
from service.domain.rules.employer_part import EmployerPart, check_employer_part

B = Severity.BLOCKING
W = Severity.WARNING

#: The message each employer trigger comes from.
TRIGGER_ROOT = {
    Trigger.CANCEL: "/CancelRequest",
    Trigger.MODIFY: "/ModifyRequest",
    Trigger.ATTACH: "/AddAttachment",
    Trigger.CONSULT: "/ConsultRequest",
    Trigger.WORKER_COMPLETED: "/WorkerPartCompleted",
    Trigger.DECISION_GRANTED: "/Decision",
    Trigger.DECISION_REFUSED: "/Decision",
}

#: Where a re-checked stored request blames its end date.
STORED_END_DATE_PATH = "/SubmitRequest/EndDate"


# ---- V-LCY-1 ticket known -------------------------------------------------------------------


def v_lcy_1_ticket_known(found: bool, root: str) -> Anomaly | None:
    """V-LCY-1: the ticket names a request of the message's employer (70012-003).

    The lookup is filtered by employer (V-MAN-2), so an unknown ticket and another
    employer's ticket reach here alike and get the same answer: nothing leaks.
    """
    if found:
        return None
    return anomaly(
        "70012-003", B, f"{root}/TicketNumber",
        "No request of this employer has this ticket number.",
        "Aucune demande de cet employeur ne porte ce numéro de ticket.",
        "Geen aanvraag van deze werkgever heeft dit ticketnummer.",
    )


# ---- V-MSG-5, V-LCY-3, V-ATT-1: the request's state allows the employer message -------------


def v_msg_5_lcy_3_att_1_state(
    status: RequestStatus, trigger: Trigger, root: str | None = None
) -> Anomaly | None:
    """The request's status allows this employer message (RULES 5.1).

    CANCEL, MODIFY (V-MSG-5) and CONSULT (V-LCY-3) need SUBMITTED; ATTACH (V-ATT-1) also
    WORKER_COMPLETED. CANCELLED answers 70012-241, any later state 70012-272.
    """
    if trigger.from_authority:
        raise ValueError(f"{trigger} is an authority trigger: use v_lcy_8_authority_state")
    result = request_transition(status, trigger)
    if result.allowed:
        return None
    path = f"{root or TRIGGER_ROOT[trigger]}/TicketNumber"
    if result.code == CANCELLED_CODE:
        return _cancelled(path)
    return _processed(path, status, trigger)


def v_msg_5_cancel(status: RequestStatus, root: str = "/CancelRequest") -> Anomaly | None:
    """V-MSG-5 for CancelRequest."""
    return v_msg_5_lcy_3_att_1_state(status, Trigger.CANCEL, root)


def v_msg_5_modify(status: RequestStatus, root: str = "/ModifyRequest") -> Anomaly | None:
    """V-MSG-5 for ModifyRequest."""
    return v_msg_5_lcy_3_att_1_state(status, Trigger.MODIFY, root)


def v_lcy_3_consult(status: RequestStatus, root: str = "/ConsultRequest") -> Anomaly | None:
    """V-LCY-3 for ConsultRequest (same codes as V-MSG-5)."""
    return v_msg_5_lcy_3_att_1_state(status, Trigger.CONSULT, root)


def v_att_1_attach(status: RequestStatus, root: str = "/AddAttachment") -> Anomaly | None:
    """V-ATT-1 for AddAttachment."""
    return v_msg_5_lcy_3_att_1_state(status, Trigger.ATTACH, root)


def _cancelled(path: str) -> Anomaly:
    return anomaly(
        CANCELLED_CODE, B, path,
        "This request has been cancelled: it can no longer be consulted or changed.",
        "Cette demande a été annulée : elle ne peut plus être consultée ni modifiée.",
        "Deze aanvraag werd geannuleerd: ze kan niet meer geraadpleegd of gewijzigd worden.",
    )


_ACTION_TEXT = {
    Trigger.CANCEL: ("cancelled", "annulée", "geannuleerd"),
    Trigger.MODIFY: ("modified", "modifiée", "gewijzigd"),
    Trigger.CONSULT: ("consulted", "consultée", "geraadpleegd"),
    Trigger.ATTACH: ("given attachments", "complétée de pièces jointes", "aangevuld met bijlagen"),
}


def _processed(path: str, status: RequestStatus, trigger: Trigger) -> Anomaly:
    en, fr, nl = _ACTION_TEXT[trigger]
    return anomaly(
        PROCESSED_CODE, B, path,
        f"This request is already {status}: it can no longer be {en}.",
        f"Cette demande est déjà au statut {status} : elle ne peut plus être {fr}.",
        f"Deze aanvraag heeft al de status {status}: ze kan niet meer {nl} worden.",
    )


# ---- V-LCY-8 authority messages ---------------------------------------------------------------


def v_lcy_8_authority_state(
    status: RequestStatus | None, trigger: Trigger, root: str | None = None
) -> tuple[Verdict, Anomaly | None]:
    """V-LCY-8 (B†): ticket known (70012-003), transition allowed by RULES 5.1 (70012-241 on
    CANCELLED, 70012-272 on a final state with the other outcome); a repeat is IGNORE.

    `status` None means the ticket is unknown. The anomaly is what the use case parks with.
    """
    if not trigger.from_authority:
        raise ValueError(f"{trigger} is an employer trigger: use v_msg_5_lcy_3_att_1_state")
    path = f"{root or TRIGGER_ROOT[trigger]}/TicketNumber"
    if status is None:
        return Verdict.PARK, anomaly(
            "70012-003", B, path,
            "No request has this ticket number.",
            "Aucune demande ne porte ce numéro de ticket.",
            "Geen aanvraag heeft dit ticketnummer.",
        )
    result = request_transition(status, trigger)
    if result.verdict is not Verdict.PARK:
        return result.verdict, None
    if result.code == CANCELLED_CODE:
        return Verdict.PARK, anomaly(
            CANCELLED_CODE, B, path,
            "The request was cancelled before this message arrived (crossed with the worker).",
            "La demande a été annulée avant l'arrivée de ce message (croisement avec le "
            "travailleur).",
            "De aanvraag werd geannuleerd vóór dit bericht aankwam (gekruist met de werknemer).",
        )
    return Verdict.PARK, anomaly(
        PROCESSED_CODE, B, path,
        f"The request is already {status}: a decision with another outcome is not applied.",
        f"La demande est déjà au statut {status} : une décision d'une autre issue n'est pas "
        "appliquée.",
        f"De aanvraag heeft al de status {status}: een beslissing met een andere uitkomst "
        "wordt niet toegepast.",
    )


# ---- V-LCY-2 ModifyRequest ------------------------------------------------------------------


def v_lcy_2_new_end_date(
    start_date: date, new_end_date: date, root: str = "/ModifyRequest"
) -> Anomaly | None:
    """V-LCY-2: `NewEndDate` >= the stored StartDate (70005-014). Its presence is the XSD's."""
    if new_end_date >= start_date:
        return None
    return anomaly(
        "70005-014", B, f"{root}/NewEndDate",
        "The new end date is before the start date of the request.",
        "La nouvelle date de fin précède la date de début de la demande.",
        "De nieuwe einddatum ligt vóór de begindatum van de aanvraag.",
    )


def modified_part(stored_submit: SubmitRequest, new_end: date) -> SubmitRequest:
    """The stored request with the new end date: what the new period is re-checked on."""
    return stored_submit.model_copy(update={"end_date": new_end})


def relocate_to_new_end_date(
    found: Sequence[Anomaly], root: str = "/ModifyRequest"
) -> list[Anomaly]:
    """Anomalies of the re-checked stored request that concern its end date, blamed on
    `NewEndDate`; the others concern unchanged fields, judged at submission, and are dropped.

    Rules that take a path (V-PFL-2, V-CAP-1, V-MSG-4) can be given `{root}/NewEndDate`
    directly instead.
    """
    return [
        a.model_copy(update={"path": f"{root}/NewEndDate"})
        for a in found
        if a.path == STORED_END_DATE_PATH
    ]


def check_modification(
    stored_submit: SubmitRequest, new_end: date, ctx: RuleContext, root: str = "/ModifyRequest"
) -> list[Anomaly]:
    """V-LCY-2, stateless part: NewEndDate >= StartDate, then the new period through every
    EP rule (V-DUR-*, V-DAT-*...), keeping what concerns the end date.

    V-MSG-4 (overlap, ignoring the request itself), V-PFL-2 and V-CAP-1 need stored data:
    the use case adds them, for `modified_part(stored_submit, new_end)`.
    """
    order = v_lcy_2_new_end_date(stored_submit.start_date, new_end, root)
    if order is not None:
        return [order]
    part = EmployerPart.from_submit(modified_part(stored_submit, new_end))
    return relocate_to_new_end_date(check_employer_part(part, ctx), root)


# ---- V-ATT-5 file name already used on this request -----------------------------------------


def v_att_5_names_unused(
    attachments: Sequence[Attachment], stored_names: Collection[str], root: str = "/AddAttachment"
) -> list[Anomaly]:
    """V-ATT-5: no new attachment reuses a file name already stored on this request
    (70013-133), one anomaly per offending attachment, indexed like `check_attachments`."""
    return [
        anomaly(
            "70013-133", B, f"{root}/Attachment[{index}]/FileName",
            f"This request already has an attachment named {attachment.file_name!r}.",
            f"Cette demande a déjà une pièce jointe nommée {attachment.file_name!r}.",
            f"Deze aanvraag heeft al een bijlage met de naam {attachment.file_name!r}.",
        )
        for index, attachment in enumerate(attachments, start=1)
        if attachment.file_name in stored_names
    ]


# ---- V-LCY-7 SubmitRequest citing a notification -------------------------------------------


def v_lcy_7_cited_notification(
    state: NotificationState | None,
    postponed_start: date | None,
    start_date: date,
    root: str = "/SubmitRequest",
) -> list[Anomaly]:
    """V-LCY-7: the cited notification is this employer's (70014-003) and POSTPONED; a
    PENDING one must be answered by DecideNotification (70014-146), any other state is done
    with (70014-272). StartDate equals the postponed start date (70004-021 W).

    `state` None: no notification of this employer has that id (unknown and foreign alike).
    """
    path = f"{root}/NotificationId"
    if state is None:
        return [anomaly(
            "70014-003", B, path,
            "No notification of this employer has this id.",
            "Aucune notification de cet employeur ne porte cet identifiant.",
            "Geen melding van deze werkgever heeft deze identificatie.",
        )]
    if state is NotificationState.PENDING:
        return [anomaly(
            "70014-146", B, path,
            "This notification is still pending: answer it with DecideNotification.",
            "Cette notification est encore en attente : répondez-y par DecideNotification.",
            "Deze melding is nog hangende: beantwoord ze met DecideNotification.",
        )]
    if state is not NotificationState.POSTPONED:
        return [anomaly(
            "70014-272", B, path,
            f"This notification is {state}: no request can be submitted for it.",
            f"Cette notification est au statut {state} : aucune demande ne peut s'y rapporter.",
            f"Deze melding heeft de status {state}: er kan geen aanvraag voor ingediend worden.",
        )]
    if postponed_start is None or start_date == postponed_start:
        return []
    return [anomaly(
        "70004-021", W, f"{root}/StartDate",
        f"The start date differs from the postponed start date {postponed_start}.",
        f"La date de début diffère de la date de début reportée {postponed_start}.",
        f"De begindatum verschilt van de uitgestelde begindatum {postponed_start}.",
    )]
