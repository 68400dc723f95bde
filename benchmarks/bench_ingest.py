"""Extraction + indexing benchmark: ms per article for newsmon's stage vs trafilatura alone.

Both run in this process on the same fixture pages. "trafilatura alone" is
``trafilatura.extract(html)``; "newsmon" is what a cycle does per page after fetching:
``page_text`` (trafilatura with metadata), build the record (hashes, SimHash) and
bulk-index it into Elasticsearch (one bulk request for all pages, then a refresh). It runs
twice: entries dated by their feed (the usual case: cheap head metadata) and undated entries
(trafilatura's full metadata pass with htmldate's date search).

    python benchmarks/bench_ingest.py [--rounds 3]

Run from the repository root in the dev environment (scripts/setup): it imports tests.support.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime

import trafilatura
from elasticsearch import Elasticsearch

from pipeline.ingest.articles import build_article
from pipeline.ingest.pagetext import page_text
from pipeline.ingest.urls import article_id, canonical_url
from pipeline.records import Entry
from pipeline.store.bulk import index_articles
from pipeline.store.elastic import Indices, ensure_templates, make_client
from tests.support.elastic import drop_prefix
from tests.support.paths import FIXTURES

PAGES = FIXTURES / "articles"


def load_pages() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(PAGES.glob("*/*.html"))]


def run_trafilatura(pages: list[tuple[str, str]]) -> float:
    started = time.perf_counter()
    for _name, html in pages:
        trafilatura.extract(html)
    return time.perf_counter() - started


def run_newsmon(
    pages: list[tuple[str, str]], es: Elasticsearch, indices: Indices, round_no: int, feed_dates: bool
) -> float:
    started = time.perf_counter()
    now = datetime.now(UTC)
    docs = []
    for name, html in pages:
        link = f"https://bench.example/{round_no}/{name}"
        canon = canonical_url(link)
        entry = Entry(
            "feed",
            "bench",
            "https://bench.example/feed",
            link,
            canon,
            article_id(canon),
            published_at=now if feed_dates else None,
        )
        extracted = page_text(html, link, full_metadata=entry.published_at is None)
        docs.append(build_article(entry, now, extracted, None, 200, link).to_doc())
    result = index_articles(es, docs, indices)
    es.indices.refresh(index=indices.articles)
    assert not result.errors, result.errors[:3]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = load_pages()
    es = make_client()
    indices = Indices(f"bench-{uuid.uuid4().hex[:8]}")
    ensure_templates(es, indices)
    try:
        run_trafilatura(pages[:5])  # warm caches and imports for both
        traf, ours, undated = [], [], []
        for r in range(args.rounds):
            traf.append(run_trafilatura(pages))
            ours.append(run_newsmon(pages, es, indices, 2 * r, feed_dates=True))
            undated.append(run_newsmon(pages, es, indices, 2 * r + 1, feed_dates=False))
    finally:
        drop_prefix(es, indices)
    n = len(pages)
    t_ms = statistics.median(traf) / n * 1000
    o_ms = statistics.median(ours) / n * 1000
    u_ms = statistics.median(undated) / n * 1000
    print(f"{n} fixture pages, median of {args.rounds} rounds")
    print(f"{'stage':<44}{'ms/article':>12}")
    print(f"{'trafilatura.extract alone':<44}{t_ms:>12.1f}")
    print(f"{'newsmon, entries dated by the feed':<44}{o_ms:>12.1f}")
    print(f"{'newsmon, undated entries (htmldate runs)':<44}{u_ms:>12.1f}")
    print(f"ratio newsmon / trafilatura: {o_ms / t_ms:.2f} dated (target <= 1.3), {u_ms / t_ms:.2f} undated")


if __name__ == "__main__":
    main()
