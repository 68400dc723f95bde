"""Feed parsing, canonical URLs, link-less items, truncation, back-off state and OPML import
(no network needed)."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import UTC, datetime, timedelta

from pipeline.config import FeedSpec
from pipeline.ingest.articles import build_article
from pipeline.ingest.feeds import MAX_ENTRIES_PER_FEED, entries_from, parse_feed_document
from pipeline.ingest.feedstate import (
    FeedState,
    conditional_headers,
    initial_state,
    is_due,
    record_failure,
    record_success,
)
from pipeline.ingest.opml import opml_feeds
from pipeline.ingest.pagetext import PageStatus, PageText
from pipeline.ingest.urls import article_id, canonical_url, feed_id, item_content_id, item_id
from pipeline.records import ExtractionStatus
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
      <item><author>nobody@example.org (Nobody)</author></item>
    </channel></rss>"""
    parsed = parse_feed_document(body)
    assert parsed.error is None and parsed.version == "rss20"
    entry, title_only = entries_from(parsed, SPEC)
    assert entry.canonical_url == "https://news.example/story/1"
    assert entry.published_at == datetime(2025, 6, 3, 10, tzinfo=UTC)
    assert entry.tags == ["world"] and entry.language == "en" and entry.content is None
    # a headline without link or guid is still news: its id hashes feed, title and text
    assert title_only.link is None and title_only.canonical_url is None
    assert title_only.article_id == item_content_id(feed_id(SPEC.url), "No link", "")
    # an item with nothing usable is counted, not dropped silently
    assert (parsed.skipped, parsed.linkless, parsed.truncated) == (1, 1, 0)


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


LINKLESS_RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
  <item><guid isPermaLink="false">a-1</guid><title>Full</title><description>Short</description>
    <content:encoded><![CDATA[<p>Full <b>text</b> of the item.</p>]]></content:encoded></item>
  <item><guid>b-2</guid><title>Permalink guid that is no URL</title><description>Sum &lt;i&gt;mary&lt;/i&gt;
    </description></item>
  <item><guid isPermaLink="false">https://news.example/p?id=3&amp;utm_source=x</guid>
    <title>URL guid, not a permalink</title></item>
  <item><guid isPermaLink="false">c-3</guid><link>mailto:desk@news.example</link>
    <title>Bad link</title></item>
  <item><title>Only content</title><content:encoded>Body only.</content:encoded></item>
  <item><guid isPermaLink="false">d-4</guid></item>
  <item><guid isPermaLink="false">a-1</guid><title>Same guid again</title></item>
</channel></rss>"""


def test_linkless_items_become_entries_with_stable_ids():
    parsed = parse_feed_document(LINKLESS_RSS)
    entries = entries_from(parsed, SPEC)
    by_title = {e.title: e for e in entries}
    assert list(by_title) == [
        "Full",
        "Permalink guid that is no URL",
        "URL guid, not a permalink",
        "Bad link",
        "Only content",
    ]
    fid = feed_id(SPEC.url)
    full = by_title["Full"]
    assert full.link is None and full.canonical_url is None and full.guid == "a-1"
    assert full.article_id == item_id(fid, "a-1") and full.content == "<p>Full <b>text</b> of the item.</p>"
    # a permalink guid that is no URL is not resolved as a relative link (nor fetched)
    assert by_title["Permalink guid that is no URL"].link is None
    assert by_title["Permalink guid that is no URL"].article_id == item_id(fid, "b-2")
    # an http(s) guid is fetched as the link, as before
    url_guid = by_title["URL guid, not a permalink"]
    assert url_guid.link and url_guid.canonical_url == "https://news.example/p?id=3"
    assert url_guid.article_id == article_id("https://news.example/p?id=3")
    assert by_title["Bad link"].link is None and by_title["Bad link"].article_id == item_id(fid, "c-3")
    assert by_title["Only content"].article_id == item_content_id(fid, "Only content", "Body only.")
    assert (parsed.skipped, parsed.linkless) == (1, 4)  # d-4: a guid and nothing else
    # stable across polls, distinct across feeds
    again = entries_from(parse_feed_document(LINKLESS_RSS), SPEC)
    assert [e.article_id for e in again] == [e.article_id for e in entries]
    other = entries_from(parse_feed_document(LINKLESS_RSS), FeedSpec("https://other.example/rss", "Other"))
    assert not {e.article_id for e in other if e.link is None} & {e.article_id for e in entries}


def test_atom_and_json_feed_items_without_links():
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:f</id>
      <entry><id>tag:news.example,2025:1</id><title>Atom item</title>
        <summary>S</summary>
        <content type="html">&lt;p&gt;Atom &lt;b&gt;body&lt;/b&gt;&lt;/p&gt;</content></entry>
      <entry><id>https://news.example/atom/2</id><title>Atom URL id</title></entry>
    </feed>"""
    first, second = entries_from(parse_feed_document(atom), SPEC)
    assert first.link is None and first.guid == "tag:news.example,2025:1"
    assert first.content == "<p>Atom <b>body</b></p>" and first.summary == "S"
    assert second.link == "https://news.example/atom/2"
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {"id": "j-1", "title": "Json item", "content_html": "<p>Json body</p>"},
            {"id": 7, "content_text": "Plain text only"},
            {"id": "https://news.example/j/3", "title": "Json URL id", "content_text": "x"},
            "not an item",
        ],
    }
    parsed = parse_feed_document(json.dumps(doc).encode())
    j1, j7, j3 = entries_from(parsed, SPEC)
    assert (
        j1.link is None
        and j1.content == "<p>Json body</p>"
        and j1.article_id == item_id(feed_id(SPEC.url), "j-1")
    )
    assert j7.guid == "7" and j7.content == "Plain text only" and j7.title is None
    # a JSON Feed id is no permalink: not fetched, but the article keeps it as its URL
    assert j3.link is None and j3.canonical_url == "https://news.example/j/3"
    assert parsed.skipped == 1


def test_build_article_from_a_linkless_item():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    entries = {e.title: e for e in entries_from(parse_feed_document(LINKLESS_RSS), SPEC)}
    full = build_article(entries["Full"], now)
    assert full.extraction_status == ExtractionStatus.FEED_CONTENT == "feed_content"
    assert full.text == "Full text of the item." and full.summary == "Short" and full.title == "Full"
    assert full.url is None and full.canonical_url is None and full.guid == "a-1"
    assert full.domain == "news.example" and full.fetch_status is None and full.extraction_error is None
    doc = full.to_doc()
    assert doc["url"] is None and doc["source"] == "news.example" and doc["text_length"] == 22
    # no content: the summary (HTML stripped); nothing but a title: the title
    assert build_article(entries["Permalink guid that is no URL"], now).text == "Sum mary"
    assert build_article(entries["Bad link"], now).text == "Bad link"
    url_guid = build_article(entries["URL guid, not a permalink"], now)
    assert url_guid.extraction_status == ExtractionStatus.SKIPPED  # a link: the page is for the cycle
    # whatever a caller passes for a link-less entry, it is built from the item (never "fetched")
    odd = build_article(
        entries["Full"],
        now,
        PageText(status=PageStatus.OK, text="other"),
        fetch_error="invalid_url: None",
        final_url="None",
    )
    assert odd.text == full.text and odd.extraction_status == "feed_content" and odd.url is None
    long = build_article(
        entries_from(
            parse_feed_document(
                LINKLESS_RSS.replace(b"Full <b>text</b> of the item.", b"word " * 40 + b"and more words")
            ),
            SPEC,
        )[0],
        now,
    )
    assert long.simhash and len(long.simhash_bands) == 8  # link-less stories group by text


def test_long_feeds_are_truncated_and_recorded(caplog):
    items = "".join(
        f"<item><link>https://news.example/{i}</link><title>{i}</title></item>" for i in range(600)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    parsed = parse_feed_document(body.encode())
    assert (len(parsed.entries), parsed.truncated, parsed.items) == (MAX_ENTRIES_PER_FEED, 100, 600)
    entries = entries_from(parsed, SPEC)
    assert len(entries) == 500 and entries[-1].link == "https://news.example/499"
    state = initial_state(SPEC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="pipeline.ingest.feedstate"):
        record_success(state, now, 200, {}, None, parsed, len(entries))
    (warning,) = [r.getMessage() for r in caplog.records]
    assert (
        "Example" in warning and SPEC.url in warning and "600 items" in warning and "100 not read" in warning
    )
    assert (state.entries_seen, state.entries_truncated, state.entries_truncated_total) == (600, 100, 100)
    assert state.to_doc()["truncated"] is True
    record_success(state, now, 304, {}, None, None, 0)  # unchanged document: same record
    assert (state.entries_truncated, state.entries_truncated_total) == (100, 100)
    record_success(state, now, 200, {}, None, parsed, 0)
    assert state.entries_truncated_total == 200
    short = parse_feed_document(body.replace(items, items[: len(items) // 2]).encode())
    record_success(state, now, 200, {}, None, short, 0)
    assert (state.entries_truncated, state.entries_truncated_total) == (0, 200)
    assert state.to_doc()["truncated"] is False
    # JSON Feed too
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "items": [{"url": f"https://j.example/{i}"} for i in range(501)],
    }
    assert parse_feed_document(json.dumps(doc).encode()).truncated == 1
    # a state stored before these fields existed still loads
    old = {k: v for k, v in initial_state(SPEC).to_doc().items() if not k.startswith("entries_")}
    assert FeedState.from_doc(old).entries_truncated_total == 0
