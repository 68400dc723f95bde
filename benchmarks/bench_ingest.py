"""Extraction + indexing benchmark: ms per article for newsmon's stage vs trafilatura alone.

Contract: prints ms/article for each row and a last line with the two like-for-like ratios
(newsmon / trafilatura with newsmon's options, dated and undated entries); exits 0.

All rows run in this process on the same fixture pages, one after the other in each round
(median of --rounds). "newsmon" is what a cycle does per page after fetching: ``page_text``,
build the record (hashes, SimHash) and bulk-index it into Elasticsearch (one bulk request for
all pages, then a refresh). It runs twice: entries dated by their feed (the usual case:
trafilatura without its metadata pass, plus a few head look-ups) and undated entries
(trafilatura's full metadata pass with htmldate's date search).

The baselines call ``trafilatura.extract(html, url=...)`` with the options ``page_text`` gives
``bare_extraction`` (``include_comments=False``, ``include_tables=True``, ``with_metadata`` off
for dated entries and on for undated ones), so each ratio compares like with like; the row with
trafilatura's defaults (comments included, no metadata) is printed for reference.

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


def run_trafilatura(
    pages: list[tuple[str, str]], newsmon_options: bool, with_metadata: bool = False
) -> float:
    """``trafilatura.extract`` over the pages: with the options of ``page_text`` or the defaults."""
    started = time.perf_counter()
    for name, html in pages:
        if newsmon_options:  # as pipeline/ingest/pagetext.py: page_text calls bare_extraction
            trafilatura.extract(
                html,
                url=f"https://bench.example/{name}",
                with_metadata=with_metadata,
                include_comments=False,
                include_tables=True,
            )
        else:
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
        run_trafilatura(pages[:5], newsmon_options=True, with_metadata=True)  # warm caches and imports
        runs: dict[str, list[float]] = {key: [] for key in ("default", "plain", "meta", "dated", "undated")}
        for r in range(args.rounds):
            runs["default"].append(run_trafilatura(pages, newsmon_options=False))
            runs["plain"].append(run_trafilatura(pages, newsmon_options=True, with_metadata=False))
            runs["meta"].append(run_trafilatura(pages, newsmon_options=True, with_metadata=True))
            runs["dated"].append(run_newsmon(pages, es, indices, 2 * r, feed_dates=True))
            runs["undated"].append(run_newsmon(pages, es, indices, 2 * r + 1, feed_dates=False))
    finally:
        drop_prefix(es, indices)
    ms = {key: statistics.median(values) / len(pages) * 1000 for key, values in runs.items()}
    print(f"{len(pages)} fixture pages, median of {args.rounds} rounds")
    print(f"{'stage':<72}{'ms/article':>12}")
    rows = [
        ("default", "trafilatura.extract, defaults (reference)"),
        ("plain", "trafilatura.extract, newsmon's options, no metadata"),
        ("dated", "newsmon, entries dated by the feed (extract + record + index)"),
        ("meta", "trafilatura.extract, newsmon's options, with_metadata=True"),
        ("undated", "newsmon, undated entries (htmldate runs; extract + record + index)"),
    ]
    for key, label in rows:
        print(f"{label:<72}{ms[key]:>12.1f}")
    print(
        f"ratio newsmon / trafilatura with the same options: {ms['dated'] / ms['plain']:.2f} dated "
        f"(target <= 1.3), {ms['undated'] / ms['meta']:.2f} undated; "
        f"vs trafilatura defaults {ms['dated'] / ms['default']:.2f} and {ms['undated'] / ms['default']:.2f}"
    )


if __name__ == "__main__":
    main()
