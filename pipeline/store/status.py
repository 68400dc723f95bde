"""``python -m pipeline status``: what is indexed, which feeds fail, latest claims and events."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from pipeline.store.elastic import Indices


def _count(es: Elasticsearch, index: str, query: dict[str, Any] | None = None) -> int:
    response = es.options(ignore_status=404).count(index=index, query=query or {"match_all": {}})
    return int(response.get("count", 0))


def status_report(es: Elasticsearch, indices: Indices, limit: int = 5) -> str:
    """A short human-readable report."""
    lines = [
        f"articles: {_count(es, indices.articles)}  claims: {_count(es, indices.claims)}  "
        f"events: {_count(es, indices.events)}  alerts: {_count(es, indices.alerts)}",
        f"feeds: {_count(es, indices.feeds)} known, "
        f"{_count(es, indices.feeds, {'range': {'consecutive_failures': {'gt': 0}}})} failing",
    ]
    failing = es.options(ignore_status=404).search(
        index=indices.feeds, size=limit, query={"range": {"consecutive_failures": {"gt": 0}}},
        sort=[{"consecutive_failures": "desc"}],
    )
    for hit in failing.get("hits", {}).get("hits", []):
        s = hit["_source"]
        lines.append(f"  failing: {s['url']} x{s['consecutive_failures']}: {s.get('last_error')}")
    claims = es.options(ignore_status=404).search(
        index=indices.claims, size=limit, sort=[{"indexed_at": "desc"}, {"start": "asc"}],
    )
    for hit in claims.get("hits", {}).get("hits", []):
        c = hit["_source"]
        lines.append(f"  claim: {c.get('speaker')} [{c.get('cue')}, {c.get('kind')}]: "
                     f"{(c.get('content') or '')[:100]}")
    events = es.options(ignore_status=404).search(
        index=indices.events, size=limit, sort=[{"indexed_at": "desc"}, {"start": "asc"}],
    )
    for hit in events.get("hits", {}).get("hits", []):
        e = hit["_source"]
        lines.append(f"  event: {e.get('type')} ({e.get('status')}) '{e.get('trigger')}' "
                     f"actors={e.get('actors')} location={e.get('location')} date={e.get('date')}")
    return "\n".join(lines)
