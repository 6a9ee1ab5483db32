"""The reply publisher: the `Publisher` port over AMQP with publisher confirms.

Its own channel, opened with `publisher_confirms=True, on_return_raises=True`, so that an
unroutable message (mandatory) raises instead of "succeeding" (RELIABILITY.md section 1).
`publish_many` starts every publish at once (pipelined on the channel), then gathers them; each
is awaited for its confirm within `publish_confirm_timeout_seconds`. Only broker-acked ids are
returned; a nack, a return, a timeout or a closed channel just leaves the id out (logged): the
row stays unsent in the outbox and the relay re-sends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from service.app.envelope import Outbound
from service.app.ports import Clock
from service.app.routing import EVENTS_EXCHANGE, FALLBACK_ROUTING_KEY, REPLIES_EXCHANGE
from service.config import Settings

log = logging.getLogger(__name__)

OPTIONAL_AUDIENCE = frozenset({EVENTS_EXCHANGE})

ENVIRONMENT_HEADER = "x-breakgate-environment"
XML = "application/xml"
EPHEMERAL_EXPIRATION_SECONDS = 60


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ReplyPublisher:
    """Implements `service.app.ports.Publisher`. Build with `await ReplyPublisher.open(conn,
    settings)` (opens its own confirm channel) or pass a channel opened with
    `publisher_confirms=True, on_return_raises=True`."""

    def __init__(
        self, channel: AbstractChannel, settings: Settings, *, clock: Clock | None = None
    ) -> None:
        self._channel = channel
        self._timeout = settings.publish_confirm_timeout_seconds
        self._clock: Clock = clock if clock is not None else _UtcClock()
        self._exchanges: dict[str, AbstractExchange] = {}

    @classmethod
    async def open(
        cls, connection: AbstractConnection, settings: Settings, *, clock: Clock | None = None
    ) -> ReplyPublisher:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return cls(channel, settings, clock=clock)

    async def close(self) -> None:
        if not self._channel.is_closed:
            await self._channel.close()

    def _exchange(self, name: str) -> AbstractExchange:
        if name == "":
            return self._channel.default_exchange
        exchange = self._exchanges.get(name)
        if exchange is None:
            # No declaration round trip: consumers.topology declared it; a missing exchange
            # makes the broker close the channel (404), the robust channel reopens it.
            exchange = aio_pika.Exchange(self._channel, name, aio_pika.ExchangeType.TOPIC,
                                         passive=True)
            self._exchanges[name] = exchange
        return exchange

    def _message(self, outbound: Outbound, timestamp: datetime) -> aio_pika.Message:
        headers: dict[str, Any] = dict(outbound.headers)
        headers.pop(FALLBACK_ROUTING_KEY, None)
        headers[ENVIRONMENT_HEADER] = outbound.environment.value
        return aio_pika.Message(
            outbound.body,
            headers=headers,
            content_type=XML,
            delivery_mode=(aio_pika.DeliveryMode.NOT_PERSISTENT if outbound.ephemeral
                           else aio_pika.DeliveryMode.PERSISTENT),
            expiration=EPHEMERAL_EXPIRATION_SECONDS if outbound.ephemeral else None,
            message_id=outbound.message_id,
            correlation_id=outbound.correlation_id,
            type=outbound.message_type,
            timestamp=timestamp,
        )

    async def _channel_ready(self) -> None:
        """After a connection loss the robust channel reopens by itself: wait for it (within
        the confirm timeout) rather than fail every publish of the batch meanwhile."""
        ready = getattr(self._channel, "ready", None)
        if ready is None:
            return
        try:
            await asyncio.wait_for(ready(), timeout=self._timeout)
        except Exception:  # still down: the publishes fail and the outbox relay re-sends
            log.warning("reply channel not ready after %.1fs", self._timeout)

    async def _publish_one(self, outbound: Outbound, timestamp: datetime) -> str | None:
        try:
            # asyncio.timeout, not wait_for: no extra task per publish (three per submission).
            async with asyncio.timeout(self._timeout):
                await self._exchange(outbound.exchange).publish(
                    self._message(outbound, timestamp),
                    routing_key=outbound.routing_key,
                    # Events are offered to whoever listens; replies and what the authority
                    # must know are not sent until a queue takes them.
                    mandatory=(outbound.exchange not in OPTIONAL_AUDIENCE
                               and not outbound.ephemeral),
                )
        except TimeoutError:
            log.warning("no confirm within %.1fs for %s (%s -> %r)", self._timeout,
                        outbound.message_id, outbound.exchange, outbound.routing_key)
            return None
        except aio_pika.exceptions.PublishError:
            fallback = outbound.headers.get(FALLBACK_ROUTING_KEY)
            if outbound.exchange == "" and fallback:
                # The reply_to queue (or direct reply-to consumer) is gone: the sender's own
                # durable queue still gets the reply, so it never sits unsent in the outbox.
                rerouted = replace(outbound, exchange=REPLIES_EXCHANGE, routing_key=fallback)
                return await self._publish_one(rerouted, timestamp)
            log.warning("returned unroutable: %s (%s -> %r)", outbound.message_id,
                        outbound.exchange, outbound.routing_key)
            return None
        except aio_pika.exceptions.DeliveryError:
            log.warning("nacked by the broker: %s (%s -> %r)", outbound.message_id,
                        outbound.exchange, outbound.routing_key)
            return None
        except Exception as exc:  # channel or connection closed: not sent
            log.warning("publish of %s failed: %s: %s", outbound.message_id,
                        type(exc).__name__, exc)
            return None
        return outbound.message_id

    async def publish_many(self, messages: Sequence[Outbound]) -> set[str]:
        if not messages:
            return set()
        await self._channel_ready()
        timestamp = self._clock.now()
        results = await asyncio.gather(*(self._publish_one(m, timestamp) for m in messages))
        return {message_id for message_id in results if message_id is not None}
