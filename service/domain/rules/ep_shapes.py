"""Which legal form a parental or medical-assistance period takes (RULES.md 2.1).

V-DUR-3 / V-DUR-4 refuse a period that fits no form; V-ELG-5 asks for the employer's
agreement when the form is a flexible one. Both read the same classification from here.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from service.domain.calendar import (
    has_length_weeks,
    lasts_months_between,
    period_end,
    whole_blocks,
    whole_weeks,
)
from service.domain.codes import Circumstance, Fraction, Scheme
from service.domain.parameters import LegalParameters
from service.domain.schemes import (
    ALLOWED_FRACTIONS,
    MEDICAL_FLEXIBLE_WEEKS,
    MEDICAL_HOSPITALISATION_WEEKS,
    PARENTAL_FLEXIBLE_FULL_WITHIN_MONTHS,
    PARENTAL_FLEXIBLE_HALF_BLOCK_MONTHS,
    PARENTAL_REMAINDER_FULL_MAX_WEEKS,
    PARENTAL_REMAINDER_HALF_MAX_MONTHS,
)

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart


class Form(Enum):
    STANDARD = "standard"  # whole blocks, or the normal 1-3 months
    FLEXIBLE = "flexible"  # weeks or short blocks: needs the employer's agreement
    REMAINDER = "remainder"  # last balance shorter than a block (LAST_REMAINDER)
    HOSPITALISATION_WEEK = "hospitalisation week"  # one week at once, no agreement needed


def _parental_remainder(fraction: Fraction, start: date, end: date) -> bool:
    if fraction is Fraction.FULL:
        return (end - start).days + 1 < 7 * PARENTAL_REMAINDER_FULL_MAX_WEEKS
    if fraction is Fraction.HALF:
        return end < period_end(start, PARENTAL_REMAINDER_HALF_MAX_MONTHS)
    return False


def _parental_flexible(fraction: Fraction, start: date, end: date, max_months: int) -> bool:
    if fraction is Fraction.FULL:
        within = period_end(start, PARENTAL_FLEXIBLE_FULL_WITHIN_MONTHS)
        return whole_weeks(start, end) is not None and end <= within
    if fraction is Fraction.HALF:
        block = PARENTAL_FLEXIBLE_HALF_BLOCK_MONTHS
        return whole_blocks(start, end, block, max_months) is not None
    return False


def parental_form(part: EmployerPart, params: LegalParameters) -> Form | None:
    """None: the period fits no parental form (or there is no period / fraction to judge)."""
    period = part.period
    if period is None or part.fraction not in ALLOWED_FRACTIONS[Scheme.PARENTAL_LEAVE]:
        return None
    start, end = period
    block = params.int_value(f"parental.blocks.{part.fraction}", start)
    max_months = params.int_value(f"parental.max_months.{part.fraction}", start)
    if whole_blocks(start, end, block, max_months) is not None:
        return Form.STANDARD
    if part.has(Circumstance.LAST_REMAINDER) and _parental_remainder(part.fraction, start, end):
        return Form.REMAINDER
    if _parental_flexible(part.fraction, start, end, max_months):
        return Form.FLEXIBLE
    return None


def _medical_flexible(part: EmployerPart, params: LegalParameters, start: date, end: date) -> bool:
    if part.fraction is not Fraction.FULL:
        return False
    if not params.bool_value("medical.flexible_weeks_allowed", start):
        return False
    return whole_weeks(start, end) in MEDICAL_FLEXIBLE_WEEKS


def medical_form(part: EmployerPart, params: LegalParameters) -> Form | None:
    """None: the period fits no medical-assistance form (or there is no period)."""
    period = part.period
    if period is None:
        return None
    start, end = period
    low = params.int_value("medical.period_months.min", start)
    high = params.int_value("medical.period_months.max", start)
    if lasts_months_between(start, end, low, high):
        return Form.STANDARD
    if part.has(Circumstance.UNFORESEEN_HOSPITALISATION) and has_length_weeks(
        start, end, MEDICAL_HOSPITALISATION_WEEKS
    ):
        return Form.HOSPITALISATION_WEEK
    if part.has(Circumstance.LAST_REMAINDER) and end < period_end(start, low):
        return Form.REMAINDER
    if _medical_flexible(part, params, start, end):
        return Form.FLEXIBLE
    return None

