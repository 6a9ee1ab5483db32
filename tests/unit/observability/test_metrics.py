"""The consumer counters reach Prometheus, labelled by queue only."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest

from consumers.loop import ConsumerStats
from service.observability.metrics import ConsumerStatsCollector


@dataclass
class FakeConsumer:
    queue_name: str
    stats: ConsumerStats


def test_consumer_counters_are_exported_per_queue():
    consumer = FakeConsumer("breakgate.requests", ConsumerStats(messages=7, dead_lettered=1))
    registry = CollectorRegistry()
    registry.register(ConsumerStatsCollector(lambda: [consumer]))

    text = generate_latest(registry).decode()

    assert 'breakgate_consumer_messages_total{queue="breakgate.requests"} 7.0' in text
    assert 'breakgate_consumer_dead_lettered_total{queue="breakgate.requests"} 1.0' in text
    assert "batch_sizes" not in text
