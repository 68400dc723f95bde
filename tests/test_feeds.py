"""Feed parsing, canonical URLs, back-off state and OPML import (no network needed)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from pipeline.config import FeedSpec
from pipeline.ingest.feeds import entries_from, parse_feed_document
from pipeline.ingest.feedstate import (
    conditional_headers,
    initial_state,
    is_due,
    record_failure,
    record_success,
)
from pipeline.ingest.opml import opml_feeds
from pipeline.ingest.urls import article_id, canonical_url
from tests.support.paths import FIXTURES

SPEC = FeedSpec("https://news.example/feed.xml", "Example", ("world",), "en")


def test_canonical_url_strips_tracking_and_normalises():
    a = canonical_url("HTTPS://WWW.Example.com:443/a/b?utm_source=rss&id=3&fbclid=x#top")
    b = canonical_url("https://www.example.com/a/b?id=3")
    assert a == b == "https://www.example.com/a/b?id=3"
    assert article_id(a) == article_id(b)
    assert canonical_url("http://example.com/x?b=2&a=1") == "http://example.com/x?a=1&b=2"
    assert article_id("https://example.com/x") != article_id("https://example.com/y")


def test_rss_entries_are_canonicalised_and_deduplicated():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <item><title>One</title><link>/story/1?utm_campaign=x</link>
        <pubDate>Tue, 03 Jun 2025 10:00:00 GMT</pubDate></item>
      <item><title>One again</title><link>https://news.example/story/1</link></item>
      <item><title>No link</title></item>
    </channel></rss>"""
    parsed = parse_feed_document(body)
    assert parsed.error is None and parsed.version == "rss20"
    (entry,) = entries_from(parsed, SPEC)
    assert entry.canonical_url == "https://news.example/story/1"
    assert entry.published_at == datetime(2025, 6, 3, 10, tzinfo=UTC)
    assert entry.tags == ["world"] and entry.language == "en"


def test_json_feed_is_parsed():
    parsed = parse_feed_document((FIXTURES / "feeds/feedjira/json_feed.json").read_bytes())
    assert parsed.version == "json1" and len(parsed.entries) == 20
    assert all(e.canonical_url.startswith("http") for e in entries_from(parsed, SPEC))


def test_non_feeds_and_gzip():
    assert parse_feed_document(b"").error == "empty response body"
    html = parse_feed_document(b"<html><body><p>hello</p></body></html>")
    assert html.error and "HTML" in html.error
    rss = (FIXTURES / "feeds/node-feedparser/rss2sample.xml").read_bytes()
    assert len(parse_feed_document(gzip.compress(rss)).entries) == 4
    bomb = gzip.compress(b"<" * 50_000_000)
    assert "inflates past" in parse_feed_document(bomb).error


def test_backoff_grows_and_success_resets():
    state = initial_state(SPEC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert is_due(state, now)
    delays = []
    for _ in range(5):
        record_failure(state, now, 500, "http_status", "HTTP 500", max_backoff_minutes=60)
        delays.append(state.next_poll_at - now)
        assert not is_due(state, now + timedelta(seconds=30))
    assert state.consecutive_failures == 5 and delays[-1] > delays[0] * 8
    record_failure(state, now, 500, "http_status", "x", max_backoff_minutes=60)
    assert state.next_poll_at - now <= timedelta(minutes=72)  # capped (+20% jitter)
    record_success(state, now, 200, {"etag": '"v1"', "last-modified": "Mon"}, None, None, 0)
    assert state.consecutive_failures == 0 and state.last_error is None and is_due(state, now)
    assert conditional_headers(state) == {"If-None-Match": '"v1"', "If-Modified-Since": "Mon"}
    assert state.to_doc()["healthy"] is True


def test_opml_import():
    feeds = opml_feeds((FIXTURES / "feeds/feedjira/2009_google-reader-subscriptions.xml").read_bytes())
    assert len(feeds) > 5 and all(f["url"].startswith("http") for f in feeds)
