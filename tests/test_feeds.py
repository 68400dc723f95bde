"""Feed parsing, canonical URLs, link-less items, truncation, back-off state and OPML import
(no network needed)."""

from __future__ import annotations

import gzip
import io
import json
import logging
import random
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from pipeline.config import FeedSpec
from pipeline.ingest import fastfeed
from pipeline.ingest import feeds as feeds_module
from pipeline.ingest.articles import build_article
from pipeline.ingest.feeds import (
    MAX_ENTRIES_PER_FEED,
    entries_from,
    log_skipped,
    parse_feed_document,
    parse_feed_entries,
)
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


def test_whitespace_before_the_xml_declaration_is_dropped():
    doc = '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Новости</title>'
    doc += "<item><title>Заголовок</title><link>https://news.example/1</link></item></channel></rss>"
    body = doc.encode("cp1251")
    clean = parse_feed_document(body)
    assert not clean.bozo and clean.title == "Новости"
    for prefix in (b"\n", b"  \r\n\t"):
        parsed = parse_feed_document(prefix + body)
        # read as the same document: strict parse, declared encoding honoured (it used to be
        # "XML or text declaration not at start of entity", read as windows-1252 by the loose parser)
        assert parsed == clean and parsed.entries[0]["title"] == "Заголовок"
    # leading whitespace without an XML declaration is valid XML: the body is left alone
    rss = b'\n <rss version="2.0"><channel><title>T</title><item><link>https://n.example/1</link></item>'
    assert parse_feed_document(rss + b"</channel></rss>").entries[0]["link"] == "https://n.example/1"


def _fixture_feed_files():
    return sorted(p for p in (FIXTURES / "feeds").rglob("*") if p.is_file() and p.name != "MANIFEST.json")


def test_parse_feed_entries_is_parse_then_entries_from(caplog):
    files = _fixture_feed_files()
    assert len(files) == 75
    for path in files:
        body = path.read_bytes()
        with caplog.at_level(logging.DEBUG, logger="pipeline.ingest.feeds"):
            items = parse_feed_entries(body, None, SPEC)
        assert not caplog.records, "a worker's log record would be lost: the caller logs"
        parsed = parse_feed_document(body)
        entries = [] if parsed.error else entries_from(parsed, SPEC)
        # the same document, entries and counts (skipped, link-less, truncated) for record_success
        assert (items.parsed, items.entries, items.error) == (parsed, entries, None), path
        caplog.clear()


def test_parse_feed_entries_reports_an_entries_from_error(monkeypatch, caplog):
    def broken(item, spec, fid):
        raise ValueError("boom")

    monkeypatch.setattr(feeds_module, "_entry", broken)
    items = parse_feed_entries(LINKLESS_RSS, None, SPEC)
    assert items.error == "ValueError('boom')" and items.entries == [] and items.parsed.error is None
    body = b'<rss version="2.0"><channel><item><title>x</title></item><item></item></channel></rss>'
    monkeypatch.undo()
    with caplog.at_level(logging.INFO, logger="pipeline.ingest.feeds"):
        items = parse_feed_entries(body, None, SPEC)
        assert not caplog.records and (items.parsed.skipped, len(items.entries)) == (1, 1)
        log_skipped(items.parsed, SPEC)
    (message,) = [r.getMessage() for r in caplog.records]
    assert message == f"feed Example ({SPEC.url}): 1 items with no link, title or text skipped"


def test_state_document_is_asdict_with_iso_dates():
    from dataclasses import asdict

    state = initial_state(SPEC)
    now = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    record_failure(state, now, 503, "http_status", "HTTP 503", max_backoff_minutes=60)
    record_success(state, now, 200, {"etag": '"e"', "last-modified": "Mon"}, timedelta(minutes=5), None, 3)
    state.bozo, state.bozo_reason, state.entries_truncated = True, "odd", 2
    expected = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(state).items()}
    expected.update(healthy=True, truncated=True)
    doc = state.to_doc()
    assert doc == expected and list(doc) == list(expected)
    assert doc["last_outcome"] == "ok" and doc["next_poll_at"] == "2026-01-01T12:35:00+00:00"
    doc["tags"].append("changed")
    assert state.tags == ["world"], "the document's lists are copies"


# --- the lxml fast path gives feedparser's result ----------------------------------------------


def _fields(parsed):
    """Everything parse_feed_document reads from feedparser's result."""
    entries = [
        (
            item.get("id"),
            item.get("link"),
            item.get("guidislink"),
            [link.get("href") for link in item.get("links") or []],
            item.get("title"),
            item.get("summary"),
            [c.get("value") for c in item.get("content") or []],
            item.get("author"),
            item.get("published_parsed"),
            item.get("updated_parsed"),
            [t.get("term") for t in item.get("tags", [])],
        )
        for item in parsed["entries"]
    ]
    reason = str(parsed.get("bozo_exception") or "") or None
    return (
        parsed["feed"].get("title"),
        parsed.get("version") or None,
        bool(parsed.get("bozo")),
        reason,
        entries,
    )


def _feedparser(body, content_type=None):
    headers = {"content-type": content_type} if content_type else None
    return feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


CONTENT_TYPES = (
    "application/rss+xml",
    "text/xml",  # us-ascii unless the header says otherwise: often an encoding override (bozo)
    "text/html; charset=utf-8",  # not an XML media type: bozo
    "application/xml; charset=iso-8859-1",
)


def test_fast_path_is_on_for_the_feedparser_version_it_was_checked_against():
    assert fastfeed.ENABLED, (
        f"feedparser {feedparser.__version__} is not {fastfeed.FEEDPARSER_VERSION}: the lxml fast path "
        "is off (correct, slower). Re-run these parity tests against the new version, then bump "
        "FEEDPARSER_VERSION in pipeline/ingest/fastfeed.py"
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fast_path_gives_feedparsers_result_on_every_fixture_feed():
    accepted = set()
    for path in _fixture_feed_files():
        raw = path.read_bytes()
        variants = [(raw, None), (raw.lstrip(), None), (b"\n " + raw, None)]
        for body, content_type in variants + [(raw, ct) for ct in CONTENT_TYPES]:
            fast = fastfeed.parse_fast(body, content_type)
            if fast is not None:  # None: feedparser reads it (malformed, not modelled...)
                assert _fields(fast) == _fields(_feedparser(body, content_type)), (path, content_type)
                accepted.add(path.name)
    assert len(accepted) >= 55, sorted(accepted)  # of 75: the rest are malformed or not feeds


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_parse_feed_document_is_the_same_with_and_without_the_fast_path(monkeypatch):
    files = _fixture_feed_files()
    fast = [parse_feed_document(p.read_bytes()) for p in files]
    monkeypatch.setattr(fastfeed, "ENABLED", False)
    slow = [parse_feed_document(p.read_bytes()) for p in files]
    assert fast == slow
    entries = [[entries_from(p, SPEC) for p in parsed if not p.error] for parsed in (fast, slow)]
    assert entries[0] == entries[1]


def test_fast_path_steps_aside():
    assert fastfeed.parse_fast(b"<rss><channel><item><title>x</title></item></rss>") is None  # malformed
    doctype = b'<!DOCTYPE rss [<!ENTITY n "&#160;">]><rss version="2.0"><channel><title>a&n;</title>'
    assert fastfeed.parse_fast(doctype + b"</channel></rss>") is None  # entities: feedparser keeps some
    chapters = (
        b'<rss version="2.0" xmlns:psc="http://podlove.org/simple-chapters"><channel><item>'
        b'<psc:chapters><psc:chapter start="0" title="a"/></psc:chapters></item></channel></rss>'
    )
    assert fastfeed.parse_fast(chapters) is None  # a feedparser handler the port does not model
    plain = fastfeed.parse_fast(b'<rss version="2.0"><channel><title>T</title></channel></rss>')
    assert _fields(plain) == ("T", "rss20", False, None, [])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fast_path_from_many_threads_at_once():
    import concurrent.futures

    bodies = [p.read_bytes() for p in _fixture_feed_files()] * 4
    expected = [fastfeed.parse_fast(b) for b in bodies]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:  # one lxml parser per thread
        got = list(pool.map(fastfeed.parse_fast, bodies))
    assert [g and _fields(g) for g in got] == [e and _fields(e) for e in expected]


_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "media": "http://search.yahoo.com/mrss/",
    "itunes": "http://www.itunes.com/DTDs/PodCast-1.0.dtd",
    "atom": "http://www.w3.org/2005/Atom",
    "georss": "http://www.georss.org/georss",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "xlink": "http://www.w3.org/1999/xlink",
    "foo": "http://example.com/unknown/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
_TEXTS = [
    "",
    "  ",
    "Plain",
    " padded ",
    "Caf&#233; &amp; cr&#232;me",
    "&lt;p&gt;escaped &lt;b&gt;html&lt;/b&gt;&lt;/p&gt;",
    "<![CDATA[<p>cdata & <i>html</i></p>]]>",
    "&#150;dash &#x80;euro",
    "Ã©tÃ©",
    "中文",
    "a\r\nb",
    "http://example.com/a?x=1&amp;y=2",
    "http:///example.com//b",
    "/relative",
    "nobody@example.org (Nobody)",
    "Tue, 03 Jun 2025 10:00:00 GMT",
    "2025-06-03T10:00:00Z",
    "not a date",
    "a, b,, c",
]
_URLS = ["http://example.com/1", "/rel", "story.html", "", "mailto:x@example.com", "http:///x.example.com/y"]
_ATTRS = {
    "type": ["text", "html", "xhtml", "text/html", "TEXT/PLAIN", "image/png", "text/xml"],
    "rel": ["alternate", "self", "enclosure", "ALTERNATE", ""],
    "href": _URLS,
    "url": _URLS,
    "isPermaLink": ["true", "false", "True"],
    "term": ["World", "", "x"],
    "domain": ["d", ""],
    "scheme": ["s"],
    "text": ["Arts", ""],
    "mode": ["escaped", "base64"],
    "version": ["2.0", "0.91", "", "1.0"],
}
_LEAVES = [
    name
    for names in (
        "title link link description summary guid id pubDate published updated modified author",
        "category comments source enclosure content tags keywords x body dc:creator dc:date",
        "dc:subject dc:title dc:description dcterms:issued content:encoded media:title",
        "media:description media:keywords media:category media:thumbnail itunes:author",
        "itunes:summary itunes:keywords itunes:category itunes:explicit itunes:image georss:point",
        "foo:bar foo:title atom:link atom:title",
    )
    for name in names.split()
]
_CONTAINERS = (
    "author",
    "media:content",
    "media:group",
    "image",
    "itunes:category",
    "itunes:owner",
    "foo:wrap",
    "textInput",
)
_INLINE = ["p", "b", "br", "div", "xhtml:p", "title", "svg"]


class _FeedMaker:
    """Random feeds built from the elements feedparser has handlers for, and some it has not."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.prefixes: dict[str, str] = {}

    def attrs(self, exclude: tuple[str, ...] = ()) -> str:
        r = self.r
        out = [f' {n}="{r.choice(v)}"' for n, v in _ATTRS.items() if n not in exclude and r.random() < 0.12]
        if r.random() < 0.04:
            out.append(f' xml:base="{r.choice(_URLS)}"')
        if r.random() < 0.04 and "rdf" in self.prefixes.values():
            out.append(f' {self.pfx("rdf")}:about="{r.choice(_URLS)}"')
        return "".join(out)

    def pfx(self, key: str) -> str:
        return next(p for p, k in self.prefixes.items() if k == key)

    def name(self, qname: str) -> str | None:
        if ":" not in qname:
            return qname.upper() if self.r.random() < 0.03 else qname
        key, local = qname.split(":")
        if key not in self.prefixes.values():
            return None
        return f"{self.pfx(key)}:{local}"

    def text(self, depth: int) -> str:
        r = self.r
        parts = [r.choice(_TEXTS) for _ in range(r.choice([1, 1, 2]))]
        if r.random() < 0.15 and depth < 4:
            tag = r.choice(_INLINE)
            if tag == "svg":
                parts.append('<svg xmlns="http://www.w3.org/2000/svg"><title>t</title><g/></svg>')
            elif tag == "div":
                parts.append(f'<div xmlns="{_NS["xhtml"]}">{self.text(depth + 1)}</div>')
            elif tag != "xhtml:p" or "xhtml" in self.prefixes.values():
                tag = tag if tag != "xhtml:p" else f"{self.pfx('xhtml')}:p"
                parts.append(f"<{tag}>{self.text(depth + 1)}</{tag}>")
        return "".join(parts)

    def element(self, depth: int) -> str:
        r = self.r
        container = depth < 4 and r.random() < 0.15
        tag = self.name(r.choice(_CONTAINERS if container else _LEAVES))
        if tag is None:
            return r.choice(_TEXTS[:3])
        declare = ""
        if r.random() < 0.05:  # declarations below the root: redundant, redefining, unused
            prefix, key = r.choice(list(self.prefixes.items()) + [("z", "foo"), ("dc", "media")])
            declare = f' xmlns:{prefix}="{_NS[key]}"' if prefix else ""
        body = (
            "".join(self.element(depth + 1) for _ in range(r.randint(0, 3)))
            if container
            else self.text(depth)
        )
        return f"<{tag}{declare}{self.attrs()}>{body}</{tag}>"

    def document(self) -> bytes:
        r = self.r
        keys = r.sample(list(_NS), r.randint(0, len(_NS)))
        self.prefixes = {}
        for key in keys:
            prefix = key if r.random() < 0.9 else r.choice(["m", "dc", "media", key.upper()])
            self.prefixes.setdefault(prefix, key)
        decls = "".join(f' xmlns:{p}="{_NS[k]}"' for p, k in self.prefixes.items())
        kind = r.choice(["rss", "rss", "atom", "rdf"])
        items = "".join(
            f"<{'entry' if kind == 'atom' else 'item'}{self.attrs(exclude=('href',))}>"
            + "".join(self.element(2) for _ in range(r.randint(0, 8)))
            + f"</{'entry' if kind == 'atom' else 'item'}>"
            for _ in range(r.randint(0, 4))
        )
        head = "".join(self.element(1) for _ in range(r.randint(0, 4)))
        if kind == "atom":
            doc = f'<feed xmlns="{_NS["atom"]}"{decls}>{head}{items}</feed>'
        elif kind == "rdf":
            doc = f'<RDF xmlns="http://purl.org/rss/1.0/"{decls}><channel>{head}</channel>{items}</RDF>'
        else:
            doc = f"<rss{decls}{self.attrs()}><channel>{head}{items}</channel></rss>"
        encoding = r.choice(["utf-8", "utf-8", "windows-1252", "latin-1", "utf-16"])
        declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if r.random() < 0.7 else ""
        body = (declaration + doc).encode(encoding, "replace")
        return body if encoding != "latin-1" or r.random() < 0.5 else body.replace(b"latin-1", b"utf-8")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fast_path_gives_feedparsers_result_on_generated_feeds():
    # Any element the port models, in any order, nesting and namespace set-up; what it does not
    # model makes it step aside. (Run with more seeds when changing pipeline/ingest/fastfeed.py.)
    maker = _FeedMaker(seed=11)
    accepted = 0
    for _ in range(400):
        body = maker.document()
        content_type = maker.r.choice([None, None, "application/rss+xml", "text/xml; charset=utf-8"])
        fast = fastfeed.parse_fast(body, content_type)
        if fast is not None:
            assert _fields(fast) == _fields(_feedparser(body, content_type)), body.decode("utf-8", "replace")
            accepted += 1
    assert accepted >= 320
