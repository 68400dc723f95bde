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

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings
from pipeline.fetch.client import Fetcher, FetchResult
from pipeline.ingest.enrich import AnalyzerLike
from pipeline.ingest.feeds import FeedItems, ParsedFeed, log_skipped, parse_feed_entries
from pipeline.ingest.feedstate import (
    FeedState,
    conditional_headers,
    is_due,
    load_states,
    record_failure,
    record_success,
    save_states,
)
from pipeline.ingest.progress import Progress, as_progress
from pipeline.ingest.stream import exit_with_parent, stream_entries
from pipeline.ingest.summary import CycleSummary, IngestSummary, PollSummary
from pipeline.records import Entry
from pipeline.store.bulk import existing_ids
from pipeline.store.elastic import Indices, ensure_templates

log = logging.getLogger(__name__)


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
                max_workers=os.cpu_count(),
                mp_context=mp.get_context("forkserver"),
                initializer=exit_with_parent,  # a SIGKILLed cycle leaves no parser behind
                initargs=(os.getpid(),),
            )
        return self._executor

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)


def _apply_feed_result(
    state: FeedState,
    spec: FeedSpec,
    result: FetchResult,
    items: FeedItems | None,
    now: datetime,
    settings: Settings,
    summary: PollSummary,
) -> None:
    interval = timedelta(minutes=spec.interval_minutes) if spec.interval_minutes else None
    if result.not_modified:
        record_success(state, now, 304, result.headers, interval, None, 0)
        summary.not_modified += 1
        return
    if not result.ok or items is None:
        kind = result.error_kind or "http_status"
        message = result.error or f"HTTP {result.status}"
        record_failure(state, now, result.status, kind, message, settings.max_backoff_minutes)
        summary.failed += 1
        summary.failures.append({"feed": spec.url, "kind": kind, "error": message})
        return
    parsed = items.parsed
    if parsed.error:
        record_failure(state, now, result.status, "not_a_feed", parsed.error, settings.max_backoff_minutes)
        summary.failed += 1
        summary.failures.append({"feed": spec.url, "kind": "not_a_feed", "error": parsed.error})
        return
    if items.error is not None:  # entries_from raised (in the worker): the feed's internal error
        record_failure(state, now, result.status, "internal", items.error, settings.max_backoff_minutes)
        summary.failed += 1
        summary.failures.append({"feed": spec.url, "kind": "internal", "error": items.error})
        return
    log_skipped(parsed, spec)
    record_success(state, now, result.status or 200, result.headers, interval, parsed, len(items.entries))
    summary.entries.extend(items.entries)


async def _fetch_and_parse(
    fetcher: Fetcher,
    pool: ParsePool,
    spec: FeedSpec,
    headers: dict[str, str],
) -> tuple[FetchResult, FeedItems | None]:
    """Fetch one feed, then parse it and build its entries off the event loop (in a worker
    process for big batches: ``parse_feed_entries``), so this overlaps other fetches."""
    result = await fetcher.fetch(spec.url, headers)
    if not result.ok or result.not_modified:
        return result, None
    loop = asyncio.get_running_loop()
    try:
        items = await loop.run_in_executor(
            pool.executor(), parse_feed_entries, result.body, result.headers.get("content-type"), spec
        )
    except Exception as exc:  # noqa: BLE001 - a dead worker must not stop the cycle
        items = FeedItems(ParsedFeed(error=f"feed parser failed: {type(exc).__name__}: {exc}"))
    return result, items


async def poll_feeds_async(
    es: Elasticsearch,
    indices: Indices,
    specs: Sequence[FeedSpec],
    settings: Settings,
    force: bool = False,
) -> PollSummary:
    """Poll the due feeds with conditional GET; store every feed's new state.

    Each feed's state is updated as soon as its own fetch and parse are done (into a summary
    of its own); the summaries are merged in feed order, so entries and failures are listed in
    the order of ``specs`` whatever order the feeds finished in.
    """
    started = time.perf_counter()
    now = datetime.now(UTC)
    summary = PollSummary(feeds=len(specs))
    states = load_states(es, indices, specs)
    due = [(spec, state) for spec, state in zip(specs, states, strict=True) if force or is_due(state, now)]
    summary.backing_off = len(specs) - len(due)
    for _, state in due:
        summary.previous_validators[state.feed_id] = (state.etag, state.last_modified)
    pool = ParsePool(len(due))

    async def poll_one(spec: FeedSpec, state: FeedState) -> PollSummary:
        result, items = await _fetch_and_parse(fetcher, pool, spec, conditional_headers(state))
        one = PollSummary()
        try:
            _apply_feed_result(state, spec, result, items, now, settings, one)
        except Exception as exc:  # noqa: BLE001 - one feed's surprise must not stop the rest
            one = PollSummary(failed=1, failures=[{"feed": spec.url, "kind": "internal", "error": repr(exc)}])
            record_failure(state, now, result.status, "internal", repr(exc), settings.max_backoff_minutes)
        return one

    try:
        async with Fetcher(settings.fetch) as fetcher:
            polls = await asyncio.gather(*(poll_one(spec, state) for spec, state in due))
    finally:
        pool.shutdown()
    for one in polls:
        summary.polled += 1
        summary.not_modified += one.not_modified
        summary.failed += one.failed
        summary.failures.extend(one.failures)
        summary.entries.extend(one.entries)
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


def ingest_entries(
    es: Elasticsearch,
    indices: Indices,
    entries: Sequence[Entry],
    settings: Settings,
    analyzer: AnalyzerLike | None = None,
    progress: Progress | Callable[[str], None] | None = None,
) -> IngestSummary:
    """Fetch, get page text, analyze and index the entries that are not indexed yet.

    Streams them in chunks (``pipeline.ingest.stream``): worker processes for large batches,
    in-process with ``analyzer`` when one is given (or one built from settings when
    ``settings.analyze``); each chunk is searchable as soon as it is written.
    """
    report = as_progress(progress)
    summary = IngestSummary(entries=len(entries))
    clock = time.perf_counter()
    fresh = new_entries(es, indices, entries)
    summary.new_articles = len(fresh)
    summary.timings["dedupe"] = time.perf_counter() - clock
    if not fresh:
        return summary
    report.note(f"{len(fresh)} new articles")
    report.articles(len(fresh))
    streamed = stream_entries(es, indices, fresh, settings, analyzer, report)
    es.indices.refresh(index=f"{indices.prefix}-*")
    summary.timings.update(streamed.timings)
    summary.extraction.update(streamed.statuses)
    summary.indexed = streamed.indexed
    summary.already_indexed = streamed.existing
    summary.claims, summary.events = streamed.claims, streamed.events
    summary.errors = streamed.errors
    summary.incomplete = streamed.incomplete
    summary.first_indexed_after = streamed.first_indexed_after
    summary.article_ids = [e.article_id for e in fresh]
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


def run_cycle(
    es: Elasticsearch,
    indices: Indices,
    specs: Sequence[FeedSpec],
    settings: Settings,
    analyzer: AnalyzerLike | None = None,
    progress: Progress | Callable[[str], None] | None = None,
    force: bool = False,
) -> CycleSummary:
    """One full cycle over all feeds: poll, stream the new entries in, then acknowledge."""
    started = time.perf_counter()
    report = as_progress(progress)
    ensure_templates(es, indices, settings.elasticsearch_replicas)
    report.note(f"polling {len(specs)} feeds")
    poll = poll_feeds(es, indices, specs, settings, force)
    report.note(f"{len(poll.entries)} entries from {poll.polled - poll.failed} feeds")
    ingest = ingest_entries(es, indices, poll.entries, settings, analyzer, report)
    commit_feed_states(es, indices, poll, ingest)
    return CycleSummary(poll=poll, ingest=ingest, seconds=time.perf_counter() - started)
