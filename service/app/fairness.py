"""Interactive transactions first: bulk work never delays interactive messages for more than
the one bulk transaction in progress (issue 5, fairness).

SQLite has one writer: without arbitration an interactive transaction that finds the bulk
worker writing sleeps in SQLite's busy handler (1, 2, 5, 10, 15, 20, 25 ms...) and may find
the next bulk batch already started when it wakes. On PostgreSQL both kinds of transaction
queue on the same ticket-counter row. So, inside one process: a bulk transaction starts only
when no interactive one is running or waiting, and an interactive one waits (on an event,
not a sleep) only for the bulk transaction in progress. Across instances the database's own
locks still apply; this only orders one process's transactions.

    gate = InteractiveFirst()
    processor = MessageProcessor(gate.interactive(uow), ...)   # breakgate.requests, authority
    worker = BulkWorker(gate.bulk(uow), ...)                    # intake and items
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from service.app.ports import Transaction, UnitOfWork


class InteractiveFirst:
    def __init__(self) -> None:
        self._interactive = 0  # running or waiting
        self._no_interactive = asyncio.Event()
        self._no_interactive.set()
        self._no_bulk = asyncio.Event()
        self._no_bulk.set()

    def interactive(self, uow: UnitOfWork) -> UnitOfWork:
        return _Gated(uow, self._interactive_turn)

    def bulk(self, uow: UnitOfWork) -> UnitOfWork:
        return _Gated(uow, self._bulk_turn)

    @property
    def interactive_waiting(self) -> bool:
        return self._interactive > 0

    @asynccontextmanager
    async def _interactive_turn(self) -> AsyncIterator[None]:
        self._interactive += 1
        self._no_interactive.clear()
        try:
            await self._no_bulk.wait()
            yield
        finally:
            self._interactive -= 1
            if self._interactive == 0:
                self._no_interactive.set()

    @asynccontextmanager
    async def _bulk_turn(self) -> AsyncIterator[None]:
        # Bulk transactions run one at a time, each after every interactive one in sight.
        while self._interactive or not self._no_bulk.is_set():
            if self._interactive:
                await self._no_interactive.wait()
            else:
                await self._no_bulk.wait()
        self._no_bulk.clear()
        try:
            yield
        finally:
            self._no_bulk.set()


class _Gated:
    """A UnitOfWork whose transactions each wait for their turn first."""

    def __init__(
        self, inner: UnitOfWork, turn: Callable[[], AbstractAsyncContextManager[None]]
    ) -> None:
        self._inner = inner
        self._turn = turn

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        async with self._turn(), self._inner.begin() as tx:
            yield tx
