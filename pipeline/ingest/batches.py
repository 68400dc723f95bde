"""Feed batches for the scheduler's mapped tasks: split the feed list, ingest one batch, add up.

Plain functions, no Airflow: the ``news_ingest`` DAG wires them into tasks. Batches and
summaries are JSON-able (they travel through XCom).
"""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings, load_feeds
from pipeline.ingest.summary import SUMMARY_KEYS, summary_counts
from pipeline.nlp import analyzer_from_settings
from pipeline.store.elastic import Indices

MAX_LISTED_FAILURES = 50


class IncompleteIngest(RuntimeError):
    """Some articles of a batch were not durably indexed; a retry of the batch redoes them."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__(
            f"{summary['not_indexed']} articles not indexed ({summary['errors']} write errors); "
            "their feeds keep their validators, so a retry fetches and writes them again"
        )
        self.summary = summary


def feed_batches(size: int, specs: list[FeedSpec] | None = None) -> list[list[dict[str, Any]]]:
    """The feed list as JSON-able batches of at most ``size`` feeds (XCom-friendly)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    specs = load_feeds() if specs is None else specs
    docs = [
        {
            "url": s.url,
            "name": s.name,
            "tags": list(s.tags),
            "language": s.language,
            "interval_minutes": s.interval_minutes,
        }
        for s in specs
    ]
    return [docs[i : i + size] for i in range(0, len(docs), size)]


def specs_from_batch(batch: list[dict[str, Any]]) -> list[FeedSpec]:
    """Rebuild FeedSpecs from :func:`feed_batches` output."""
    return [
        FeedSpec(
            url=d["url"],
            name=d["name"],
            tags=tuple(d.get("tags") or ()),
            language=d.get("language"),
            interval_minutes=d.get("interval_minutes"),
        )
        for d in batch
    ]


def ingest_batch(
    es: Elasticsearch,
    indices: Indices,
    batch: list[dict[str, Any]],
    settings: Settings,
    analyzer: Any | None = None,
    use_default_analyzer: bool = True,
) -> dict[str, Any]:
    """Poll one batch of feeds and ingest its new entries; a JSON-able summary.

    Per-feed and per-page failures are recorded (feeds index, extraction status) and counted.
    Batch-wide problems (Elasticsearch down) raise, and so does a batch whose articles were
    not all durably written (:class:`IncompleteIngest`, after the feed states were committed
    without advancing those feeds' validators): the task's retry then redoes what is missing.
    """
    from pipeline.ingest.cycle import commit_feed_states, ingest_entries, poll_feeds

    if analyzer is None and use_default_analyzer:
        try:  # the claim/event analyzer when enabled and installed
            analyzer = analyzer_from_settings(settings)
        except ImportError:  # the NLP dependencies are not installed here: articles still go in
            analyzer = None
    poll = poll_feeds(es, indices, specs_from_batch(batch), settings)
    ingest = ingest_entries(es, indices, poll.entries, settings, analyzer)
    commit_feed_states(es, indices, poll, ingest)
    summary = {**summary_counts(poll, ingest), "failures": poll.failures[:MAX_LISTED_FAILURES]}
    if ingest.incomplete:
        raise IncompleteIngest(summary)
    return summary


def merge_summaries(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up the batch summaries (counts summed, extraction counters merged)."""
    total: dict[str, Any] = dict.fromkeys(SUMMARY_KEYS, 0)
    total["batches"] = 0
    extraction: dict[str, int] = {}
    failures: list[dict[str, Any]] = []
    for summary in summaries:
        if not summary:
            continue
        total["batches"] += 1
        for key in SUMMARY_KEYS:
            total[key] += int(summary.get(key) or 0)
        for status, count in (summary.get("extraction") or {}).items():
            extraction[status] = extraction.get(status, 0) + int(count)
        failures.extend(summary.get("failures") or [])
    total["extraction"] = extraction
    total["failures"] = failures[:MAX_LISTED_FAILURES]
    return total
