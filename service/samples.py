"""Realistic sample messages, dated relative to a processing day, for the demo, the tests and
the benchmarks. Every SubmitRequest made here is accepted by the rules on `today` once the
sender holds a mandate and the worker is in the personnel file (see `worker_inss`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

from service.domain.calendar import period_end, shift

DEMO_COMPANY_ID = "0123456749"
NAMESPACE = "urn:breakgate:v1"


def worker_inss(index: int) -> str:
    """A distinct, valid INSS per index (0..~3.6 million): born 1960-1989, serial 1..997."""
    birth = date(1960, 1, 1) + timedelta(days=index // 997)
    serial = index % 997 + 1
    nine = f"{birth:%y%m%d}{serial:03d}"
    return f"{nine}{97 - int(nine) % 97:02d}"


@dataclass(frozen=True)
class Timing:
    """A ONE_FIFTH time credit of six months starting 3 to 4 months after `today`, noticed
    yesterday: inside every notice and timing rule."""

    start: date
    end: date
    notice: date
    child_birth: date

    @classmethod
    def for_day(cls, today: date) -> Timing:
        in_three_months = shift(today, 3)
        start = date(in_three_months.year, in_three_months.month, 1)
        if start <= in_three_months:
            start = shift(start, 1)
        return cls(start=start, end=period_end(start, 6), notice=today - timedelta(days=1),
                   child_birth=shift(today, -36))


def submit_request(
    reference: str, inss: str, today: date, *, company_id: str = DEMO_COMPANY_ID,
    root: bool = True,
) -> str:
    """A SubmitRequest element; `root=False` leaves out the namespace and schemaVersion, for
    use as a bulk item."""
    t = Timing.for_day(today)
    head = f'<SubmitRequest xmlns="{NAMESPACE}" schemaVersion="1.0">' if root else \
        "<SubmitRequest>"
    return (
        f"{head}<RequestReference>{escape(reference)}</RequestReference>"
        f"<Employer><CompanyID>{company_id}</CompanyID></Employer>"
        f"<Worker><INSS>{inss}</INSS><LastName>Peeters</LastName><FirstName>An</FirstName>"
        "</Worker><Scheme>TIME_CREDIT</Scheme><Motive>CHILD_UNDER_8</Motive>"
        f"<Fraction>ONE_FIFTH</Fraction><StartDate>{t.start}</StartDate>"
        f"<EndDate>{t.end}</EndDate><NoticeDate>{t.notice}</NoticeDate>"
        "<RegimeBefore><WorkingDaysSystem>500</WorkingDaysSystem>"
        "<MeanWorkingHours>3800</MeanWorkingHours><RefMeanWorkingHours>3800"
        "</RefMeanWorkingHours></RegimeBefore><RegimeDuring><WorkingDaysSystem>400"
        "</WorkingDaysSystem><MeanWorkingHours>3040</MeanWorkingHours>"
        "<RefMeanWorkingHours>3800</RefMeanWorkingHours></RegimeDuring>"
        "<SeveralEmployers>false</SeveralEmployers>"
        f"<Child><BirthDate>{t.child_birth}</BirthDate></Child></SubmitRequest>"
    )


def dimona_declaration(inss: str, *, company_id: str = DEMO_COMPANY_ID,
                       entry: date = date(2015, 9, 1)) -> str:
    return (
        f'<DimonaDeclaration xmlns="{NAMESPACE}" schemaVersion="1.0">'
        f"<Employer><CompanyID>{company_id}</CompanyID></Employer>"
        f"<Worker><INSS>{inss}</INSS><LastName>Peeters</LastName><FirstName>An</FirstName>"
        f"</Worker><EntryDate>{entry}</EntryDate><JointCommissionNbr>200</JointCommissionNbr>"
        "</DimonaDeclaration>"
    )


def grant_mandate(sender: str, *, company_id: str = DEMO_COMPANY_ID,
                  valid_from: date = date(2020, 1, 1)) -> str:
    return (
        f'<GrantMandate xmlns="{NAMESPACE}" schemaVersion="1.0">'
        f"<Sender>{escape(sender)}</Sender><Employer><CompanyID>{company_id}</CompanyID>"
        f"</Employer><ValidFrom>{valid_from}</ValidFrom></GrantMandate>"
    )
