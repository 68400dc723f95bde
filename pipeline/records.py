"""Plain data records that flow between the stages (no I/O here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


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
    last_outcome: str | None = None  # ok | not_modified | failed | skipped_backoff
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

    def to_doc(self) -> dict[str, Any]:
        """The Elasticsearch document (datetimes as ISO strings)."""
        doc = asdict(self)
        for key, value in doc.items():
            if isinstance(value, datetime):
                doc[key] = value.isoformat()
        doc["healthy"] = self.consecutive_failures == 0
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FeedState:
        """Rebuild from a stored document, ignoring fields this version does not know."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in doc.items() if k in known}
        for key in ("last_polled_at", "last_success_at", "last_failure_at", "next_poll_at"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)


@dataclass
class Entry:
    """One feed item that points at an article."""

    feed_id: str
    feed_name: str
    feed_url: str
    link: str
    canonical_url: str
    article_id: str
    title: str | None = None
    summary: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None


@dataclass
class Article:
    """An article ready to index: the entry plus what extraction and analysis found."""

    article_id: str
    url: str
    canonical_url: str
    feed_id: str
    feed_name: str
    feed_url: str
    domain: str
    title: str | None
    summary: str | None
    text: str
    author: str | None
    sitename: str | None
    language: str | None
    published_at: datetime | None
    indexed_at: datetime
    tags: list[str]
    extraction_status: str  # ok | feed_summary_only | fetch_failed | no_text | skipped
    extraction_error: str | None
    fetch_status: int | None
    content_hash: str
    simhash: str | None = None
    simhash_bands: list[str] = field(default_factory=list)
    analysis: dict[str, Any] = field(default_factory=dict)  # filled by the analysis stage

    def to_doc(self) -> dict[str, Any]:
        """The articles-index document."""
        doc = asdict(self)
        analysis = doc.pop("analysis")
        for key in ("published_at", "indexed_at"):
            if doc[key] is not None:
                doc[key] = doc[key].isoformat()
        doc["@timestamp"] = doc["published_at"] or doc["indexed_at"]
        doc["source"] = self.sitename or self.domain
        doc["feed_ids"] = [self.feed_id]
        doc["feed_names"] = [self.feed_name]
        doc["text_length"] = len(self.text)
        doc.update(analysis)
        return doc
