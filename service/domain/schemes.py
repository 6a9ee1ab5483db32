"""The scheme / motive / fraction matrix of RULES.md 2.1-2.5, as data.

Only the shape of the law lives here (which fraction a scheme knows, which motive needs a
child); every number that may change with a new law (minimum lengths, ages, notice periods)
is a dated parameter in `legal_parameters.json`.
"""

from __future__ import annotations

from fractions import Fraction as Ratio
from types import MappingProxyType

from service.domain.codes import Circumstance, Fraction, Motive, Scheme, Sector

F = Fraction

# ---- 2.1 fractions ---------------------------------------------------------------------------

ALLOWED_FRACTIONS: MappingProxyType[Scheme, frozenset[Fraction]] = MappingProxyType({
    Scheme.TIME_CREDIT: frozenset({F.FULL, F.HALF, F.ONE_FIFTH}),
    Scheme.END_OF_CAREER: frozenset({F.HALF, F.ONE_FIFTH}),
    Scheme.PARENTAL_LEAVE: frozenset({F.FULL, F.HALF, F.ONE_FIFTH, F.ONE_TENTH}),
    Scheme.MEDICAL_ASSISTANCE: frozenset({F.FULL, F.HALF, F.ONE_FIFTH}),
    Scheme.PALLIATIVE_CARE: frozenset({F.FULL, F.HALF, F.ONE_FIFTH}),
    # ONE_THIRD, ONE_QUARTER and ONE_FIFTH are for contract staff only (V-TYP-7).
    Scheme.PUBLIC_CAREER_BREAK: frozenset(
        {F.FULL, F.HALF, F.ONE_THIRD, F.ONE_QUARTER, F.ONE_FIFTH}
    ),
})

#: Public career break for statutory staff (V-TYP-7).
STATUTORY_STAFF_FRACTIONS = frozenset({F.FULL, F.HALF})

# ---- 2.1 / 2.3 motives -----------------------------------------------------------------------

#: The only scheme with a motive; every other scheme forbids one (V-TYP-3).
MOTIVE_REQUIRED_FOR = frozenset({Scheme.TIME_CREDIT})

#: TIME_CREDIT FULL or HALF is open without a collective agreement only for these (2.1, V-TYP-5).
MOTIVES_WITHOUT_CCT = frozenset({Motive.DISABLED_CHILD, Motive.SERIOUSLY_ILL_MINOR_CHILD})

#: Motives whose child must be under an age at the start: parameter `tc.child_age.<MOTIVE>`.
CHILD_MOTIVES = frozenset(
    {Motive.CHILD_UNDER_8, Motive.DISABLED_CHILD, Motive.SERIOUSLY_ILL_MINOR_CHILD}
)

#: A child too old for this motive is a warning, not a refusal (2.3, V-ELG-1).
CHILD_AGE_WARNING_ONLY = frozenset({Motive.SERIOUSLY_ILL_MINOR_CHILD})

#: Motives for which a physician attestation is expected (2.3, V-MSG-6).
ATTESTATION_MOTIVES = frozenset({
    Motive.PALLIATIVE, Motive.SERIOUS_ILLNESS, Motive.DISABLED_CHILD,
    Motive.SERIOUSLY_ILL_MINOR_CHILD,
})

# ---- 2.2 regimes -----------------------------------------------------------------------------

#: "Full-time on at least 5 days a week", in hundredths of a day (V-REG-4, V-REG-7).
FULL_TIME_MIN_DAYS = 500

#: Schemes whose notice and consent depend on the headcount (V-NOT-1, V-ELG-5).
CREDIT_SCHEMES = frozenset({Scheme.TIME_CREDIT, Scheme.END_OF_CAREER})

# ---- 2.1 flexible and remainder forms -------------------------------------------------------

#: Parental FULL taken in weeks must end within this many months of the start.
PARENTAL_FLEXIBLE_FULL_WITHIN_MONTHS = 3
#: Parental HALF taken flexibly: whole months instead of 2-month blocks.
PARENTAL_FLEXIBLE_HALF_BLOCK_MONTHS = 1
#: A parental remainder is shorter than a normal block: FULL < 4 weeks, HALF < 2 months.
PARENTAL_REMAINDER_FULL_MAX_WEEKS = 4
PARENTAL_REMAINDER_HALF_MAX_MONTHS = 2
#: Medical assistance FULL may be taken as exactly 1, 2 or 3 weeks (flexible).
MEDICAL_FLEXIBLE_WEEKS = frozenset({1, 2, 3})
#: An unforeseen hospitalisation of a child allows one week at once.
MEDICAL_HOSPITALISATION_WEEKS = 1

# ---- 2.4 regime during the leave ------------------------------------------------------------

#: `Q_during = k x S` (S of RegimeBefore), within 1 hundredth of an hour.
K_FACTORS: MappingProxyType[Fraction, Ratio] = MappingProxyType({
    F.FULL: Ratio(0),
    F.HALF: Ratio(1, 2),
    F.ONE_FIFTH: Ratio(4, 5),
    F.ONE_TENTH: Ratio(9, 10),
    F.ONE_THIRD: Ratio(2, 3),
    F.ONE_QUARTER: Ratio(3, 4),
})

#: Share of the reference hours a ONE_FIFTH removes (V-REG-7 "whole reduction here").
ONE_FIFTH_REDUCTION = Ratio(1, 5)

# ---- 2.5 sector scope -----------------------------------------------------------------------

_ALL_SCHEMES = frozenset(Scheme)

#: Schemes refused outright for a sector (V-TYP-2, 70001-146 B).
SECTOR_REFUSED: MappingProxyType[Sector, frozenset[Scheme]] = MappingProxyType({
    Sector.PRIVATE: frozenset(),
    Sector.PUBLIC_FEDERAL: frozenset(),
    Sector.PUBLIC_OTHER: _ALL_SCHEMES
    - {Scheme.PARENTAL_LEAVE, Scheme.MEDICAL_ASSISTANCE, Scheme.PALLIATIVE_CARE},
    Sector.EDUCATION: frozenset(),  # refused only before `channel.education_from`
    Sector.DEFENCE: _ALL_SCHEMES,
})

#: Sectors refused for every scheme before the date parameter `channel.education_from`.
SECTORS_REFUSED_BEFORE_EDUCATION_FROM = frozenset({Sector.EDUCATION})

#: Schemes that are implausible for a sector (V-TYP-4, 70001-146 W).
SECTOR_IMPLAUSIBLE: MappingProxyType[Sector, frozenset[Scheme]] = MappingProxyType({
    Sector.PRIVATE: frozenset({Scheme.PUBLIC_CAREER_BREAK}),
    Sector.PUBLIC_FEDERAL: frozenset(),
    Sector.PUBLIC_OTHER: frozenset(),
    Sector.EDUCATION: frozenset({Scheme.TIME_CREDIT, Scheme.END_OF_CAREER}),
    Sector.DEFENCE: frozenset(),
})

# ---- 2.6 circumstances ----------------------------------------------------------------------

#: Circumstances that say which kind of public staff the worker is (V-TYP-7).
STAFF_CIRCUMSTANCES = frozenset({
    Circumstance.STATUTORY_STAFF, Circumstance.CONTRACT_STAFF,
    Circumstance.TRAINEE, Circumstance.MANDATE_HOLDER,
})

#: Public staff without a right to a career break (V-TYP-7).
PUBLIC_STAFF_EXCLUDED = frozenset({Circumstance.TRAINEE, Circumstance.MANDATE_HOLDER})
