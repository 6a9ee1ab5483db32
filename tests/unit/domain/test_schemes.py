"""The scheme matrix of RULES.md 2.1-2.5, spot-checked against the tables."""

from __future__ import annotations

from fractions import Fraction as Ratio

from service.domain.codes import Fraction, Scheme, Sector
from service.domain.schemes import (
    ALLOWED_FRACTIONS,
    K_FACTORS,
    MOTIVE_REQUIRED_FOR,
    SECTOR_IMPLAUSIBLE,
    SECTOR_REFUSED,
)


def test_every_scheme_has_its_fractions() -> None:
    assert set(ALLOWED_FRACTIONS) == set(Scheme)
    assert ALLOWED_FRACTIONS[Scheme.END_OF_CAREER] == {Fraction.HALF, Fraction.ONE_FIFTH}
    assert Fraction.ONE_TENTH in ALLOWED_FRACTIONS[Scheme.PARENTAL_LEAVE]
    assert Fraction.ONE_THIRD in ALLOWED_FRACTIONS[Scheme.PUBLIC_CAREER_BREAK]
    assert Fraction.ONE_TENTH not in ALLOWED_FRACTIONS[Scheme.TIME_CREDIT]


def test_only_time_credit_has_a_motive() -> None:
    assert {Scheme.TIME_CREDIT} == MOTIVE_REQUIRED_FOR


def test_k_factors_of_2_4() -> None:
    assert set(K_FACTORS) == set(Fraction)
    assert K_FACTORS[Fraction.ONE_FIFTH] == Ratio(4, 5)
    assert K_FACTORS[Fraction.FULL] == 0


def test_sector_table_of_2_5() -> None:
    assert set(SECTOR_REFUSED) == set(SECTOR_IMPLAUSIBLE) == set(Sector)
    assert SECTOR_REFUSED[Sector.DEFENCE] == set(Scheme)
    assert SECTOR_REFUSED[Sector.PUBLIC_OTHER] == {
        Scheme.TIME_CREDIT, Scheme.END_OF_CAREER, Scheme.PUBLIC_CAREER_BREAK
    }
    assert SECTOR_IMPLAUSIBLE[Sector.PRIVATE] == {Scheme.PUBLIC_CAREER_BREAK}
    assert SECTOR_IMPLAUSIBLE[Sector.EDUCATION] == {Scheme.TIME_CREDIT, Scheme.END_OF_CAREER}
