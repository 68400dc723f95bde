"""A page's rel=canonical merges stories only within one site (issue 12, point 5).

Any page may claim any canonical URL. A copy on another outlet claiming the original's URL must
stay its own story (else it hides behind, or hijacks, that outlet's story); a canonical on the
page's own registrable domain (an AMP or print version) still merges.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.alerts.run import run_alerts_once
from pipeline.alerts.state import alert_id
from pipeline.config import FeedSpec
from pipeline.ingest.articles import build_article
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.pagetext import PageStatus, PageText
from pipeline.ingest.urls import article_id, canonical_url, registrable_domain, same_site
from pipeline.records import Entry
from tests.support.httpserver import TestServer
from tests.support.smtp import SmtpServer

RULE = """
rules:
  - name: ceasefire
    recipients: [analyst@example.org]
    query:
      keywords: {any: [ceasefire]}
"""
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


def entry(link: str) -> Entry:
    canon = canonical_url(link)
    return Entry(
        feed_id="f",
        feed_name="Feed",
        feed_url="https://feeds.example.org/rss",
        link=link,
        canonical_url=canon,
        article_id=article_id(canon),
        title="Title",
    )


def page_text(canonical: str | None) -> PageText:
    return PageText(status=PageStatus.OK, text="Body text. " * 50, canonical_url=canonical)


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://news.bbc.co.uk/world/1", "bbc.co.uk"),
        ("https://WWW.Example.COM./a", "example.com"),
        ("https://alice.github.io/post", "alice.github.io"),  # a private public suffix: one site per user
        ("http://127.0.0.2:8080/x", "127.0.0.2"),
        ("http://localhost:5601/", "localhost"),
        ("https://bücher.de/x", "xn--bcher-kva.de"),
        ("not a url", ""),
        ("http://[::1/", ""),
    ],
)
def test_registrable_domain(url: str, site: str) -> None:
    assert registrable_domain(url) == site


def test_same_site_needs_a_host_on_both_sides() -> None:
    assert same_site("https://amp.example.com/a", "https://www.example.com/a")
    assert not same_site("https://example.org/a", "https://example.com/a")
    assert not same_site("https://bob.github.io/a", "https://alice.github.io/a")
    assert not same_site("/relative/path", "/relative/path")
    assert not same_site("https://example.com/a", None, "")


def test_build_article_keeps_a_foreign_canonical_out_of_the_story_key() -> None:
    feed_entry = entry("https://www.copycat.net/news/story.html?utm_source=rss")
    article = build_article(
        feed_entry,
        NOW,
        page_text("https://www.original.com/world/story"),
        final_url="https://www.copycat.net/news/story.html",
    )
    assert article.canonical_url == article.url == "https://www.copycat.net/news/story.html"
    assert article.foreign_canonical_url == "https://www.original.com/world/story"
    assert article.article_id == feed_entry.article_id
    assert article.to_doc()["foreign_canonical_url"] == "https://www.original.com/world/story"


def test_build_article_takes_a_canonical_of_the_same_site_or_of_the_feed_link() -> None:
    amp = build_article(
        entry("https://amp.outlet.co.uk/story?utm_medium=feed"),
        NOW,
        page_text("https://www.outlet.co.uk/story"),
    )
    assert amp.canonical_url == "https://www.outlet.co.uk/story" and amp.foreign_canonical_url is None
    # a feed link on the outlet that redirects to its new domain, whose page names itself
    moved = build_article(
        entry("https://old-outlet.com/story"),
        NOW,
        page_text("https://new-outlet.com/story"),
        final_url="https://new-outlet.com/story",
    )
    assert moved.canonical_url == "https://new-outlet.com/story" and moved.foreign_canonical_url is None
    # served from a CDN host, the page names the outlet of the feed link
    cdn = build_article(
        entry("https://www.outlet.org/story"),
        NOW,
        page_text("https://outlet.org/story/"),
        final_url="https://outlet-org.cdn-host.net/story",
    )
    assert cdn.canonical_url == "https://outlet.org/story/" and cdn.domain == "outlet-org.cdn-host.net"


# --------------------------------------------------------------------------- a real cycle


def html_page(title: str, paragraphs: list[str], canonical: str, site: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{canonical}"><meta property="og:site_name" content="{site}">'
        f'<meta property="og:title" content="{title}"></head><body><main><article>'
        f'<h1>{title}</h1><div class="article-body">{body}</div></article></main></body></html>'
    ).encode()


def rss(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{{{{BASE_URL}}}}{path}</link>"
        f'<guid isPermaLink="false">{path}</guid><pubDate>Mon, 09 Jun 2025 10:00:00 +0000</pubDate></item>'
        for path, title in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Other Outlet</title>'
        f"<link>{{{{BASE_URL}}}}/</link><description>x</description>{entries}</channel></rss>"
    ).encode()


REWRITE = [
    "Our correspondent in Kyiv reports that Ukrainian officials dismissed the latest Russian"
    " remarks as theatre, saying no ceasefire proposal had been put on the table this week.",
    "Residents of Kharkiv spent another night in shelters as air raid sirens sounded across the"
    " region, while local volunteers distributed water and blankets to displaced families.",
    "Analysts at a Warsaw think tank said the diplomatic calendar for the summer looked thin and"
    " that neither side appeared ready to compromise on the questions of territory or security.",
    "The European Commission said it would present further aid proposals to member states next"
    " month, including funds for the reconstruction of damaged power stations before winter.",
]
OWN = [
    "Negotiators in Doha said on Monday that a ceasefire in Sudan could be signed within days if"
    " both armies accepted international monitors along the main supply roads to Khartoum.",
    "Aid agencies warned that famine conditions were spreading in Darfur, where convoys have been"
    " blocked for weeks and prices of flour and cooking oil have tripled since the spring.",
    "Diplomats from Saudi Arabia and the United States have hosted several rounds of indirect"
    " talks, but earlier agreements collapsed within hours amid accusations of violations.",
    "The African Union called on regional governments to open their borders to refugees and to"
    " support a humanitarian corridor that would let medical teams reach besieged towns.",
]
AMP = [
    "Sudan talks in Doha: mediators expect a ceasefire deal within days, provided that both"
    " armies accept international monitors on the roads that lead to the capital.",
    "In Darfur, famine is spreading, aid groups say: convoys have been stuck for weeks while"
    " staples such as flour have become three times more expensive than in spring.",
    "Several earlier truces brokered by Riyadh and Washington broke down almost immediately,"
    " each side accusing the other of attacking first.",
    "The African Union urged neighbours to take in refugees and back a corridor for doctors and"
    " nurses trying to reach towns cut off by the fighting.",
]


def test_cross_site_canonical_is_its_own_story_same_site_canonical_merges(
    es: Any, indices: Any, settings: Any, seed_site: TestServer, smtp: SmtpServer, tmp_path: Path
) -> None:
    original = seed_site.url("news/medvedev-istanbul-talks.html")  # outlet A: the seed site
    with TestServer(host="127.0.0.2", keep_alive=True) as other:  # outlet B, another site
        assert registrable_domain(other.base_url) != registrable_domain(seed_site.base_url)
        own = other.url("news/sudan-talks.html")
        pages = {
            "/news/kyiv-reaction.html": html_page(
                "Kyiv shrugs off Medvedev", REWRITE, original, "Other Outlet"
            ),
            "/news/sudan-talks.html": html_page("Sudan ceasefire within days", OWN, own, "Other Outlet"),
            "/amp/sudan-talks.html": html_page("Sudan ceasefire within days", AMP, own, "Other Outlet"),
        }
        feed = rss([(path, "item") for path in pages]).replace(b"{{BASE_URL}}", other.base_url.encode())
        pages["/feed.xml"] = feed
        for path, body in pages.items():
            other.route(
                path, lambda req, out, body=body: out.send(200, body, [("Content-Type", "text/html")])
            )
        specs = [FeedSpec(seed_site.url("feed.xml"), "A"), FeedSpec(other.url("feed.xml"), "B")]
        run_cycle(es, indices, specs, settings, None)
    es.indices.refresh(index=indices.articles)
    docs = [
        h["_source"]
        for h in es.search(index=indices.articles, size=50, query={"match_all": {}})["hits"]["hits"]
    ]
    assert len(docs) == 4 + 3
    (copy,) = [d for d in docs if d["title"] == "Kyiv shrugs off Medvedev"]
    assert copy["canonical_url"] == copy["url"] == other.url("news/kyiv-reaction.html")  # not A's
    assert copy["foreign_canonical_url"] == original
    assert copy["extraction_status"] == "ok"
    hits = es.search(index=indices.articles, query={"term": {"foreign_canonical_url": original}})
    assert hits["hits"]["total"]["value"] == 1  # mapped: searchable in Kibana
    amp = [d for d in docs if d["feed_url"] == other.url("feed.xml") and d["canonical_url"] == own]
    assert len(amp) == 2 and all(d["foreign_canonical_url"] is None for d in amp)

    rules = tmp_path / "alerts.yaml"
    rules.write_text(RULE, encoding="utf-8")
    summary = run_alerts_once(es, indices, settings, rules, smtp_transport(smtp))
    # A: medvedev + gaza; B: the copy (own story) + sudan (page and AMP page: one story)
    assert summary["matches"] == 5 and summary["stories"] == 4, summary
    es.indices.refresh(index=indices.alerts)
    stored = {
        h["_source"]["story_id"]: h["_source"]
        for h in es.search(index=indices.alerts, size=20, query={"match_all": {}})["hits"]["hits"]
    }
    assert stored[other.url("news/kyiv-reaction.html")]["article_ids"] == [copy["article_id"]]
    assert len(stored[original]["article_ids"]) == 1  # A's story did not absorb the copy
    assert sorted(stored[own]["article_ids"]) == sorted(d["article_id"] for d in amp)
    assert stored[original]["alert_id"] == alert_id("ceasefire", original)


def smtp_transport(server: SmtpServer) -> Any:
    from pipeline.alerts.mail import SmtpTransport

    return SmtpTransport("127.0.0.1", server.port, timeout=5)
