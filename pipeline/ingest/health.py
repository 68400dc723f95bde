"""Feed health: the feeds failing for longer than a day, as a report and an email.

Reads the feeds index only (``pipeline.ingest.feedstate`` writes it); the ``news_maintenance``
DAG sends the message daily to ``NEWSMON_ADMIN_EMAIL``. Feed names, URLs and error messages
(which may quote what a remote server sent) are shown as single lines without control or bidi
characters, as in alert emails (``pipeline.alerts.mail.one_line``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts.mail import clean_body, one_line
from pipeline.store.elastic import Indices

FAILING_AFTER = timedelta(days=1)
MAX_REPORTED_FEEDS = 500


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
    es: Elasticsearch,
    indices: Indices,
    now: datetime | None = None,
    older_than: timedelta = FAILING_AFTER,
) -> list[FeedHealth]:
    """Feeds whose last poll failed and whose last success is older than ``older_than``
    (or that never succeeded), worst first."""
    now = now or datetime.now(UTC)
    cutoff = (now - older_than).isoformat()
    query = {
        "bool": {
            "filter": [{"range": {"consecutive_failures": {"gt": 0}}}],
            "should": [
                {"range": {"last_success_at": {"lt": cutoff}}},
                {"bool": {"must_not": {"exists": {"field": "last_success_at"}}}},
            ],
            "minimum_should_match": 1,
        }
    }
    response = es.options(ignore_status=404).search(
        index=indices.feeds,
        query=query,
        size=MAX_REPORTED_FEEDS,
        sort=[{"consecutive_failures": "desc"}, {"url": "asc"}],
    )
    hits = response.get("hits", {}).get("hits", []) if response else []
    feeds = []
    for hit in hits:
        doc = hit["_source"]
        feeds.append(
            FeedHealth(
                url=doc.get("url", ""),
                name=doc.get("name") or doc.get("url", ""),
                consecutive_failures=int(doc.get("consecutive_failures") or 0),
                last_success_at=doc.get("last_success_at"),
                last_failure_at=doc.get("last_failure_at"),
                last_error_kind=doc.get("last_error_kind"),
                last_error=doc.get("last_error"),
            )
        )
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
        error = one_line(feed.last_error)[:300]
        lines += [
            f"- {one_line(feed.name)}",
            f"  url: {one_line(feed.url)}",
            f"  consecutive failures: {feed.consecutive_failures}",
            f"  last success: {feed.last_success_at or 'never'}",
            f"  last failure: {feed.last_failure_at or '-'}",
            f"  error: {one_line(feed.last_error_kind) or '-'}: {error or '-'}",
            "",
        ]
    return clean_body("\n".join(lines))


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
