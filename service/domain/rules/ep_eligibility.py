"""Eligibility: the child's age (V-ELG-1, V-ELG-2), the worker's age (V-ELG-3) and the
employer's agreement (V-ELG-5), RULES.md 3.4. Seniority (V-ELG-4) needs the personnel file
and runs in the use case.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import age_on, birthday
from service.domain.codes import Circumstance, Fraction, Scheme
from service.domain.identifiers import inss_birth_range
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.rules.ep_shapes import Form, medical_form, parental_form
from service.domain.schemes import CHILD_AGE_WARNING_ONLY, CHILD_MOTIVES, CREDIT_SCHEMES

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING


def _child_missing(part: EmployerPart) -> Anomaly:
    return anomaly(
        "70011-001", B, part.path("Child"),
        "The child's birth date is required for this request.",
        "La date de naissance de l'enfant est requise pour cette demande.",
        "De geboortedatum van het kind is vereist voor deze aanvraag.",
    )


def _child_too_old(part: EmployerPart, age: int, severity: Severity) -> Anomaly:
    return anomaly(
        "70011-021", severity, part.path("Child/BirthDate"),
        f"The leave must start before the child's {age}th birthday.",
        f"Le congé doit commencer avant le {age}e anniversaire de l'enfant.",
        f"Het verlof moet ingaan vóór de {age}e verjaardag van het kind.",
    )


def _starts_before_birthday(part: EmployerPart, birth: date, age: int) -> bool:
    return part.start_date < birthday(birth, age)


def v_elg_1_time_credit_child(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    motive = part.motive
    if part.scheme is not Scheme.TIME_CREDIT or motive is None or motive not in CHILD_MOTIVES:
        return
    if part.child is None:
        yield _child_missing(part)
        return
    age = env.params.int_value(f"tc.child_age.{motive}", part.start_date)
    if not _starts_before_birthday(part, part.child.birth_date, age):
        yield _child_too_old(part, age, W if motive in CHILD_AGE_WARNING_ONLY else B)


def v_elg_2_parental_child(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.PARENTAL_LEAVE:
        return
    if part.child is None:
        yield _child_missing(part)
        return
    name = "parental.child_age.disabled" if part.child.disabled else "parental.child_age"
    age = env.params.int_value(name, part.start_date)
    if not _starts_before_birthday(part, part.child.birth_date, age):
        yield _child_too_old(part, age, B)


# ---- V-ELG-3 end-of-career age ---------------------------------------------------------------


def _worker_age(part: EmployerPart, severity: Severity, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly("00024-061", severity, part.path("Worker/INSS"), en, fr, nl)


def v_elg_3_end_of_career_age(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Age at the start from the INSS. A BIS number may hide its month or day: then only a
    worker too young on the most favourable reading is refused, and the doubt is a warning."""
    birth_range = inss_birth_range(part.worker_inss)
    if part.scheme is not Scheme.END_OF_CAREER or birth_range is None:
        return  # an invalid INSS is V-ID-1..3's finding
    earliest, latest = birth_range
    on, params = part.start_date, env.params
    exception = part.has(Circumstance.AGE_EXCEPTION)
    minimum = params.int_value("eoc.min_age_exception" if exception else "eoc.min_age", on)
    if earliest != latest:
        yield _worker_age(
            part, W,
            "The worker's birth date is not fully known: the age could not be checked exactly.",
            "La date de naissance du travailleur n'est pas entièrement connue : l'âge n'a pas "
            "pu être vérifié exactement.",
            "De geboortedatum van de werknemer is niet volledig gekend: de leeftijd kon niet "
            "exact worden gecontroleerd.",
        )
    if age_on(earliest, on) < minimum:
        yield _worker_age(
            part, B,
            f"The worker must be at least {minimum} at the start of an end-of-career leave.",
            f"Le travailleur doit avoir au moins {minimum} ans au début de l'aménagement de fin "
            "de carrière.",
            f"De werknemer moet bij de aanvang van de landingsbaan minstens {minimum} jaar zijn.",
        )
        return
    allowance_age = params.int_value("eoc.allowance_age", on)
    if earliest == latest and age_on(earliest, on) < allowance_age:
        yield _worker_age(
            part, W,
            f"Under {allowance_age}, an end-of-career leave is unlikely to give allowances.",
            f"Avant {allowance_age} ans, un aménagement de fin de carrière ne donne "
            "probablement pas droit aux allocations.",
            f"Onder {allowance_age} jaar geeft een landingsbaan waarschijnlijk geen recht op "
            "uitkeringen.",
        )


# ---- V-ELG-5 employer agreement --------------------------------------------------------------


Reason = tuple[str, str, str]  # the same reason in EN, FR, NL

_ONE_TENTH: Reason = (
    "a one-tenth parental leave", "un congé parental d'un dixième",
    "een ouderschapsverlof van een tiende",
)
_FLEXIBLE_PARENTAL: Reason = (
    "a flexible parental leave", "un congé parental flexible", "een flexibel ouderschapsverlof",
)
_MEDICAL_WEEKS: Reason = (
    "medical assistance taken in weeks", "une assistance médicale prise par semaines",
    "medische bijstand opgenomen in weken",
)
_SEVERAL_EMPLOYERS: Reason = (
    "a one-fifth reduction across several employers",
    "une réduction d'un cinquième chez plusieurs employeurs",
    "een vermindering met een vijfde bij meerdere werkgevers",
)


def _small_employer(small: int) -> Reason:
    return (
        f"an employer with at most {small} workers",
        f"un employeur d'au plus {small} travailleurs",
        f"een werkgever met hoogstens {small} werknemers",
    )


def agreement_reason(part: EmployerPart, env: EpEnv) -> Reason | None:
    """Why the employer's agreement is needed, or None when it is not."""
    if part.scheme is Scheme.PARENTAL_LEAVE:
        if part.fraction is Fraction.ONE_TENTH:
            return _ONE_TENTH
        if parental_form(part, env.params) is Form.FLEXIBLE:
            return _FLEXIBLE_PARENTAL
    if part.scheme is Scheme.MEDICAL_ASSISTANCE and medical_form(part, env.params) is Form.FLEXIBLE:
        return _MEDICAL_WEEKS
    if part.several_employers and part.fraction is Fraction.ONE_FIFTH:
        return _SEVERAL_EMPLOYERS
    if part.scheme in CREDIT_SCHEMES and env.headcount is not None:
        small = env.params.int_value("consent.headcount_max", part.notice_date)
        if env.headcount <= small:
            return _small_employer(small)
    return None


def v_elg_5_employer_agreement(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """A DecideNotification/Accept implies the agreement (EmployerPart.from_accept)."""
    reason = None if part.agreed else agreement_reason(part, env)
    if reason is None:
        return
    en, fr, nl = reason
    yield anomaly(
        "70010-001", B, part.path("EmployerAgreement"),
        f"The employer's agreement (EmployerAgreement true) is required for {en}.",
        f"L'accord de l'employeur (EmployerAgreement true) est requis pour {fr}.",
        f"Het akkoord van de werkgever (EmployerAgreement true) is vereist voor {nl}.",
    )


RULES: tuple[EpRule, ...] = (
    v_elg_1_time_credit_child,
    v_elg_2_parental_child,
    v_elg_3_end_of_career_age,
    v_elg_5_employer_agreement,
)
