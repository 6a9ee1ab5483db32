"""T21 model test (RELIABILITY.md 4.3): a hypothesis state machine drives the real
`MessageProcessor` (on the fake unit of work, and on a migrated SQLite file) through an
in-memory broker: sends, resends with the same or a changed content, duplicate copies of one
AMQP message, batches taken and processed, crashes before the commit, after the commit before
the ack, after the ack before the publish, after the publish before the outbox is marked, a
connection loss returning everything in flight, and relay passes that may crash too.

Invariants after every step: one request row and one ticket per (sender, reference), no ticket
shared, every reply message_id always carries the same body, all Ticket replies of a reference
carry its stored ticket, a resend with other content is refused (70015-006) and never ticketed.
At the end everything still queued is drained: every message sent gets a reply.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from app_support import NOW, SENDER, inbound, make_processor, seed_employer
from builders import make_inss, valid_submit
from fakes import FakeUnitOfWork
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from support_db import migrated_sqlite_template, sqlite_url

from service.app.envelope import Inbound, Outbound
from service.app.errors import StorageConflict
from service.app.results import Answered, Failed
from service.db.engine import create_engine
from service.db.unit_of_work import SqlAlchemyUnitOfWork
from service.domain.commands import SubmitRequest

REFERENCES = 4
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
STAGES = ("ok", "ok", "ok", "crash_before_commit", "crash_after_commit_before_ack",
          "crash_after_ack_before_publish", "crash_after_publish_before_mark")


def _inss(i: int) -> str:
    return make_inss(date(1975, 11, 30), serial=100 + i)


def _command(reference: int, variant: int) -> SubmitRequest:
    worker: dict[str, Any] = {"inss": _inss(reference)}
    if variant:
        worker["last_name"] = "Changed"
    return valid_submit(request_reference=f"REF-{reference}", worker=worker)


@dataclass(frozen=True)
class Delivery:
    message_id: str
    reference: int
    variant: int


class ExactlyOnceModel(RuleBasedStateMachine):
    backend: ClassVar[str] = "fake"
    examples: ClassVar[int] = 0
    steps: ClassVar[int] = 0
    template: ClassVar[Path | None] = None

    def __init__(self) -> None:
        super().__init__()
        type(self).examples += 1
        self.loop = asyncio.new_event_loop()
        self.folder: Path | None = None
        self.engine: Any = None
        if self.backend == "sqlite":
            assert self.template is not None
            self.folder = Path(tempfile.mkdtemp(prefix="t21-"))
            path = self.folder / "model.db"
            shutil.copyfile(self.template, path)
            self.engine = create_engine(sqlite_url(path))
            self.uow: Any = SqlAlchemyUnitOfWork(self.engine)
        else:
            self.uow = FakeUnitOfWork()
        for i in range(REFERENCES):
            self.run(seed_employer(self.uow, inss=_inss(i)))
        self.processor = make_processor(self.uow)
        self.queue: list[Delivery] = []
        self.in_flight: list[Delivery] = []
        self.sent: dict[str, Delivery] = {}
        self.received: list[Outbound] = []
        self.counter = 0

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    # ---- the broker side ---------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        self.send(0, 0)

    @rule(reference=st.integers(0, REFERENCES - 1), variant=st.sampled_from([0, 0, 0, 1]))
    def send(self, reference: int, variant: int) -> None:
        """A new message (new message_id): a first send, or a resend of the reference."""
        self.counter += 1
        delivery = Delivery(f"m{self.counter}", reference, variant)
        self.sent[delivery.message_id] = delivery
        self.queue.append(delivery)

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        """Another copy of an AMQP message already sent (a publisher retry after a lost
        confirm): same message_id, same body."""
        message_id = data.draw(st.sampled_from(sorted(self.sent)))
        self.queue.append(self.sent[message_id])

    @precondition(lambda self: self.queue)
    @rule(count=st.integers(1, 5))
    def take(self, count: int) -> None:
        self.in_flight.extend(self.queue[:count])
        del self.queue[:count]

    @precondition(lambda self: self.in_flight)
    @rule()
    def connection_lost(self) -> None:
        """Everything unacked goes back to the queue (a consumer crash or channel loss)."""
        self.queue[:0] = self.in_flight
        self.in_flight = []

    @precondition(lambda self: self.in_flight)
    @rule(stage=st.sampled_from(STAGES))
    def process(self, stage: str) -> None:
        batch, self.in_flight = self.in_flight, []
        if stage == "crash_before_commit":
            self.queue[:0] = batch
            return
        results = self.run(self.processor.process_batch([self._inbound(d) for d in batch]))
        outbound: list[Outbound] = []
        retry: list[Delivery] = []
        for delivery, result in zip(batch, results, strict=True):
            if isinstance(result, Answered):
                outbound.extend(result.outbound)
            else:
                assert isinstance(result, Failed)
                assert isinstance(result.error, StorageConflict), result.error
                retry.append(delivery)  # nack(requeue): the redelivery hits the inbox
        if stage == "crash_after_commit_before_ack":
            self.queue[:0] = batch
            return
        self.queue.extend(retry)  # acked the rest
        if stage == "crash_after_ack_before_publish":
            return
        self.received.extend(outbound)
        if stage == "crash_after_publish_before_mark":
            return
        self.run(self._mark_sent([m.message_id for m in outbound]))

    @rule(crash_before_mark=st.booleans())
    def relay(self, crash_before_mark: bool) -> None:
        rows = self.run(self._unsent())
        self.received.extend(row.message for row in rows)
        if not crash_before_mark:
            self.run(self._mark_sent([row.message.message_id for row in rows]))

    # ---- invariants --------------------------------------------------------------------------

    @invariant()
    def one_ticket_per_reference(self) -> None:
        type(self).steps += 1
        stored = self.run(self._stored())
        by_reference: dict[str, list[str]] = defaultdict(list)
        for reference, ticket in stored:
            by_reference[reference].append(ticket)
        assert all(len(t) == 1 for t in by_reference.values()), by_reference
        tickets = [t for _, t in stored]
        assert len(tickets) == len(set(tickets)), tickets

    @invariant()
    def replies_are_consistent(self) -> None:
        stored = dict(self.run(self._stored()))
        bodies: dict[str, set[bytes]] = defaultdict(set)
        tickets_of: dict[str, set[str]] = defaultdict(set)
        kinds_of: dict[tuple[int, int], set[str]] = defaultdict(set)
        for message in self.received:
            bodies[message.message_id].add(message.body)
            if message.exchange != "breakgate.replies":
                continue
            reply = json.loads(message.body)
            delivery = self.sent[message.correlation_id]
            kinds_of[(delivery.reference, delivery.variant)].add(
                f"{reply['type']}:{reply.get('ticket_number')}:"
                f"{sorted(a['code'] for a in reply.get('anomalies', []))}")
            if reply["type"] == "Ticket":
                tickets_of[f"REF-{delivery.reference}"].add(reply["ticket_number"])
            else:
                assert [a["code"] for a in reply["anomalies"]] == ["70015-006"], reply
        assert all(len(b) == 1 for b in bodies.values()), "a reply id with two bodies"
        for reference, tickets in tickets_of.items():
            assert tickets == {stored[reference]}, (reference, tickets, stored.get(reference))
        assert all(len(k) == 1 for k in kinds_of.values()), kinds_of

    def teardown(self) -> None:
        try:
            while self.queue or self.in_flight:
                self.take(len(self.queue))
                self.process("ok")
            self.relay(False)
            answered = {m.correlation_id for m in self.received
                        if m.exchange == "breakgate.replies"}
            assert set(self.sent) <= answered, sorted(set(self.sent) - answered)
            stored = dict(self.run(self._stored()))
            assert set(stored) == {f"REF-{d.reference}" for d in self.sent.values()}
            self.replies_are_consistent()
        finally:
            if self.engine is not None:
                self.run(self.engine.dispose())
            self.loop.close()
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)

    # ---- plumbing ----------------------------------------------------------------------------

    def _inbound(self, delivery: Delivery) -> Inbound:
        return inbound(_command(delivery.reference, delivery.variant), delivery.message_id)

    async def _stored(self) -> list[tuple[str, str]]:
        if self.engine is None:
            return [(r.request_reference, r.ticket_number)
                    for r in self.uow.state.requests.values()]
        async with self.engine.connect() as connection:
            rows = await connection.execute(text(
                "select request_reference, ticket_number from requests"))
            return [(r[0], r[1]) for r in rows]

    async def _unsent(self) -> list[Any]:
        async with self.uow.begin() as tx:
            return list(await tx.outbox.unsent(FAR_FUTURE, 10_000))

    async def _mark_sent(self, message_ids: list[str]) -> None:
        if message_ids:
            async with self.uow.begin() as tx:
                await tx.outbox.mark_sent(message_ids, NOW)


class SqliteModel(ExactlyOnceModel):
    backend = "sqlite"


def _report(capsys: pytest.CaptureFixture[str], model: type[ExactlyOnceModel]) -> None:
    line = (f"T21 model ({model.backend}): examples {model.examples}, steps {model.steps}, "
            f"invariant violations 0 (sender {SENDER}, {REFERENCES} references)")
    with capsys.disabled():
        print("\n" + line, flush=True)
    folder = Path(__file__).resolve().parents[2] / "var" / "chaos"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"T21-model-{model.backend}.txt").write_text(line + "\nVERDICT PASS\n")


def _settings(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                    suppress_health_check=list(HealthCheck), derandomize=True)


def test_t21_model_on_the_fake_unit_of_work(capsys: pytest.CaptureFixture[str]) -> None:
    ExactlyOnceModel.examples = ExactlyOnceModel.steps = 0
    run_state_machine_as_test(ExactlyOnceModel, settings=_settings(300, 50))
    _report(capsys, ExactlyOnceModel)


@pytest.mark.integration
def test_t21_model_on_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    SqliteModel.template = migrated_sqlite_template(tmp_path)
    SqliteModel.examples = SqliteModel.steps = 0
    run_state_machine_as_test(SqliteModel, settings=_settings(50, 40))
    _report(capsys, SqliteModel)


def test_the_model_can_fail() -> None:
    """Positive control: a consumer that acks before the commit loses the message, and the
    final check notices."""
    model = ExactlyOnceModel()
    model.send(1, 0)
    model.take(5)
    model.in_flight = []  # the bug: acked, then the process died before its commit
    with pytest.raises(AssertionError):
        model.teardown()
