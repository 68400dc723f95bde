"""Scheduler-facing plain functions: feed batches for mapped tasks, and daily housekeeping
(roll monthly indices, drop old ones, report feeds that keep failing).

Time-based kinds live in monthly indices ``<prefix>-<kind>-YYYY.MM`` behind an alias, so
retention is a plain index delete (no ``_delete_by_query``). Plain functions, no Airflow:
the ``news_maintenance`` DAG and the tests call them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings, load_feeds
from pipeline.store.elastic import KINDS, Indices, ensure_monthly_index, template_body

FAILING_AFTER = timedelta(days=1)
MAX_REPORTED_FEEDS = 500


def monthly_kinds() -> list[str]:
    """The kinds written to monthly indices (articles, claims, events)."""
    return [kind for kind in KINDS if template_body(kind)["monthly"]]


def _month_number(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _month_start(number: int) -> datetime:
    return datetime(number // 12, number % 12 + 1, 1, tzinfo=UTC)


def monthly_indices(es: Elasticsearch, indices: Indices, kind: str) -> dict[str, tuple[int, int]]:
    """Concrete monthly indices of one kind by name -> (year, month); other names are ignored."""
    pattern = re.compile(rf"^{re.escape(indices.prefix)}-{re.escape(kind)}-(\d{{4}})\.(\d{{2}})$")
    response = es.options(ignore_status=404).indices.get(
        index=f"{indices.prefix}-{kind}-*", expand_wildcards="open,closed",
        allow_no_indices=True,
    )
    found: dict[str, tuple[int, int]] = {}
    for name in dict(response.body if hasattr(response, "body") else response):
        match = pattern.match(name)
        if match and 1 <= int(match.group(2)) <= 12:
            found[name] = (int(match.group(1)), int(match.group(2)))
    return found


def expired_indices(
    names: dict[str, tuple[int, int]], retention_months: int, now: datetime | None = None
) -> list[str]:
    """Monthly indices whose whole month ended more than ``retention_months`` months ago.

    With 12 months in November 2026, ``2025.11`` is kept and ``2025.10`` goes. The current
    month is always kept, whatever the setting.
    """
    if retention_months < 1:
        raise ValueError("retention_months must be at least 1")
    now = now or datetime.now(UTC)
    oldest_kept = _month_number(now.year, now.month) - retention_months
    return sorted(name for name, (y, m) in names.items() if _month_number(y, m) < oldest_kept)


def drop_expired_indices(
    es: Elasticsearch, indices: Indices, retention_months: int,
    now: datetime | None = None, dry_run: bool = False,
) -> list[str]:
    """Delete the expired monthly indices of every monthly kind; returns what was (or would be)
    deleted."""
    dropped: list[str] = []
    for kind in monthly_kinds():
        expired = expired_indices(monthly_indices(es, indices, kind), retention_months, now)
        for name in expired:
            if not dry_run:
                es.options(ignore_status=404).indices.delete(index=name)
            dropped.append(name)
    return dropped


def roll_indices(es: Elasticsearch, indices: Indices, now: datetime | None = None) -> list[str]:
    """Make sure this month's and next month's indices exist (so the alias always has them)."""
    now = now or datetime.now(UTC)
    this_month = _month_number(now.year, now.month)
    names = []
    for kind in monthly_kinds():
        for number in (this_month, this_month + 1):
            name = indices.monthly(kind, _month_start(number))
            ensure_monthly_index(es, name)
            names.append(name)
    return names


@dataclass
class FeedHealth:
    """A feed that has been failing for longer than the threshold."""

    url: str
    name: str
    consecutive_failures: int
    last_success_at: str | None
    last_failure_at: str | None
    last_error_kind: str | None
    last_error: str | None
    extra: dict[str, Any] = field(default_factory=dict)


def failing_feeds(
    es: Elasticsearch, indices: Indices, now: datetime | None = None,
    older_than: timedelta = FAILING_AFTER,
) -> list[FeedHealth]:
    """Feeds whose last poll failed and whose last success is older than ``older_than``
    (or that never succeeded), worst first."""
    now = now or datetime.now(UTC)
    cutoff = (now - older_than).isoformat()
    query = {"bool": {
        "filter": [{"range": {"consecutive_failures": {"gt": 0}}}],
        "should": [
            {"range": {"last_success_at": {"lt": cutoff}}},
            {"bool": {"must_not": {"exists": {"field": "last_success_at"}}}},
        ],
        "minimum_should_match": 1,
    }}
    response = es.options(ignore_status=404).search(
        index=indices.feeds, query=query, size=MAX_REPORTED_FEEDS,
        sort=[{"consecutive_failures": "desc"}, {"url": "asc"}],
    )
    hits = response.get("hits", {}).get("hits", []) if response else []
    feeds = []
    for hit in hits:
        doc = hit["_source"]
        feeds.append(FeedHealth(
            url=doc.get("url", ""), name=doc.get("name") or doc.get("url", ""),
            consecutive_failures=int(doc.get("consecutive_failures") or 0),
            last_success_at=doc.get("last_success_at"),
            last_failure_at=doc.get("last_failure_at"),
            last_error_kind=doc.get("last_error_kind"), last_error=doc.get("last_error"),
        ))
    return feeds


def health_report_text(feeds: list[FeedHealth], now: datetime | None = None) -> str:
    """Plain-text feed-health report (one block per failing feed)."""
    now = now or datetime.now(UTC)
    if not feeds:
        return f"newsmon feed health, {now:%Y-%m-%d %H:%M} UTC: no feed failing for over a day.\n"
    lines = [
        f"newsmon feed health, {now:%Y-%m-%d %H:%M} UTC",
        f"{len(feeds)} feed(s) failing for more than a day:",
        "",
    ]
    for feed in feeds:
        error = " ".join((feed.last_error or "").split())[:300]
        lines += [
            f"- {feed.name}",
            f"  url: {feed.url}",
            f"  consecutive failures: {feed.consecutive_failures}",
            f"  last success: {feed.last_success_at or 'never'}",
            f"  last failure: {feed.last_failure_at or '-'}",
            f"  error: {feed.last_error_kind or '-'}: {error or '-'}",
            "",
        ]
    return "\n".join(lines)


def health_report_message(
    feeds: list[FeedHealth], recipients: list[str], sender: str, now: datetime | None = None
) -> EmailMessage:
    """The report as an email (plain text; header values are single-line by construction)."""
    message = EmailMessage()
    message["Subject"] = f"[newsmon] feed health: {len(feeds)} feed(s) failing for over a day"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(health_report_text(feeds, now))
    return message


# --- ingest in batches (one Airflow mapped task per batch) --------------------------------

SUMMARY_KEYS = ("feeds", "polled", "not_modified", "failed", "backing_off", "entries",
                "new_articles", "indexed", "already_indexed", "claims", "events", "errors")
MAX_LISTED_FAILURES = 50


def feed_batches(size: int, specs: list[FeedSpec] | None = None) -> list[list[dict[str, Any]]]:
    """The feed list as JSON-able batches of at most ``size`` feeds (XCom-friendly)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    specs = load_feeds() if specs is None else specs
    docs = [{"url": s.url, "name": s.name, "tags": list(s.tags), "language": s.language,
             "interval_minutes": s.interval_minutes} for s in specs]
    return [docs[i:i + size] for i in range(0, len(docs), size)]


def specs_from_batch(batch: list[dict[str, Any]]) -> list[FeedSpec]:
    """Rebuild FeedSpecs from :func:`feed_batches` output."""
    return [FeedSpec(url=d["url"], name=d["name"], tags=tuple(d.get("tags") or ()),
                     language=d.get("language"), interval_minutes=d.get("interval_minutes"))
            for d in batch]


def default_analyzer(settings: Settings) -> Any | None:
    """The claim/event analyzer when enabled and installed, else None (articles still go in)."""
    if not settings.analyze:
        return None
    try:
        from pipeline.nlp.analyzer import Analyzer
    except ImportError:
        return None
    return Analyzer(entities=settings.entities)


def ingest_batch(
    es: Elasticsearch, indices: Indices, batch: list[dict[str, Any]], settings: Settings,
    analyzer: Any | None = None, use_default_analyzer: bool = True,
) -> dict[str, Any]:
    """Poll one batch of feeds and ingest its new entries; a JSON-able summary.

    Per-feed and per-page failures are recorded (feeds index, extraction status) and counted;
    only batch-wide problems (Elasticsearch down) raise.
    """
    from pipeline.ingest.cycle import ingest_entries, poll_feeds

    if analyzer is None and use_default_analyzer:
        analyzer = default_analyzer(settings)
    poll = poll_feeds(es, indices, specs_from_batch(batch), settings)
    ingest = ingest_entries(es, indices, poll.entries, settings, analyzer)
    return {
        "feeds": poll.feeds, "polled": poll.polled, "not_modified": poll.not_modified,
        "failed": poll.failed, "backing_off": poll.backing_off, "entries": len(poll.entries),
        "new_articles": ingest.new_articles, "indexed": ingest.indexed,
        "already_indexed": ingest.already_indexed, "claims": ingest.claims,
        "events": ingest.events, "errors": len(ingest.errors),
        "extraction": dict(ingest.extraction),
        "failures": poll.failures[:MAX_LISTED_FAILURES],
    }


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
