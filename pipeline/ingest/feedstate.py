"""Per-feed state: the record, its transitions after each poll, and its storage in Elasticsearch.

One document per feed in ``<prefix>-feeds`` (id = feed id), so feed health is searchable in
Kibana. :func:`record_success` / :func:`record_failure` are the only transitions; a failing
feed backs off exponentially (with jitter, capped by ``max_backoff_minutes``). Validators
(ETag, Last-Modified) are taken from a 200 only. Loading never fails for a feed never polled
(a fresh state), and the configuration stays the source of truth for name, tags and language.

What a poll could not read is recorded, never silent: ``entries_truncated`` (items after the
first ``MAX_ENTRIES_PER_FEED`` at the last poll that read the document; a 304 keeps it, the
document being unchanged) with ``entries_truncated_total`` (summed over polls) and a warning
naming the feed; ``entries_skipped`` (items with no link, title or text) and
``entries_linkless`` (entries built from the feed item itself), which ``entries_from`` leaves
on the ``ParsedFeed`` given to :func:`record_success`. ``truncated`` in the document is true while the last
read was truncated, so Kibana finds such feeds.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec
from pipeline.ingest.urls import feed_id
from pipeline.store.bulk import BulkResult, bulk_write
from pipeline.store.elastic import Indices

if TYPE_CHECKING:
    from pipeline.ingest.feeds import ParsedFeed

log = logging.getLogger(__name__)


class FeedOutcome(StrEnum):
    """What the last poll of a feed gave (stored as its string value)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"
    SKIPPED_BACKOFF = "skipped_backoff"


@dataclass
class FeedState:
    """What we remember about one feed between polls (stored in the feeds index)."""

    feed_id: str
    url: str
    name: str
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_status: int | None = None
    last_outcome: FeedOutcome | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_kind: str | None = None
    next_poll_at: datetime | None = None
    entries_seen: int = 0
    last_new_entries: int = 0
    feed_title: str | None = None
    feed_version: str | None = None
    bozo: bool = False
    bozo_reason: str | None = None
    entries_truncated: int = 0  # items beyond the per-feed cap, not read at the last read
    entries_truncated_total: int = 0  # the same, summed over every read of the feed
    entries_skipped: int = 0  # items with nothing usable (no link, title or text) at the last read
    entries_linkless: int = 0  # entries built from the feed item itself (no link) at the last read

    def to_doc(self) -> dict[str, Any]:
        """The Elasticsearch document (datetimes as ISO strings).

        Every field as ``dataclasses.asdict`` gives it, without its generic deep copy (~7x
        faster): the fields are scalars, enums, datetimes and lists of strings (lists copied);
        a field of another kind (dict, nested dataclass) would need copying here too.
        """
        doc: dict[str, Any] = {}
        for spec in fields(self):
            key, value = spec.name, getattr(self, spec.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, list):
                value = list(value)
            doc[key] = value
        doc["healthy"] = self.consecutive_failures == 0
        doc["truncated"] = self.entries_truncated > 0
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FeedState:
        """Rebuild from a stored document, ignoring fields this version does not know."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in doc.items() if k in known}
        for key in ("last_polled_at", "last_success_at", "last_failure_at", "next_poll_at"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        if values.get("last_outcome") in FeedOutcome.__members__.values():
            values["last_outcome"] = FeedOutcome(values["last_outcome"])
        return cls(**values)


def initial_state(spec: FeedSpec) -> FeedState:
    """State for a feed never polled before."""
    return FeedState(
        feed_id=feed_id(spec.url),
        url=spec.url,
        name=spec.name,
        tags=list(spec.tags),
        language=spec.language,
    )


def is_due(state: FeedState, now: datetime) -> bool:
    """A feed is polled unless it is backing off (or not yet due at its own interval)."""
    return state.next_poll_at is None or state.next_poll_at <= now


def backoff_delay(failures: int, max_minutes: int) -> timedelta:
    """Exponential back-off per feed: 1, 2, 4 ... minutes with jitter, capped."""
    minutes = min(max_minutes, 2 ** max(0, failures - 1))
    return timedelta(minutes=minutes * random.uniform(0.8, 1.2))


def record_success(
    state: FeedState,
    now: datetime,
    status: int,
    headers: dict[str, str],
    interval: timedelta | None,
    parsed: ParsedFeed | None,
    new_entries: int,
) -> None:
    """Update state after a 200 or a 304.

    With ``parsed`` (a 200), what the document held is recorded: items, truncation (with a
    warning naming the feed), and the skipped and link-less counts that ``entries_from`` left
    on ``parsed`` (call it first, on the same object).
    """
    state.last_polled_at = now
    state.last_success_at = now
    state.last_status = status
    state.last_outcome = FeedOutcome.NOT_MODIFIED if status == 304 else FeedOutcome.OK
    state.consecutive_failures = 0
    state.last_error = state.last_error_kind = None
    if status != 304:
        state.etag = headers.get("etag") or None
        state.last_modified = headers.get("last-modified") or None
    if parsed is not None:
        state.feed_title = parsed.title
        state.feed_version = parsed.version
        state.bozo = parsed.bozo
        state.bozo_reason = parsed.bozo_reason
        state.entries_seen = parsed.items
        state.entries_truncated = parsed.truncated
        state.entries_truncated_total += parsed.truncated
        state.entries_skipped = parsed.skipped
        state.entries_linkless = parsed.linkless
        if parsed.truncated:
            log.warning(
                "feed %s (%s): %d items, only the first %d read (%d not read)",
                state.name,
                state.url,
                parsed.items,
                len(parsed.entries),
                parsed.truncated,
            )
    state.last_new_entries = new_entries
    state.next_poll_at = now + interval if interval else None


def record_failure(
    state: FeedState,
    now: datetime,
    status: int | None,
    kind: str,
    message: str,
    max_backoff_minutes: int,
) -> None:
    """Update state after a failed poll; back off so a broken site is not hammered."""
    state.last_polled_at = now
    state.last_failure_at = now
    state.last_status = status
    state.last_outcome = FeedOutcome.FAILED
    state.consecutive_failures += 1
    state.last_error = message[:2000]
    state.last_error_kind = kind
    state.last_new_entries = 0
    state.next_poll_at = now + backoff_delay(state.consecutive_failures, max_backoff_minutes)


def conditional_headers(state: FeedState) -> dict[str, str]:
    """Validators from the last 200, so an unchanged feed answers 304 and costs no parsing."""
    headers: dict[str, str] = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def load_states(es: Elasticsearch, indices: Indices, specs: Sequence[FeedSpec]) -> list[FeedState]:
    """Stored state for each configured feed (a fresh one for feeds never polled)."""
    fresh = [initial_state(spec) for spec in specs]
    if not fresh:
        return []
    response = es.options(ignore_status=404).mget(index=indices.feeds, ids=[s.feed_id for s in fresh])
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
