"""What the bulk worker publishes, published behind it: the confirms of one step's messages
are awaited while the next step runs, and the ids the broker confirmed are marked sent in
the worker's next transaction, so publishing costs the worker neither a wait nor a commit of
its own. Whatever is not confirmed (or not yet marked when the process dies) stays unsent in
the outbox and the relay re-publishes it; receivers dedupe on the stable message_id.

`BestEffort` publishes what is not in the outbox at all (the BulkProgress): in the
background, never re-sent, its failures only logged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from service.app.envelope import Outbound
from service.app.ports import Publisher

log = logging.getLogger(__name__)

_SLICE = 32


class PublishBehind:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher
        self._task: asyncio.Task[set[str]] | None = None
        self._confirmed: list[str] = []

    async def publish(self, messages: Sequence[Outbound]) -> None:
        """Starts publishing `messages` once the previous ones are confirmed (in order)."""
        await self.settle()
        if messages:
            self._task = asyncio.create_task(self._sliced(messages), name="bulk-publish")

    async def _sliced(self, messages: Sequence[Outbound]) -> set[str]:
        # A few at a time, yielding in between: publishing is CPU in the event loop, and
        # a step's hundreds of events must not hold up an interactive message's turn.
        confirmed: set[str] = set()
        for start in range(0, len(messages), _SLICE):
            confirmed |= await self._publisher.publish_many(messages[start:start + _SLICE])
            await asyncio.sleep(0)
        return confirmed

    async def settle(self) -> None:
        """Waits for the messages in flight; their confirmed ids become `confirmed()`."""
        task, self._task = self._task, None
        if task is None:
            return
        try:
            self._confirmed.extend(await task)
        except Exception:
            log.warning("bulk publishing failed; the relay will re-send", exc_info=True)

    def confirmed(self) -> list[str]:
        """Confirmed ids not yet marked sent."""
        return list(self._confirmed)

    def marked(self, message_ids: Sequence[str]) -> None:
        done = set(message_ids)
        self._confirmed = [m for m in self._confirmed if m not in done]

    @property
    def idle(self) -> bool:
        return self._task is None and not self._confirmed

    async def close(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5)
        await self.settle()


class BestEffort:
    """One message at a time in the background; one offered while the previous is still in
    flight is dropped (the next one says more anyway). A failure is logged and forgotten:
    nothing the worker does waits for it or depends on it."""

    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher
        self._task: asyncio.Task[None] | None = None

    def offer(self, message: Outbound) -> bool:
        """False when dropped (the previous one is not confirmed yet)."""
        if self._task is not None and not self._task.done():
            return False
        self._task = asyncio.create_task(self._send(message), name="bulk-best-effort")
        return True

    async def _send(self, message: Outbound) -> None:
        try:
            sent = await self._publisher.publish_many([message])
        except Exception as exc:
            log.debug("%s %s not published: %s", message.message_type, message.message_id, exc)
            return
        if message.message_id not in sent:
            log.debug("%s %s not confirmed", message.message_type, message.message_id)

    async def close(self, timeout: float = 1.0) -> None:
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=timeout)  # cancelled when too late
