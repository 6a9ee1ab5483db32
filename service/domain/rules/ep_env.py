"""What the EP rules know besides the employer part: V-PAR-6 resolves the employer's sector
and headcount once per message, so each rule just reads `env.sector` / `env.headcount`.

`None` means "unknown here": the rules that need the value are skipped. Whether that deserves
a warning is decided here, once, not in every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Scheme, Sector
from service.domain.parameters import LegalParameters
from service.domain.rules.context import EmployerProfile, RuleContext

if TYPE_CHECKING:
    from service.domain.rules.employer_part import EmployerPart

#: Schemes with a rule that reads the headcount (V-TYP-6, V-ELG-5, V-NOT-1).
HEADCOUNT_SCHEMES = frozenset(
    {Scheme.TIME_CREDIT, Scheme.END_OF_CAREER, Scheme.MEDICAL_ASSISTANCE}
)


@dataclass(frozen=True)
class EpEnv:
    ctx: RuleContext
    sector: Sector | None = None
    headcount: int | None = None

    @property
    def params(self) -> LegalParameters:
        return self.ctx.parameters

    @property
    def today(self) -> date:
        """The processing date (Europe/Brussels)."""
        return self.ctx.processing_date


#: One EP rule: the anomalies it finds (none when it holds or does not apply).
EpRule = Callable[["EmployerPart", EpEnv], Iterator[Anomaly]]


def v_par_6_employer_parameters(
    part: EmployerPart, ctx: RuleContext
) -> tuple[EpEnv, list[Anomaly]]:
    """V-PAR-6: the employer's sector and the headcount of (NoticeDate year - 1).

    Falls back to the latest earlier headcount (70017-021 W); with none, or with no stored
    parameters at all, the dependent rules are skipped (70017-001 W, once). Offline, with no
    profile, nothing is known and nothing is said: `breakgate check` has no stored parameters.
    """
    profile = ctx.employer
    if profile is None:
        if ctx.offline:
            return EpEnv(ctx), []
        return EpEnv(ctx), [_parameters_missing(part)]
    headcount, warning = _headcount(profile, part)
    warnings = [] if warning is None else [warning]
    if profile.sector is None and warning is None:
        warnings.append(_parameters_missing(part))
    return EpEnv(ctx, sector=profile.sector, headcount=headcount), warnings


def _headcount(profile: EmployerProfile, part: EmployerPart) -> tuple[int | None, Anomaly | None]:
    year = part.notice_date.year - 1
    if year in profile.headcounts:
        return profile.headcounts[year], None
    if part.scheme not in HEADCOUNT_SCHEMES:
        return None, None  # no rule needs it: no reason to warn
    earlier = [y for y in profile.headcounts if y < year]
    if not earlier:
        return None, _parameters_missing(part)
    latest = max(earlier)
    return profile.headcounts[latest], _older_headcount(part, year, latest)


def _parameters_missing(part: EmployerPart) -> Anomaly:
    return anomaly(
        "70017-001", Severity.WARNING, part.path("Employer"),
        "The employer's parameters (sector, headcount) are not known: the rules that need them "
        "were skipped.",
        "Les paramètres de l'employeur (secteur, effectif) sont inconnus : les règles qui en "
        "dépendent n'ont pas été appliquées.",
        "De parameters van de werkgever (sector, personeelsbestand) zijn onbekend: de regels "
        "die ze nodig hebben werden overgeslagen.",
    )


def _older_headcount(part: EmployerPart, wanted: int, used: int) -> Anomaly:
    return anomaly(
        "70017-021", Severity.WARNING, part.path("Employer"),
        f"No headcount is known for {wanted}; the headcount of {used} was used.",
        f"Aucun effectif n'est connu pour {wanted} ; l'effectif de {used} a été utilisé.",
        f"Er is geen personeelsbestand gekend voor {wanted}; dat van {used} werd gebruikt.",
    )


def yielded(found: Anomaly | None) -> Iterator[Anomaly]:
    """Adapts a check that returns one optional anomaly to the EP rule shape."""
    if found is not None:
        yield found
