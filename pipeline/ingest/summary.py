"""Run summaries: what polling and ingesting produced, built in one place.

:func:`summary_counts` is the one builder of the counts that ``run --once`` prints, the
Airflow batch tasks return through XCom and :func:`pipeline.ingest.batches.merge_summaries`
adds up (the keys of ``SUMMARY_KEYS`` plus the per-status ``extraction`` counter).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.ingest.feedstate import FeedState
from pipeline.records import Entry

SUMMARY_KEYS = (
    "feeds",
    "polled",
    "not_modified",
    "failed",
    "backing_off",
    "entries",
    "new_articles",
    "indexed",
    "already_indexed",
    "claims",
    "events",
    "errors",
    "not_indexed",
)


@dataclass
class PollSummary:
    """What polling a set of feeds produced."""

    feeds: int = 0
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    backing_off: int = 0
    entries: list[Entry] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    # States of the feeds that produced entries: saved by commit_feed_states only once their
    # entries are durably indexed (with the validators they had before this poll otherwise).
    pending_states: list[FeedState] = field(default_factory=list)
    previous_validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass
class IngestSummary:
    """What ingesting a set of entries produced."""

    entries: int = 0
    new_articles: int = 0
    indexed: int = 0
    already_indexed: int = 0
    claims: int = 0
    events: int = 0
    extraction: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    article_ids: list[str] = field(default_factory=list)
    # Articles not durably indexed with their claims and events (a transient write error):
    # not acknowledged, so the next cycle (or the task's retry) fetches and writes them again.
    incomplete: set[str] = field(default_factory=set)
    first_indexed_after: float | None = None  # seconds from the stream's start


@dataclass
class CycleSummary:
    """Poll + ingest, as printed by ``python -m pipeline run --once``."""

    poll: PollSummary
    ingest: IngestSummary
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            **summary_counts(self.poll, self.ingest),
            "poll_seconds": round(self.poll.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.ingest.timings.items()},
            "seconds": round(self.seconds, 3),
        }

    def text(self) -> str:
        d = self.as_dict()
        lines = [
            f"feeds: {d['feeds']} total, {d['polled']} polled, {d['not_modified']} not modified, "
            f"{d['failed']} failed, {d['backing_off']} backing off",
            f"articles: {d['entries']} entries, {d['new_articles']} new, {d['indexed']} indexed, "
            f"{d['already_indexed']} already indexed; claims {d['claims']}, events {d['events']}",
            f"extraction: {d['extraction'] or '-'}; errors: {d['errors']}"
            + (f"; NOT INDEXED (retried next cycle): {d['not_indexed']}" if d["not_indexed"] else ""),
            "timings: poll {:.2f}s, ".format(d["poll_seconds"])
            + ", ".join(f"{k} {v:.2f}s" for k, v in d["timings"].items())
            + f"; total {d['seconds']:.2f}s",
        ]
        return "\n".join(lines)


def summary_counts(poll: PollSummary, ingest: IngestSummary) -> dict[str, Any]:
    """The counts of one poll + ingest: ``SUMMARY_KEYS`` and the ``extraction`` counter."""
    return {
        "feeds": poll.feeds,
        "polled": poll.polled,
        "not_modified": poll.not_modified,
        "failed": poll.failed,
        "backing_off": poll.backing_off,
        "entries": len(poll.entries),
        "new_articles": ingest.new_articles,
        "indexed": ingest.indexed,
        "already_indexed": ingest.already_indexed,
        "claims": ingest.claims,
        "events": ingest.events,
        "extraction": dict(ingest.extraction),
        "errors": len(ingest.errors),
        "not_indexed": len(ingest.incomplete),
    }
