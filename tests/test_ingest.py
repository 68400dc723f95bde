"""The ingest path end to end: real feeds and pages over HTTP into a real Elasticsearch."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.config import FeedSpec
from pipeline.ingest import feeds as feeds_module
from pipeline.ingest.cycle import commit_feed_states, poll_feeds, run_cycle
from pipeline.ingest.feedstate import load_states
from pipeline.ingest.pagetext import page_text
from pipeline.ingest.summary import IngestSummary
from tests.support.httpserver import TestServer, slow, static, status
from tests.support.paths import FIXTURES

FEEDS = FIXTURES / "feeds"
ARTICLES = FIXTURES / "articles"
# the fixture feeds that are no feed at all (an HTML page, an OPML list, an empty document...)
NOT_FEEDS = {
    "feedjira/2009_JoomlapoweredSite.xml",
    "feedjira/2009_google-reader-subscriptions.xml",
    "feedparser-edgecases/illformed_rss_empty_document.xml",
    "node-feedparser/notafeed.html",
    "rss-parser/unrecognized.rss",
}
# pages (of 79) whose site name is found: trafilatura's full metadata pass finds all but one;
# the cheap head metadata (entries the feed dates) only og:site_name and the like
SITE_NAMES = {True: 78, False: 68}


def counts(es, indices) -> tuple[int, int]:
    es.indices.refresh(index=f"{indices.prefix}-*")
    return (es.count(index=indices.articles)["count"], es.count(index=indices.feeds)["count"])


@pytest.fixture
def feed_site():
    with TestServer(FEEDS) as server:
        yield server


def test_all_fixture_feeds_polled_with_recorded_state(es, indices, settings, feed_site):
    manifest = json.loads((FEEDS / "MANIFEST.json").read_text())
    specs = [FeedSpec(feed_site.url(r["file"]), r["file"]) for r in manifest]
    summary = poll_feeds(es, indices, specs, settings)
    assert summary.polled == len(manifest) == 75
    es.indices.refresh(index=indices.feeds)
    # Feeds that produced entries are not acknowledged by polling alone (durability) ...
    waiting = {e.feed_id for e in summary.entries}
    assert waiting and {s.feed_id for s in summary.pending_states} == waiting
    assert all(s.last_polled_at is None for s in load_states(es, indices, specs) if s.feed_id in waiting)
    # ... but once their entries are ingested (here: nothing left incomplete).
    commit_feed_states(es, indices, summary, IngestSummary())
    es.indices.refresh(index=indices.feeds)
    states = {s.name: s for s in load_states(es, indices, specs)}
    assert all(s.last_polled_at is not None for s in states.values()), "every feed has a state"
    entries = Counter(e.feed_name for e in summary.entries)
    for record in manifest:
        state = states[record["file"]]
        expected = record["observed_feedparser_6.0.14"]["entries"]
        if record["format"] in ("html", "opml", "not-a-feed", "unknown"):
            if record["observed_feedparser_6.0.14"]["version"]:
                continue  # e.g. an Atom feed in the manifest's "html" bucket: parsed fine
            assert state.last_outcome == "failed", record["file"]
            assert state.last_error and state.last_error_kind == "not_a_feed"
        elif expected:
            assert state.last_outcome == "ok", (record["file"], state.last_error)
            assert state.entries_seen >= expected or record["format"] == "gzip"
            linked = entries[record["file"]]
            synthetic = record["file"].startswith("feedparser-")
            assert linked > 0 or state.entries_seen == 0 or synthetic, record["file"]
    failed = {s.name for s in states.values() if s.last_outcome == "failed"}
    assert failed == NOT_FEEDS and summary.failed == len(NOT_FEEDS)


def test_gzip_feed_without_content_encoding_is_parsed(es, indices, settings, feed_site):
    specs = [FeedSpec(feed_site.url("node-feedparser/compressed.xml"), "gz")]
    summary = poll_feeds(es, indices, specs, settings)
    assert summary.failed == 0 and len(summary.entries) == 10


def test_second_cycle_sends_validators_and_gets_304(es, indices, settings, seed_site):
    specs = [FeedSpec(seed_site.url("feed.xml"), "Seed")]
    first = run_cycle(es, indices, specs, settings)
    assert first.ingest.indexed == 4 and first.poll.not_modified == 0
    page_requests = sum(r.path.startswith("/news/") for r in seed_site.log)
    assert page_requests == 4
    before = counts(es, indices)
    second = run_cycle(es, indices, specs, settings)
    sent = seed_site.requests("/feed.xml")[-1].headers
    assert sent["if-none-match"] and sent["if-modified-since"]
    assert second.poll.not_modified == 1 and second.ingest.new_articles == 0
    assert sum(r.path.startswith("/news/") for r in seed_site.log) == page_requests
    assert counts(es, indices) == before


def test_same_cycle_twice_leaves_counts_unchanged(es, indices, settings, seed_site):
    specs = [FeedSpec(seed_site.url("feed.xml"), "Seed")]
    run_cycle(es, indices, specs, settings)
    before = counts(es, indices)
    # Force a full re-read: the feed changes its validators, so the entries are seen again.
    seed_site.overrides["feed.xml"] = seed_site.body("/feed.xml") + b"\n<!-- touched -->\n"
    again = run_cycle(es, indices, specs, settings)
    assert again.poll.not_modified == 0 and len(again.poll.entries) == 4
    assert again.ingest.new_articles == 0 and again.ingest.indexed == 0
    assert counts(es, indices) == before == (4, 1)


def test_seed_article_is_extracted_and_canonicalised(es, indices, settings, seed_site):
    specs = [FeedSpec(seed_site.url("feed.xml"), "Seed", tags=("demo",), language="en")]
    run_cycle(es, indices, specs, settings)
    es.indices.refresh(index=indices.articles)
    hits = es.search(index=indices.articles, query={"match_phrase": {"text": "revenge is inevitable"}})
    (hit,) = hits["hits"]["hits"]
    doc = hit["_source"]
    assert "utm_" not in doc["url"] + doc["canonical_url"]
    assert doc["extraction_status"] == "ok" and doc["sitename"] == "The Seed Courier"
    assert doc["author"] == "Newsroom Staff" and doc["published_at"].startswith("2025-06-04")
    assert "Medvedev" in doc["title"] and doc["language"] == "en" and doc["tags"] == ["demo"]
    assert "The Seed Courier" not in doc["text"]  # boiler-plate (nav, footer) left out


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def token_f1(truth: str, predicted: str) -> float:
    t, p = Counter(tokens(truth)), Counter(tokens(predicted))
    common = sum((t & p).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(t.values())
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("full_metadata", [True, False], ids=["undated-entry", "dated-entry"])
def test_extraction_quality_on_fixture_pages(full_metadata: bool):
    pages = sorted(ARTICLES.glob("*/*.html"))
    scores, titled, sited = [], 0, 0
    for page in pages:
        truth = page.with_suffix(".txt").read_text(encoding="utf-8")
        result = page_text(page.read_text(encoding="utf-8"), full_metadata=full_metadata)
        scores.append(token_f1(truth, result.text))
        titled += bool(result.title)
        sited += bool(result.sitename)
    mean = sum(scores) / len(scores)
    assert len(pages) == 79
    assert mean >= 0.93, f"mean token F1 {mean:.3f}"
    assert titled == 79 and sited >= SITE_NAMES[full_metadata]


def test_undeclared_encoding_page_is_decoded(es, indices, settings, tmp_path: Path):
    text = "Der Außenminister sagte, die Gespräche über eine Waffenruhe würden fortgesetzt. " * 8
    page = f"<html><head><title>Gespräche</title></head><body><article><p>{text}</p></article></body></html>"
    (tmp_path / "page.html").write_bytes(page.encode("cp1252"))
    (tmp_path / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>x</title><link>{{BASE_URL}}/page.html</link></item></channel></rss>"
    )
    with TestServer(tmp_path) as site:
        run_cycle(es, indices, [FeedSpec(site.url("feed.xml"), "enc")], settings)
    es.indices.refresh(index=indices.articles)
    (hit,) = es.search(index=indices.articles)["hits"]["hits"]
    assert "Außenminister" in hit["_source"]["text"] and "\ufffd" not in hit["_source"]["text"]


def test_private_address_refused_by_default(es, indices, settings, seed_site):
    strict = replace(settings, fetch=replace(settings.fetch, allow_private=()))
    summary = run_cycle(es, indices, [FeedSpec(seed_site.url("feed.xml"), "Seed")], strict)
    assert summary.poll.failed == 1 and not seed_site.log
    es.indices.refresh(index=indices.feeds)
    (state,) = load_states(es, indices, [FeedSpec(seed_site.url("feed.xml"), "Seed")])
    assert state.last_error_kind == "blocked_address" and "127.0.0.1" in state.last_error


def test_failing_feed_backs_off_and_is_visible(es, indices, settings, seed_site):
    specs = [FeedSpec(seed_site.url("feed.xml"), "Seed"), FeedSpec(seed_site.url("gone.xml"), "Gone")]
    first = run_cycle(es, indices, specs, settings)
    assert first.poll.failed == 1 and first.ingest.indexed == 4
    second = run_cycle(es, indices, specs, settings)
    assert second.poll.backing_off == 1 and second.poll.polled == 1
    assert seed_site.hits("/gone.xml") == 1, "not hammered"
    forced = run_cycle(es, indices, specs, settings, force=True)
    assert forced.poll.failed == 1
    es.indices.refresh(index=indices.feeds)
    failing = es.search(index=indices.feeds, query={"term": {"healthy": False}})["hits"]["hits"]
    assert [h["_source"]["name"] for h in failing] == ["Gone"]
    assert failing[0]["_source"]["consecutive_failures"] == 2
    assert failing[0]["_source"]["last_status"] == 404


def test_poll_lists_entries_and_failures_in_feed_order_whatever_finishes_first(es, indices, settings, caplog):
    def rss(*items: str) -> bytes:
        return f'<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'.encode()

    slow_feed = rss("<item><link>https://a.example/1</link></item>", "<item></item>")
    fast_feed = rss(
        "<item><link>https://b.example/1</link></item>", "<item><link>https://b.example/2</link></item>"
    )
    with TestServer() as srv:
        specs = [
            FeedSpec(srv.route("/slow.xml", slow(0.5, slow_feed)), "Slow"),
            FeedSpec(srv.route("/gone.xml", status(404)), "Gone"),
            FeedSpec(srv.route("/fast.xml", static(fast_feed)), "Fast"),
            FeedSpec(srv.route("/html.xml", static("<html><body>no feed</body></html>")), "Page"),
        ]
        with caplog.at_level(logging.INFO, logger="pipeline.ingest.feeds"):
            summary = poll_feeds(es, indices, specs, settings)
    # the slow feed finished last, yet its entries come first: feed order, as before
    assert [e.link for e in summary.entries] == [
        "https://a.example/1",
        "https://b.example/1",
        "https://b.example/2",
    ]
    assert [(f["feed"], f["kind"]) for f in summary.failures] == [
        (specs[1].url, "http_status"),
        (specs[3].url, "not_a_feed"),
    ]
    assert (summary.polled, summary.failed, summary.not_modified) == (4, 2, 0)
    # the skipped item is counted on the state and logged by this process
    (pending,) = [s for s in summary.pending_states if s.name == "Slow"]
    assert (pending.entries_skipped, pending.entries_seen) == (1, 2)
    assert [r.getMessage() for r in caplog.records] == [
        f"feed Slow ({specs[0].url}): 1 items with no link, title or text skipped"
    ]


def test_poll_records_an_entries_error_as_the_feeds_internal_error(
    es, indices, settings, seed_site, monkeypatch
):
    def broken(item, spec, fid):
        raise ValueError("boom")

    monkeypatch.setattr(feeds_module, "_entry", broken)  # a small batch parses in this process
    spec = FeedSpec(seed_site.url("feed.xml"), "Seed")
    summary = poll_feeds(es, indices, [spec], settings)
    assert summary.failed == 1 and not summary.entries
    assert summary.failures == [{"feed": spec.url, "kind": "internal", "error": "ValueError('boom')"}]
    es.indices.refresh(index=indices.feeds)
    (state,) = load_states(es, indices, [spec])
    assert state.last_error_kind == "internal" and state.last_error == "ValueError('boom')"
    assert state.etag is None, "validators not taken from a feed whose entries were not read"
