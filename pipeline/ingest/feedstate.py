"""Per-feed state kept in Elasticsearch, so feed health is searchable in Kibana."""

from __future__ import annotations

from collections.abc import Sequence

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec
from pipeline.ingest.feeds import initial_state
from pipeline.records import FeedState
from pipeline.store.bulk import BulkResult, bulk_write
from pipeline.store.elastic import Indices


def load_states(es: Elasticsearch, indices: Indices, specs: Sequence[FeedSpec]) -> list[FeedState]:
    """Stored state for each configured feed (a fresh one for feeds never polled)."""
    fresh = [initial_state(spec) for spec in specs]
    if not fresh:
        return []
    response = es.options(ignore_status=404).mget(
        index=indices.feeds, ids=[s.feed_id for s in fresh]
    )
    stored = {d["_id"]: d["_source"] for d in response.get("docs", []) if d.get("found")}
    states = []
    for spec, state in zip(specs, fresh, strict=True):
        if state.feed_id in stored:
            state = FeedState.from_doc(stored[state.feed_id])
            # The config is the source of truth for name/tags/language.
            state.url, state.name = spec.url, spec.name
            state.tags, state.language = list(spec.tags), spec.language
        states.append(state)
    return states


def save_states(es: Elasticsearch, indices: Indices, states: Sequence[FeedState]) -> BulkResult:
    """Overwrite each feed's state document (id = feed id)."""
    actions = [
        {"_op_type": "index", "_index": indices.feeds, "_id": s.feed_id, "_source": s.to_doc()}
        for s in states
    ]
    return bulk_write(es, actions)
