"""One ingest cycle: poll due feeds, find new entries, fetch, extract, analyse, index.

The stages are plain functions so the CLI runs them in one process and the Airflow DAG can
run them as separate tasks (``poll_feeds`` per batch of feeds, then ``ingest_entries``).
A failure in one feed or one page is recorded where it happened and the batch goes on.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings
from pipeline.fetch.client import Fetcher, FetchPolicy, FetchResult
from pipeline.ingest.articles import build_article
from pipeline.ingest.enrich import AnalyzerLike, analyse_articles
from pipeline.ingest.feeds import (
    ParsedFeed,
    conditional_headers,
    entries_from,
    is_due,
    parse_feed_document,
    record_failure,
    record_success,
)
from pipeline.ingest.feedstate import load_states, save_states
from pipeline.ingest.pagetext import extract_article
from pipeline.records import Article, Entry, FeedState
from pipeline.store.bulk import BulkResult, existing_ids, index_articles, index_kind
from pipeline.store.elastic import Indices, ensure_templates

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class PollSummary:
    """What polling a set of feeds produced."""

    feeds: int = 0
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    backing_off: int = 0
    entries: list[Entry] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class IngestSummary:
    """What ingesting a set of entries produced."""

    entries: int = 0
    new_articles: int = 0
    indexed: int = 0
    already_indexed: int = 0
    claims: int = 0
    events: int = 0
    extraction: Counter = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    article_ids: list[str] = field(default_factory=list)


@dataclass
class CycleSummary:
    """Poll + ingest, as printed by ``python -m pipeline run --once``."""

    poll: PollSummary
    ingest: IngestSummary
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds": self.poll.feeds, "polled": self.poll.polled,
            "not_modified": self.poll.not_modified, "failed": self.poll.failed,
            "backing_off": self.poll.backing_off, "entries": len(self.poll.entries),
            "new_articles": self.ingest.new_articles, "indexed": self.ingest.indexed,
            "already_indexed": self.ingest.already_indexed, "claims": self.ingest.claims,
            "events": self.ingest.events, "extraction": dict(self.ingest.extraction),
            "errors": len(self.ingest.errors), "poll_seconds": round(self.poll.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.ingest.timings.items()},
            "seconds": round(self.seconds, 3),
        }

    def text(self) -> str:
        d = self.as_dict()
        lines = [
            f"feeds: {d['feeds']} total, {d['polled']} polled, {d['not_modified']} not modified, "
            f"{d['failed']} failed, {d['backing_off']} backing off",
            f"articles: {d['entries']} entries, {d['new_articles']} new, {d['indexed']} indexed, "
            f"{d['already_indexed']} already indexed; claims {d['claims']}, events {d['events']}",
            f"extraction: {d['extraction'] or '-'}; errors: {d['errors']}",
            "timings: poll {:.2f}s, ".format(d["poll_seconds"])
            + ", ".join(f"{k} {v:.2f}s" for k, v in d["timings"].items())
            + f"; total {d['seconds']:.2f}s",
        ]
        return "\n".join(lines)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The HTTP policy from settings."""
    return FetchPolicy(
        connect_timeout=settings.connect_timeout, total_timeout=settings.total_timeout,
        max_bytes=settings.max_bytes, max_redirects=settings.max_redirects,
        retries=settings.retries, concurrency=settings.fetch_concurrency,
        per_host_concurrency=settings.per_host_concurrency,
        per_host_delay=settings.per_host_delay, allow_private=tuple(settings.allow_private),
    )


PARALLEL_PARSE_MIN_FEEDS = 32


class ParsePool:
    """Worker processes for feed parsing (CPU-bound), started only when a body needs parsing
    and only for batches big enough to pay for the start-up; small batches parse in a thread."""

    def __init__(self, feeds: int) -> None:
        self.enabled = feeds >= PARALLEL_PARSE_MIN_FEEDS and (os.cpu_count() or 1) >= 2
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor | None:
        if self.enabled and self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=os.cpu_count(), mp_context=mp.get_context("forkserver"))
        return self._executor

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)


def _apply_feed_result(
    state: FeedState, spec: FeedSpec, result: FetchResult, parsed: ParsedFeed | None,
    now: datetime, settings: Settings, summary: PollSummary,
) -> None:
    interval = timedelta(minutes=spec.interval_minutes) if spec.interval_minutes else None
    if result.not_modified:
        record_success(state, now, 304, result.headers, interval, None, 0)
        summary.not_modified += 1
        return
    if not result.ok or parsed is None:
        kind = result.error_kind or "http_status"
        message = result.error or f"HTTP {result.status}"
        record_failure(state, now, result.status, kind, message, settings.max_backoff_minutes)
        summary.failed += 1
        summary.failures.append({"feed": spec.url, "kind": kind, "error": message})
        return
    if parsed.error:
        record_failure(state, now, result.status, "not_a_feed", parsed.error,
                       settings.max_backoff_minutes)
        summary.failed += 1
        summary.failures.append({"feed": spec.url, "kind": "not_a_feed", "error": parsed.error})
        return
    entries = entries_from(parsed, spec)
    record_success(state, now, result.status or 200, result.headers, interval, parsed, len(entries))
    summary.entries.extend(entries)


async def _fetch_and_parse(
    fetcher: Fetcher, pool: ParsePool, url: str, headers: dict[str, str],
) -> tuple[FetchResult, ParsedFeed | None]:
    """Fetch one feed and parse it off the event loop, so parsing overlaps other fetches."""
    result = await fetcher.fetch(url, headers)
    if not result.ok or result.not_modified:
        return result, None
    loop = asyncio.get_running_loop()
    try:
        parsed = await loop.run_in_executor(
            pool.executor(), parse_feed_document, result.body, result.headers.get("content-type")
        )
    except Exception as exc:  # noqa: BLE001 - a dead worker must not stop the cycle
        parsed = ParsedFeed(error=f"feed parser failed: {type(exc).__name__}: {exc}")
    return result, parsed


async def poll_feeds_async(
    es: Elasticsearch, indices: Indices, specs: Sequence[FeedSpec], settings: Settings,
    force: bool = False,
) -> PollSummary:
    """Poll the due feeds with conditional GET; store every feed's new state."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    summary = PollSummary(feeds=len(specs))
    states = load_states(es, indices, specs)
    due = [(spec, state) for spec, state in zip(specs, states, strict=True)
           if force or is_due(state, now)]
    summary.backing_off = len(specs) - len(due)
    pool = ParsePool(len(due))
    try:
        async with Fetcher(fetch_policy(settings)) as fetcher:
            outcomes = await asyncio.gather(*(
                _fetch_and_parse(fetcher, pool, spec.url, conditional_headers(state))
                for spec, state in due
            ))
    finally:
        pool.shutdown()
    for (spec, state), (result, parsed) in zip(due, outcomes, strict=True):
        summary.polled += 1
        try:
            _apply_feed_result(state, spec, result, parsed, now, settings, summary)
        except Exception as exc:  # noqa: BLE001 - one feed's surprise must not stop the rest
            record_failure(state, now, result.status, "internal", repr(exc),
                           settings.max_backoff_minutes)
            summary.failed += 1
            summary.failures.append({"feed": spec.url, "kind": "internal", "error": repr(exc)})
    save_states(es, indices, [state for _, state in due])
    summary.seconds = time.perf_counter() - started
    return summary


def poll_feeds(es: Elasticsearch, indices: Indices, specs: Sequence[FeedSpec],
               settings: Settings, force: bool = False) -> PollSummary:
    """Sync wrapper of :func:`poll_feeds_async`."""
    return asyncio.run(poll_feeds_async(es, indices, specs, settings, force))


def new_entries(es: Elasticsearch, indices: Indices, entries: Sequence[Entry]) -> list[Entry]:
    """Entries whose article id is not yet indexed (first feed wins for duplicates)."""
    unique: dict[str, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.article_id, entry)
    known = existing_ids(es, indices.articles, unique)
    return [e for aid, e in unique.items() if aid not in known]


def build_articles(entries: Sequence[Entry], pages: Sequence[FetchResult]) -> list[Article]:
    """Extract each fetched page; never loses an entry."""
    now = datetime.now(UTC)
    articles = []
    for entry, page in zip(entries, pages, strict=True):
        try:
            if not page.ok or page.not_modified:
                error = f"{page.error_kind or 'http_status'}: {page.error or f'HTTP {page.status}'}"
                articles.append(build_article(entry, now, fetch_error=error,
                                              fetch_status=page.status, final_url=page.final_url))
                continue
            # htmldate's date search only when the feed did not date the entry
            extracted = extract_article(page.text(), page.final_url,
                                        full_metadata=entry.published_at is None)
            articles.append(build_article(entry, now, extracted, None, page.status, page.final_url))
        except Exception as exc:  # noqa: BLE001 - record and keep the entry
            articles.append(build_article(entry, now, fetch_error=f"internal: {exc!r}"))
    return articles


def ingest_entries(
    es: Elasticsearch, indices: Indices, entries: Sequence[Entry], settings: Settings,
    analyzer: AnalyzerLike | None = None, progress: Progress | None = None,
) -> IngestSummary:
    """Fetch, extract, analyse and index the entries that are not indexed yet."""
    summary = IngestSummary(entries=len(entries))
    clock = time.perf_counter()
    fresh = new_entries(es, indices, entries)
    summary.new_articles = len(fresh)
    summary.timings["dedupe"] = time.perf_counter() - clock
    if not fresh:
        return summary
    if progress:
        progress(f"fetching {len(fresh)} new articles")
    clock = time.perf_counter()
    pages = asyncio.run(_fetch_pages(fresh, settings))
    summary.timings["fetch"] = time.perf_counter() - clock
    clock = time.perf_counter()
    articles = build_articles(fresh, pages)
    summary.timings["extract"] = time.perf_counter() - clock
    summary.extraction.update(a.extraction_status for a in articles)
    claims: list[tuple[str, dict[str, Any]]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    if analyzer is not None:
        if progress:
            progress(f"analysing {len(articles)} articles")
        clock = time.perf_counter()
        claims, events = analyse_articles(articles, analyzer)
        summary.timings["analyse"] = time.perf_counter() - clock
    clock = time.perf_counter()
    result = index_articles(es, [a.to_doc() for a in articles], indices)
    derived = BulkResult()
    if claims:
        derived.merge(index_kind(es, "claims", claims, indices))
    if events:
        derived.merge(index_kind(es, "events", events, indices))
    es.indices.refresh(index=f"{indices.prefix}-*")
    summary.timings["index"] = time.perf_counter() - clock
    summary.indexed = result.written
    summary.already_indexed = result.existing
    summary.claims, summary.events = len(claims), len(events)
    summary.errors = result.errors + derived.errors
    summary.article_ids = [a.article_id for a in articles]
    return summary


async def _fetch_pages(entries: Sequence[Entry], settings: Settings) -> list[FetchResult]:
    async with Fetcher(fetch_policy(settings)) as fetcher:
        return await fetcher.fetch_many([(e.link, None) for e in entries])


def run_cycle(
    es: Elasticsearch, indices: Indices, specs: Sequence[FeedSpec], settings: Settings,
    analyzer: AnalyzerLike | None = None, progress: Progress | None = None, force: bool = False,
) -> CycleSummary:
    """One full cycle over all feeds."""
    started = time.perf_counter()
    ensure_templates(es, indices)
    if progress:
        progress(f"polling {len(specs)} feeds")
    poll = poll_feeds(es, indices, specs, settings, force)
    if progress:
        progress(f"{len(poll.entries)} entries from {poll.polled - poll.failed} feeds")
    ingest = ingest_entries(es, indices, poll.entries, settings, analyzer, progress)
    return CycleSummary(poll=poll, ingest=ingest, seconds=time.perf_counter() - started)
