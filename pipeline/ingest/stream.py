"""Streaming ingest: new entries flow in chunks through fetch -> page text + analysis -> index.

Contract:

* **Bounded memory.** Entries are taken ``settings.chunk_size`` at a time. One thread fetches
  ahead (at most ``FETCH_AHEAD`` chunks of page bodies wait), the worker processes hold at most
  two chunks, and the main thread indexes one: memory follows the chunk size, not the backlog.
* **Every core.** Page text (trafilatura) and claims/events (spaCy) run in ``settings.workers``
  worker processes (0: one per core), each loading the model once and limited to one BLAS
  thread (numpy's OpenBLAS otherwise spins a thread per core in every worker, which costs
  about a third more CPU per article when the workers already fill the cores). A caller that passes its own
  analyzer (tests, an Airflow task) gets the same stages in-process instead.
* **A time limit per page**: HTML -> text stops after ``settings.page_timeout`` seconds and the
  page is recorded as an extraction error (the feed's title and summary are kept).
* **Searchable early.** Each chunk is indexed as soon as it is analysed, so the first articles
  are searchable (and alertable) seconds after the cycle starts; the first chunk is smaller
  (``FIRST_CHUNK_PER_WORKER`` entries per worker, or in all when in-process) so that its wait
  is short.
* **Durable.** Per chunk, claims and events are written before their articles, and an article
  whose claims/events or own write hit a transient error is reported in ``incomplete`` (its
  feed keeps its validators: ``cycle.commit_feed_states``). A worker that dies takes only its
  chunk with it: those articles are reported incomplete too, the pool is rebuilt and the
  stream goes on.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.config import Settings
from pipeline.fetch.client import Fetcher, FetchResult
from pipeline.ingest.articles import build_article
from pipeline.ingest.enrich import AnalyzerLike, analyze_articles
from pipeline.ingest.pagetext import PageStatus, PageText, page_text
from pipeline.ingest.progress import Progress
from pipeline.records import Article, Entry
from pipeline.store.bulk import BulkResult, index_articles, index_kind, is_transient
from pipeline.store.elastic import Indices

log = logging.getLogger(__name__)

FETCH_AHEAD = 2  # fetched chunks waiting for the workers
FIRST_CHUNK_PER_WORKER = 4  # the first chunk: this many entries per worker (searchable sooner)
MIN_POOLED = 16  # fewer new articles than this are processed in-process (no pool start-up)
Docs = list[tuple[str, dict[str, Any]]]


@dataclass
class Processed:
    """One chunk after page text and analysis: what gets indexed."""

    articles: list[Article]
    claims: Docs = field(default_factory=list)
    events: Docs = field(default_factory=list)


@dataclass
class StreamResult:
    """Counts of a stream, for the run summary."""

    indexed: int = 0
    existing: int = 0
    claims: int = 0
    events: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)
    statuses: list[str] = field(default_factory=list)
    first_indexed_after: float | None = None
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- page text


class _PageTimeout(BaseException):  # noqa: N818 - not an Exception: broad excepts must not swallow it
    """Raised by SIGALRM inside page_text; a BaseException so that no ``except Exception`` in
    trafilatura or page_text turns the time limit into an ordinary extraction error."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _PageTimeout


def timed_page_text(page: FetchResult, entry: Entry, limit: float) -> PageText:
    """page_text() with a wall-clock limit (SIGALRM, so only in a process's main thread)."""
    use_alarm = limit > 0 and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, limit)
        # htmldate's date search only when the feed did not date the entry
        return page_text(page.text(), page.final_url, full_metadata=entry.published_at is None)
    except _PageTimeout:
        return PageText(status=PageStatus.ERROR, error=f"page text took longer than {limit:g} s")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def build_articles(
    entries: Sequence[Entry], pages: Sequence[FetchResult | None], limit: float = 0.0
) -> list[Article]:
    """Page text for each fetched page; never loses an entry (``None``: nothing to fetch)."""
    now = datetime.now(UTC)
    articles = []
    for entry, page in zip(entries, pages, strict=True):
        try:
            if page is None:  # no link: the article is the feed item itself
                articles.append(build_article(entry, now))
            elif not page.ok or page.not_modified:
                error = f"{page.error_kind or 'http_status'}: {page.error or f'HTTP {page.status}'}"
                articles.append(
                    build_article(
                        entry, now, fetch_error=error, fetch_status=page.status, final_url=page.final_url
                    )
                )
            else:
                extracted = timed_page_text(page, entry, limit)
                articles.append(build_article(entry, now, extracted, None, page.status, page.final_url))
        except Exception as exc:  # noqa: BLE001 - record and keep the entry
            articles.append(build_article(entry, now, fetch_error=f"internal: {exc!r}"))
    return articles


def process_chunk(
    entries: Sequence[Entry], pages: Sequence[FetchResult | None], analyzer: AnalyzerLike | None, limit: float
) -> Processed:
    """Page text, then claims and events (when an analyzer is given) for one chunk."""
    articles = build_articles(entries, pages, limit)
    if analyzer is None:
        return Processed(articles)
    claims, events = analyze_articles(articles, analyzer)
    return Processed(articles, claims, events)


# ------------------------------------------------------------------------------ worker side

_WORKER: dict[str, Any] = {}


def exit_with_parent(parent: int) -> None:
    """End this worker once ``parent`` is gone (SIGKILLed: nobody else would ever stop it)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # pid reused by another user's process: the parent is gone
                os._exit(0)

    threading.Thread(target=watch, name="newsmon-parent-watch", daemon=True).start()


def _init_worker(settings: Settings, parent: int) -> None:
    """Per worker process: the analyzer, once (the model loads here, not per chunk), and one
    BLAS thread (the workers are the parallelism; an environment variable would come too late,
    the forkserver has already imported numpy)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    from pipeline.nlp import analyzer_from_settings

    exit_with_parent(parent)
    threadpool_limits(limits=1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["analyzer"] = analyzer_from_settings(settings)
    _WORKER["limit"] = settings.page_timeout


def _work(entries: list[Entry], pages: list[FetchResult | None]) -> Processed:
    return process_chunk(entries, pages, _WORKER.get("analyzer"), float(_WORKER.get("limit") or 0))


# ------------------------------------------------------------------------------------ stream


def _chunks(entries: Sequence[Entry], size: int, first: int = 0) -> Iterator[list[Entry]]:
    """``entries`` in chunks of ``size``; the first of ``first`` entries when that is smaller."""
    size = max(1, size)
    start = min(first, size) if first > 0 else size
    yield from ([list(entries[:start])] if entries else [])
    for offset in range(start, len(entries), size):
        yield list(entries[offset : offset + size])


async def _fetch_chunk(fetcher: Fetcher, entries: list[Entry]) -> list[FetchResult | None]:
    linked = [e for e in entries if e.link]
    results = iter(await fetcher.fetch_many([(str(e.link), None) for e in linked]))
    return [next(results) if e.link else None for e in entries]


def _fetch_ahead(
    entries: Sequence[Entry],
    settings: Settings,
    out: queue.Queue[Any],
    stop: threading.Event,
    first: int = 0,
) -> None:
    """Producer thread: fetch chunk after chunk into ``out`` (bounded), then a None."""

    async def run() -> None:
        async with Fetcher(settings.fetch) as fetcher:
            for chunk in _chunks(entries, settings.chunk_size, first):
                if stop.is_set():
                    return
                pages = await _fetch_chunk(fetcher, chunk)
                while not stop.is_set():
                    try:
                        out.put((chunk, pages), timeout=0.2)
                        break
                    except queue.Full:
                        continue

    def hand_over(item: Any) -> None:  # never block on a consumer that has stopped reading
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    try:
        asyncio.run(run())
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
        hand_over(exc)
        return
    hand_over(None)


def worker_count(settings: Settings) -> int:
    """Worker processes for page text and analysis (``workers: 0`` = one per usable core)."""
    if settings.workers:
        return settings.workers
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Pool:
    """The worker processes, rebuilt after a crash; None when work runs in-process."""

    def __init__(self, settings: Settings, size: int) -> None:
        self.settings, self.size = settings, size
        self.executor: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=self.size,
                mp_context=mp.get_context("forkserver"),
                initializer=_init_worker,
                initargs=(self.settings, os.getpid()),
            )
        return self.executor

    def broken(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)
            self.executor = None


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    size = -(-len(items) // max(1, parts))
    return [items[i : i + size] for i in range(0, len(items), size)] if items else []


def stream_entries(
    es: Elasticsearch,
    indices: Indices,
    fresh: Sequence[Entry],
    settings: Settings,
    analyzer: AnalyzerLike | None,
    progress: Progress,
) -> StreamResult:
    """Fetch, get page text, analyze and index ``fresh`` entries chunk by chunk (see module doc).

    ``analyzer`` given: everything runs in this process with it. None: with ``settings.analyze``
    the worker processes build their own; without, page text only (in workers for large batches).
    """
    result = StreamResult()
    started = time.perf_counter()
    pooled = analyzer is None and len(fresh) >= MIN_POOLED
    pool = _Pool(settings, worker_count(settings)) if pooled else None
    if analyzer is None and not pooled and settings.analyze:
        from pipeline.nlp import analyzer_from_settings

        analyzer = analyzer_from_settings(settings)
    fetched: queue.Queue[Any] = queue.Queue(maxsize=FETCH_AHEAD)
    stop = threading.Event()
    first = FIRST_CHUNK_PER_WORKER * (pool.size if pool is not None else 1)
    producer = threading.Thread(
        target=_fetch_ahead,
        args=(fresh, settings, fetched, stop, first),
        name="newsmon-fetch",
        daemon=True,
    )
    producer.start()
    waiting: tuple[list[Entry], list[Future[Processed]]] | None = None
    try:
        while True:
            item = fetched.get()
            if isinstance(item, BaseException):
                raise item
            if item is None:
                break
            chunk, pages = item
            if pool is None:
                _index_chunk(
                    es,
                    indices,
                    chunk,
                    process_chunk(chunk, pages, analyzer, settings.page_timeout),
                    result,
                    progress,
                    started,
                )
                continue
            executor = pool.get()
            parts = list(zip(_split(chunk, pool.size), _split(pages, pool.size), strict=True))
            futures = [executor.submit(_work, entries, part_pages) for entries, part_pages in parts]
            if waiting is not None:  # index the previous chunk while the workers run this one
                _collect_and_index(es, indices, waiting, pool, result, progress, started)
            waiting = (chunk, futures)
        if waiting is not None and pool is not None:
            _collect_and_index(es, indices, waiting, pool, result, progress, started)
    finally:
        stop.set()
        producer.join(timeout=30)
        if pool is not None:
            pool.close()
    result.timings["stream"] = time.perf_counter() - started
    return result


def _collect_and_index(
    es: Elasticsearch,
    indices: Indices,
    waiting: tuple[list[Entry], list[Future[Processed]]],
    pool: _Pool,
    result: StreamResult,
    progress: Progress,
    started: float,
) -> None:
    chunk, futures = waiting
    merged = Processed([])
    try:
        for future in futures:
            part = future.result()
            merged.articles += part.articles
            merged.claims += part.claims
            merged.events += part.events
    except BrokenProcessPool as exc:
        # A worker died (killed, out of memory): this chunk is not acknowledged and will be
        # redone by the next cycle; the pool is rebuilt for the rest of the stream.
        log.error("a worker process died on a chunk of %d entries: %s", len(chunk), exc)
        pool.broken()
        result.incomplete.update(e.article_id for e in chunk)
        result.errors.append({"id": None, "status": None, "type": "worker_died", "error": str(exc)})
        return
    _index_chunk(es, indices, chunk, merged, result, progress, started)


def _index_chunk(
    es: Elasticsearch,
    indices: Indices,
    chunk: list[Entry],
    done: Processed,
    result: StreamResult,
    progress: Progress,
    started: float,
) -> None:
    """Claims and events first, then the articles whose claims and events all landed."""
    clock = time.perf_counter()
    derived = BulkResult()
    if done.claims:
        derived.merge(index_kind(es, "claims", done.claims, indices))
    if done.events:
        derived.merge(index_kind(es, "events", done.events, indices))
    owners = {doc_id: doc.get("article_id") for doc_id, doc in (*done.claims, *done.events)}
    held = {owners.get(str(error.get("id"))) for error in derived.errors if is_transient(error)}
    ready = [a for a in done.articles if a.article_id not in held]
    written = index_articles(es, [a.to_doc() for a in ready], indices)
    held |= {error.get("id") for error in written.errors if is_transient(error)}
    held_ids = {i for i in held if isinstance(i, str)}
    result.incomplete.update(held_ids)
    result.indexed += written.written
    result.existing += written.existing
    result.claims += len(done.claims)
    result.events += len(done.events)
    result.errors += derived.errors + written.errors
    result.statuses += [str(a.extraction_status) for a in done.articles]
    if written.written and result.first_indexed_after is None:
        result.first_indexed_after = time.perf_counter() - started
    result.timings["index"] = result.timings.get("index", 0.0) + time.perf_counter() - clock
    progress.advance(len(chunk) - len(held_ids))  # written (or already there) only
