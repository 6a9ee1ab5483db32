"""Stored requests, always looked up within one employer (V-MAN-2)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app.errors import StorageConflict
from service.app.ports import StoredRequest
from service.db.errors import translate_errors
from service.db.repositories.state import TransactionState
from service.db.tables import request_history, requests
from service.domain.codes import Fraction, RequestStatus, Scheme
from service.domain.replies import HistoryEntry
from service.domain.search import SearchCriteria

BRUSSELS = ZoneInfo("Europe/Brussels")

_COLUMNS = (
    requests.c.ticket_number,
    requests.c.sender,
    requests.c.company_id,
    requests.c.request_reference,
    requests.c.inss,
    requests.c.scheme,
    requests.c.start_date,
    requests.c.end_date,
    requests.c.status,
    requests.c.version,
    requests.c.submitted_at,
    requests.c.payload_json,
    requests.c.fraction,
)
_BY_TICKET = select(*_COLUMNS).where(
    requests.c.company_id == bindparam("company_id"),
    requests.c.ticket_number == bindparam("ticket_number"),
)
_BY_TICKET_ANY_EMPLOYER = select(*_COLUMNS).where(
    requests.c.ticket_number == bindparam("ticket_number")
)
# bind names must differ from the columns of an UPDATE
_WHERE_TICKET_AT_VERSION = (
    requests.c.ticket_number == bindparam("b_ticket"),
    requests.c.version == bindparam("b_expected"),
)
_UPDATE_STATUS = (
    update(requests)
    .where(*_WHERE_TICKET_AT_VERSION)
    .values(status=bindparam("b_status"), version=bindparam("b_version"))
)
_SET_END_DATE = (
    update(requests)
    .where(*_WHERE_TICKET_AT_VERSION)
    .values(end_date=bindparam("b_end_date"), payload_json=bindparam("b_payload"))
)
_REQUEST_ID = (
    select(requests.c.id).where(requests.c.ticket_number == bindparam("ticket")).scalar_subquery()
)
_ADD_HISTORY = insert(request_history).values(
    request_id=_REQUEST_ID, at=bindparam("at"), kind=bindparam("kind"),
    detail=bindparam("detail"),
)
_HISTORY = (
    select(request_history.c.at, request_history.c.kind, request_history.c.detail)
    .select_from(request_history.join(requests))
    .where(requests.c.ticket_number == bindparam("ticket"))
    .order_by(request_history.c.at, request_history.c.id)
)
_SAME_WORKER_AND_SCHEME = select(*_COLUMNS).where(
    requests.c.company_id == bindparam("company_id"),
    requests.c.inss == bindparam("inss"),
    requests.c.scheme == bindparam("scheme"),
    or_(requests.c.end_date.is_(None), requests.c.end_date >= bindparam("start")),
)
_OVERLAPPING_OPEN_END = _SAME_WORKER_AND_SCHEME.order_by(requests.c.start_date, requests.c.id)
_OVERLAPPING = _SAME_WORKER_AND_SCHEME.where(requests.c.start_date <= bindparam("end")).order_by(
    requests.c.start_date, requests.c.id
)
_COUNT = select(func.count()).select_from(requests)


def _fraction(payload_json: str) -> str | None:
    # Not a field of StoredRequest (yet): taken from the SubmitRequest payload so that search
    # by fraction works without a backfill once the port carries it.
    try:
        value = json.loads(payload_json).get("fraction")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _stored_request(row: Row[*tuple[Any, ...]]) -> StoredRequest:
    values = dict(row._mapping)
    values["scheme"] = Scheme(values["scheme"])
    values["status"] = RequestStatus(values["status"])
    values["fraction"] = Fraction(values["fraction"]) if values["fraction"] else None
    return StoredRequest(**values)


def _search_conditions(company_id: str, criteria: SearchCriteria) -> list[ColumnElement[bool]]:
    """The employer (V-MAN-2), the two-year window (V-LCY-5, from midnight in Brussels)
    and every filter given."""
    since = datetime.combine(criteria.submitted_from, time(0), tzinfo=BRUSSELS).astimezone(UTC)
    c = requests.c
    found = [c.company_id == company_id, c.submitted_at >= since]
    for column, value in ((c.scheme, criteria.scheme), (c.fraction, criteria.fraction),
                          (c.status, criteria.status), (c.inss, criteria.inss)):
        if value is not None:
            found.append(column == str(value))
    if criteria.start_from is not None:
        found.append(c.start_date >= criteria.start_from)
    if criteria.start_to is not None:
        found.append(c.start_date <= criteria.start_to)
    return found


def _overlaps(
    request: StoredRequest,
    company_id: str,
    inss: str,
    scheme: Scheme,
    start: date,
    end: date | None,
) -> bool:
    # The same predicate as the SQL above, for the requests of this transaction not yet written.
    return (
        request.company_id == company_id
        and request.inss == inss
        and request.scheme == scheme
        and (request.end_date is None or request.end_date >= start)
        and (end is None or request.start_date <= end)
    )


class SqlRequestRepository:
    """`overlapping` returns every request of the employer, INSS and scheme whose period meets
    [start, end] (inclusive; None = open end), whatever its status, by start date.

    New requests are inserted at commit, all at once (see `state`); the reads below see them.
    A ticket number added twice in one transaction conflicts at once; one that another
    transaction committed (impossible with the counter) conflicts at commit."""

    def __init__(self, connection: AsyncConnection, state: TransactionState) -> None:
        self._connection = connection
        self._state = state

    async def add(self, request: StoredRequest) -> None:
        if request.ticket_number in self._state.requests.records:
            raise StorageConflict(f"requests: ticket {request.ticket_number} is already stored")
        row = {
            "ticket_number": request.ticket_number,
            "sender": request.sender,
            "company_id": request.company_id,
            "request_reference": request.request_reference,
            "inss": request.inss,
            "scheme": request.scheme.value,
            "fraction": (request.fraction.value if request.fraction is not None
                         else _fraction(request.payload_json)),
            "start_date": request.start_date,
            "end_date": request.end_date,
            "status": request.status.value,
            "version": request.version,
            "submitted_at": request.submitted_at,
            "payload_json": request.payload_json,
        }
        self._state.requests.add(request.ticket_number, request, row)

    async def by_ticket(self, company_id: str, ticket_number: str) -> StoredRequest | None:
        pending = self._state.requests.unwritten_record(ticket_number)
        if pending is not None:
            return pending if pending.company_id == company_id else None
        with translate_errors:
            result = await self._connection.execute(
                _BY_TICKET, {"company_id": company_id, "ticket_number": ticket_number}
            )
        row = result.first()
        return None if row is None else _stored_request(row)

    async def by_ticket_for_authority(self, ticket_number: str) -> StoredRequest | None:
        pending = self._state.requests.unwritten_record(ticket_number)
        if pending is not None:
            return pending
        with translate_errors:
            result = await self._connection.execute(
                _BY_TICKET_ANY_EMPLOYER, {"ticket_number": ticket_number}
            )
        row = result.first()
        return None if row is None else _stored_request(row)

    async def for_worker(self, company_id: str, inss: str, scheme: Scheme) -> list[StoredRequest]:
        # Every period meets [date.min, open end]: the same read as `overlapping`.
        return await self.overlapping(company_id, inss, scheme, date.min, None)

    async def update_status(
        self, ticket_number: str, status: RequestStatus, version: int, expected_version: int
    ) -> None:
        await self._update(_UPDATE_STATUS, ticket_number, expected_version,
                           {"b_status": status.value, "b_version": version})

    async def set_end_date(
        self, ticket_number: str, end_date: date | None, payload_json: str,
        expected_version: int,
    ) -> None:
        await self._update(_SET_END_DATE, ticket_number, expected_version,
                           {"b_end_date": end_date, "b_payload": payload_json})

    async def _update(
        self, statement: Any, ticket_number: str, expected_version: int, values: dict[str, Any]
    ) -> None:
        await self._state.write_requests(self._connection)
        with translate_errors:
            result = await self._connection.execute(
                statement, {"b_ticket": ticket_number, "b_expected": expected_version, **values}
            )
        if result.rowcount != 1:
            raise StorageConflict(
                f"requests: {ticket_number} is no longer at version {expected_version}"
            )

    async def add_history(self, ticket_number: str, entry: HistoryEntry) -> None:
        await self._state.write_requests(self._connection)
        values = {"ticket": ticket_number, "at": entry.at, "kind": entry.kind,
                  "detail": entry.detail}
        with translate_errors:
            await self._connection.execute(_ADD_HISTORY, values)

    async def history(self, ticket_number: str) -> list[HistoryEntry]:
        with translate_errors:
            result = await self._connection.execute(_HISTORY, {"ticket": ticket_number})
        return [HistoryEntry(at=row.at, kind=row.kind, detail=row.detail) for row in result]

    async def search(
        self, company_id: str, criteria: SearchCriteria
    ) -> tuple[int, list[StoredRequest]]:
        await self._state.write_requests(self._connection)
        conditions = _search_conditions(company_id, criteria)
        total = select(func.count()).select_from(requests).where(*conditions)
        page = (
            select(*_COLUMNS)
            .where(*conditions)
            .order_by(requests.c.submitted_at.desc(), requests.c.ticket_number.desc())
            .limit(criteria.page_size)
            .offset(criteria.offset)
        )
        with translate_errors:
            counted = int((await self._connection.execute(total)).scalar_one())
            found = [_stored_request(row) for row in await self._connection.execute(page)]
        return counted, found

    async def overlapping(
        self, company_id: str, inss: str, scheme: Scheme, start: date, end: date | None
    ) -> list[StoredRequest]:
        values: dict[str, Any] = {
            "company_id": company_id,
            "inss": inss,
            "scheme": scheme.value,
            "start": start,
        }
        statement = _OVERLAPPING_OPEN_END if end is None else _OVERLAPPING
        if end is not None:
            values["end"] = end
        preloaded = self._state.worker_requests.get((company_id, inss))
        if preloaded is not None:
            found = [r for r in preloaded if _overlaps(r, company_id, inss, scheme, start, end)]
        else:
            with translate_errors:
                result = await self._connection.execute(statement, values)
            found = [_stored_request(row) for row in result]
        found += [
            r
            for r in self._state.requests.unwritten()
            if _overlaps(r, company_id, inss, scheme, start, end)
        ]
        # stable: stored ones (by id) before this transaction's, which get higher ids
        return sorted(found, key=lambda request: request.start_date)

    async def count(self) -> int:
        with translate_errors:
            result = await self._connection.execute(_COUNT)
        return int(result.scalar_one()) + len(self._state.requests.unwritten())
