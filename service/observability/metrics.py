"""Prometheus metrics on the HTTP port: the consumers' counters, labelled by queue only (never
by sender or anything personal). `/metrics` is served by prometheus-client."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from typing import Any

from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, CounterMetricFamily
from prometheus_client.registry import Collector

_SKIPPED = {"batch_sizes", "max_batch_seen"}


class ConsumerStatsCollector(Collector):
    """Reads each consumer's `stats` dataclass at scrape time."""

    def __init__(self, consumers: Callable[[], Iterable[Any]]) -> None:
        self._consumers = consumers

    def collect(self) -> Iterator[CounterMetricFamily]:
        families: dict[str, CounterMetricFamily] = {}
        for consumer in self._consumers():
            for item in fields(consumer.stats):
                if item.name in _SKIPPED:
                    continue
                family = families.setdefault(item.name, CounterMetricFamily(
                    f"breakgate_consumer_{item.name}", f"consumer {item.name.replace('_', ' ')}",
                    labels=["queue"]))
                family.add_metric([consumer.queue_name], getattr(consumer.stats, item.name))
        yield from families.values()


def serve_metrics(port: int, consumers: Callable[[], Iterable[Any]]) -> None:
    """Starts the metrics endpoint (port 0: disabled)."""
    if port:
        REGISTRY.register(ConsumerStatsCollector(consumers))
        start_http_server(port, addr="127.0.0.1")
