"""One ingest cycle: poll due feeds, find new entries, fetch, get page text, analyze, index.

The stages are plain functions so the CLI runs them in one process and the Airflow DAG can
run them as separate tasks (``poll_feeds`` per batch of feeds, then ``ingest_entries``).
A failure in one feed or one page is recorded where it happened and the batch goes on.

Durability: nothing is acknowledged before it is durable. Claims and events are written before
their article (the article is the commit mark that ``new_entries`` checks), and a feed's new
validators are saved only after every entry it produced is indexed (``commit_feed_states``),
so a crash or a failed write at any point loses nothing: the next cycle fetches the feed again
and redoes exactly what is missing, and content-derived ids make the redo duplicate nothing.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings
from pipeline.fetch.client import Fetcher, FetchResult
from pipeline.ingest.articles import build_article
from pipeline.ingest.enrich import AnalyzerLike, analyze_articles
from pipeline.ingest.feeds import ParsedFeed, entries_from, parse_feed_document
from pipeline.ingest.feedstate import (
    FeedState,
    conditional_headers,
    is_due,
    load_states,
    record_failure,
    record_success,
    save_states,
)
from pipeline.ingest.pagetext import page_text
from pipeline.ingest.summary import CycleSummary, IngestSummary, PollSummary
from pipeline.records import Article, Entry
from pipeline.store.bulk import BulkResult, existing_ids, index_articles, index_kind, is_transient
from pipeline.store.elastic import Indices, ensure_templates

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


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
                max_workers=os.cpu_count(), mp_context=mp.get_context("forkserver")
            )
        return self._executor

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)


def _apply_feed_result(
    state: FeedState,
    spec: FeedSpec,
    result: FetchResult,
    parsed: ParsedFeed | None,
    now: datetime,
    settings: Settings,
    summary: PollSummary,
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
        record_failure(state, now, result.status, "not_a_feed", parsed.error, settings.max_backoff_minutes)
        summary.failed += 1
        summary.failures.append({"feed": spec.url, "kind": "not_a_feed", "error": parsed.error})
        return
    entries = entries_from(parsed, spec)
    record_success(state, now, result.status or 200, result.headers, interval, parsed, len(entries))
    summary.entries.extend(entries)


async def _fetch_and_parse(
    fetcher: Fetcher,
    pool: ParsePool,
    url: str,
    headers: dict[str, str],
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
    es: Elasticsearch,
    indices: Indices,
    specs: Sequence[FeedSpec],
    settings: Settings,
    force: bool = False,
) -> PollSummary:
    """Poll the due feeds with conditional GET; store every feed's new state."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    summary = PollSummary(feeds=len(specs))
    states = load_states(es, indices, specs)
    due = [(spec, state) for spec, state in zip(specs, states, strict=True) if force or is_due(state, now)]
    summary.backing_off = len(specs) - len(due)
    pool = ParsePool(len(due))
    try:
        async with Fetcher(settings.fetch) as fetcher:
            outcomes = await asyncio.gather(
                *(
                    _fetch_and_parse(fetcher, pool, spec.url, conditional_headers(state))
                    for spec, state in due
                )
            )
    finally:
        pool.shutdown()
    for (spec, state), (result, parsed) in zip(due, outcomes, strict=True):
        summary.polled += 1
        summary.previous_validators[state.feed_id] = (state.etag, state.last_modified)
        try:
            _apply_feed_result(state, spec, result, parsed, now, settings, summary)
        except Exception as exc:  # noqa: BLE001 - one feed's surprise must not stop the rest
            record_failure(state, now, result.status, "internal", repr(exc), settings.max_backoff_minutes)
            summary.failed += 1
            summary.failures.append({"feed": spec.url, "kind": "internal", "error": repr(exc)})
    # Durability: a feed whose poll produced entries keeps its old validators in the index until
    # those entries are durably indexed (commit_feed_states); the others are final now.
    waiting = {entry.feed_id for entry in summary.entries}
    summary.pending_states = [state for _, state in due if state.feed_id in waiting]
    save_states(es, indices, [state for _, state in due if state.feed_id not in waiting])
    summary.seconds = time.perf_counter() - started
    return summary


def poll_feeds(
    es: Elasticsearch, indices: Indices, specs: Sequence[FeedSpec], settings: Settings, force: bool = False
) -> PollSummary:
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
                articles.append(
                    build_article(
                        entry, now, fetch_error=error, fetch_status=page.status, final_url=page.final_url
                    )
                )
                continue
            # htmldate's date search only when the feed did not date the entry
            extracted = page_text(page.text(), page.final_url, full_metadata=entry.published_at is None)
            articles.append(build_article(entry, now, extracted, None, page.status, page.final_url))
        except Exception as exc:  # noqa: BLE001 - record and keep the entry
            articles.append(build_article(entry, now, fetch_error=f"internal: {exc!r}"))
    return articles


def ingest_entries(
    es: Elasticsearch,
    indices: Indices,
    entries: Sequence[Entry],
    settings: Settings,
    analyzer: AnalyzerLike | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Fetch, get page text, analyze and index the entries that are not indexed yet."""
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
    summary.extraction.update(str(a.extraction_status) for a in articles)
    claims: list[tuple[str, dict[str, Any]]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    if analyzer is not None:
        if progress:
            progress(f"analyzing {len(articles)} articles")
        clock = time.perf_counter()
        claims, events = analyze_articles(articles, analyzer)
        summary.timings["analyze"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # Claims and events first, the article last: an article in the index is the mark that its
    # claims and events are in too (new_entries skips it), so a crash or a failed write at any
    # point leaves the article to be redone next cycle, and ids from content make that a no-op
    # for what was already written.
    derived = BulkResult()
    if claims:
        derived.merge(index_kind(es, "claims", claims, indices))
    if events:
        derived.merge(index_kind(es, "events", events, indices))
    owners = {doc_id: doc.get("article_id") for doc_id, doc in (*claims, *events)}
    held = {owners.get(str(error.get("id"))) for error in derived.errors if is_transient(error)}
    ready = [a for a in articles if a.article_id not in held]
    result = index_articles(es, [a.to_doc() for a in ready], indices)
    held |= {error.get("id") for error in result.errors if is_transient(error)}
    summary.incomplete = {article_id for article_id in held if isinstance(article_id, str)}
    es.indices.refresh(index=f"{indices.prefix}-*")
    summary.timings["index"] = time.perf_counter() - clock
    summary.indexed = result.written
    summary.already_indexed = result.existing
    summary.claims, summary.events = len(claims), len(events)
    summary.errors = result.errors + derived.errors
    summary.article_ids = [a.article_id for a in articles]
    return summary


def commit_feed_states(es: Elasticsearch, indices: Indices, poll: PollSummary, ingest: IngestSummary) -> None:
    """Save the states of the feeds that produced entries, once those entries were ingested.

    A feed's validators (ETag, Last-Modified) advance only when every new entry it produced is
    durably indexed with its claims and events; otherwise the feed keeps the validators it had
    before this poll and is due again at once, so the next poll gets the whole feed (200, not
    304) and redoes what is missing. Called after :func:`ingest_entries`, never before.
    """
    held = {entry.feed_id for entry in poll.entries if entry.article_id in ingest.incomplete}
    for state in poll.pending_states:
        if state.feed_id in held:
            state.etag, state.last_modified = poll.previous_validators.get(state.feed_id, (None, None))
            missing = sum(
                1 for e in poll.entries if e.feed_id == state.feed_id and e.article_id in ingest.incomplete
            )
            state.last_error = f"{missing} new entries not indexed (write failed); fetched again next poll"
            state.last_error_kind = "index_error"
            state.next_poll_at = None
    save_states(es, indices, poll.pending_states)


async def _fetch_pages(entries: Sequence[Entry], settings: Settings) -> list[FetchResult]:
    async with Fetcher(settings.fetch) as fetcher:
        return await fetcher.fetch_many([(e.link, None) for e in entries])


def run_cycle(
    es: Elasticsearch,
    indices: Indices,
    specs: Sequence[FeedSpec],
    settings: Settings,
    analyzer: AnalyzerLike | None = None,
    progress: Progress | None = None,
    force: bool = False,
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
    commit_feed_states(es, indices, poll, ingest)
    return CycleSummary(poll=poll, ingest=ingest, seconds=time.perf_counter() - started)
