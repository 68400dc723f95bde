"""The streaming cycle: worker processes give exactly what in-process analysis gives, chunk by
chunk, searchable before the cycle ends, and a page that takes too long is recorded, not waited on.

Real pages (the fixture articles) behind a real feed on 127.0.0.1, real Elasticsearch.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings
from pipeline.ingest.cycle import run_cycle
from pipeline.store.elastic import Indices, ensure_templates
from tests.support.elastic import drop_prefix
from tests.support.httpserver import TestServer
from tests.support.paths import FIXTURES

PAGES = 24


def _site(root: Path, pages: list[Path], extra: dict[str, str] | None = None) -> None:
    (root / "news").mkdir(parents=True)
    items = []
    for i, page in enumerate(pages):
        shutil.copy(page, root / "news" / f"a{i}.html")
        items.append(f"<item><title>Item {i}</title><link>{{{{BASE_URL}}}}/news/a{i}.html</link></item>")
    for name, html in (extra or {}).items():
        (root / "news" / name).write_text(html, encoding="utf-8")
        items.append(f"<item><title>{name}</title><link>{{{{BASE_URL}}}}/news/{name}</link></item>")
    (root / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        + "".join(items)
        + "</channel></rss>",
        encoding="utf-8",
    )


def _ids(es: Elasticsearch, prefix: str) -> dict[str, list[str]]:
    es.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True)
    out = {}
    for kind in ("articles", "claims", "events"):
        hits = es.search(index=f"{prefix}-{kind}-*", size=2000, source=False, query={"match_all": {}})
        out[kind] = sorted(h["_id"] for h in hits["hits"]["hits"])
    return out


@pytest.fixture(scope="module")
def english_pages() -> list[Path]:
    pages = sorted((FIXTURES / "articles" / "fundus").rglob("*.html"))
    pages += sorted((FIXTURES / "articles" / "aeb").glob("*.html"))
    return pages[:PAGES]


def test_workers_index_what_in_process_analysis_indexes(
    es, indices, settings: Settings, analyzer, english_pages, tmp_path
) -> None:
    _site(tmp_path, english_pages)
    analyzing = replace(settings, analyze=True, workers=2, chunk_size=5)
    with TestServer(tmp_path) as site:
        spec = FeedSpec(site.url("feed.xml"), "Pages")
        pooled = run_cycle(es, indices, [spec], analyzing)  # no analyzer: worker processes
        reference = Indices(indices.prefix + "-ref")
        ensure_templates(es, reference)
        try:
            inline = run_cycle(es, reference, [spec], analyzing, analyzer)
            expected = _ids(es, reference.prefix)
        finally:
            drop_prefix(es, reference)
    assert pooled.ingest.indexed == inline.ingest.indexed == PAGES
    assert pooled.ingest.claims == inline.ingest.claims > 0
    assert pooled.ingest.events == inline.ingest.events > 0
    assert _ids(es, indices.prefix) == expected
    first = pooled.ingest.first_indexed_after
    assert first is not None and first < pooled.ingest.timings["stream"], "nothing was searchable early"


def test_a_page_that_takes_too_long_is_recorded_not_waited_on(es, indices, settings, english_pages, tmp_path):
    # ~1 MB of 15,000 classed blocks: trafilatura needs several seconds of CPU for it
    blocks = "".join(
        f"<div class=c{i % 50}><p>word {i} and more words</p><span>x</span></div>" for i in range(15_000)
    )
    _site(tmp_path, english_pages[:2], {"huge.html": f"<html><body>{blocks}</body></html>"})
    quick = replace(settings, page_timeout=0.5, fetch=replace(settings.fetch, max_bytes=20_000_000))
    with TestServer(tmp_path) as site:
        summary = run_cycle(es, indices, [FeedSpec(site.url("feed.xml"), "Pages")], quick)
    assert summary.ingest.indexed == 3 and summary.ingest.extraction["ok"] == 2
    assert summary.ingest.extraction["extraction_error"] == 1
    es.indices.refresh(index=f"{indices.prefix}-*")
    hit = es.search(index=indices.articles, query={"term": {"extraction_status": "extraction_error"}})
    assert "took longer than 0.5 s" in hit["hits"]["hits"][0]["_source"]["extraction_error"]


def test_chunks_start_small_then_take_the_configured_size() -> None:
    from pipeline.ingest.stream import _chunks

    items = list(range(23))
    assert [len(c) for c in _chunks(items, 10, first=4)] == [4, 10, 9]
    assert [c for chunk in _chunks(items, 10, first=4) for c in chunk] == items  # nothing lost or repeated
    assert [len(c) for c in _chunks(items, 10)] == [10, 10, 3]
    assert [len(c) for c in _chunks(items, 5, first=8)] == [5, 5, 5, 5, 3]  # never above the size
    assert list(_chunks([], 10, first=4)) == []


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]


def test_each_worker_runs_one_blas_thread(settings: Settings) -> None:
    """The workers are the parallelism: numpy's BLAS must not spin a thread per core in each."""
    import numpy  # noqa: F401 - loads the BLAS library, so that threadpool_info sees it here too

    from pipeline.ingest.stream import _Pool

    if not _blas_threads():
        pytest.skip("numpy here has no BLAS thread pool to limit")
    pool = _Pool(replace(settings, analyze=False), 1)
    try:
        threads = pool.get().submit(_blas_threads).result(timeout=120)
    finally:
        pool.close()
    assert threads and set(threads) == {1}, threads
