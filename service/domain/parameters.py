"""Dated legal parameters (RULES.md section 6): configuration data, never code constants.

The packaged table `legal_parameters.json` holds one record per value and validity interval.
A rule asks for a name on the date the table's `selected_by` column names (NoticeDate,
StartDate, processing date...), so a change of law is a new record, not a code change.

Values the rulebook marks "to confirm" are absent. Their periods are listed as `unconfirmed`;
a lookup inside such a period falls back to the latest earlier record of that name (the last
confirmed value), because refusing every request until the law is confirmed would be worse.
Any other date outside every record is a configuration error and raises.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, model_validator

ParameterValue = bool | int | str | list[str]

_PACKAGED_TABLE = "legal_parameters.json"


class ParameterError(LookupError):
    """A parameter is unknown, not in force on the date asked, or not of the type asked."""


class ParameterRecord(BaseModel):
    """One value of one parameter over `[valid_from, valid_to]` (None = open end)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    name: str
    value: ParameterValue
    valid_from: date | None = None
    valid_to: date | None = None
    selected_by: str = "StartDate"
    note: str | None = None

    @model_validator(mode="after")
    def _interval_in_order(self) -> ParameterRecord:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"{self.name}: valid_from after valid_to")
        return self

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


class UnconfirmedPeriod(BaseModel):
    """A period whose value the rulebook marks "to confirm"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    note: str | None = None

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


def _start(record: ParameterRecord) -> date:
    return record.valid_from or date.min


class LegalParameters:
    """Look-ups by name and date over a set of dated records."""

    def __init__(
        self, records: Iterable[ParameterRecord], unconfirmed: Iterable[UnconfirmedPeriod] = ()
    ) -> None:
        self._records: dict[str, list[ParameterRecord]] = {}
        for record in records:
            self._records.setdefault(record.name, []).append(record)
        for name, group in self._records.items():
            group.sort(key=_start)
            _refuse_overlaps(name, group)
        self._unconfirmed = tuple(unconfirmed)

    @classmethod
    def from_records(
        cls,
        records: Iterable[ParameterRecord | Mapping[str, object]],
        unconfirmed: Iterable[UnconfirmedPeriod | Mapping[str, object]] = (),
    ) -> LegalParameters:
        return cls(
            [r if isinstance(r, ParameterRecord) else ParameterRecord.model_validate(r)
             for r in records],
            [u if isinstance(u, UnconfirmedPeriod) else UnconfirmedPeriod.model_validate(u)
             for u in unconfirmed],
        )

    @classmethod
    def default(cls) -> LegalParameters:
        """The table packaged with breakgate (loaded once)."""
        return _packaged()

    def names(self) -> frozenset[str]:
        return frozenset(self._records)

    def record(self, name: str, on: date) -> ParameterRecord:
        group = self._records.get(name)
        if group is None:
            raise ParameterError(f"unknown legal parameter {name!r}")
        for record in group:
            if record.covers(on):
                return record
        if any(p.name == name and p.covers(on) for p in self._unconfirmed):
            earlier = [r for r in group if r.valid_to is not None and r.valid_to < on]
            if earlier:
                return earlier[-1]
        raise ParameterError(f"legal parameter {name!r} has no value in force on {on}")

    def get(self, name: str, on: date) -> ParameterValue:
        return self.record(name, on).value

    def int_value(self, name: str, on: date) -> int:
        value = self.get(name, on)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"legal parameter {name!r} is not an integer: {value!r}")
        return value

    def bool_value(self, name: str, on: date) -> bool:
        value = self.get(name, on)
        if not isinstance(value, bool):
            raise ParameterError(f"legal parameter {name!r} is not a boolean: {value!r}")
        return value

    def decimal_value(self, name: str, on: date) -> Decimal:
        """Decimals are stored as strings ("0.75") so no binary rounding creeps in."""
        value = self.get(name, on)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ParameterError(f"legal parameter {name!r} is not a decimal: {value!r}")
        return Decimal(value)

    def date_value(self, name: str, on: date) -> date:
        value = self.get(name, on)
        if not isinstance(value, str):
            raise ParameterError(f"legal parameter {name!r} is not a date: {value!r}")
        return date.fromisoformat(value)

    def str_list(self, name: str, on: date) -> list[str]:
        value = self.get(name, on)
        if not isinstance(value, list):
            raise ParameterError(f"legal parameter {name!r} is not a list: {value!r}")
        return list(value)


def _refuse_overlaps(name: str, group: list[ParameterRecord]) -> None:
    for before, after in pairwise(group):
        if before.valid_to is None or after.valid_from is None:
            raise ValueError(f"legal parameter {name!r} has overlapping records")
        if before.valid_to >= after.valid_from:
            raise ValueError(f"legal parameter {name!r} has overlapping records")


@cache
def _packaged() -> LegalParameters:
    text = resources.files("service.domain").joinpath(_PACKAGED_TABLE).read_text("utf-8")
    table = json.loads(text)
    return LegalParameters.from_records(table["records"], table.get("unconfirmed", ()))
