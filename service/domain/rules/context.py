"""What a rule may know besides the message: the date, the dated parameters, the employer.

Rules are pure functions of (command, RuleContext). Stored state reaches them only through this
context, filled in by the use case; the offline `breakgate check` fills in none of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from service.domain.codes import Sector

if TYPE_CHECKING:
    from service.domain.parameters import LegalParameters


@dataclass(frozen=True)
class EmployerProfile:
    """The employer's stored parameters (UpdateParameters), as far as the rules need them.

    `headcounts` maps a reference year (update year - 1) to the headcount sent that year.
    """

    sector: Sector | None = None
    headcounts: dict[int, int] = field(default_factory=dict)
    accepts_notifications: bool = False


@dataclass(frozen=True)
class RuleContext:
    """`employer is None` with `offline=True` means "unknown here": the rules that need the
    employer's parameters are skipped silently. With `offline=False` and no profile, V-PAR-6
    raises its 70017-001 warning, as the rulebook says."""

    processing_date: date
    parameters: LegalParameters
    employer: EmployerProfile | None = None
    offline: bool = False
    sender_number: str | None = None  # 6-digit bulk sender number, when known (V-BLK-1)
