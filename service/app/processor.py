"""The use-case side of the life of a message (DESIGN.md section 2, step 4).

One transaction per batch, one savepoint per message. For each message: the inbox answers a
redelivery with the stored reply; a resend of a used RequestReference gets the first reply (or
70015-006 when its content differs); otherwise the command's handler decides. Replies are
written to the outbox in the same transaction, so a crash after commit loses nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from service.app.clock import processing_date
from service.app.envelope import Inbound
from service.app.errors import StorageUnavailable
from service.app.handlers import HANDLERS
from service.app.handlers.base import Handler, HandlerContext, Outcome, rejected
from service.app.ports import Clock, InboxEntry, Transaction, UnitOfWork
from service.app.results import Answered, Failed, MessageResult, Parked
from service.app.routing import OutboundFactory
from service.domain.anomalies import Severity, anomaly
from service.domain.commands import Command, EmployerMessage
from service.domain.parameters import LegalParameters
from service.domain.rules.stateful import v_lcy_4_same_reference_other_content
from service.faults import crashpoint


class MessageProcessor:
    def __init__(
        self,
        uow: UnitOfWork,
        outbound: OutboundFactory,
        clock: Clock,
        parameters: LegalParameters,
        handlers: dict[type, Handler] | None = None,
    ) -> None:
        self._uow = uow
        self._outbound = outbound
        self._clock = clock
        self._parameters = parameters
        self._handlers = handlers if handlers is not None else HANDLERS

    async def process_batch(self, inbounds: Sequence[Inbound]) -> list[MessageResult]:
        """Raises StorageUnavailable when the database cannot be reached: nothing of the
        batch is committed then, and the caller retries the whole batch later."""
        async with self._uow.begin() as tx:
            await tx.preload(inbounds)
            results = [await self._isolated(tx, inbound) for inbound in inbounds]
            crashpoint("before_commit")  # test-only: the batch's transaction open, work done
            return results

    async def process_in(self, tx: Transaction, inbound: Inbound) -> MessageResult:
        """One message inside a transaction the caller owns (the bulk worker marks its items
        done in the same one). Its own savepoint, as in a batch."""
        return await self._isolated(tx, inbound)

    async def _isolated(self, tx: Transaction, inbound: Inbound) -> MessageResult:
        try:
            async with tx.savepoint():
                return await self._process(tx, inbound)
        except StorageUnavailable:
            raise
        except Exception as error:  # why: one message's fault must not sink its batch
            return Failed(error)

    async def _process(self, tx: Transaction, inbound: Inbound) -> MessageResult:
        envelope = inbound.envelope
        replay = await tx.inbox.by_message_id(envelope.sender, envelope.message_id)
        if replay is not None:
            stored = await tx.outbox.by_message_ids(replay.reply_message_ids)
            return Answered(tuple(self._outbound.rerouted(m, envelope) for m in stored))
        now = self._clock.now()
        hc = HandlerContext(tx=tx, envelope=envelope, now=now, today=processing_date(now),
                            parameters=self._parameters, outbound=self._outbound)
        outcome, content_sha = await self._decide(hc, inbound)
        if outcome.parked is not None:
            return outcome.parked
        for message in outcome.outbound:
            await tx.outbox.add(message)
        await tx.inbox.add(InboxEntry(
            sender=envelope.sender,
            message_id=envelope.message_id,
            request_reference=inbound.request_reference if outcome.claims_reference else None,
            content_sha256=content_sha,
            reply_message_ids=tuple(m.message_id for m in outcome.outbound),
        ))
        crashpoint("after_inbox_insert")
        return Answered(outcome.outbound)

    async def _decide(self, hc: HandlerContext, inbound: Inbound) -> tuple[Outcome, str]:
        command = inbound.command
        if command is None and inbound.envelope.from_authority:
            first = inbound.anomalies[0]
            return (Outcome(parked=Parked(code=first.code, reason=first.messages.en)),
                    inbound.envelope.body_sha256)
        if command is None:
            return (rejected(hc, inbound.request_reference, inbound.anomalies),
                    inbound.envelope.body_sha256)
        content_sha = content_fingerprint(command)
        if isinstance(command, EmployerMessage):
            resent = await self._answer_resend(hc, command, content_sha)
            if resent is not None:
                return resent, content_sha
        return await self._handler_for(command)(command, hc), content_sha

    async def _answer_resend(
        self, hc: HandlerContext, command: EmployerMessage, content_sha: str
    ) -> Outcome | None:
        prior = await hc.tx.inbox.by_reference(hc.envelope.sender, command.request_reference)
        if prior is None:
            return None
        root = f"/{type(command).__name__}"
        if prior.content_sha256 != content_sha:
            return rejected(hc, command.request_reference,
                            [v_lcy_4_same_reference_other_content(root)])
        first = await hc.tx.outbox.by_message_ids(prior.reply_message_ids[:1])
        return Outcome(outbound=tuple(OutboundFactory.resend(m, hc.envelope) for m in first))

    def _handler_for(self, command: Command) -> Handler:
        handler = self._handlers.get(type(command))
        if handler is None:
            return _not_supported
        return handler


def content_fingerprint(command: Command) -> str:
    """Same business content, same fingerprint, whatever the XML whitespace or prefixes."""
    return hashlib.sha256(command.model_dump_json().encode()).hexdigest()


async def _not_supported(command: object, hc: HandlerContext) -> Outcome:
    """A schema-valid message kind this version does not process yet: refused, coded."""
    reference = getattr(command, "request_reference", None)
    return rejected(hc, reference, [anomaly(
        "90000-146", Severity.BLOCKING, f"/{type(command).__name__}",
        "This message kind is not processed by this version of breakgate.",
        "Ce type de message n'est pas traité par cette version de breakgate.",
        "Dit berichttype wordt door deze versie van breakgate niet verwerkt.",
    )])
