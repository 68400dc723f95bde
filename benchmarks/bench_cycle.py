"""Streaming-cycle benchmark: the full cycle (feeds -> pages -> claims/events -> Elasticsearch).

Contract: one run prints the single-core per-article costs and the limit they imply, a table
with one row per cycle (1 worker, all cores), the machine's other load during each row, and a
last line ``cycle: X articles/s, Y of the limit, peak RSS Z MB, first article after S s`` for
the all-cores cycle (issue 11's targets: Y >= 0.75 on 2 cores, Z <= 1500 and within 20% at
``--pages 6000`` of the figure at 2,000, S <= 10). It exits 0 either way: it measures.

The site: the English fixture pages (tests/fixtures/articles, ``<html lang>`` English or
absent) repeated under distinct URLs (``/p/<n>.html`` serves page ``n % len(pages)``), listed
by --feeds RSS feeds (``/f/<k>.xml``, each item dated, so pages are extracted as a dated entry
is) spread over --hosts loopback addresses (127.0.0.1..), one server process per host
(``tests.support.httpserver.TestServer``, keep-alive), every response delayed by a uniform
random --latency (a timed wait on the server, no CPU) to stand in for network round trips.

Runs, in this order, each on a fresh index prefix (all dropped at the end):

- ``1 worker`` / ``all cores``: ``run_cycle(..., force=True)`` with ``workers=1`` and
  ``workers=0`` (one per usable core), ``analyze=True`` and the product's chunk size. Timed from
  the call to its return (poll, dedupe, stream, refresh, feed states). A thread samples VmRSS
  (and PSS) of this process and its descendants (feed-parse and analysis workers, forkserver;
  not the site servers) every 0.2 s; another counts ``<prefix>-articles`` every 0.1 s for the
  first searchable article. ``first written`` is the stream's own ``first_indexed_after``
  (from the stream's start, after polling and dedupe).
- the limit, measured afterwards in this process (so the cycles' memory does not include a
  model in the parent): the sample pages (every distinct page once per round, fetched from the
  same servers) go through ``build_articles`` (page text + record), ``analyze_articles`` with
  an ``Analyzer`` (per chunk, as a worker does) and the bulk writes of their claims, events and
  articles (per chunk, as ``stream._index_chunk`` does), each stage timed on its own; one
  warm-up round (the workers of a 2,000-article cycle see every page ~30 times, so their
  caches are warm), then the median of --rounds, with numpy's OpenBLAS set to one thread
  meanwhile (single-core costs; its default is one spinning thread per core). Page text and
  analysis count this process's CPU seconds (one thread: one core; wall time, also printed,
  would add the time other processes of a shared machine held the core), indexing its wall
  time, which includes Elasticsearch's work. ``limit = cores / (sum of the three per-article
  costs)`` articles/s.

CPU columns: ``parent`` is this process (fetch thread, main thread indexing, pickling),
``workers`` its descendants, ``servers`` the site servers, ``ES`` every Elasticsearch JVM on
the machine, ``others`` every other process (from /proc/stat), in cores (CPU s / wall s). On a
shared machine ``others`` takes cores from the workers; ``adj.`` is the share of the limit
scaled to the cores they left free (for judging, not for the targets).

    python benchmarks/bench_cycle.py [--pages 2000] [--feeds 100] [--hosts 4]
        [--latency 0.02,0.05] [--rounds 3] [--concurrency 32] [--all-cores-only]
    python benchmarks/bench_cycle.py --celery [--workers 2] [--feeds-per-task 25] [site options]

``--celery`` (issue 13) runs the same site through Airflow instead: ``scripts/airflow start
--executor celery --workers W``, one news_ingest run started through the REST API, its wall
time, articles/s, mapped tasks per worker, first searchable article and the peak RSS/PSS of
the Airflow process tree; it prints its own row (none of the in-process cycles or the limit:
run the default mode for those) and a last line ``celery: X articles/s over W workers (T
tasks: a/b per worker), first article after S s, peak PSS P MB``. Contract in
``benchmarks/bench_celery.py``; it needs the ``celery`` extra, redis-server and PostgreSQL 15.

Needs Elasticsearch (ELASTICSEARCH_URL or 127.0.0.1:9200) and the model extra. Run in the dev
environment (scripts/setup): it imports tests.support.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec, Settings
from pipeline.fetch.client import Fetcher, FetchResult
from pipeline.fetch.result import FetchPolicy
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.enrich import analyze_articles
from pipeline.ingest.pagetext import html_language
from pipeline.ingest.stream import build_articles, worker_count
from pipeline.ingest.summary import CycleSummary
from pipeline.ingest.urls import article_id, canonical_url
from pipeline.records import Entry
from pipeline.store.bulk import index_articles, index_kind
from pipeline.store.elastic import Indices, ensure_templates, make_client
from tests.support.elastic import drop_prefix
from tests.support.httpserver import LoggedRequest, Responder, TestServer
from tests.support.paths import FIXTURES, ROOT

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
ARTICLES = FIXTURES / "articles"
PUBLISHED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # items are dated: no htmldate search
TARGET_OF_LIMIT = 0.75
TARGET_RSS_MB = 1500
TARGET_FIRST_S = 10.0


# ------------------------------------------------------------------------------------ the site


def english_pages() -> list[Path]:
    """Fixture pages that declare English (or no language): the ones the analyzer reads."""
    files = sorted(ARTICLES.glob("aeb/*.html")) + sorted(ARTICLES.glob("fundus/**/*.html"))
    chosen = []
    for path in files:
        language = html_language(path.read_text(encoding="utf-8", errors="replace"))
        if language is None or language.startswith("en"):
            chosen.append(path)
    return chosen


def rss(base: str, feed: int, first: int, last: int) -> bytes:
    """An RSS 2.0 feed listing pages ``first`` .. ``last - 1`` of this host, each item dated."""
    items = []
    for n in range(first, last):
        link = f"{base}/p/{n}.html"
        date = format_datetime(PUBLISHED - timedelta(minutes=n))
        items.append(
            f"<item><title>Benchmark article {n}</title><link>{escape(link)}</link>"
            f"<guid>{escape(link)}</guid><pubDate>{date}</pubDate>"
            f"<description>Summary of benchmark article {n}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Benchmark feed {feed}</title><link>{base}/</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def serve(host: str, files: Sequence[str], pages: int, per_feed: int, latency: tuple[float, float]) -> None:
    """One site server (run in its own process): ``/p/<n>.html`` and ``/f/<k>.xml``."""
    bodies = [Path(f).read_bytes() for f in files]
    server = TestServer(host=host, keep_alive=True)
    rng = random.Random(host)

    def number(path: str, prefix: str, suffix: str) -> int | None:
        digits = path.removeprefix(prefix).removesuffix(suffix)
        return int(digits) if digits.isdigit() else None

    def page(req: LoggedRequest, out: Responder) -> None:
        out.stopping.wait(rng.uniform(*latency))
        n = number(req.path, "/p/", ".html")
        if n is None:
            out.send(404, b"not found", [("Content-Type", "text/plain")])
            return
        out.send(200, bodies[n % len(bodies)], [("Content-Type", "text/html; charset=utf-8")])

    def feed(req: LoggedRequest, out: Responder) -> None:
        out.stopping.wait(rng.uniform(*latency))
        k = number(req.path, "/f/", ".xml")
        if k is None:
            out.send(404, b"not found", [("Content-Type", "text/plain")])
            return
        first = k * per_feed
        body = rss(server.base_url, k, first, min(first + per_feed, pages))
        out.send(200, body, [("Content-Type", "application/rss+xml")])

    server.route_prefix("/p/", page)
    server.route_prefix("/f/", feed)
    server.start()
    print(f"serving at {server.base_url}", flush=True)
    try:
        sys.stdin.read()  # until the benchmark closes our stdin (or kills us)
    finally:
        server.stop()


def stop_servers(servers: Sequence[tuple[subprocess.Popen[str], str]]) -> None:
    """Stop the site servers of :func:`start_server` (stdin closed: they exit; killed after 10 s)."""
    for process, _ in servers:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_server(
    host: str, files: Sequence[Path], pages: int, per_feed: int, latency: tuple[float, float]
) -> tuple[subprocess.Popen[str], str]:
    """A site server in its own process, so it takes no GIL from the cycle."""
    args = [sys.executable, str(Path(__file__).resolve()), "--serve", host, "--pages", str(pages)]
    args += ["--per-feed", str(per_feed), "--latency", f"{latency[0]},{latency[1]}"]
    args += ["--files", *map(str, files)]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None  # stdout=PIPE
    line = process.stdout.readline()  # "serving at http://HOST:PORT"
    if not line.startswith("serving at "):
        process.kill()
        raise RuntimeError(f"site server on {host} did not start")
    return process, line.rsplit(" ", 1)[-1].strip()


# --------------------------------------------------------------------------------- /proc probes


def _stat(pid: int | str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(root: int, exclude: Sequence[int] = ()) -> set[int]:
    """``root`` and every live process below it, without ``exclude`` (and their subtrees)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(entry.name)[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree and pid not in exclude:
                tree.add(pid)
                frontier.append(pid)
    return tree


def cpu_of(pids: Sequence[int] | set[int], reaped: bool = True) -> float:
    """CPU seconds so far of ``pids`` (user + system; with ``reaped``, plus reaped children's).

    A forkserver's workers are reaped by the forkserver, whose ``cutime`` then holds them.
    """
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += sum(int(v) for v in fields[11 : 15 if reaped else 13])
    return total / TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core and process."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def elasticsearch_pids() -> list[int]:
    """Every Elasticsearch JVM on the machine (its CPU is shown apart from the others')."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"org.elasticsearch.bootstrap.Elasticsearch" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; zeros when it is gone."""
    rss = pss = 0
    try:
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE_KB
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
                break
    except (OSError, IndexError, ValueError):
        pass
    return rss, pss


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of this process tree every ``interval`` seconds."""

    def __init__(self, exclude: Sequence[int], interval: float = 0.2) -> None:
        super().__init__(name="bench-memory", daemon=True)
        self.exclude, self.interval = list(exclude), interval
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = self.peak_parent = 0
        self.peak_processes = 0

    def run(self) -> None:
        pids: set[int] = set()
        walked = 0.0
        while True:
            if time.monotonic() - walked >= 0.5:  # new workers show up within half a second
                pids, walked = descendants(os.getpid(), self.exclude), time.monotonic()
            sizes = {pid: memory_kb(pid) for pid in pids}
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes.values()))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes.values()))
            self.peak_parent = max(self.peak_parent, sizes.get(os.getpid(), (0, 0))[0])
            self.peak_processes = max(self.peak_processes, sum(1 for r, _ in sizes.values() if r))
            if self.stop.wait(self.interval):
                return


class FirstSearchable(threading.Thread):
    """Counts the articles alias every 0.1 s until it is > 0; ``seconds`` from ``started``."""

    def __init__(self, es: Elasticsearch, index: str, started: float) -> None:
        super().__init__(name="bench-first", daemon=True)
        self.es, self.index, self.started = es, index, started
        self.stop = threading.Event()
        self.seconds: float | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                response = self.es.options(ignore_status=404).count(
                    index=self.index, ignore_unavailable=True, allow_no_indices=True
                )
                count = int(response.get("count") or 0)
            except Exception:  # noqa: BLE001 - not there yet
                count = 0
            if count:
                self.seconds = time.perf_counter() - self.started
                return
            self.stop.wait(0.1)


class Timeline:
    """A :class:`pipeline.ingest.progress.Progress` that records when articles were written."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.notes: list[tuple[float, str]] = []
        self.written: list[tuple[float, int]] = []

    def note(self, message: str) -> None:
        self.notes.append((time.perf_counter() - self.started, message))

    def articles(self, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        self.written.append((time.perf_counter() - self.started, count))

    def steady_rate(self) -> float:
        """Articles/s from the first write to the last (the stream once running)."""
        if len(self.written) < 2:
            return 0.0
        span = self.written[-1][0] - self.written[0][0]
        return sum(c for _, c in self.written[1:]) / span if span > 0 else 0.0


# ------------------------------------------------------------------------------------- the runs


@dataclass
class Load:
    """CPU used during a run, in CPU seconds."""

    parent: float = 0.0
    workers: float = 0.0
    servers: float = 0.0
    elasticsearch: float = 0.0
    others: float = 0.0  # every other process on the machine
    seconds: float = 0.0

    def cores(self, value: float) -> float:
        return value / self.seconds if self.seconds > 0 else 0.0


class LoadMeter:
    """Before/after CPU of this tree, the servers, Elasticsearch and the rest of the machine."""

    def __init__(self, servers: Sequence[int], es_pids: Sequence[int]) -> None:
        self.servers, self.es_pids = list(servers), list(es_pids)

    def _snapshot(self) -> tuple[tuple[float, float, float, float, float], dict[int, float]]:
        me = os.getpid()
        tree = descendants(me, self.servers)
        parent = cpu_of([me], reaped=False)
        es = {pid: cpu_of([pid], reaped=False) for pid in self.es_pids if Path(f"/proc/{pid}").exists()}
        totals = (
            parent,
            cpu_of(tree - {me}) + (cpu_of([me]) - parent),  # workers, live and reaped
            cpu_of(self.servers),
            machine_cpu()[0],
            time.perf_counter(),
        )
        return totals, es

    def measure(self, run: Callable[[], Any]) -> tuple[Any, Load]:
        before, es_before = self._snapshot()
        value = run()
        after, es_after = self._snapshot()
        parent, workers, servers, busy, seconds = (a - b for a, b in zip(after, before, strict=True))
        es = sum(es_after[pid] - es_before[pid] for pid in es_before.keys() & es_after.keys())
        others = max(0.0, busy - parent - workers - servers - es)
        return value, Load(parent, workers, servers, es, others, seconds)


@dataclass
class CycleRun:
    """One timed ``run_cycle``."""

    name: str
    workers: int
    summary: CycleSummary
    load: Load
    first_searchable: float | None
    peak_rss_mb: float
    peak_pss_mb: float
    peak_parent_mb: float
    processes: int
    timeline: Timeline
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.summary.ingest.indexed / self.load.seconds if self.load.seconds else 0.0


def run_one_cycle(
    name: str,
    es: Elasticsearch,
    prefix: str,
    specs: Sequence[FeedSpec],
    settings: Settings,
    meter: LoadMeter,
) -> CycleRun:
    indices = Indices(prefix)
    ensure_templates(es, indices)  # a running installation has its templates already
    memory = TreeMemory(meter.servers)
    memory.start()
    time.sleep(0.3)  # a baseline sample before the cycle starts
    started = time.perf_counter()
    first = FirstSearchable(make_client(), indices.articles, started)
    timeline = Timeline(started)
    first.start()
    try:
        summary, load = meter.measure(lambda: run_cycle(es, indices, specs, settings, None, timeline, True))
    finally:
        first.stop.set()
        memory.stop.set()
        first.join()
        memory.join()
    counts = {
        kind: int(es.count(index=indices.alias(kind))["count"]) for kind in ("articles", "claims", "events")
    }
    return CycleRun(
        name,
        worker_count(settings),
        summary,
        load,
        first.seconds,
        memory.peak_rss / 1024,
        memory.peak_pss / 1024,
        memory.peak_parent / 1024,
        memory.peak_processes,
        timeline,
        counts,
    )


@dataclass
class Limit:
    """Single-core per-article costs (seconds) and the limit they imply.

    Page text and analysis are CPU seconds of this process (one thread, so one core; on a shared
    machine, wall time would also count the time other processes held the core); indexing is
    wall time, as it waits for Elasticsearch. ``wall`` has every stage's wall time too.
    """

    text: float
    analysis: float
    index: float
    cores: int
    articles: int
    rounds: int
    claims_per_article: float
    events_per_article: float
    load: Load
    wall: dict[str, float] = field(default_factory=dict)
    blas_threads: int | None = None  # OpenBLAS threads the cycles ran with (the limit uses 1)

    @property
    def per_article(self) -> float:
        return self.text + self.analysis + self.index

    @property
    def rate(self) -> float:
        return self.cores / self.per_article


@contextmanager
def single_threaded_blas() -> Iterator[int | None]:
    """numpy's OpenBLAS on one thread meanwhile (the limit is a sum of *single-core* costs).

    OpenBLAS starts one thread per core and its idle threads spin, so without this the
    "single-core" analysis would use up to two cores here. Yields the previous thread count
    (None when no OpenBLAS is loaded, e.g. another BLAS: then nothing is changed).
    """
    import ctypes

    import numpy  # noqa: F401 - loads the BLAS whose threads are set

    paths = {
        line.split()[-1]
        for line in Path("/proc/self/maps").read_text().splitlines()
        if "openblas" in line.lower() and line.split()[-1].startswith("/")
    }
    calls = None
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                calls = (setter, getter)
                break
        if calls:
            break
    if calls is None:
        yield None
        return
    setter, getter = calls
    previous = int(getter())
    setter(1)
    try:
        yield previous
    finally:
        setter(previous)


class Stages:
    """Wall and CPU seconds (every thread of this process) per stage."""

    def __init__(self) -> None:
        self.wall = {"text": 0.0, "analysis": 0.0, "index": 0.0}
        self.cpu = dict(self.wall)

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        clock, cpu_clock = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[stage] += time.perf_counter() - clock
            self.cpu[stage] += time.process_time() - cpu_clock


def _entry(url: str, n: int) -> Entry:
    canon = canonical_url(url)
    return Entry(
        "bench-sample",
        "bench sample",
        "http://127.0.0.1/sample.xml",
        url,
        canon,
        article_id(canon),
        title=f"Benchmark article {n}",
        summary=f"Summary of benchmark article {n}.",
        published_at=PUBLISHED - timedelta(minutes=n),
    )


async def _fetch_all(policy: FetchPolicy, urls: Sequence[str]) -> list[FetchResult]:
    async with Fetcher(policy) as fetcher:
        return await fetcher.fetch_many([(u, None) for u in urls])


def measure_limit(
    es: Elasticsearch,
    prefix: str,
    bases: Sequence[str],
    first_page: int,
    distinct: int,
    settings: Settings,
    rounds: int,
    cores: int,
) -> Limit:
    """Per-article cost of each stage on one core, over every distinct page once per round."""
    from pipeline.nlp import analyzer_from_settings

    indices = Indices(prefix)
    ensure_templates(es, indices)
    analyzer = analyzer_from_settings(settings)
    assert analyzer is not None  # settings.analyze
    size = settings.chunk_size
    walls: dict[str, list[float]] = {"text": [], "analysis": [], "index": []}
    cpus: dict[str, list[float]] = {"text": [], "analysis": [], "index": []}
    found = [0, 0]
    for r in range(rounds + 1):  # round 0 warms caches, connections and the monthly indices
        numbers = range(first_page + r * distinct, first_page + (r + 1) * distinct)
        urls = [f"{bases[n % len(bases)]}/p/{n}.html" for n in numbers]
        entries = [_entry(u, n) for u, n in zip(urls, numbers, strict=True)]
        pages: list[FetchResult | None] = list(asyncio.run(_fetch_all(settings.fetch, urls)))
        bad = [p.url for p in pages if p is not None and not p.ok]
        if bad:
            raise RuntimeError(f"sample fetch failed: {bad[:3]}")
        spent = Stages()
        for start in range(0, len(entries), size):
            chunk, chunk_pages = entries[start : start + size], pages[start : start + size]
            with spent.timing("text"):
                articles = build_articles(chunk, chunk_pages, settings.page_timeout)
            with spent.timing("analysis"):
                claims, events = analyze_articles(articles, analyzer)
            with spent.timing("index"):
                written = [
                    index_kind(es, kind, docs, indices)
                    for kind, docs in (("claims", claims), ("events", events))
                ]
                written.append(index_articles(es, [a.to_doc() for a in articles], indices))
            errors = [e for w in written for e in w.errors]
            if errors:
                raise RuntimeError(f"sample indexing failed: {errors[:3]}")
            if r:
                found[0] += len(claims)
                found[1] += len(events)
        if r:
            for stage, seconds in spent.wall.items():
                walls[stage].append(seconds / distinct)
                cpus[stage].append(spent.cpu[stage] / distinct)
        rounded = {stage: round(seconds, 2) for stage, seconds in spent.wall.items()}
        print(f"  limit round {r}{' (warm-up)' if not r else ''}: {rounded}", file=sys.stderr, flush=True)
    done = distinct * rounds
    return Limit(
        statistics.median(cpus["text"]),
        statistics.median(cpus["analysis"]),
        statistics.median(walls["index"]),
        cores,
        done,
        rounds,
        found[0] / done,
        found[1] / done,
        Load(),
        {stage: statistics.median(values) for stage, values in walls.items()},
    )


# --------------------------------------------------------------------------------------- output


def print_report(
    args: argparse.Namespace, pages: int, distinct: int, runs: Sequence[CycleRun], limit: Limit
) -> None:
    cores = limit.cores
    low, high = args.latency
    print(
        f"{pages} articles ({distinct} English fixture pages repeated under distinct URLs) behind "
        f"{args.feeds} RSS feeds on {args.hosts} loopback hosts (one server process each), "
        f"{low * 1000:.0f}-{high * 1000:.0f} ms latency per response; {cores} usable cores, "
        f"shared with other processes (CPU columns)"
    )
    print()
    blas = (
        f"numpy's OpenBLAS on 1 thread; its default here, as in the workers: {limit.blas_threads}"
        if limit.blas_threads is not None
        else "no OpenBLAS found"
    )
    print(
        f"single-core per-article costs (median of {limit.rounds} rounds of {distinct} pages, warm; {blas}):"
    )
    print(f"  {'stage':<58}{'cost':>11}{'wall':>11}")
    for label, value, stage in (
        ("page text (build_articles: trafilatura + record), CPU", limit.text, "text"),
        ("claims + events (analyze_articles, Analyzer), CPU", limit.analysis, "analysis"),
        ("indexing (bulk claims, events, articles), wall incl. ES", limit.index, "index"),
        ("sum", limit.per_article, ""),
    ):
        wall = limit.wall.get(stage, sum(limit.wall.values()))
        print(f"  {label:<58}{value * 1000:>8.1f} ms{wall * 1000:>8.1f} ms")
    print(
        f"  limit = {cores} cores / {limit.per_article * 1000:.1f} ms = {limit.rate:.1f} articles/s "
        f"({limit.claims_per_article:.1f} claims, {limit.events_per_article:.1f} events per article); "
        f"others used {limit.load.cores(limit.load.others):.2f} cores, "
        f"ES {limit.load.cores(limit.load.elasticsearch):.2f}, meanwhile"
    )
    print()
    header = (
        f"{'run':<11}{'workers':>8}{'indexed':>8}{'seconds':>9}{'art/s':>7}{'steady':>8}{'of limit':>9}"
        f"{'adj.':>6}{'first srch':>11}{'written':>8}{'RSS MB':>8}{'PSS MB':>8}{'parent':>8}"
        f"{'| cores: parent':>16}{'workers':>8}{'servers':>8}{'ES':>6}{'others':>7}"
    )
    print(header)

    def adjusted(run: CycleRun) -> float:
        """Of the limit scaled to the cores other processes left free during the run."""
        free = max(cores - run.load.cores(run.load.others), 0.1)
        return run.rate / (limit.rate * free / cores)

    for run in runs:
        ingest, load = run.summary.ingest, run.load
        first = f"{run.first_searchable:.2f}" if run.first_searchable is not None else "-"
        written = f"{ingest.first_indexed_after:.2f}" if ingest.first_indexed_after is not None else "-"
        print(
            f"{run.name:<11}{run.workers:>8}{ingest.indexed:>8}{load.seconds:>9.1f}{run.rate:>7.1f}"
            f"{run.timeline.steady_rate():>8.1f}{run.rate / limit.rate:>9.2f}{adjusted(run):>6.2f}"
            f"{first:>11}{written:>8}"
            f"{run.peak_rss_mb:>8.0f}{run.peak_pss_mb:>8.0f}{run.peak_parent_mb:>8.0f}"
            f"{load.cores(load.parent):>16.2f}{load.cores(load.workers):>8.2f}"
            f"{load.cores(load.servers):>8.2f}{load.cores(load.elasticsearch):>6.2f}"
            f"{load.cores(load.others):>7.2f}"
        )
    print(
        "(seconds: the whole run_cycle; steady: articles/s from the first write to the last; adj.: of"
        " the limit scaled to the cores that 'others' left free; first srch:"
        " first article counted on the articles alias, from the cycle start; written: the stream's"
        " first_indexed_after, from the stream start; RSS/PSS: peak sum over this process and its"
        " workers, parent: this process alone; cores: CPU s / wall s; ES: every Elasticsearch JVM on"
        " the machine; others: the rest of the machine)"
    )
    print()
    for run in runs:
        ingest, poll, load = run.summary.ingest, run.summary.poll, run.load
        stream = ingest.timings.get("stream", 0.0)
        index = ingest.timings.get("index", 0.0)
        busy = load.workers / (run.workers * stream) if stream else 0.0
        print(
            f"{run.name}: poll {poll.seconds:.1f} s ({poll.polled} feeds, {len(poll.entries)} entries), "
            f"dedupe {ingest.timings.get('dedupe', 0.0):.2f} s, stream {stream:.1f} s "
            f"(main thread indexing {index:.1f} s), rest {load.seconds - poll.seconds - stream:.1f} s; "
            f"workers {busy:.0%} busy over the stream; parent CPU "
            f"{load.parent / max(ingest.indexed, 1) * 1000:.1f} ms/article; "
            f"indexed {ingest.indexed}, claims {run.counts.get('claims')}, "
            f"events {run.counts.get('events')}, "
            f"articles counted {run.counts.get('articles')}, errors {len(ingest.errors)}, "
            f"not indexed {len(ingest.incomplete)}, {run.processes} processes at peak, "
            f"extraction {dict(ingest.extraction)}"
        )
    final = runs[-1]
    ratio = final.rate / limit.rate
    first_s = final.first_searchable if final.first_searchable is not None else float("nan")
    checks = [
        (f"{ratio:.2f} of the limit >= {TARGET_OF_LIMIT:g}", ratio >= TARGET_OF_LIMIT),
        (f"peak RSS {final.peak_rss_mb:.0f} <= {TARGET_RSS_MB} MB", final.peak_rss_mb <= TARGET_RSS_MB),
        (f"first article {first_s:.1f} <= {TARGET_FIRST_S:g} s", first_s <= TARGET_FIRST_S),
    ]
    print(
        "targets: "
        + "; ".join(f"{label} {'met' if ok else 'MISSED'}" for label, ok in checks)
        + " (peak RSS at --pages 6000 within 20% of this at 2000: compare two runs)"
    )
    print(
        f"cycle: {final.rate:.1f} articles/s, {ratio:.2f} of the limit, peak RSS "
        f"{final.peak_rss_mb:.0f} MB, first article after {first_s:.1f} s"
    )


# ----------------------------------------------------------------------------------------- main


def _latency(value: str) -> tuple[float, float]:
    low, _, high = value.partition(",")
    return float(low), float(high or low)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000, help="articles in the cycle (default 2000)")
    parser.add_argument("--feeds", type=int, default=100, help="feeds listing them (default 100)")
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts, one server each (4)")
    parser.add_argument(
        "--latency", type=_latency, default=(0.02, 0.05), help="seconds per response, MIN,MAX (0.02,0.05)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of the limit (3)")
    parser.add_argument("--concurrency", type=int, default=32, help="fetch concurrency (32)")
    parser.add_argument("--all-cores-only", action="store_true", help="skip the 1-worker cycle")
    parser.add_argument("--celery", action="store_true", help="through Airflow + Celery instead")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers with --celery (2)")
    parser.add_argument(
        "--feeds-per-task", type=int, default=25, help="NEWSMON_FEEDS_PER_TASK with --celery (25)"
    )
    parser.add_argument(
        "--celery-timeout", type=float, default=1800, help="seconds the news_ingest run may take (1800)"
    )
    # the site server mode (started by the benchmark itself)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--per-feed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, args.files, args.pages, args.per_feed, args.latency)
        return
    if args.celery:
        from bench_celery import run_celery  # this folder is on sys.path when run as a script

        sys.exit(run_celery(args))
    files = english_pages()
    per_feed = -(-args.pages // args.feeds)
    feeds = -(-args.pages // per_feed)
    servers = []
    es = make_client()
    base = f"bench-{uuid.uuid4().hex[:8]}"
    prefixes: list[str] = []
    try:
        for i in range(args.hosts):
            servers.append(start_server(f"127.0.0.{i + 1}", files, args.pages, per_feed, args.latency))
        bases = [b for _, b in servers]
        specs = [FeedSpec(f"{bases[k % len(bases)]}/f/{k}.xml", f"feed {k}") for k in range(feeds)]
        fetch = FetchPolicy(
            allow_private=("127.0.0.0/8",),
            concurrency=args.concurrency,
            per_host_concurrency=min(64, max(1, args.concurrency // args.hosts)),
            per_host_delay=0.0,
        )
        settings = Settings(fetch=fetch, analyze=True)
        meter = LoadMeter([p.pid for p, _ in servers], elasticsearch_pids())
        runs = []
        plan = [("all cores", 0)] if args.all_cores_only else [("1 worker", 1), ("all cores", 0)]
        for name, workers in plan:
            prefix = f"{base}-w{workers}"
            prefixes.append(prefix)
            print(f"cycle: {name} ...", file=sys.stderr, flush=True)
            run = run_one_cycle(name, es, prefix, specs, replace(settings, workers=workers), meter)
            runs.append(run)
            print(f"  {run.summary.ingest.indexed} in {run.load.seconds:.1f} s", file=sys.stderr, flush=True)
        print("limit: single-core stage costs ...", file=sys.stderr, flush=True)
        prefixes.append(f"{base}-limit")
        first_sample = (-(-args.pages // len(files)) + 1) * len(files)  # beyond the cycle's pages
        cores = worker_count(replace(settings, workers=0))
        with single_threaded_blas() as blas_threads:
            limit, load = meter.measure(
                lambda: measure_limit(
                    es, prefixes[-1], bases, first_sample, len(files), settings, args.rounds, cores
                )
            )
        limit.load, limit.blas_threads = load, blas_threads
    finally:
        for prefix in prefixes:
            drop_prefix(es, Indices(prefix))
        stop_servers(servers)
    print_report(args, args.pages, len(files), runs, limit)


if __name__ == "__main__":
    main()
