"""Anomalies: the coded findings every rule produces (RULES.md section 0)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

_CODE = re.compile(r"^\d{5}-\d{3}$")


class Severity(StrEnum):
    BLOCKING = "B"
    WARNING = "W"


class Messages(BaseModel):
    """The same finding in the three languages every reply carries."""

    model_config = ConfigDict(frozen=True)

    en: str
    fr: str
    nl: str


class Anomaly(BaseModel):
    """One finding: `code` is `ZZZZZ-NNN` (zone, error type), `path` the XPath at fault."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    path: str | None
    messages: Messages

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(f"anomaly code must look like 12345-678, got {value!r}")
        return value

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING


def anomaly(
    code: str, severity: Severity, path: str | None, en: str, fr: str, nl: str
) -> Anomaly:
    """Shorthand used by the rules, so each rule reads as one line of the rulebook."""
    return Anomaly(code=code, severity=severity, path=path, messages=Messages(en=en, fr=fr, nl=nl))


def blocking(anomalies: Iterable[Anomaly]) -> list[Anomaly]:
    return [a for a in anomalies if a.blocking]


def has_blocking(anomalies: Iterable[Anomaly]) -> bool:
    return any(a.blocking for a in anomalies)
