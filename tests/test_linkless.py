"""Link-less feed items become articles from the item itself, and long feeds are truncated on the
record: real feeds over HTTP (tests/support/httpserver.py) into a real Elasticsearch through
``run_cycle``, with claims and events from the real analyzer."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.config import FeedSpec
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.feeds import MAX_ENTRIES_PER_FEED
from pipeline.ingest.feedstate import load_states
from pipeline.ingest.urls import feed_id, item_id
from tests.support.httpserver import TestServer

STORY = (
    "Russian and Ukrainian delegations will hold talks in Istanbul on Monday, the Turkish foreign "
    'ministry said. "We are ready to discuss a ceasefire, but only on our terms," Kremlin spokesman '
    "Dmitry Peskov told reporters in Moscow. Ukraine rejected the proposal for a ceasefire on "
    "Tuesday, President Volodymyr Zelensky said in a video address. The two sides agreed to a "
    "prisoner exchange of 500 soldiers each."
)

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
  <title>Wire without links</title><link>http://wire.example/</link>
  <item>
    <guid isPermaLink="false">wire-2025-06-02-0017</guid>
    <title>Talks in Istanbul on Monday</title>
    <description>Delegations meet in Istanbul.</description>
    <pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate>
    <content:encoded><![CDATA[<p>{STORY}</p><p><b>Reporting</b> by the desk.</p>]]></content:encoded>
  </item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom without links</title><id>urn:feed:atom</id><updated>2025-06-02T08:00:00Z</updated>
  <entry>
    <id>urn:uuid:6f1c2a4e-0000-4000-8000-000000000001</id>
    <title>Sanctions package adopted</title>
    <updated>2025-06-02T09:00:00Z</updated>
    <content type="html">&lt;p&gt;The council adopted a new sanctions package against
      shipping companies on Monday, officials said.&lt;/p&gt;</content>
  </entry>
</feed>
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON without urls",
    "items": [
        {
            "id": "post-42",
            "title": "Protest in the capital",
            "content_html": "<p>Thousands of people <em>protested</em> in the capital on Sunday.</p>",
            "date_published": "2025-06-01T18:00:00Z",
        }
    ],
}


def big_feed(items: int) -> str:
    body = "".join(
        f"<item><guid isPermaLink='false'>big-{i}</guid><title>Item {i}</title>"
        f"<description>Body of item number {i}.</description></item>"
        for i in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{body}</channel></rss>'


@pytest.fixture
def site(tmp_path: Path) -> Iterator[TestServer]:
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "atom.atom").write_text(ATOM, encoding="utf-8")
    (tmp_path / "feed.json").write_text(json.dumps(JSON_FEED), encoding="utf-8")
    (tmp_path / "big.xml").write_text(big_feed(600), encoding="utf-8")
    with TestServer(tmp_path) as server:
        yield server


def articles(es, indices) -> list[dict]:
    es.indices.refresh(index=f"{indices.prefix}-*")
    hits = es.search(index=indices.articles, size=1000, query={"match_all": {}})["hits"]["hits"]
    return [h["_source"] for h in hits]


def count(es, index: str, article: str) -> int:
    return es.count(index=index, query={"term": {"article_id": article}})["count"]


def test_rss_item_with_guid_and_content_but_no_link(es, indices, settings, site, analyzer):
    spec = FeedSpec(site.url("wire.rss"), "Wire", ("wire",), "en")
    analysed = replace(settings, analyze=True)
    first = run_cycle(es, indices, [spec], analysed, analyzer)
    assert first.ingest.indexed == 1 and not first.ingest.errors
    (article,) = articles(es, indices)
    assert article["article_id"] == item_id(feed_id(spec.url), "wire-2025-06-02-0017")
    assert article["extraction_status"] == "feed_content"
    assert article["text"].startswith("Russian and Ukrainian delegations") and "<p>" not in article["text"]
    assert "Reporting by the desk." in article["text"]
    assert article["title"] == "Talks in Istanbul on Monday"
    assert article["summary"] == "Delegations meet in Istanbul."
    assert article["url"] is None and article["canonical_url"] is None
    assert article["guid"] == "wire-2025-06-02-0017"
    assert article["domain"] == "127.0.0.1" and article["published_at"].startswith("2025-06-02T08:00")
    assert article["simhash"] and article["tags"] == ["wire"]
    # the item's text is analysed like a page's
    assert article["analysis_status"] == "ok" and article["claims_count"] >= 2
    assert {"talks", "ceasefire", "prisoner_exchange"} <= set(article["event_types"])
    assert "Dmitry Peskov" in article["speakers"]
    claims, events = (
        count(es, indices.claims, article["article_id"]),
        count(es, indices.events, article["article_id"]),
    )
    assert claims == article["claims_count"] and events == article["events_count"] > 0
    assert {r.path for r in site.log} == {"/wire.rss"}, "nothing but the feed is fetched"
    state = load_states(es, indices, [spec])[0]
    assert state.entries_linkless == 1 and state.entries_skipped == 0 and state.entries_truncated == 0

    # Polled again with the feed re-read (its validators change): the same id, nothing new.
    site.overrides["wire.rss"] = RSS.encode() + b"<!-- touched -->\n"
    again = run_cycle(es, indices, [spec], analysed, analyzer)
    assert again.poll.not_modified == 0 and len(again.poll.entries) == 1
    assert again.ingest.new_articles == 0 and again.ingest.indexed == 0
    assert [a["article_id"] for a in articles(es, indices)] == [article["article_id"]]
    assert count(es, indices.claims, article["article_id"]) == claims
    assert count(es, indices.events, article["article_id"]) == events


def test_atom_and_json_feed_items_without_links(es, indices, settings, site):
    specs = [FeedSpec(site.url("atom.atom"), "Atom"), FeedSpec(site.url("feed.json"), "Json")]
    summary = run_cycle(es, indices, specs, settings)
    assert summary.poll.failed == 0 and summary.ingest.indexed == 2
    by_title = {a["title"]: a for a in articles(es, indices)}
    atom = by_title["Sanctions package adopted"]
    assert atom["extraction_status"] == "feed_content" and atom["url"] is None
    assert atom["text"] == (
        "The council adopted a new sanctions package against shipping companies on Monday, officials said."
    )
    assert atom["article_id"] == item_id(
        feed_id(specs[0].url), "urn:uuid:6f1c2a4e-0000-4000-8000-000000000001"
    )
    assert atom["published_at"].startswith("2025-06-02T09:00")
    js = by_title["Protest in the capital"]
    assert js["extraction_status"] == "feed_content" and js["canonical_url"] is None
    assert js["text"] == "Thousands of people protested in the capital on Sunday."
    assert js["article_id"] == item_id(feed_id(specs[1].url), "post-42") and js["feed_name"] == "Json"
    # Atom ids are no URLs: never requested as relative links
    assert {r.path for r in site.log} == {"/atom.atom", "/feed.json"}
    again = run_cycle(es, indices, specs, settings, force=True)
    assert again.ingest.new_articles == 0 and len(articles(es, indices)) == 2


def test_long_feed_is_truncated_on_the_record(es, indices, settings, site, caplog):
    spec = FeedSpec(site.url("big.xml"), "Big feed")
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        summary = run_cycle(es, indices, [spec], settings)
    assert len(summary.poll.entries) == MAX_ENTRIES_PER_FEED == 500
    assert summary.ingest.indexed == 500
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Big feed" in w and spec.url in w and "100 not read" in w for w in warnings), warnings
    es.indices.refresh(index=indices.feeds)
    state = load_states(es, indices, [spec])[0]
    assert (state.entries_seen, state.entries_truncated, state.entries_truncated_total) == (600, 100, 100)
    assert state.entries_linkless == 500
    # Kibana finds truncated feeds by the indexed fields
    found = es.search(
        index=indices.feeds,
        query={
            "bool": {"filter": [{"term": {"truncated": True}}, {"range": {"entries_truncated": {"gte": 1}}}]}
        },
    )["hits"]["hits"]
    assert [h["_id"] for h in found] == [state.feed_id]
    # A 304 keeps the record of the unchanged document; a changed one adds to the total.
    assert run_cycle(es, indices, [spec], settings, force=True).poll.not_modified == 1
    site.overrides["big.xml"] = big_feed(550).encode()
    run_cycle(es, indices, [spec], settings, force=True)
    es.indices.refresh(index=indices.feeds)
    state = load_states(es, indices, [spec])[0]
    assert (state.entries_truncated, state.entries_truncated_total) == (50, 150)
