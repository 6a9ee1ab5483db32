"""The outbox relay keeps running when a connection loss cancels its publishes (aiormq
cancels the pending confirm futures): before, the relay task ended for good and the outbox
was never re-sent until a restart (RELIABILITY.md T7, blackhole)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fakes import FakeUnitOfWork

from producers.relay import OutboxRelay
from service.app.envelope import Outbound
from service.config import Settings


class _FlakyPublisher:
    def __init__(self) -> None:
        self.calls = 0
        self.sent: list[str] = []

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        self.calls += 1
        if self.calls == 1:
            raise asyncio.CancelledError  # what a dying aiormq connection does to a confirm
        self.sent += [m.message_id for m in messages]
        return {m.message_id for m in messages}


async def test_a_cancelled_publish_does_not_end_the_relay() -> None:
    uow = FakeUnitOfWork(clock=lambda: datetime.now(UTC) - timedelta(minutes=1))
    async with uow.begin() as tx:
        await tx.outbox.add(Outbound("breakgate.replies", "acme", "r1", "m1", "Ticket", b"<T/>"))
    publisher = _FlakyPublisher()
    relay = OutboxRelay(uow, publisher, Settings(relay_interval_seconds=0.01,
                                                 relay_grace_seconds=0))
    running = asyncio.create_task(relay.run())
    for _ in range(200):
        if publisher.sent:
            break
        await asyncio.sleep(0.01)
    relay.stop()
    await asyncio.wait_for(running, 5)
    assert publisher.calls >= 2 and publisher.sent == ["r1"]


async def test_cancelling_the_relay_task_still_stops_it() -> None:
    relay = OutboxRelay(FakeUnitOfWork(), _FlakyPublisher(), Settings(relay_interval_seconds=10))
    running = asyncio.create_task(relay.run())
    await asyncio.sleep(0.05)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(running, 5)
    assert running.cancelled()
