"""Claims and events flow from the ingest path into their own indices, idempotently."""

from __future__ import annotations

from pipeline.config import FeedSpec
from pipeline.ingest.cycle import run_cycle


def count(es, index: str, query: dict | None = None) -> int:
    return es.count(index=index, query=query or {"match_all": {}})["count"]


def test_seed_claims_and_events_are_indexed_with_article_fields(es, indices, settings, seed_site, analyzer):
    specs = [FeedSpec(seed_site.url("feed.xml"), "Seed")]
    summary = run_cycle(es, indices, specs, settings, analyzer)
    es.indices.refresh(index=f"{indices.prefix}-*")
    assert summary.ingest.claims == count(es, indices.claims) > 0
    assert summary.ingest.events == count(es, indices.events) > 0

    seed = es.search(index=indices.articles, query={"match": {"title": "Medvedev"}})
    article = seed["hits"]["hits"][0]["_source"]
    assert article["analysis_status"] == "ok" and article["claims_count"] >= 5
    assert {"talks", "ceasefire", "prisoner_exchange"} <= set(article["event_types"])
    assert "Dmitry Medvedev" in article["speakers"]

    claims = es.search(index=indices.claims, size=100, query={"term": {"article_id": article["article_id"]}})[
        "hits"
    ]["hits"]
    medvedev = [c["_source"] for c in claims if c["_source"]["speaker"] == "Dmitry Medvedev"]
    assert medvedev and medvedev[0]["url"] == article["url"]
    assert medvedev[0]["title"] == article["title"] and medvedev[0]["source"] == article["source"]
    assert medvedev[0]["indexed_at"] == article["indexed_at"]

    negated = count(
        es,
        indices.events,
        {
            "bool": {
                "filter": [
                    {"term": {"type": "ceasefire"}},
                    {"term": {"status": "negated"}},
                    {"term": {"article_id": article["article_id"]}},
                ]
            }
        },
    )
    assert negated >= 1
    talks = es.search(
        index=indices.events,
        query={"bool": {"filter": [{"term": {"type": "talks"}}, {"term": {"date": "2025-06-02"}}]}},
    )["hits"]["hits"]
    assert talks and talks[0]["_source"]["location"] == "Istanbul"

    # A re-run (feed changed, so entries are seen again) adds nothing.
    before = (count(es, indices.claims), count(es, indices.events))
    seed_site.overrides["feed.xml"] = seed_site.body("/feed.xml") + b"<!-- changed -->"
    again = run_cycle(es, indices, specs, settings, analyzer)
    es.indices.refresh(index=f"{indices.prefix}-*")
    assert again.ingest.new_articles == 0
    assert (count(es, indices.claims), count(es, indices.events)) == before
