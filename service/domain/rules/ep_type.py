"""Scheme, motive, fraction and circumstances: V-TYP-1 to V-TYP-8 (RULES.md 3.2, 2.1, 2.5).

The code lists themselves (Scheme, Motive, Circumstance values) are enforced by the schema and
the command types (70001-008 / 70002-008 come from the XSD mapping); these rules judge the
combinations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import age_on
from service.domain.codes import Circumstance, Fraction, Scheme
from service.domain.identifiers import inss_birth_date
from service.domain.rules.ep_env import EpEnv, EpRule
from service.domain.schemes import (
    ALLOWED_FRACTIONS,
    MOTIVE_REQUIRED_FOR,
    MOTIVES_WITHOUT_CCT,
    PUBLIC_STAFF_EXCLUDED,
    SECTOR_IMPLAUSIBLE,
    SECTOR_REFUSED,
    SECTORS_REFUSED_BEFORE_EDUCATION_FROM,
    STAFF_CIRCUMSTANCES,
    STATUTORY_STAFF_FRACTIONS,
)

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

B, W = Severity.BLOCKING, Severity.WARNING


def v_typ_1_fraction_allowed(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.fraction not in ALLOWED_FRACTIONS[part.scheme]:
        yield anomaly(
            "70003-008", B, part.path("Fraction"),
            f"The fraction {part.fraction} is not allowed for {part.scheme}.",
            f"La fraction {part.fraction} n'est pas autorisée pour {part.scheme}.",
            f"De breuk {part.fraction} is niet toegelaten voor {part.scheme}.",
        )


# ---- V-TYP-2 scheme refused ------------------------------------------------------------------


def sector_refuses(part: EmployerPart, env: EpEnv) -> bool:
    """2.5 B column; EDUCATION is refused only before ⚙ `channel.education_from`."""
    if env.sector is None:
        return False
    if part.scheme in SECTOR_REFUSED[env.sector]:
        return True
    if env.sector in SECTORS_REFUSED_BEFORE_EDUCATION_FROM:
        return env.today < env.params.date_value("channel.education_from", env.today)
    return False


def _derogation_2012_refused(part: EmployerPart, env: EpEnv) -> bool:
    """END_OF_CAREER with DEROGATION_2012 at 55 or 56: from the first derogation age
    (⚙ ONE_FIFTH, 55) up to, not including, the last one (⚙ HALF, 57)."""
    if part.scheme is not Scheme.END_OF_CAREER or not part.has(Circumstance.DEROGATION_2012):
        return False
    birth = inss_birth_date(part.worker_inss)
    if birth is None:
        return False  # age unknown: V-ELG-3 says so
    low = env.params.int_value("eoc.allowance_derogation_age.ONE_FIFTH", part.start_date)
    high = env.params.int_value("eoc.allowance_derogation_age.HALF", part.start_date)
    return low <= age_on(birth, part.start_date) < high


def v_typ_2_scheme_refused(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if sector_refuses(part, env):
        yield anomaly(
            "70001-146", B, part.path("Scheme"),
            f"The scheme {part.scheme} is not open to the employer's sector ({env.sector}).",
            f"Le régime {part.scheme} n'est pas ouvert au secteur de l'employeur ({env.sector}).",
            f"De regeling {part.scheme} staat niet open voor de sector van de werkgever "
            f"({env.sector}).",
        )
    if part.has(Circumstance.COMPLEMENTARY_INDEMNITY):
        yield anomaly(
            "70001-146", B, part.circumstance_path(Circumstance.COMPLEMENTARY_INDEMNITY),
            "A request with a complementary indemnity cannot be filed through this channel.",
            "Une demande avec indemnité complémentaire ne peut pas être introduite par ce canal.",
            "Een aanvraag met aanvullende vergoeding kan niet via dit kanaal worden ingediend.",
        )
    if _derogation_2012_refused(part, env):
        yield anomaly(
            "70001-146", B, part.circumstance_path(Circumstance.DEROGATION_2012),
            "The 2012 derogation does not allow an end-of-career leave at 55 or 56.",
            "La dérogation de 2012 ne permet pas un aménagement de fin de carrière à 55 ou 56 "
            "ans.",
            "De afwijking van 2012 laat geen landingsbaan toe op 55 of 56 jaar.",
        )


# ---- V-TYP-3 motive --------------------------------------------------------------------------


def v_typ_3_motive(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    required = part.scheme in MOTIVE_REQUIRED_FOR
    if required and part.motive is None:
        yield anomaly(
            "70002-001", B, part.path("Motive"),
            "A time credit needs a motive.",
            "Un crédit-temps nécessite un motif.",
            "Een tijdskrediet vereist een motief.",
        )
    elif not required and part.motive is not None:
        yield anomaly(
            "70002-005", B, part.path("Motive"),
            f"A motive is not allowed for {part.scheme}.",
            f"Un motif n'est pas autorisé pour {part.scheme}.",
            f"Een motief is niet toegelaten voor {part.scheme}.",
        )


def v_typ_4_sector_plausible(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if env.sector is None or sector_refuses(part, env):
        return  # unknown, or already refused by V-TYP-2
    if part.scheme in SECTOR_IMPLAUSIBLE[env.sector]:
        yield anomaly(
            "70001-146", W, part.path("Scheme"),
            f"The scheme {part.scheme} is unusual for the employer's sector ({env.sector}).",
            f"Le régime {part.scheme} est inhabituel pour le secteur de l'employeur "
            f"({env.sector}).",
            f"De regeling {part.scheme} is ongewoon voor de sector van de werkgever "
            f"({env.sector}).",
        )


def v_typ_5_cct_basis(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """TIME_CREDIT FULL or HALF exists only where a collective agreement provides it."""
    if (
        part.scheme is Scheme.TIME_CREDIT
        and part.fraction in (Fraction.FULL, Fraction.HALF)
        and part.motive is not None
        and part.motive not in MOTIVES_WITHOUT_CCT
        and not part.has(Circumstance.CCT_BASIS)
    ):
        yield anomaly(
            "70003-146", W, part.path("Fraction"),
            "A full or half time credit for this motive needs a collective agreement "
            "(CCT_BASIS).",
            "Un crédit-temps complet ou à mi-temps pour ce motif nécessite une CCT (CCT_BASIS).",
            "Een voltijds of halftijds tijdskrediet voor dit motief vereist een cao "
            "(CCT_BASIS).",
        )


def v_typ_6_medical_small_employer(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.MEDICAL_ASSISTANCE or env.headcount is None:
        return
    below = env.params.int_value("medical.full_only_headcount_below", part.notice_date)
    if env.headcount < below and part.fraction is not Fraction.FULL:
        yield anomaly(
            "70003-146", B, part.path("Fraction"),
            f"Below {below} workers, medical assistance can only be taken full time.",
            f"En dessous de {below} travailleurs, l'assistance médicale ne peut être prise "
            "qu'à temps plein.",
            f"Onder {below} werknemers kan medische bijstand alleen voltijds worden opgenomen.",
        )


# ---- V-TYP-7 public staff --------------------------------------------------------------------


def v_typ_7_public_staff(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    if part.scheme is not Scheme.PUBLIC_CAREER_BREAK:
        return
    for excluded in sorted(PUBLIC_STAFF_EXCLUDED & set(part.circumstances)):
        yield anomaly(
            "70001-146", B, part.circumstance_path(excluded),
            f"A public career break is not open to this staff category ({excluded}).",
            f"L'interruption de carrière publique n'est pas ouverte à cette catégorie de "
            f"personnel ({excluded}).",
            f"De loopbaanonderbreking in de openbare sector staat niet open voor deze "
            f"personeelscategorie ({excluded}).",
        )
    statutory = part.has(Circumstance.STATUTORY_STAFF)
    if statutory and part.fraction not in STATUTORY_STAFF_FRACTIONS:
        yield anomaly(
            "70003-008", B, part.path("Fraction"),
            "Statutory staff can only take a full or half career break.",
            "Le personnel statutaire ne peut prendre qu'une interruption complète ou à mi-temps.",
            "Statutair personeel kan alleen een volledige of halftijdse onderbreking nemen.",
        )
    if not STAFF_CIRCUMSTANCES & set(part.circumstances):
        yield anomaly(
            "70001-001", W, part.path("Circumstance"),
            "No staff category was given: the worker is treated as contract staff.",
            "Aucune catégorie de personnel n'est indiquée : le travailleur est traité comme "
            "contractuel.",
            "Er is geen personeelscategorie opgegeven: de werknemer wordt als contractueel "
            "behandeld.",
        )


def v_typ_8_circumstances_unique(part: EmployerPart, env: EpEnv) -> Iterator[Anomaly]:
    """Each code at most once (the code list itself is the schema's). A repeated code is
    reported once, at its first repetition: 200 000 repetitions (a 7.6 MB message the schema
    allows) must not become 200 000 anomalies and a 74 MB rejection (RELIABILITY.md T14)."""
    seen: set[Circumstance] = set()
    reported: set[Circumstance] = set()
    for index, code in enumerate(part.circumstances, start=1):
        if code in seen and code not in reported:
            reported.add(code)
            yield anomaly(
                "70001-006", B, part.circumstance_index_path(index),
                f"The circumstance {code} is given more than once.",
                f"La circonstance {code} est indiquée plus d'une fois.",
                f"De omstandigheid {code} is meer dan eens opgegeven.",
            )
        seen.add(code)


RULES: tuple[EpRule, ...] = (
    v_typ_1_fraction_allowed,
    v_typ_2_scheme_refused,
    v_typ_3_motive,
    v_typ_4_sector_plausible,
    v_typ_5_cct_basis,
    v_typ_6_medical_small_employer,
    v_typ_7_public_staff,
    v_typ_8_circumstances_unique,
)
