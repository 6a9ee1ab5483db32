"""Composition of the bulk side of `breakgate serve` (part of the composition root): the
`breakgate.bulk` consumer (its own channel and prefetch), the intake use case, and the worker
that processes stored files in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aio_pika.abc import AbstractRobustConnection

from consumers.bulk import BulkIntakeConsumer
from producers.publisher import ReplyPublisher
from producers.relay import MarkingPublisher
from service.app.bulk_intake import BulkIntake
from service.app.bulk_worker import BulkWorker, WorkerSettings
from service.app.clock import SystemClock
from service.app.fairness import InteractiveFirst
from service.app.ports import Publisher, UnitOfWork
from service.app.processor import MessageProcessor
from service.app.routing import OutboundFactory
from service.config import Settings
from service.domain.parameters import LegalParameters
from service.xml.bulk_replies import StreamingBulkResult, XmlReplyReader
from service.xml.bulk_scan import BulkFileReader
from service.xml.gateway import XmlGateway

log = logging.getLogger(__name__)


@dataclass
class BulkRuntime:
    consumer: BulkIntakeConsumer
    worker: BulkWorker
    task: asyncio.Task[None]
    publisher: ReplyPublisher

    async def stop(self, grace: float) -> None:
        """Stop taking files, then let the worker finish its step (it resumes after a
        restart from what is committed)."""
        await self.consumer.stop(grace)
        self.worker.stop()
        await asyncio.wait({self.task}, timeout=grace)
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        with contextlib.suppress(Exception):
            await self.publisher.close()


def build_bulk(uow: UnitOfWork, publisher: Publisher, settings: Settings,
               gate: InteractiveFirst | None = None) -> tuple[BulkIntake, BulkWorker]:
    """`uow` should be the bulk side of `InteractiveFirst`; `publisher` a plain confirmed
    publisher (the worker marks what it confirmed sent itself)."""
    gateway = XmlGateway(max_bytes=settings.max_message_bytes, max_depth=settings.max_xml_depth)
    outbound = OutboundFactory(gateway)
    clock, parameters = SystemClock(), LegalParameters.default()
    worker = BulkWorker(
        uow, MessageProcessor(uow, outbound, clock, parameters), XmlReplyReader(),
        StreamingBulkResult(), publisher, clock,
        WorkerSettings(batch=settings.bulk_batch,
                       budget_seconds=settings.bulk_batch_budget_ms / 1000,
                       max_attempts=settings.max_attempts, preload=settings.bulk_preload,
                       progress_seconds=settings.bulk_progress_seconds),
        preempted=(lambda: gate.interactive_waiting) if gate is not None else None,
    )
    scanner = BulkFileReader(settings.max_bulk_bytes, settings.max_xml_depth)
    intake = BulkIntake(uow, scanner, outbound, clock, parameters, on_ready=worker.wake)
    return intake, worker


async def start_bulk(connection: AbstractRobustConnection, uow: UnitOfWork,
                     settings: Settings, gate: InteractiveFirst) -> BulkRuntime:
    """`uow` is the raw unit of work: the bulk side uses `gate.bulk(uow)`, and its steps end
    early when an interactive message waits. Bulk traffic publishes on a channel of its own:
    the interactive replies never queue behind a batch's events on the wire."""
    uow = gate.bulk(uow)
    publisher = await ReplyPublisher.open(connection, settings)
    intake, worker = build_bulk(uow, publisher, settings, gate)
    task = asyncio.create_task(worker.run(), name="bulk-worker")
    consumer = BulkIntakeConsumer(await connection.channel(), intake,
                                  MarkingPublisher(uow, publisher), settings)
    await consumer.start()
    return BulkRuntime(consumer, worker, task, publisher)
