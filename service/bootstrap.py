"""The composition root: the one place that builds breakgate's objects from Settings.

Nothing connects at import time. Tests build a processor with fakes through `build_processor`;
`Service` wires the real adapters for `breakgate serve`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass, field

from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection
from sqlalchemy.ext.asyncio import AsyncEngine

from consumers.connection import connect, open_topology
from consumers.loop import BatchConsumer
from producers.publisher import ReplyPublisher
from producers.relay import MarkingPublisher, OutboxRelay
from service.app.clock import SystemClock
from service.app.fairness import InteractiveFirst
from service.app.ports import Clock, UnitOfWork
from service.app.processor import MessageProcessor
from service.app.routing import OutboundFactory
from service.bulk_runtime import BulkRuntime, start_bulk
from service.config import Settings
from service.db.engine import create_engine
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.parameters import LegalParameters
from service.observability.metrics import serve_metrics
from service.xml.gateway import XmlGateway

log = logging.getLogger(__name__)

REQUESTS_QUEUE = "breakgate.requests"
AUTHORITY_QUEUE = "breakgate.authority.in"


def build_gateway(settings: Settings) -> XmlGateway:
    return XmlGateway(max_bytes=settings.max_message_bytes, max_depth=settings.max_xml_depth)


def build_processor(
    uow: UnitOfWork, gateway: XmlGateway, clock: Clock | None = None,
    parameters: LegalParameters | None = None,
) -> MessageProcessor:
    return MessageProcessor(uow, OutboundFactory(gateway), clock or SystemClock(),
                            parameters or LegalParameters.default())


def build_unit_of_work(settings: Settings) -> tuple[AsyncEngine, SqlAlchemyUnitOfWork]:
    engine = create_engine(settings.database_url)
    return engine, SqlAlchemyUnitOfWork(engine)


@dataclass
class Service:
    """`breakgate serve`: the consumers of the interactive and authority queues, and the
    outbox relay, on one robust AMQP connection."""

    settings: Settings
    engine: AsyncEngine | None = None
    connection: AbstractRobustConnection | None = None
    consumers: list[BatchConsumer] = field(default_factory=list)
    relay: OutboxRelay | None = None
    publisher: ReplyPublisher | None = None
    marking: MarkingPublisher | None = None
    _topology: AbstractRobustChannel | None = None
    _relay_task: asyncio.Task[None] | None = None
    bulk: BulkRuntime | None = None

    async def start(self) -> None:
        settings = self.settings
        self.engine, uow = build_unit_of_work(settings)
        gate = InteractiveFirst()  # bulk work never delays interactive messages
        gateway = build_gateway(settings)
        processor = build_processor(gate.interactive(uow), gateway)
        self.connection = await connect(settings, name="breakgate-serve")
        self._topology = await open_topology(self.connection, settings)
        self.publisher = await ReplyPublisher.open(self.connection, settings)
        marking = self.marking = MarkingPublisher(gate.interactive(uow), self.publisher)
        for queue in (REQUESTS_QUEUE, AUTHORITY_QUEUE):
            channel = await self.connection.channel()
            consumer = BatchConsumer(queue, channel, gateway.decode, processor, marking,
                                     settings)
            await consumer.start()
            self.consumers.append(consumer)
        self.bulk = await start_bulk(self.connection, uow, settings, gate)
        serve_metrics(settings.http_port, lambda: list(self.consumers))
        # The relay takes turns too: on SQLite an ungated writer starves in the busy handler.
        self.relay = OutboxRelay(gate.bulk(uow), self.publisher, settings)
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")
        queues = [c.queue_name for c in self.consumers] + [self.bulk.consumer.queue_name]
        # Everything built so far lives as long as the process: out of the collector's sight,
        # full collections stay short (they were 100+ ms pauses once a bulk file was running).
        gc.collect()
        gc.freeze()
        log.info("breakgate serving %s", ", ".join(queues))

    async def stop(self) -> None:
        """Drain: cancel the consumers, finish the batches in flight, give back the rest."""
        grace = self.settings.shutdown_grace_seconds
        stopping = [c.stop(grace) for c in self.consumers]
        if self.bulk is not None:
            stopping.append(self.bulk.stop(grace))
        await asyncio.gather(*stopping, return_exceptions=True)
        if self.marking is not None:
            await self.marking.flush()
        if self.relay is not None:
            self.relay.stop()
        if self._relay_task is not None:
            await asyncio.wait([self._relay_task], timeout=2)
        if self.publisher is not None:
            await self.publisher.close()
        if self.connection is not None:
            await self.connection.close()
        if self.engine is not None:
            await self.engine.dispose()
        log.info("breakgate stopped")
