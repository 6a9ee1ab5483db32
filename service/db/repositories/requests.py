"""Stored requests, always looked up within one employer (V-MAN-2)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app.errors import StorageConflict
from service.app.ports import StoredRequest
from service.db.errors import translate_errors
from service.db.repositories.state import TransactionState
from service.db.tables import requests
from service.domain.codes import RequestStatus, Scheme

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
)
_BY_TICKET = select(*_COLUMNS).where(
    requests.c.company_id == bindparam("company_id"),
    requests.c.ticket_number == bindparam("ticket_number"),
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
    return StoredRequest(**values)


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
            "fraction": _fraction(request.payload_json),
            "start_date": request.start_date,
            "end_date": request.end_date,
            "status": request.status.value,
            "version": request.version,
            "submitted_at": request.submitted_at,
            "payload_json": request.payload_json,
        }
        self._state.requests.add(request.ticket_number, request, row)

    async def by_ticket(self, company_id: str, ticket_number: str) -> StoredRequest | None:
        pending = self._state.requests.records.get(ticket_number)
        if pending is not None:
            return pending if pending.company_id == company_id else None
        with translate_errors:
            result = await self._connection.execute(
                _BY_TICKET, {"company_id": company_id, "ticket_number": ticket_number}
            )
        row = result.first()
        return None if row is None else _stored_request(row)

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
