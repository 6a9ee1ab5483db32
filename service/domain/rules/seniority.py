"""V-ELG-4: the worker's seniority at the notice date, from the personnel file (RULES.md 3.4).

The use case passes the worker's periods at this employer (the Dimona personnel file, read
per employer, V-PFL-6); with `Worker/Source = MANUAL` the declared `HireDate` stands in for
the file. Seniority is the continuous employment that covers the notice date: periods that
overlap or follow each other without a gap day count as one. Every finding is a warning
(70019-058): the authority's check is the binding one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction as Ratio

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import shift
from service.domain.codes import Circumstance, Motive, Scheme, WorkerSource
from service.domain.parameters import LegalParameters
from service.domain.rules.caps import counted_months
from service.domain.rules.employer_part import EmployerPart
from service.domain.rules.stateful import Period

W = Severity.WARNING
_ONE_DAY = timedelta(days=1)


def evidence(
    periods: Sequence[Period], source: WorkerSource, hire_date: date | None
) -> list[Period]:
    """What seniority is read from: the declared hire date for a MANUAL worker, else the
    personnel file."""
    if source is WorkerSource.MANUAL:
        return [Period(hire_date, None)] if hire_date is not None else []
    return list(periods)


def seniority_start(periods: Sequence[Period], on: date) -> date | None:
    """First day of the continuous employment that covers `on` (None: not employed then)."""
    covering = [p.entry_date for p in periods if p.covers(on)]
    if not covering:
        return None
    start = min(covering)
    grown = True
    while grown:
        grown = False
        for period in periods:
            joins = period.exit_date is None or period.exit_date + _ONE_DAY >= start
            if period.entry_date < start and joins:
                start, grown = period.entry_date, True
    return start


def months_employed(periods: Sequence[Period], first: date, last: date) -> Ratio:
    """Months of employment within `[first, last]`, overlapping periods counted once."""
    clipped = sorted(
        (max(p.entry_date, first), min(p.exit_date or last, last))
        for p in periods
        if p.entry_date <= last and (p.exit_date is None or p.exit_date >= first)
    )
    merged: list[tuple[date, date]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return sum((counted_months(start, end) for start, end in merged), Ratio(0))


def has_months(start: date | None, on: date, months: int) -> bool:
    """At least `months` months of seniority on `on` when it began on `start`."""
    return start is not None and shift(start, months) <= on


def v_elg_4_seniority(
    part: EmployerPart, periods: Sequence[Period], parameters: LegalParameters
) -> Anomaly | None:
    """V-ELG-4 (70019-058 W), at most one finding. TIME_CREDIT needs ⚙ 24 months unless
    PARENTAL_LEAVE_EXHAUSTED; END_OF_CAREER ⚙ 24 months; PARENTAL_LEAVE ⚙ 12 months of
    employment within the ⚙ 15 months before the notice; TIME_CREDIT CHILD_UNDER_8 below
    ⚙ `tc.allowance_seniority_months.child_care` (by StartDate) gets no allowances.

    With no evidence at all (DIMONA worker missing from the file, MANUAL without HireDate)
    V-PFL-1 / V-PFL-3 have spoken already: nothing is added here.
    """
    found = evidence(periods, part.worker_source, part.worker_hire_date)
    if not found:
        return None
    notice = part.notice_date
    start = seniority_start(found, notice)
    if part.scheme is Scheme.PARENTAL_LEAVE:
        return _parental(part, found, parameters)
    if part.scheme is Scheme.END_OF_CAREER:
        needed = parameters.int_value("eoc.seniority_months", notice)
        return None if has_months(start, notice, needed) else _too_short(part, needed)
    if part.scheme is not Scheme.TIME_CREDIT:
        return None
    if not part.has(Circumstance.PARENTAL_LEAVE_EXHAUSTED):
        needed = parameters.int_value("tc.seniority_months", notice)
        if not has_months(start, notice, needed):
            return _too_short(part, needed)
    if part.motive is Motive.CHILD_UNDER_8:
        needed = parameters.int_value("tc.allowance_seniority_months.child_care", part.start_date)
        if not has_months(start, notice, needed):
            return _no_allowance(part, needed)
    return None


def _parental(
    part: EmployerPart, periods: Sequence[Period], parameters: LegalParameters
) -> Anomaly | None:
    notice = part.notice_date
    needed = parameters.int_value("parental.seniority_months", notice)
    window = parameters.int_value("parental.seniority_window_months", notice)
    if months_employed(periods, shift(notice, -window), notice) >= needed:
        return None
    return anomaly(
        "70019-058", W, part.path("Worker/INSS"),
        f"The worker was employed here less than {needed} of the {window} months before the "
        "notice date.",
        f"Le travailleur a été occupé ici moins de {needed} des {window} mois précédant la "
        "date de notification.",
        f"De werknemer was hier minder dan {needed} van de {window} maanden vóór de "
        "kennisgevingsdatum tewerkgesteld.",
    )


def _too_short(part: EmployerPart, needed: int) -> Anomaly:
    return anomaly(
        "70019-058", W, part.path("Worker/INSS"),
        f"At the notice date the worker has less than {needed} months of seniority with this "
        f"employer, which {part.scheme} requires.",
        f"À la date de notification, le travailleur a moins de {needed} mois d'ancienneté "
        f"chez cet employeur, ce que requiert {part.scheme}.",
        f"Op de kennisgevingsdatum heeft de werknemer minder dan {needed} maanden anciënniteit "
        f"bij deze werkgever, wat {part.scheme} vereist.",
    )


def _no_allowance(part: EmployerPart, needed: int) -> Anomaly:
    return anomaly(
        "70019-058", W, part.path("Worker/INSS"),
        f"With less than {needed} months of seniority, a time credit to care for a child under "
        "8 is unlikely to give allowances.",
        f"Avec moins de {needed} mois d'ancienneté, un crédit-temps pour soins à un enfant de "
        "moins de 8 ans ne donne probablement pas droit aux allocations.",
        f"Met minder dan {needed} maanden anciënniteit geeft tijdskrediet voor de zorg voor een "
        "kind jonger dan 8 waarschijnlijk geen recht op uitkeringen.",
    )
