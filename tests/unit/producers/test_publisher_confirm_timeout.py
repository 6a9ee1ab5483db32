"""A publish whose confirm never comes is given up after `publish_confirm_timeout_seconds`:
its id is left out (the outbox keeps it unsent for the relay) and the confirmed ones of the
same batch are still returned."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from producers.publisher import ReplyPublisher
from service.app.envelope import Outbound
from service.config import Settings


class _Exchange:
    """The default exchange of a channel where the broker never confirms routing key 'lost'."""

    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish(self, message: Any, routing_key: str, mandatory: bool = True) -> None:
        self.published.append(message.message_id)
        if routing_key == "lost":
            await asyncio.Event().wait()


class _Channel:
    def __init__(self) -> None:
        self.default_exchange = _Exchange()
        self.is_closed = False


async def test_an_unconfirmed_publish_times_out_and_is_left_out() -> None:
    channel = _Channel()
    publisher = ReplyPublisher(channel,  # type: ignore[arg-type]
                               Settings(publish_confirm_timeout_seconds=0.2))
    batch = [Outbound("", "lost", "m-lost", "c1", "Ticket", b"<T/>"),
             Outbound("", "q", "m-ok", "c2", "Ticket", b"<T/>")]
    started = time.monotonic()
    confirmed = await asyncio.wait_for(publisher.publish_many(batch), timeout=5)
    assert confirmed == {"m-ok"}
    assert channel.default_exchange.published == ["m-lost", "m-ok"]
    assert time.monotonic() - started >= 0.2  # it did wait for the confirm before giving up
