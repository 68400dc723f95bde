"""Bad input never crashes a cycle and never loses the rest of the batch.

Each case runs a real cycle over two feeds: the seed feed (four good articles) and a feed
that misbehaves in one way. The bad one must end as a recorded error (feed state) or a
recorded, capped article; the seed articles must all be indexed.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from pipeline.config import FeedSpec
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.feedstate import load_states
from tests.support import httpserver as hs

ITEM_FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>bad</title>'
    "<item><title>Bad page item</title><link>{link}</link>"
    "<description>Summary of the bad page item about a ceasefire.</description></item>"
    "</channel></rss>"
)


@pytest.fixture
def bad():
    with hs.TestServer() as server:
        yield server


def cycle(es, indices, settings, seed_site, bad_url, **overrides):
    specs = [FeedSpec(seed_site.url("feed.xml"), "Seed"), FeedSpec(bad_url, "Bad")]
    started = time.monotonic()
    summary = run_cycle(es, indices, specs, replace(settings, fetch=replace(settings.fetch, **overrides)))
    elapsed = time.monotonic() - started
    es.indices.refresh(index=f"{indices.prefix}-*")
    seed_docs = es.count(index=indices.articles, query={"term": {"feed_name": "Seed"}})["count"]
    assert seed_docs == 4, "the good feed's articles must all be indexed"
    states = {s.name: s for s in load_states(es, indices, specs)}
    return summary, states["Bad"], elapsed


def bad_article(es, indices) -> dict:
    hits = es.search(index=indices.articles, query={"term": {"feed_name": "Bad"}})["hits"]["hits"]
    assert len(hits) == 1, "the bad item is kept as an article"
    return hits[0]["_source"]


def test_html_page_at_feed_url(es, indices, settings, seed_site, bad):
    url = bad.route("/feed", hs.static(b"<html><body><h1>Welcome</h1><p>Not a feed</p></body></html>"))
    summary, state, _ = cycle(es, indices, settings, seed_site, url)
    assert summary.poll.failed == 1
    assert state.last_outcome == "failed" and state.last_error_kind == "not_a_feed"
    assert "HTML" in state.last_error and state.consecutive_failures == 1


def test_empty_200(es, indices, settings, seed_site, bad):
    url = bad.route("/feed", hs.static(b"", content_type="application/rss+xml"))
    _, state, _ = cycle(es, indices, settings, seed_site, url)
    assert state.last_error_kind == "not_a_feed" and "empty" in state.last_error


def test_server_error_is_retried_then_recorded(es, indices, settings, seed_site, bad):
    url = bad.route("/feed", hs.status(500, b"boom"))
    _, state, _ = cycle(es, indices, settings, seed_site, url, retries=2)
    assert bad.hits("/feed") == 3
    assert state.last_status == 500 and state.last_error_kind == "http_status"
    assert state.next_poll_at is not None and state.next_poll_at > state.last_polled_at


def test_server_that_never_answers(es, indices, settings, seed_site, bad):
    url = bad.route("/feed", hs.hang(30))
    _, state, elapsed = cycle(es, indices, settings, seed_site, url, total_timeout=1.5, retries=0)
    assert state.last_error_kind == "timeout"
    assert elapsed < 15


def test_feed_far_over_the_size_cap(es, indices, settings, seed_site, bad):
    url = bad.route("/feed", hs.big(50_000_000, with_length=False))
    _, state, elapsed = cycle(es, indices, settings, seed_site, url, max_bytes=1_000_000)
    assert state.last_error_kind == "too_large" and elapsed < 15


def item_feed(bad, page_handler) -> str:
    page = bad.route("/page", page_handler)
    return bad.route(
        "/feed", hs.static(ITEM_FEED.format(link=page).encode(), content_type="application/rss+xml")
    )


def test_page_in_redirect_loop(es, indices, settings, seed_site, bad):
    bad.route("/a", hs.redirect("/page"))
    url = item_feed(bad, hs.redirect("/a"))
    cycle(es, indices, settings, seed_site, url)
    doc = bad_article(es, indices)
    assert doc["extraction_status"] == "fetch_failed" and "redirect" in doc["extraction_error"]
    assert "ceasefire" in doc["text"]  # the feed's summary is kept


def test_page_far_over_the_size_cap(es, indices, settings, seed_site, bad):
    url = item_feed(bad, hs.big(100_000_000, with_length=True))
    cycle(es, indices, settings, seed_site, url, max_bytes=1_000_000)
    doc = bad_article(es, indices)
    assert doc["extraction_status"] == "fetch_failed" and "too_large" in doc["extraction_error"]


def test_gzip_bomb_page(es, indices, settings, seed_site, bad):
    url = item_feed(bad, hs.gzip_bomb(50_000_000))
    _, _, elapsed = cycle(es, indices, settings, seed_site, url, max_bytes=1_000_000)
    doc = bad_article(es, indices)
    assert doc["extraction_status"] == "fetch_failed" and "too_large" in doc["extraction_error"]
    assert elapsed < 20


def test_item_pointing_at_private_address_is_refused(es, indices, settings, seed_site, tmp_path):
    # The feed host (127.0.0.2) is allowed; the item points at 127.0.0.3, which is not.
    page_site = hs.TestServer(tmp_path, host="127.0.0.3").start()
    (tmp_path / "page.html").write_text("<html><body><p>secret</p></body></html>")
    feed_dir = tmp_path / "feeds"
    feed_dir.mkdir()
    (feed_dir / "feed.xml").write_text(ITEM_FEED.format(link=page_site.url("page.html")))
    feed_site = hs.TestServer(feed_dir, host="127.0.0.2").start()
    seed_local = hs.TestServer(seed_site.root, host="127.0.0.2").start()
    try:
        allow = ("127.0.0.2/32",)
        _, state, _ = cycle(es, indices, settings, seed_local, feed_site.url("feed.xml"), allow_private=allow)
    finally:
        for server in (page_site, feed_site, seed_local):
            server.stop()
    assert state.last_outcome == "ok"
    doc = bad_article(es, indices)
    assert doc["extraction_status"] == "fetch_failed"
    assert "blocked_address" in doc["extraction_error"] and "127.0.0.3" in doc["extraction_error"]
    assert not page_site.log, "no request may reach the private address"
