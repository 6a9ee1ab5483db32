"""NotificationRepository: employee notifications and their decisions (RULES 5.2, V-MAN-2)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from contract.builders import COMPANY, INSS, OTHER_COMPANY
from service.app.errors import StorageConflict
from service.app.ports import StoredNotification, UnitOfWork
from service.domain.codes import NotificationState

RECEIVED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DECIDED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def notification(notification_id: str = "NTF-1", **changes: object) -> StoredNotification:
    values: dict[str, object] = {
        "notification_id": notification_id,
        "company_id": COMPANY,
        "inss": INSS,
        "payload_json": json.dumps({"notification_id": notification_id}),
        "state": NotificationState.PENDING,
        "received_at": RECEIVED,
    }
    values.update(changes)
    return StoredNotification(**values)  # type: ignore[arg-type]


async def test_a_notification_round_trips_and_is_found_per_employer(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.notifications.add(notification())
    async with uow.begin() as tx:
        assert await tx.notifications.get(COMPANY, "NTF-1") == notification()
        assert await tx.notifications.get(OTHER_COMPANY, "NTF-1") is None  # V-MAN-2
        assert await tx.notifications.by_id("NTF-1") == notification()
        assert await tx.notifications.by_id("NTF-2") is None


async def test_a_notification_id_is_stored_once(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.notifications.add(notification())
        with pytest.raises(StorageConflict):
            async with tx.savepoint():
                await tx.notifications.add(notification(company_id=OTHER_COMPANY))
        assert await tx.notifications.by_id("NTF-1") == notification()


async def test_listed_by_state_oldest_first(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.notifications.add(notification("C", received_at=DECIDED))
        await tx.notifications.add(notification("B"))
        await tx.notifications.add(notification("A"))
        await tx.notifications.add(notification("D", state=NotificationState.AUTO_REFUSED))
        await tx.notifications.add(notification("E", company_id=OTHER_COMPANY))
    async with uow.begin() as tx:
        pending = await tx.notifications.in_state(COMPANY, NotificationState.PENDING)
        assert [n.notification_id for n in pending] == ["A", "B", "C"]
        refused = await tx.notifications.in_state(COMPANY, NotificationState.AUTO_REFUSED)
        assert [n.notification_id for n in refused] == ["D"]
        assert await tx.notifications.in_state(COMPANY, NotificationState.ACCEPTED) == []


async def test_only_a_pending_notification_is_decided(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.notifications.add(notification("A"))
        await tx.notifications.add(notification("B"))
        await tx.notifications.decide("A", NotificationState.POSTPONED, DECIDED,
                                      new_start_date=date(2026, 12, 1))
        await tx.notifications.decide("B", NotificationState.ACCEPTED, DECIDED,
                                      ticket_number="ELO2026-000000001")
        with pytest.raises(StorageConflict):
            await tx.notifications.decide("A", NotificationState.REFUSED, DECIDED,
                                          reason="SMALL_EMPLOYER")
        with pytest.raises(StorageConflict):
            await tx.notifications.decide("Z", NotificationState.REFUSED, DECIDED)
    async with uow.begin() as tx:
        assert await tx.notifications.get(COMPANY, "A") == notification(
            "A", state=NotificationState.POSTPONED, decided_at=DECIDED,
            new_start_date=date(2026, 12, 1))
        assert await tx.notifications.get(COMPANY, "B") == notification(
            "B", state=NotificationState.ACCEPTED, decided_at=DECIDED,
            ticket_number="ELO2026-000000001")


async def test_a_failed_savepoint_forgets_its_decision(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.notifications.add(notification())
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.notifications.decide("NTF-1", NotificationState.REFUSED, DECIDED,
                                              reason="SMALL_EMPLOYER")
                raise RuntimeError("message failed")
        assert await tx.notifications.get(COMPANY, "NTF-1") == notification()
