"""Career caps over breakgate's own history (RULES.md V-CAP-1, and V-DUR-5's second part).

The use case passes the worker's earlier requests at this employer that are neither
CANCELLED nor REFUSED (excluding the request being judged, e.g. the one a ModifyRequest
changes); these functions add the new period and compare with the ⚙ caps of section 6.
Both rules are warnings: breakgate sees only its own history, the authority's check binds.

Month counting (one helper, `counted_months`): each period counts its whole calendar months
by `period_end` (RULES section 0), plus the remainder as a share of the month that would
follow: `2027-03-01..2027-08-31` is 6, `2027-03-01..2027-03-07` is 7/31, `2027-03-01..
2027-04-15` is 1 + 15/30. Counting the remainder pro rata (rather than rounding it up)
keeps the flexible week forms (parental FULL weeks, medical assistance 1-3 weeks) from
using up a whole month each. Periods are counted one by one and added up, whatever the gaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction as Ratio

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.calendar import period_end
from service.domain.codes import Circumstance, Fraction, Motive, Scheme
from service.domain.parameters import LegalParameters
from service.domain.rules.employer_part import EmployerPart

W = Severity.WARNING
_ONE_DAY = timedelta(days=1)

#: Fractions of the parental leave, each with its own per-child maximum (⚙ parental.max_months).
PARENTAL_FRACTIONS = (Fraction.FULL, Fraction.HALF, Fraction.ONE_FIFTH, Fraction.ONE_TENTH)


@dataclass(frozen=True)
class EarlierRequest:
    """One earlier, non-cancelled, non-refused request of this worker at this employer."""

    scheme: Scheme
    motive: Motive | None
    fraction: Fraction
    start: date
    end: date | None
    child_birth: date | None = None

    @property
    def months(self) -> Ratio:
        """Counted months; an open period (END_OF_CAREER to retirement) counts none."""
        return Ratio(0) if self.end is None else counted_months(self.start, self.end)


def counted_months(start: date, end: date) -> Ratio:
    """Calendar months of `[start, end]`: whole months by `period_end`, the rest pro rata."""
    if end < start:
        return Ratio(0)
    whole = 0
    while period_end(start, whole + 1) <= end:
        whole += 1
    rest_start = start if whole == 0 else period_end(start, whole) + _ONE_DAY
    if rest_start > end:
        return Ratio(whole)
    month_days = (period_end(start, whole + 1) - rest_start).days + 1
    return whole + Ratio((end - rest_start).days + 1, month_days)


def _candidate(part: EmployerPart) -> EarlierRequest | None:
    if part.end_date is None or part.end_date < part.start_date:
        return None
    return EarlierRequest(
        scheme=part.scheme, motive=part.motive, fraction=part.fraction,
        start=part.start_date, end=part.end_date,
        child_birth=part.child.birth_date if part.child else None,
    )


def _total(requests: Iterable[EarlierRequest]) -> Ratio:
    return sum((r.months for r in requests), Ratio(0))


def _shown(months: Ratio) -> str:
    return str(months.numerator) if months.denominator == 1 else f"{float(months):.1f}"


def _cap_exceeded(path: str, what: tuple[str, str, str], used: Ratio, cap: Ratio) -> Anomaly:
    en, fr, nl = what
    shown_used, shown_cap = _shown(used), _shown(cap)
    return anomaly(
        "70005-047", W, path,
        f"With this period, {en} reaches {shown_used} months in breakgate's history, more "
        f"than the {shown_cap} allowed; the authority will check.",
        f"Avec cette période, {fr} atteint {shown_used} mois dans l'historique de "
        f"breakgate, plus que les {shown_cap} autorisés ; l'autorité vérifiera.",
        f"Met deze periode bereikt {nl} {shown_used} maanden in de historiek van breakgate, "
        f"meer dan de toegelaten {shown_cap}; de overheid controleert.",
    )


# ---- V-CAP-1 ----------------------------------------------------------------------------------


def v_cap_1_caps(
    part: EmployerPart,
    history: Sequence[EarlierRequest],
    parameters: LegalParameters,
    path: str | None = None,
) -> Anomaly | None:
    """V-CAP-1 (70005-047 W): the new period plus the earlier ones stays within the caps.

    TIME_CREDIT: the motive's cap (CHILD_UNDER_8 ⚙ by NoticeDate, TRAINING 36, other care
    motives 51), care motives together 51, care + TRAINING 51. PARENTAL_LEAVE: ⚙ 4
    full-time-equivalent months per child (matched on BirthDate). MEDICAL_ASSISTANCE: 12 FULL
    / 24 partial months, doubled with SINGLE_PARENT. PUBLIC_CAREER_BREAK: 60 FULL and 60
    partial months. END_OF_CAREER and PALLIATIVE_CARE have no cap here. At most one
    anomaly, for the first cap exceeded. `path` defaults to the part's EndDate.
    """
    candidate = _candidate(part)
    if candidate is None:
        return None
    earlier = [r for r in history if r.scheme is part.scheme]
    where = path or part.path("EndDate")
    if part.scheme is Scheme.TIME_CREDIT:
        return _time_credit(part, candidate, earlier, parameters, where)
    if part.scheme is Scheme.PARENTAL_LEAVE:
        return _parental(candidate, earlier, parameters, where)
    if part.scheme is Scheme.MEDICAL_ASSISTANCE:
        return _medical(part, candidate, earlier, parameters, where)
    if part.scheme is Scheme.PUBLIC_CAREER_BREAK:
        return _public(candidate, earlier, parameters, where)
    return None


def _time_credit(
    part: EmployerPart,
    candidate: EarlierRequest,
    earlier: list[EarlierRequest],
    parameters: LegalParameters,
    path: str,
) -> Anomaly | None:
    motive = part.motive
    if motive is None:
        return None  # V-TYP-3
    on = part.notice_date
    every = [r for r in earlier if r.motive is not None] + [candidate]
    same = _total(r for r in every if r.motive is motive)
    care = _total(r for r in every if r.motive is not Motive.TRAINING)
    if motive is Motive.CHILD_UNDER_8:
        own_cap = parameters.int_value("tc.cap_months.child_under_8", on)
    elif motive is Motive.TRAINING:
        own_cap = parameters.int_value("tc.cap_months.training", on)
    else:
        own_cap = parameters.int_value("tc.cap_months.care", on)
    if same > own_cap:
        what = (f"the time credit for {motive}", f"le crédit-temps pour {motive}",
                f"het tijdskrediet voor {motive}")
        return _cap_exceeded(path, what, same, Ratio(own_cap))
    care_cap = parameters.int_value("tc.cap_months.care", on)
    if motive is not Motive.TRAINING and care > care_cap:
        what = ("the time credit for care motives", "le crédit-temps pour motifs de soins",
                "het tijdskrediet met zorgmotief")
        return _cap_exceeded(path, what, care, Ratio(care_cap))
    both_cap = parameters.int_value("tc.cap_months.care_plus_training", on)
    both = _total(every)
    if both > both_cap:
        what = ("the time credit for care and training", "le crédit-temps pour soins et "
                "formation", "het tijdskrediet voor zorg en opleiding")
        return _cap_exceeded(path, what, both, Ratio(both_cap))
    return None


def parental_weights(parameters: LegalParameters, on: date) -> dict[Fraction, Ratio]:
    """Full-time equivalent of one month per fraction: ⚙ max FULL / ⚙ max of the fraction
    (FULL 1, HALF 1/2, ONE_FIFTH 1/5, ONE_TENTH 1/10)."""
    full = parameters.int_value("parental.max_months.FULL", on)
    return {
        fraction: Ratio(full, parameters.int_value(f"parental.max_months.{fraction}", on))
        for fraction in PARENTAL_FRACTIONS
    }


def _parental(
    candidate: EarlierRequest,
    earlier: list[EarlierRequest],
    parameters: LegalParameters,
    path: str,
) -> Anomaly | None:
    child = candidate.child_birth
    if child is None or candidate.fraction not in PARENTAL_FRACTIONS:
        return None  # V-ELG-2, V-TYP-1
    weights = parental_weights(parameters, candidate.start)
    same_child = [r for r in earlier if r.child_birth == child] + [candidate]
    used = sum((r.months * weights.get(r.fraction, Ratio(0)) for r in same_child), Ratio(0))
    budget = parameters.int_value("parental.max_months.FULL", candidate.start)
    if used <= budget:
        return None
    what = (f"the parental leave for the child born on {child} (in full-time equivalent)",
            f"le congé parental pour l'enfant né le {child} (en équivalent temps plein)",
            f"het ouderschapsverlof voor het kind geboren op {child} (in voltijds "
            "equivalent)")
    return _cap_exceeded(path, what, used, Ratio(budget))


def medical_history_months(history: Iterable[EarlierRequest]) -> tuple[Ratio, Ratio]:
    """(FULL months, partial months) of MEDICAL_ASSISTANCE in `history` (V-NTF-6)."""
    medical = [r for r in history if r.scheme is Scheme.MEDICAL_ASSISTANCE]
    return (_total(r for r in medical if r.fraction is Fraction.FULL),
            _total(r for r in medical if r.fraction is not Fraction.FULL))


def _medical(
    part: EmployerPart,
    candidate: EarlierRequest,
    earlier: list[EarlierRequest],
    parameters: LegalParameters,
    path: str,
) -> Anomaly | None:
    """12 FULL or 24 partial months, read as one budget: each FULL month uses 1/12 of it,
    each partial month 1/24 (so a mix is judged in proportion)."""
    on = candidate.start
    multiplier = 1
    if part.has(Circumstance.SINGLE_PARENT):
        multiplier = parameters.int_value("medical.cap_multiplier.single_parent", on)
    cap_full = parameters.int_value("medical.cap_months.FULL", on) * multiplier
    cap_partial = parameters.int_value("medical.cap_months.partial", on) * multiplier
    full, partial = medical_history_months([*earlier, candidate])
    if full / cap_full + partial / cap_partial <= 1:
        return None
    if candidate.fraction is Fraction.FULL:
        used, cap = full + partial * Ratio(cap_full, cap_partial), Ratio(cap_full)
        what = ("the medical assistance leave (in full months)",
                "le congé pour assistance médicale (en mois complets)",
                "het verlof voor medische bijstand (in volledige maanden)")
    else:
        used, cap = partial + full * Ratio(cap_partial, cap_full), Ratio(cap_partial)
        what = ("the medical assistance leave (in partial months)",
                "le congé pour assistance médicale (en mois partiels)",
                "het verlof voor medische bijstand (in gedeeltelijke maanden)")
    return _cap_exceeded(path, what, used, cap)


def _public(
    candidate: EarlierRequest,
    earlier: list[EarlierRequest],
    parameters: LegalParameters,
    path: str,
) -> Anomaly | None:
    """60 FULL months and, separately, 60 partial months over the career."""
    full = candidate.fraction is Fraction.FULL
    kind = "FULL" if full else "partial"
    cap = parameters.int_value(f"public.cap_months.{kind}", candidate.start)
    used = _total(r for r in [*earlier, candidate] if (r.fraction is Fraction.FULL) is full)
    if used <= cap:
        return None
    what = ((f"the public career break ({kind})", f"l'interruption de carrière publique "
             f"({'complète' if full else 'partielle'})", f"de loopbaanonderbreking in de "
             f"openbare sector ({'voltijds' if full else 'deeltijds'})"))
    return _cap_exceeded(path, what, used, Ratio(cap))


# ---- V-DUR-5, second part: the 4th consecutive palliative month ----------------------------


def v_dur_5_consecutive_palliative(
    part: EmployerPart,
    history: Sequence[EarlierRequest],
    parameters: LegalParameters,
    path: str | None = None,
) -> Anomaly | None:
    """V-DUR-5 (70005-047 W): not the 4th consecutive palliative month of this worker here.

    The patient is not identified, so consecutive periods are assumed to be for one patient:
    the chain of PALLIATIVE_CARE periods touching the new one (each starting at the latest
    the day after the previous ends) may total at most ⚙ palliative.max_per_patient months.
    """
    candidate = _candidate(part)
    if part.scheme is not Scheme.PALLIATIVE_CARE or candidate is None:
        return None
    periods = [r for r in history if r.scheme is Scheme.PALLIATIVE_CARE and r.end is not None]
    chain = _chain_through(candidate, periods)
    used = _total(chain)
    cap = parameters.int_value("palliative.max_per_patient", candidate.start)
    if used <= cap:
        return None
    where = path or part.path("EndDate")
    return anomaly(
        "70005-047", W, where,
        f"This is more than {cap} consecutive months of palliative care leave for this worker "
        "here; the limit is per patient, which breakgate cannot tell.",
        f"Ceci fait plus de {cap} mois consécutifs de congé pour soins palliatifs pour ce "
        "travailleur ici ; la limite vaut par patient, ce que breakgate ne peut vérifier.",
        f"Dit is meer dan {cap} opeenvolgende maanden palliatief verlof voor deze werknemer "
        "hier; de grens geldt per patiënt, wat breakgate niet kan nagaan.",
    )


def _chain_through(
    candidate: EarlierRequest, periods: list[EarlierRequest]
) -> list[EarlierRequest]:
    """The candidate plus every period linked to it without a gap, before and after."""
    chain = [candidate]
    first, last = candidate.start, candidate.end or candidate.start
    left = list(periods)
    grown = True
    while grown:
        grown = False
        for period in list(left):
            end = period.end or period.start
            if period.start <= last + _ONE_DAY and end + _ONE_DAY >= first:
                chain.append(period)
                left.remove(period)
                first, last = min(first, period.start), max(last, end)
                grown = True
    return chain
