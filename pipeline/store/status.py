"""What is indexed, which feeds fail, latest claims and events (for ``python -m pipeline status``).

``collect_status`` reads it from Elasticsearch (missing indices count as empty) and returns a
``StatusReport`` of plain values; pipeline.cli.status prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.store.elastic import Indices

FAILING = {"range": {"consecutive_failures": {"gt": 0}}}


@dataclass
class StatusReport:
    """Document counts per index, and the latest failing feeds, claims and events (sources)."""

    articles: int
    claims: int
    events: int
    alerts: int
    feeds: int
    failing_feeds: int
    failing: list[dict[str, Any]] = field(default_factory=list)
    latest_claims: list[dict[str, Any]] = field(default_factory=list)
    latest_events: list[dict[str, Any]] = field(default_factory=list)


def _count(es: Elasticsearch, index: str, query: dict[str, Any] | None = None) -> int:
    response = es.options(ignore_status=404).count(index=index, query=query or {"match_all": {}})
    return int(response.get("count", 0))


def _sources(response: Any) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in response.get("hits", {}).get("hits", [])]


def collect_status(es: Elasticsearch, indices: Indices, limit: int = 5) -> StatusReport:
    """Counts, then the ``limit`` feeds failing most, and the ``limit`` latest claims and events."""
    report = StatusReport(
        articles=_count(es, indices.articles),
        claims=_count(es, indices.claims),
        events=_count(es, indices.events),
        alerts=_count(es, indices.alerts),
        feeds=_count(es, indices.feeds),
        failing_feeds=_count(es, indices.feeds, FAILING),
    )
    report.failing = _sources(
        es.options(ignore_status=404).search(
            index=indices.feeds,
            size=limit,
            query=FAILING,
            sort=[{"consecutive_failures": "desc"}],
        )
    )
    report.latest_claims = _sources(
        es.options(ignore_status=404).search(
            index=indices.claims,
            size=limit,
            sort=[{"indexed_at": "desc"}, {"start": "asc"}],
        )
    )
    report.latest_events = _sources(
        es.options(ignore_status=404).search(
            index=indices.events,
            size=limit,
            sort=[{"indexed_at": "desc"}, {"start": "asc"}],
        )
    )
    return report
