"""Employee-notification rules (RULES.md 3.5 V-NOT-4/8, 3.7), as pure functions.

The use case looks up the employer's parameters, the stored notification and the worker's
history, and passes plain values in; these functions judge them. `root` is the message
element (`/DecideNotification`, or `/BulkFile/Item[@seq="3"]/DecideNotification`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction as Ratio

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import shift
from service.domain.codes import (
    Fraction,
    Motive,
    NotificationDecision,
    NotificationState,
    RefuseReason,
    Scheme,
)
from service.domain.commands import Accept, EmployeeNotification
from service.domain.lifecycle import notification_transition
from service.domain.parameters import LegalParameters
from service.domain.rules.context import EmployerProfile
from service.domain.schemes import CREDIT_SCHEMES, MOTIVES_WITHOUT_CCT

B = Severity.BLOCKING
W = Severity.WARNING

ENT = "/EmployeeNotification"
DEC = "/DecideNotification"

#: [L] switch of V-NTF-5's MEDICAL_ASSISTANCE row; absent from the table = on.
MEDICAL_POSTPONE_SWITCH = "switch.V-NTF-5.medical"

#: V-NTF-5: schemes an employer may postpone; PUBLIC_CAREER_BREAK is "not established" (W).
POSTPONABLE = frozenset({Scheme.TIME_CREDIT, Scheme.END_OF_CAREER, Scheme.PARENTAL_LEAVE})

_HeadcountTest = Callable[[int], bool]


# ---- V-NTF-1 auto-refusal --------------------------------------------------------------------


def v_ntf_1_auto_refusal(
    accepts_notifications: bool | None, employer_known: bool, root: str = ENT
) -> Anomaly | None:
    """V-NTF-1: None when the notification is stored PENDING, else the auto-refusal reason.

    `accepts_notifications` is the employer's stored AcceptEmployeeNotifications (None: no
    parameters ever received); `employer_known` is false when breakgate has neither
    parameters nor any mandate ever granted for it (00014-235). Stored parameters imply a
    known employer. The code goes with `NotificationDecided(AUTO_REFUSED)`; the severity is
    B because the notification is refused.
    """
    if accepts_notifications is True:
        return None
    if not employer_known and accepts_notifications is None:
        return anomaly(
            "00014-235", B, f"{root}/Employer/CompanyID",
            "The employer is unknown to breakgate: the notification is refused automatically.",
            "L'employeur est inconnu de breakgate : la notification est refusée "
            "automatiquement.",
            "De werkgever is onbekend bij breakgate: de melding wordt automatisch geweigerd.",
        )
    return anomaly(
        "70014-146", B, f"{root}/NotificationId",
        "The employer does not accept online employee notifications: refused automatically.",
        "L'employeur n'accepte pas les notifications en ligne des travailleurs : refus "
        "automatique.",
        "De werkgever aanvaardt geen online meldingen van werknemers: automatisch geweigerd.",
    )


# ---- V-NTF-2 repeated NotificationId -------------------------------------------------------


class Repeat(StrEnum):
    NEW = "NEW"  # never seen: store it
    IDENTICAL = "IDENTICAL"  # same id, same content: ignore, answer nothing
    CONFLICT = "CONFLICT"  # same id, other content: park (B†) with 70014-006


@dataclass(frozen=True)
class RepeatVerdict:
    kind: Repeat
    anomaly: Anomaly | None = None


def notification_fingerprint(notification: EmployeeNotification) -> str:
    """SHA-256 of the notification's canonical content (the model's JSON, field order fixed),
    so whitespace or attribute order in the XML never makes two equal notifications differ."""
    return hashlib.sha256(notification.model_dump_json().encode("utf-8")).hexdigest()


def v_ntf_2_repeat(
    stored_fingerprint: str | None, fingerprint: str, root: str = ENT
) -> RepeatVerdict:
    """V-NTF-2: `stored_fingerprint` is that of the notification already stored under the
    same NotificationId (None: never seen)."""
    if stored_fingerprint is None:
        return RepeatVerdict(Repeat.NEW)
    if stored_fingerprint == fingerprint:
        return RepeatVerdict(Repeat.IDENTICAL)
    return RepeatVerdict(Repeat.CONFLICT, anomaly(
        "70014-006", B, f"{root}/NotificationId",
        "This notification id was already received with a different content.",
        "Cet identifiant de notification a déjà été reçu avec un autre contenu.",
        "Deze meldingsidentificatie werd al met een andere inhoud ontvangen.",
    ))


# ---- V-NTF-4 the decided notification -------------------------------------------------------


def v_ntf_4_notification(state: NotificationState | None, root: str = DEC) -> Anomaly | None:
    """V-NTF-4: the NotificationId names a notification of this employer (70014-003; unknown
    and foreign alike, V-MAN-2) that is still PENDING (70014-272, RULES 5.2). The decision
    kind does not matter: only PENDING may be decided."""
    path = f"{root}/NotificationId"
    if state is None:
        return anomaly(
            "70014-003", B, path,
            "No notification of this employer has this id.",
            "Aucune notification de cet employeur ne porte cet identifiant.",
            "Geen melding van deze werkgever heeft deze identificatie.",
        )
    if notification_transition(state, NotificationDecision.REFUSED).allowed:
        return None
    return anomaly(
        "70014-272", B, path,
        f"This notification has already been answered ({state}).",
        f"Cette notification a déjà reçu une réponse ({state}).",
        f"Deze melding werd al beantwoord ({state}).",
    )


# ---- V-NTF-5 postponement allowed for the scheme --------------------------------------------


def v_ntf_5_postpone_allowed(
    scheme: Scheme, parameters: LegalParameters, on: date, root: str = DEC
) -> Anomaly | None:
    """V-NTF-5: TIME_CREDIT, END_OF_CAREER and PARENTAL_LEAVE may be postponed.

    PALLIATIVE_CARE: B. MEDICAL_ASSISTANCE: B, an [L] rule behind the dated switch
    `switch.V-NTF-5.medical` (`on` = processing date; absent from the table = on).
    PUBLIC_CAREER_BREAK: not established, accepted with W. All 70016-146.
    """
    if scheme in POSTPONABLE:
        return None
    path = f"{root}/Postpone"
    if scheme is Scheme.PUBLIC_CAREER_BREAK:
        return anomaly(
            "70016-146", W, path,
            "Postponing a public-sector career break is not established by law; it was "
            "accepted.",
            "Le report d'une interruption de carrière du secteur public n'est pas prévu par "
            "les textes ; il a été accepté.",
            "Het uitstel van een loopbaanonderbreking in de openbare sector is niet wettelijk "
            "vastgelegd; het werd aanvaard.",
        )
    if scheme is Scheme.MEDICAL_ASSISTANCE and not _switched_on(
        parameters, MEDICAL_POSTPONE_SWITCH, on
    ):
        return None
    return anomaly(
        "70016-146", B, path,
        f"The employer may not postpone a leave of the scheme {scheme}.",
        f"L'employeur ne peut pas reporter un congé du régime {scheme}.",
        f"De werkgever mag een verlof van de regeling {scheme} niet uitstellen.",
    )


def _switched_on(parameters: LegalParameters, name: str, on: date) -> bool:
    return name not in parameters.names() or parameters.bool_value(name, on)


# ---- V-NOT-4, V-NOT-8 the postponement's dates ----------------------------------------------


def v_not_4_new_start_date(
    requested_start: date,
    new_start: date,
    parameters: LegalParameters,
    on: date,
    root: str = DEC,
) -> Anomaly | None:
    """V-NOT-4: RequestedStartDate < NewStartDate <= shift(RequestedStartDate,
    ⚙ postpone.max_months) (70004-021 B). `on` = processing date (selects the parameter).
    NewStartDate's presence (70004-360) is the XSD's."""
    months = parameters.int_value("postpone.max_months", on)
    latest = shift(requested_start, months)
    if requested_start < new_start <= latest:
        return None
    return anomaly(
        "70004-021", B, f"{root}/Postpone/NewStartDate",
        f"The new start date must be after the requested start date {requested_start} and "
        f"on or before {latest} ({months} months later).",
        f"La nouvelle date de début doit suivre la date de début demandée {requested_start} "
        f"et être au plus tard le {latest} ({months} mois plus tard).",
        f"De nieuwe begindatum moet na de gevraagde begindatum {requested_start} liggen en "
        f"uiterlijk op {latest} ({months} maanden later).",
    )


def v_not_8_decided_in_time(
    notice_date: date, processing_date: date, parameters: LegalParameters, root: str = DEC
) -> Anomaly | None:
    """V-NOT-8: a postponement is decided on or before shift(NoticeDate,
    ⚙ postpone.decide_within_months) (70016-021 B); afterwards only Refuse or Accept."""
    months = parameters.int_value("postpone.decide_within_months", processing_date)
    deadline = shift(notice_date, months)
    if processing_date <= deadline:
        return None
    return anomaly(
        "70016-021", B, f"{root}/Postpone",
        f"A postponement had to be decided by {deadline}; only Refuse or Accept remain.",
        f"Le report devait être décidé au plus tard le {deadline} ; seuls le refus ou "
        "l'acceptation restent possibles.",
        f"Het uitstel moest uiterlijk op {deadline} beslist worden; enkel weigeren of "
        "aanvaarden blijft mogelijk.",
    )


# ---- V-NTF-6 refusal reason -----------------------------------------------------------------


@dataclass(frozen=True)
class RefusalFacts:
    """What a refusal's condition reads: the notification plus what the use case looked up.

    `headcount` is the V-PAR-6 headcount (None: unknown, see `notification_headcount`);
    `flexible` a flexible form (weeks, 1-month HALF parental blocks); `several_employers` a
    ONE_FIFTH split across several employers; the history months are this worker's earlier
    MEDICAL_ASSISTANCE months at this employer (`caps.medical_history_months`).
    """

    scheme: Scheme
    motive: Motive | None
    fraction: Fraction
    start_date: date
    notice_date: date
    headcount: int | None = None
    flexible: bool = False
    several_employers: bool = False
    history_full_months: Ratio | int = 0
    history_partial_months: Ratio | int = 0

    @classmethod
    def from_notification(
        cls,
        notification: EmployeeNotification,
        headcount: int | None,
        *,
        flexible: bool = False,
        several_employers: bool = False,
        history_full_months: Ratio | int = 0,
        history_partial_months: Ratio | int = 0,
    ) -> RefusalFacts:
        return cls(
            scheme=notification.scheme, motive=notification.motive,
            fraction=notification.fraction, start_date=notification.requested_start_date,
            notice_date=notification.notice_date, headcount=headcount, flexible=flexible,
            several_employers=several_employers, history_full_months=history_full_months,
            history_partial_months=history_partial_months,
        )


class _Condition(StrEnum):
    HOLDS = "HOLDS"
    FAILS = "FAILS"
    HEADCOUNT_UNKNOWN = "HEADCOUNT_UNKNOWN"
    HISTORY_SHORT = "HISTORY_SHORT"  # MEDICAL_LIMIT before 6 FULL / 12 partial months


def v_ntf_6_refusal_reason(
    reason: RefuseReason, facts: RefusalFacts, parameters: LegalParameters, root: str = DEC
) -> list[Anomaly]:
    """V-NTF-6: the refusal reason's condition holds (70016-146 B when it does not).

    PALLIATIVE_CARE is never refused (B); PUBLIC_CAREER_BREAK takes any code with a W
    (not established). A condition that needs an unknown headcount is given the benefit of
    the doubt: accepted with 70017-001 W (V-PAR-6). MEDICAL_LIMIT before the worker has had
    ⚙ 6 FULL or ⚙ 12 partial months here is accepted with 70016-146 W (breakgate's history
    is incomplete; the authority decides).
    """
    path = f"{root}/Refuse/Reason"
    if facts.scheme is Scheme.PALLIATIVE_CARE:
        return [anomaly(
            "70016-146", B, path,
            "Palliative-care leave can never be refused by the employer.",
            "Le congé pour soins palliatifs ne peut jamais être refusé par l'employeur.",
            "Palliatief verlof kan nooit door de werkgever geweigerd worden.",
        )]
    if facts.scheme is Scheme.PUBLIC_CAREER_BREAK:
        return [anomaly(
            "70016-146", W, path,
            "Refusing a public-sector career break is not established by law; the refusal "
            "was accepted.",
            "Le refus d'une interruption de carrière du secteur public n'est pas prévu par "
            "les textes ; le refus a été accepté.",
            "De weigering van een loopbaanonderbreking in de openbare sector is niet "
            "wettelijk vastgelegd; de weigering werd aanvaard.",
        )]
    condition = _refusal_condition(reason, facts, parameters)
    if condition is _Condition.HOLDS:
        return []
    if condition is _Condition.HEADCOUNT_UNKNOWN:
        return [headcount_unknown(root)]
    if condition is _Condition.HISTORY_SHORT:
        return [anomaly(
            "70016-146", W, path,
            "breakgate's history shows fewer than 6 full or 12 partial months of medical "
            "assistance leave for this worker; the refusal was accepted.",
            "L'historique de breakgate montre moins de 6 mois complets ou 12 mois partiels "
            "d'assistance médicale pour ce travailleur ; le refus a été accepté.",
            "De historiek van breakgate toont minder dan 6 volledige of 12 gedeeltelijke "
            "maanden medische bijstand voor deze werknemer; de weigering werd aanvaard.",
        )]
    return [anomaly(
        "70016-146", B, path,
        f"The refusal reason {reason} does not apply to this {facts.scheme} request.",
        f"Le motif de refus {reason} ne s'applique pas à cette demande {facts.scheme}.",
        f"De weigeringsreden {reason} is niet van toepassing op deze aanvraag "
        f"{facts.scheme}.",
    )]


def _refusal_condition(
    reason: RefuseReason, facts: RefusalFacts, parameters: LegalParameters
) -> _Condition:
    scheme = facts.scheme
    medical = scheme is Scheme.MEDICAL_ASSISTANCE
    if reason is RefuseReason.SMALL_EMPLOYER:
        if scheme in CREDIT_SCHEMES:
            limit = parameters.int_value("consent.headcount_max", facts.notice_date)
            return _by_headcount(facts.headcount, lambda h: h <= limit)
        if medical:
            below = parameters.int_value("medical.full_only_headcount_below", facts.notice_date)
            return _by_headcount(facts.headcount, lambda h: h < below)
        return _Condition.FAILS
    if reason is RefuseReason.AGREEMENT_REQUIRED:
        parental = scheme is Scheme.PARENTAL_LEAVE and (
            facts.fraction is Fraction.ONE_TENTH or facts.flexible
        )
        split_fifth = facts.fraction is Fraction.ONE_FIFTH and facts.several_employers
        return _holds(parental or (medical and facts.flexible) or split_fifth)
    if reason is RefuseReason.NO_CCT_BASIS:
        return _holds(
            scheme is Scheme.TIME_CREDIT
            and facts.fraction in (Fraction.FULL, Fraction.HALF)
            and facts.motive not in MOTIVES_WITHOUT_CCT
        )
    if reason is RefuseReason.MANAGEMENT_STAFF:
        return _holds(scheme in CREDIT_SCHEMES)  # the CCT itself is not checkable here
    # MEDICAL_LIMIT
    if not medical:
        return _Condition.FAILS
    below = parameters.int_value("medical.refusal_headcount_below", facts.notice_date)
    by_size = _by_headcount(facts.headcount, lambda h: h < below)
    if by_size is not _Condition.HOLDS:
        return by_size
    full = parameters.int_value("medical.refusal_after_months.FULL", facts.start_date)
    partial = parameters.int_value("medical.refusal_after_months.partial", facts.start_date)
    if facts.history_full_months >= full or facts.history_partial_months >= partial:
        return _Condition.HOLDS
    return _Condition.HISTORY_SHORT


def _holds(condition: bool) -> _Condition:
    return _Condition.HOLDS if condition else _Condition.FAILS


def _by_headcount(headcount: int | None, test: _HeadcountTest) -> _Condition:
    if headcount is None:
        return _Condition.HEADCOUNT_UNKNOWN
    return _holds(test(headcount))


def headcount_unknown(root: str = DEC) -> Anomaly:
    """V-PAR-6: no headcount is stored for this employer; the rule needing it was skipped."""
    return anomaly(
        "70017-001", W, f"{root}/Employer",
        "The employer's headcount is not known: the refusal condition that needs it was not "
        "checked.",
        "L'effectif de l'employeur est inconnu : la condition de refus qui en dépend n'a pas "
        "été vérifiée.",
        "Het personeelsbestand van de werkgever is onbekend: de weigeringsvoorwaarde die het "
        "nodig heeft werd niet gecontroleerd.",
    )


def notification_headcount(
    profile: EmployerProfile | None, notice_date: date, root: str = DEC
) -> tuple[int | None, list[Anomaly]]:
    """V-PAR-6 for a notification: the headcount of (NoticeDate year - 1); else the latest
    earlier one (70017-021 W); else None (the rule needing it then warns 70017-001)."""
    if profile is None:
        return None, []
    year = notice_date.year - 1
    if year in profile.headcounts:
        return profile.headcounts[year], []
    earlier = [y for y in profile.headcounts if y < year]
    if not earlier:
        return None, []
    used = max(earlier)
    return profile.headcounts[used], [anomaly(
        "70017-021", W, f"{root}/Employer",
        f"No headcount is known for {year}; the headcount of {used} was used.",
        f"Aucun effectif n'est connu pour {year} ; l'effectif de {used} a été utilisé.",
        f"Er is geen personeelsbestand gekend voor {year}; dat van {used} werd gebruikt.",
    )]


# ---- V-NTF-7 Accept against the notification ------------------------------------------------


def v_ntf_7_accept_matches(
    accept: Accept, notification: EmployeeNotification, root: str = DEC
) -> list[Anomaly]:
    """V-NTF-7: `Accept/EndDate`, when given, equals the requested end date (70005-021 W);
    `Accept/NoticeDate` equals the notification's (70006-021 W). The notification's values
    are the ones used (`EmployerPart.from_accept`)."""
    found = []
    requested_end = notification.requested_end_date
    if accept.end_date is not None and requested_end is not None and (
        accept.end_date != requested_end
    ):
        found.append(anomaly(
            "70005-021", W, f"{root}/Accept/EndDate",
            f"The end date differs from the requested end date {requested_end}, which is "
            "used.",
            f"La date de fin diffère de la date de fin demandée {requested_end}, qui est "
            "retenue.",
            f"De einddatum verschilt van de gevraagde einddatum {requested_end}, die gebruikt "
            "wordt.",
        ))
    if accept.notice_date != notification.notice_date:
        notice = notification.notice_date
        found.append(anomaly(
            "70006-021", W, f"{root}/Accept/NoticeDate",
            f"The notice date differs from the notification's notice date {notice}, which "
            "is used.",
            f"La date de notification diffère de celle de la notification ({notice}), qui "
            "est retenue.",
            f"De kennisgevingsdatum verschilt van die van de melding ({notice}), die gebruikt "
            "wordt.",
        ))
    return found
