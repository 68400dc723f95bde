"""Nothing is acknowledged before it is durable: faults injected for real, then a rerun.

Writes are blocked on the articles, claims or events index (``index.blocks.write``), or the
``run --once`` process is SIGKILLed in the middle of its cycle. Each time the faulted run must
not acknowledge what it did not write (the feed keeps its validators; the CLI exits non-zero),
and after the fault is lifted one more run must leave exactly what a clean run leaves: the
same article, claim and event ids, each indexed once, with claims and events analysed twice
where the first attempt wrote them (ids from content: overwrites, never duplicates).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.feedstate import FeedOutcome, load_states
from pipeline.store.elastic import Indices, ensure_monthly_index, ensure_templates
from tests.support.elastic import DOCUMENT_KINDS, document_ids, drop_prefix
from tests.support.httpserver import TestServer
from tests.support.paths import ROOT, SEEDS

KINDS = DOCUMENT_KINDS


@pytest.fixture
def analyzing(settings: Settings) -> Settings:
    return replace(settings, analyze=True)


@pytest.fixture
def reference(es: Elasticsearch, analyzer, analyzing: Settings, seed_site: TestServer):
    """What one clean cycle over the seed feed indexes (its own prefix)."""
    ix = Indices(f"test-ref-{os.getpid()}-{time.monotonic_ns() % 10**8}")
    ensure_templates(es, ix)
    try:
        run_cycle(es, ix, [FeedSpec(seed_site.url("feed.xml"), "Seed")], analyzing, analyzer)
        ids = document_ids(es, ix.prefix)
    finally:
        drop_prefix(es, ix)
    assert len(ids["articles"]) == 4 and ids["claims"] and ids["events"]
    return ids


def _block(es: Elasticsearch, indices: Indices, kind: str, blocked: bool) -> None:
    index = indices.write_index(kind, datetime.now(UTC))
    ensure_monthly_index(es, index)
    es.indices.put_settings(index=index, settings={"index.blocks.write": blocked})


@pytest.mark.parametrize("kind", KINDS)
def test_blocked_writes_are_redone_exactly_once(
    es, indices, analyzer, analyzing, seed_site, reference, kind
) -> None:
    spec = FeedSpec(seed_site.url("feed.xml"), "Seed")
    _block(es, indices, kind, True)
    try:
        blocked = run_cycle(es, indices, [spec], analyzing, analyzer)
    finally:
        _block(es, indices, kind, False)
    assert blocked.ingest.incomplete, "the blocked run acknowledged writes it could not make"
    assert set(document_ids(es, indices.prefix)["articles"]).isdisjoint(blocked.ingest.incomplete)
    state = load_states(es, indices, [spec])[0]
    assert state.last_outcome == FeedOutcome.OK and state.last_error_kind == "index_error"
    assert state.etag is None and state.last_modified is None, "validators advanced before indexing"

    rerun = run_cycle(es, indices, [spec], analyzing, analyzer)
    assert not rerun.ingest.incomplete and rerun.poll.not_modified == 0
    assert document_ids(es, indices.prefix) == reference
    state = load_states(es, indices, [spec])[0]
    assert state.etag and state.last_error_kind is None  # now acknowledged

    again = run_cycle(es, indices, [spec], analyzing, analyzer, force=True)
    assert again.poll.not_modified == 1 and again.ingest.new_articles == 0
    assert document_ids(es, indices.prefix) == reference


def _cli(indices: Indices, feeds: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NEWSMON_INDEX_PREFIX": indices.prefix,
        "NEWSMON_FEEDS": str(feeds),
        "NEWSMON_ALLOW_PRIVATE": "127.0.0.1/32",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_run_once_exits_non_zero_when_writes_fail(es, indices, tmp_path, seed_site, reference) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {seed_site.url('feed.xml')}\n    name: Seed\n")
    _block(es, indices, "events", True)
    try:
        blocked = _cli(indices, feeds, "run", "--once")
        out, err = blocked.communicate(timeout=180)
    finally:
        _block(es, indices, "events", False)
    assert blocked.returncode == 1, err
    assert "NOT INDEXED" in out and "not everything was indexed" in err
    process = _cli(indices, feeds, "run", "--once")
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    assert document_ids(es, indices.prefix) == reference


def test_sigkill_mid_cycle_loses_and_duplicates_nothing(es, indices, tmp_path, reference) -> None:
    """The CLI is killed while it fetches pages (slow server): a restart completes the work."""
    with TestServer(SEEDS, delay=1.0) as slow_site:
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(f"feeds:\n  - url: {slow_site.url('feed.xml')}\n    name: Seed\n")
        process = _cli(indices, feeds, "run", "--once")
        try:
            deadline = time.monotonic() + 120
            assert process.stderr is not None
            for line in process.stderr:  # kill once the pages are being fetched
                if "new articles" in line or time.monotonic() > deadline:
                    break
            time.sleep(0.5)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            process.kill()
        assert process.returncode == -signal.SIGKILL
        state = load_states(es, indices, [FeedSpec(slow_site.url("feed.xml"), "Seed")])[0]
        assert state.etag is None, "the killed run acknowledged the feed"
        restart = _cli(indices, feeds, "run", "--once")
        out, err = restart.communicate(timeout=240)
        assert restart.returncode == 0, err
    ids = document_ids(es, indices.prefix)
    assert {k: len(v) for k, v in ids.items()} == {k: len(v) for k, v in reference.items()}
    assert all(len(v) == len(set(v)) for v in ids.values())


def test_airflow_batch_fails_and_its_retry_redoes_exactly_what_is_missing(
    es, indices, analyzer, analyzing, seed_site, reference
) -> None:
    """news_ingest's mapped task calls ingest_batch; a retry of the task calls it again."""
    from pipeline.ingest.batches import IncompleteIngest, feed_batches, ingest_batch

    batch = feed_batches(10, [FeedSpec(seed_site.url("feed.xml"), "Seed")])[0]
    _block(es, indices, "claims", True)
    try:
        with pytest.raises(IncompleteIngest, match="articles not indexed"):
            ingest_batch(es, indices, batch, analyzing, analyzer)
    finally:
        _block(es, indices, "claims", False)
    state = load_states(es, indices, [FeedSpec(seed_site.url("feed.xml"), "Seed")])[0]
    assert state.etag is None and state.last_error_kind == "index_error"
    retried = ingest_batch(es, indices, batch, analyzing, analyzer)
    assert retried["not_indexed"] == 0 and retried["errors"] == 0
    assert document_ids(es, indices.prefix) == reference
    again = ingest_batch(es, indices, batch, analyzing, analyzer)
    assert again["indexed"] == 0 and document_ids(es, indices.prefix) == reference
