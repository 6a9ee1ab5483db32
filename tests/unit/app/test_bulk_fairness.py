"""InteractiveFirst: a bulk transaction starts only when no interactive one runs or waits; an
interactive one waits only for the bulk transaction in progress. And PublishBehind: a step's
messages are confirmed while the next step runs, the confirmed ids handed over for marking."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fakes import FakeUnitOfWork

from service.app.bulk_publishing import PublishBehind
from service.app.envelope import Outbound
from service.app.fairness import InteractiveFirst


async def test_bulk_waits_for_every_interactive_transaction_in_sight() -> None:
    gate, uow = InteractiveFirst(), FakeUnitOfWork()
    interactive, bulk = gate.interactive(uow), gate.bulk(uow)
    order: list[str] = []
    release = asyncio.Event()

    async def one_interactive(name: str) -> None:
        async with interactive.begin():
            order.append(name)
            await release.wait()

    async def one_bulk() -> None:
        async with bulk.begin():
            order.append("bulk")

    first = asyncio.create_task(one_interactive("i1"))
    await asyncio.sleep(0)
    assert gate.interactive_waiting
    waiting_bulk = asyncio.create_task(one_bulk())
    await asyncio.sleep(0.01)
    assert order == ["i1"]  # the bulk transaction has not started
    release.set()
    await asyncio.gather(first, waiting_bulk)
    assert order == ["i1", "bulk"] and not gate.interactive_waiting


async def test_an_interactive_transaction_waits_only_for_the_bulk_one_in_progress() -> None:
    gate, uow = InteractiveFirst(), FakeUnitOfWork()
    interactive, bulk = gate.interactive(uow), gate.bulk(uow)
    order: list[str] = []
    finish_bulk = asyncio.Event()

    async def long_bulk() -> None:
        async with bulk.begin():
            order.append("bulk-1 start")
            await finish_bulk.wait()
            order.append("bulk-1 end")

    async def next_bulk() -> None:
        async with bulk.begin():
            order.append("bulk-2")

    async def one_interactive() -> None:
        async with interactive.begin():
            order.append("interactive")

    running = asyncio.create_task(long_bulk())
    await asyncio.sleep(0)
    queued = [asyncio.create_task(one_interactive()), asyncio.create_task(next_bulk())]
    await asyncio.sleep(0.01)
    assert order == ["bulk-1 start"]
    finish_bulk.set()
    await asyncio.gather(running, *queued)
    assert order == ["bulk-1 start", "bulk-1 end", "interactive", "bulk-2"]


def outbound(message_id: str) -> Outbound:
    return Outbound(exchange="breakgate.events", routing_key="status.SUBMITTED",
                    message_id=message_id, correlation_id="c", message_type="StatusUpdate",
                    body=b"<x/>")


class SlowPublisher:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.go = asyncio.Event()

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        await self.go.wait()
        self.calls.append([m.message_id for m in messages])
        return {m.message_id for m in messages if m.message_id != "nacked"}


async def test_publishing_goes_on_behind_and_hands_over_what_was_confirmed() -> None:
    publisher = SlowPublisher()
    behind = PublishBehind(publisher)
    await behind.publish([outbound(f"m{i}") for i in range(40)] + [outbound("nacked")])
    assert not behind.idle and behind.confirmed() == []  # not waited for
    publisher.go.set()
    await behind.settle()
    assert [len(call) for call in publisher.calls] == [32, 9]  # in slices
    confirmed = behind.confirmed()
    assert sorted(confirmed) == sorted(f"m{i}" for i in range(40))
    behind.marked(confirmed[:10])
    assert len(behind.confirmed()) == 30
    behind.marked(confirmed)
    assert behind.idle


async def test_a_failed_publish_leaves_nothing_to_mark() -> None:
    class Broken:
        async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
            raise ConnectionError("channel closed")

    behind = PublishBehind(Broken())
    await behind.publish([outbound("m1")])
    await behind.close()
    assert behind.idle  # the relay re-sends from the outbox
