"""What the employer workflow stores besides the requests: their attachments and the employee
notifications (RULES.md 3.7, 3.11, 5.2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app.errors import StorageConflict
from service.app.ports import StoredAttachment, StoredNotification
from service.db.errors import translate_errors
from service.db.repositories._sql import insert_ignoring_duplicates
from service.db.repositories.state import TransactionState
from service.db.tables import attachments, notifications, requests
from service.domain.codes import NotificationState

# ---- attachments -------------------------------------------------------------------------------

_REQUEST_ID = (
    select(requests.c.id).where(requests.c.ticket_number == bindparam("ticket")).scalar_subquery()
)
_ADD_ATTACHMENT = {
    name: statement.values(request_id=_REQUEST_ID)
    for name, statement in insert_ignoring_duplicates(attachments).items()
}
_ATTACHMENTS = (
    select(
        attachments.c.file_name,
        attachments.c.content_type,
        attachments.c.size,
        attachments.c.sha256,
    )
    .select_from(attachments.join(requests))
    .where(requests.c.ticket_number == bindparam("ticket"))
    .order_by(attachments.c.id)
)


class SqlAttachmentRepository:
    """Rows refer to their request by id: the requests held back by this transaction are
    written first (see `state`)."""

    def __init__(self, connection: AsyncConnection, state: TransactionState) -> None:
        self._connection = connection
        self._state = state

    async def add(self, ticket_number: str, attachment: StoredAttachment, content: bytes) -> None:
        await self._state.write_requests(self._connection)
        values = {
            "ticket": ticket_number,
            "file_name": attachment.file_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "content": content,
        }
        with translate_errors:
            result = await self._connection.execute(
                _ADD_ATTACHMENT[self._connection.dialect.name], values
            )
        if result.rowcount == 0:
            raise StorageConflict(
                f"attachments: {ticket_number} already has {attachment.file_name!r}"
            )

    async def for_request(self, ticket_number: str) -> list[StoredAttachment]:
        with translate_errors:
            result = await self._connection.execute(_ATTACHMENTS, {"ticket": ticket_number})
        return [StoredAttachment(**row._mapping) for row in result]


# ---- employee notifications --------------------------------------------------------------------

_NOTIFICATION_COLUMNS = (
    notifications.c.notification_id,
    notifications.c.company_id,
    notifications.c.inss,
    notifications.c.payload_json,
    notifications.c.state,
    notifications.c.received_at,
    notifications.c.decided_at,
    notifications.c.new_start_date,
    notifications.c.ticket_number,
    notifications.c.reason,
)
_ADD_NOTIFICATION = insert_ignoring_duplicates(notifications)
_NOTIFICATION_BY_ID = select(*_NOTIFICATION_COLUMNS).where(
    notifications.c.notification_id == bindparam("notification_id")
)
_NOTIFICATION_OF_EMPLOYER = _NOTIFICATION_BY_ID.where(
    notifications.c.company_id == bindparam("company_id")
)
_NOTIFICATIONS_IN_STATE = (
    select(*_NOTIFICATION_COLUMNS)
    .where(
        notifications.c.company_id == bindparam("company_id"),
        notifications.c.state == bindparam("state"),
    )
    .order_by(notifications.c.received_at, notifications.c.notification_id)
)
# bind names must differ from the columns of an UPDATE
_DECIDE = (
    update(notifications)
    .where(
        notifications.c.notification_id == bindparam("b_notification_id"),
        notifications.c.state == NotificationState.PENDING.value,
    )
    .values(
        state=bindparam("b_state"),
        decided_at=bindparam("b_at"),
        new_start_date=bindparam("b_new_start_date"),
        ticket_number=bindparam("b_ticket_number"),
        reason=bindparam("b_reason"),
    )
)


def _notification(row: Row[*tuple[Any, ...]]) -> StoredNotification:
    values = dict(row._mapping)
    values["state"] = NotificationState(values["state"])
    return StoredNotification(**values)


class SqlNotificationRepository:
    """`decide` only moves a PENDING notification: a concurrent decision loses with
    `StorageConflict`, like a second copy of a new notification in `add`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, notification: StoredNotification) -> None:
        values = {
            "notification_id": notification.notification_id,
            "company_id": notification.company_id,
            "inss": notification.inss,
            "payload_json": notification.payload_json,
            "state": notification.state.value,
            "received_at": notification.received_at,
            "decided_at": notification.decided_at,
            "new_start_date": notification.new_start_date,
            "ticket_number": notification.ticket_number,
            "reason": notification.reason,
        }
        with translate_errors:
            result = await self._connection.execute(
                _ADD_NOTIFICATION[self._connection.dialect.name], values
            )
        if result.rowcount == 0:
            raise StorageConflict(
                f"notifications: {notification.notification_id!r} is already stored"
            )

    async def by_id(self, notification_id: str) -> StoredNotification | None:
        return await self._one(_NOTIFICATION_BY_ID, {"notification_id": notification_id})

    async def get(self, company_id: str, notification_id: str) -> StoredNotification | None:
        return await self._one(
            _NOTIFICATION_OF_EMPLOYER,
            {"notification_id": notification_id, "company_id": company_id},
        )

    async def in_state(
        self, company_id: str, state: NotificationState
    ) -> list[StoredNotification]:
        with translate_errors:
            result = await self._connection.execute(
                _NOTIFICATIONS_IN_STATE, {"company_id": company_id, "state": state.value}
            )
        return [_notification(row) for row in result]

    async def decide(
        self, notification_id: str, state: NotificationState, at: datetime, *,
        new_start_date: date | None = None, ticket_number: str | None = None,
        reason: str | None = None,
    ) -> None:
        values = {
            "b_notification_id": notification_id,
            "b_state": state.value,
            "b_at": at,
            "b_new_start_date": new_start_date,
            "b_ticket_number": ticket_number,
            "b_reason": reason,
        }
        with translate_errors:
            result = await self._connection.execute(_DECIDE, values)
        if result.rowcount != 1:
            raise StorageConflict(f"notifications: {notification_id!r} is no longer PENDING")

    async def _one(self, statement: Any, values: dict[str, Any]) -> StoredNotification | None:
        with translate_errors:
            result = await self._connection.execute(statement, values)
        row = result.first()
        return None if row is None else _notification(row)
