"""Identifier checks of RULES.md 3.1 and 4: INSS / BIS, CompanyID, NOSS, joint committee.

Each check reports one anomaly: the first failing test in the order its rule lists them, so a
sender fixes the most basic fault first (a 10-digit INSS is "too short", not "bad checksum").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import days_in_month

INSS_ZONE = "00024"
COMPANY_ZONE = "00014"
NOSS_ZONE = "00011"
JOINT_COMMISSION_ZONE = "00046"

_CENTURY_OFFSET = 2_000_000_000  # the 20xx variant prefixes "2" to the 9 base digits
_NOSS_MIN, _NOSS_MAX = 100_006, 199_999_934
_JOINT_COMMISSION = re.compile(r"[0-9]{3}(\.[0-9]{2}){0,2}")
_BIS_OFFSETS = (40, 20)  # +40 sex known, +20 sex unknown


def _is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _mod97_check(base: int) -> int:
    return 97 - (base % 97)


# ---- INSS -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InssParts:
    """An INSS whose check digits hold, split into what it says about its holder."""

    year: int
    month: int  # 0 when unknown (BIS only)
    day: int  # 0 when unknown (BIS only)
    serial: int
    bis: bool
    raw_month: int


def inss_century(value: str) -> int | None:
    """1900 or 2000, the century whose check-digit variant holds, or None (V-ID-2)."""
    base, check = int(value[:9]), int(value[9:])
    if _mod97_check(base) == check:
        return 1900
    if _mod97_check(_CENTURY_OFFSET + base) == check:
        return 2000
    return None


def _inss_parts(value: str) -> InssParts | None:
    if len(value) != 11 or not _is_ascii_digits(value):
        return None
    century = inss_century(value)
    if century is None:
        return None
    raw_month = int(value[2:4])
    month, bis = raw_month, False
    for offset in _BIS_OFFSETS:
        if offset <= raw_month <= offset + 12:
            month, bis = raw_month - offset, True
            break
    return InssParts(
        year=century + int(value[:2]),
        month=month,
        day=int(value[4:6]),
        serial=int(value[6:9]),
        bis=bis,
        raw_month=raw_month,
    )


def _real_date(year: int, month: int, day: int) -> date | None:
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        return None
    return date(year, month, day)


def _inss_semantics_ok(value: str, parts: InssParts, processing_date: date) -> bool:
    """V-ID-3 on a number whose check digits hold."""
    if set(value) == {"0"} or parts.serial in (0, 999):
        return False
    if parts.bis:
        if parts.day > 31:
            return False
        # Month or day 00 means "unknown": only a fully known date must exist.
        return parts.month == 0 or parts.day == 0 or _real_date(
            parts.year, parts.month, parts.day
        ) is not None
    born = _real_date(parts.year, parts.month, parts.day)
    return born is not None and born <= processing_date


def _inss_anomaly(nnn: str, path: str, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly(f"{INSS_ZONE}-{nnn}", Severity.BLOCKING, path, en, fr, nl)


def check_inss(value: str, path: str, processing_date: date) -> Anomaly | None:
    """V-ID-1, V-ID-2, V-ID-3 in that order; None when the INSS (or BIS number) is valid."""
    if len(value) != 11:
        return _inss_anomaly(
            "093", path,
            "The INSS must have exactly 11 digits.",
            "Le NISS doit compter exactement 11 chiffres.",
            "Het INSZ moet precies 11 cijfers tellen.",
        )
    if not _is_ascii_digits(value):
        return _inss_anomaly(
            "002", path,
            "The INSS must contain digits only.",
            "Le NISS ne peut contenir que des chiffres.",
            "Het INSZ mag alleen cijfers bevatten.",
        )
    parts = _inss_parts(value)
    if parts is None:
        return _inss_anomaly(
            "004", path,
            "The INSS check digits are invalid.",
            "Les chiffres de contrôle du NISS sont invalides.",
            "De controlecijfers van het INSZ zijn ongeldig.",
        )
    if not _inss_semantics_ok(value, parts, processing_date):
        return _inss_anomaly(
            "003", path,
            "The INSS is invalid: impossible birth date or serial number.",
            "Le NISS est invalide : date de naissance ou numéro de série impossible.",
            "Het INSZ is ongeldig: onmogelijke geboortedatum of volgnummer.",
        )
    return None


def is_valid_inss(value: str, processing_date: date) -> bool:
    return check_inss(value, "", processing_date) is None


def inss_birth_date(value: str) -> date | None:
    """The holder's birth date; None when the number is invalid or a BIS part is unknown."""
    parts = _inss_parts(value)
    if parts is None:
        return None
    return _real_date(parts.year, parts.month, parts.day)


def inss_birth_fully_known(value: str) -> bool:
    return inss_birth_date(value) is not None


def inss_birth_range(value: str) -> tuple[date, date] | None:
    """Earliest and latest possible birth dates (a BIS number may hide its month or day)."""
    parts = _inss_parts(value)
    if parts is None or not 0 <= parts.month <= 12:
        return None
    exact = _real_date(parts.year, parts.month, parts.day)
    if exact is not None:
        return exact, exact
    if parts.month == 0:
        return date(parts.year, 1, 1), date(parts.year, 12, 31)
    last = days_in_month(parts.year, parts.month)
    return date(parts.year, parts.month, 1), date(parts.year, parts.month, last)


# ---- CompanyID ------------------------------------------------------------------------------


def _company_checks(value: str) -> tuple[str, str, str, str] | None:
    """(NNN, en, fr, nl) of the first failing V-ID-4 check, or None."""
    if len(value) != 10:
        return ("093", "The enterprise number must have exactly 10 digits.",
                "Le numéro d'entreprise doit compter exactement 10 chiffres.",
                "Het ondernemingsnummer moet precies 10 cijfers tellen.")
    if not _is_ascii_digits(value):
        return ("002", "The enterprise number must contain digits only.",
                "Le numéro d'entreprise ne peut contenir que des chiffres.",
                "Het ondernemingsnummer mag alleen cijfers bevatten.")
    if value[0] not in "01":
        return ("003", "The enterprise number must start with 0 or 1.",
                "Le numéro d'entreprise doit commencer par 0 ou 1.",
                "Het ondernemingsnummer moet met 0 of 1 beginnen.")
    # All zeros would also fail the check digits; "missing" is the more useful answer.
    if set(value) == {"0"}:
        return ("001", "The enterprise number is missing (all zeros).",
                "Le numéro d'entreprise est absent (que des zéros).",
                "Het ondernemingsnummer ontbreekt (enkel nullen).")
    if _mod97_check(int(value[:8])) != int(value[8:]):
        return ("004", "The enterprise number check digits are invalid.",
                "Les chiffres de contrôle du numéro d'entreprise sont invalides.",
                "De controlecijfers van het ondernemingsnummer zijn ongeldig.")
    return None


def check_company_id(value: str, path: str, zone: str = COMPANY_ZONE) -> Anomaly | None:
    """V-ID-4 (zone 00014), or V-ID-10's first part with zone 70009 for OtherEmployer."""
    failure = _company_checks(value)
    if failure is None:
        return None
    nnn, en, fr, nl = failure
    return anomaly(f"{zone}-{nnn}", Severity.BLOCKING, path, en, fr, nl)


def is_valid_company_id(value: str) -> bool:
    return _company_checks(value) is None


# ---- NOSS registration number ---------------------------------------------------------------


def _noss_anomaly(nnn: str, severity: Severity, path: str, en: str, fr: str, nl: str) -> Anomaly:
    return anomaly(f"{NOSS_ZONE}-{nnn}", severity, path, en, fr, nl)


def check_noss(value: str, path: str) -> list[Anomaly]:
    """V-ID-5 (B: length, digits, range) then V-ID-6 (W: the inferred mod-97 rule)."""
    if len(value) != 9:
        return [_noss_anomaly(
            "093", Severity.BLOCKING, path,
            "The NOSS registration number must have exactly 9 digits.",
            "Le numéro d'immatriculation ONSS doit compter exactement 9 chiffres.",
            "Het RSZ-inschrijvingsnummer moet precies 9 cijfers tellen.",
        )]
    if not _is_ascii_digits(value):
        return [_noss_anomaly(
            "002", Severity.BLOCKING, path,
            "The NOSS registration number must contain digits only.",
            "Le numéro d'immatriculation ONSS ne peut contenir que des chiffres.",
            "Het RSZ-inschrijvingsnummer mag alleen cijfers bevatten.",
        )]
    number = int(value)
    if not _NOSS_MIN <= number <= _NOSS_MAX:
        return [_noss_anomaly(
            "008", Severity.BLOCKING, path,
            "The NOSS registration number is outside the allowed range.",
            "Le numéro d'immatriculation ONSS est hors de la plage autorisée.",
            "Het RSZ-inschrijvingsnummer ligt buiten het toegelaten bereik.",
        )]
    # Only a warning: the rule is inferred from published range limits (RULES.md 4.3).
    if number % 97 != 96:
        return [_noss_anomaly(
            "004", Severity.WARNING, path,
            "The NOSS registration number check digits look invalid.",
            "Les chiffres de contrôle du numéro d'immatriculation ONSS semblent invalides.",
            "De controlecijfers van het RSZ-inschrijvingsnummer lijken ongeldig.",
        )]
    return []


# ---- joint committee ------------------------------------------------------------------------


def check_joint_commission(value: str, path: str) -> Anomaly | None:
    """V-ID-7: `CCC`, `CCC.CC` or `CCC.CC.CC` (`999` = none)."""
    if _JOINT_COMMISSION.fullmatch(value):
        return None
    return anomaly(
        f"{JOINT_COMMISSION_ZONE}-008", Severity.BLOCKING, path,
        "The joint committee number must look like 200, 200.01 or 200.01.02.",
        "Le numéro de commission paritaire doit avoir la forme 200, 200.01 ou 200.01.02.",
        "Het paritair comiténummer moet de vorm 200, 200.01 of 200.01.02 hebben.",
    )
