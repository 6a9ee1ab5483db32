"""A valid SubmitRequest per scheme and a RuleContext, for the employer-part rule tests.

Each `valid_*` request passes every stateless rule on the processing date 2026-12-01 with the
default employer profile (PRIVATE, 50 workers in 2025) and offline; a test overrides one field
to break exactly one rule. Nested fields given as dicts are merged into the defaults, so
`valid_submit(worker={"source": "MANUAL"})` keeps the INSS.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from service.domain.anomalies import Anomaly
from service.domain.calendar import period_end
from service.domain.codes import Circumstance, Fraction, Motive, Scheme, Sector
from service.domain.commands import Attachment, SubmitRequest
from service.domain.parameters import LegalParameters
from service.domain.rules.context import EmployerProfile, RuleContext
from service.domain.rules.employer_part import EmployerPart, check_employer_part

PROCESSING_DATE = date(2026, 12, 1)
INSS = "75113099746"
COMPANY_ID = "0123456749"
OTHER_COMPANY_ID = "0100000169"
START = date(2027, 3, 1)
NOTICE = date(2026, 11, 2)
CHILD_BIRTH = date(2022, 5, 14)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"

PRIVATE_50 = EmployerProfile(sector=Sector.PRIVATE, headcounts={2025: 50})



def _regime(days: int, hours: int, reference: int = 3800) -> dict[str, int]:
    return {
        "working_days_system": days, "mean_working_hours": hours,
        "ref_mean_working_hours": reference,
    }


FULL_TIME = _regime(500, 3800)
FOUR_FIFTHS = _regime(400, 3040)
NOTHING = _regime(0, 0)
HALF_TIME = _regime(500, 1900)

_USE_DEFAULT_PROFILE: Any = object()


def make_inss(birth: date, serial: int = 997, bis_offset: int = 0) -> str:
    """An INSS (or BIS number with `bis_offset` 20 / 40) with correct check digits."""
    base = f"{birth:%y}{birth.month + bis_offset:02d}{birth.day:02d}{serial:03d}"
    return with_check_digits(base, birth.year >= 2000)


def with_check_digits(nine_digits: str, born_2000s: bool) -> str:
    number = int(nine_digits) + (2_000_000_000 if born_2000s else 0)
    return f"{nine_digits}{97 - number % 97:02d}"


def pdf_attachment(name: str = "attestation.pdf") -> Attachment:
    return Attachment(
        file_name=name, content_type="application/pdf",
        content=base64.b64encode(PDF).decode("ascii"),
    )


def _base() -> dict[str, Any]:
    return {
        "request_reference": "REQ-2026-0001",
        "employer": {"company_id": COMPANY_ID},
        "worker": {"inss": INSS},
        "scheme": Scheme.TIME_CREDIT,
        "motive": Motive.CHILD_UNDER_8,
        "fraction": Fraction.ONE_FIFTH,
        "start_date": START,
        "end_date": date(2027, 8, 31),
        "notice_date": NOTICE,
        "regime_before": FULL_TIME,
        "regime_during": FOUR_FIFTHS,
        "several_employers": False,
        "child": {"birth_date": CHILD_BIRTH},
    }


def _merged(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    fields = dict(defaults)
    for name, value in overrides.items():
        if isinstance(value, dict) and isinstance(fields.get(name), dict):
            fields[name] = {**fields[name], **value}
        else:
            fields[name] = value
    return fields


def valid_submit(**overrides: Any) -> SubmitRequest:
    """TIME_CREDIT CHILD_UNDER_8 ONE_FIFTH, 2027-03-01 to 2027-08-31, notice 2026-11-02."""
    return SubmitRequest(**_merged(_base(), overrides))


def valid_end_of_career(**overrides: Any) -> SubmitRequest:
    """ONE_FIFTH to retirement for a worker aged 61 at the start."""
    defaults = {
        "worker": {"inss": make_inss(date(1966, 1, 10))},
        "scheme": Scheme.END_OF_CAREER, "motive": None, "end_date": None, "child": None,
    }
    return valid_submit(**_merged(defaults, overrides))


def valid_parental(**overrides: Any) -> SubmitRequest:
    """ONE_FIFTH, one 5-month block; notice exactly 3 months ahead."""
    defaults = {
        "scheme": Scheme.PARENTAL_LEAVE, "motive": None,
        "end_date": period_end(START, 5), "notice_date": date(2026, 12, 1),
    }
    return valid_submit(**_merged(defaults, overrides))


def valid_medical(**overrides: Any) -> SubmitRequest:
    """FULL for one month, with the physician certificate attached."""
    defaults = {
        "scheme": Scheme.MEDICAL_ASSISTANCE, "motive": None, "fraction": Fraction.FULL,
        "end_date": date(2027, 3, 31), "regime_during": NOTHING, "child": None,
        "attachments": (pdf_attachment(),),
    }
    return valid_submit(**_merged(defaults, overrides))


def valid_palliative(**overrides: Any) -> SubmitRequest:
    """FULL for one month from the Monday after the certificate (Wednesday 2026-11-25)."""
    defaults = {
        "scheme": Scheme.PALLIATIVE_CARE, "motive": None, "fraction": Fraction.FULL,
        "start_date": date(2026, 11, 30), "end_date": date(2026, 12, 29),
        "notice_date": date(2026, 11, 25), "regime_during": NOTHING, "child": None,
        "attachments": (pdf_attachment(),),
    }
    return valid_submit(**_merged(defaults, overrides))


def valid_public(**overrides: Any) -> SubmitRequest:
    """FULL for 6 months, contract staff; valid with a PUBLIC_FEDERAL employer."""
    defaults = {
        "scheme": Scheme.PUBLIC_CAREER_BREAK, "motive": None, "fraction": Fraction.FULL,
        "regime_during": NOTHING, "child": None,
        "circumstances": (Circumstance.CONTRACT_STAFF,),
    }
    return valid_submit(**_merged(defaults, overrides))


def valid_several(**overrides: Any) -> SubmitRequest:
    """The base time credit, half-time here and half-time elsewhere, fifth split proportionally."""
    defaults = {
        "several_employers": True,
        "other_employer": {
            "company_id": OTHER_COMPANY_ID, "mean_working_hours": 1900,
            "ref_mean_working_hours": 3800, "combined_working_days": 500,
        },
        "regime_before": {"working_days_system": 250, "mean_working_hours": 1900},
        "regime_during": {"working_days_system": 200, "mean_working_hours": 1520},
        "employer_agreement": True,
    }
    return valid_submit(**_merged(defaults, overrides))


def context(
    processing_date: date = PROCESSING_DATE,
    employer: EmployerProfile | None = _USE_DEFAULT_PROFILE,
    offline: bool = False,
    parameters: LegalParameters | None = None,
) -> RuleContext:
    """Online, with the PRIVATE / 50 workers profile unless told otherwise."""
    return RuleContext(
        processing_date=processing_date,
        parameters=parameters or LegalParameters.default(),
        employer=PRIVATE_50 if employer is _USE_DEFAULT_PROFILE else employer,
        offline=offline,
    )


def offline_context(processing_date: date = PROCESSING_DATE) -> RuleContext:
    """What `breakgate check` uses: no stored employer parameters."""
    return context(processing_date, employer=None, offline=True)


def profile(sector: Sector = Sector.PRIVATE, **headcounts: int) -> EmployerProfile:
    """`profile(Sector.PUBLIC_OTHER, y2025=8)`: headcounts keyed `y<year>`."""
    return EmployerProfile(
        sector=sector, headcounts={int(key[1:]): value for key, value in headcounts.items()}
    )


def check(submit: SubmitRequest, ctx: RuleContext | None = None) -> list[Anomaly]:
    return check_employer_part(EmployerPart.from_submit(submit), ctx or context())


def triples(found: list[Anomaly]) -> list[tuple[str, str, str | None]]:
    """(code, severity, path) of each anomaly: what the rule tests assert exactly."""
    return [(a.code, a.severity.value, a.path) for a in found]


def codes_of(found: list[Anomaly]) -> set[str]:
    return {a.code for a in found}
