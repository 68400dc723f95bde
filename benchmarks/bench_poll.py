"""Polling benchmark: newsmon's poll of 500 local feeds against fair feedparser baselines.

Contract: one run prints a table (seconds, entries, 304s, client, server and machine CPU per row)
and a last line ``poll: cold Ax sequential, Bx threaded; 304 cycle C of cold, ...; targets met|MISSED``
with issue 11's targets (cold >= 10x the sequential loop and >= 1.5x the threaded baseline;
all-304 <= 0.2 of cold). It exits 0 either way: it measures, and on a shared machine the
``others, cores`` column says how much of the CPU other processes took during each row.

The feeds are the parseable fixture feeds, repeated under distinct URLs and spread over ten
loopback addresses (127.0.0.1-10, so per-host politeness applies as it would to ten sites),
each served by its own server process (``tests.support.httpserver``, keep-alive, ETag and
Last-Modified honoured with 304). Every response is delayed by --latency seconds to stand in
for network round trips (a timed wait on the server, no CPU); without it, loopback makes
fetching free and only parsing is measured. The servers' own CPU is printed per row so one can
check they are not the bottleneck.

Rows, all over the same URLs:

- ``sequential feedparser``: ``feedparser.parse(url)`` in a loop (what a naive script does).
- ``threaded feedparser``: the same call from --concurrency threads (64 by default, the same
  concurrency as newsmon's fetcher here), collecting each feed's ETag and Last-Modified.
- ``threaded feedparser, validators``: the same threads sending those validators
  (``feedparser.parse(url, etag=..., modified=...)``): every feed answers 304.
- ``newsmon cold cycle``: ``poll_feeds`` with no stored state (real Elasticsearch for feed
  state), then the saving of the states that wait for their entries (``pending_states``): this
  benchmark ingests nothing, so the entries count as durable at once, as ``commit_feed_states``
  would record after a clean ingest.
- ``newsmon 304 cycle``: ``poll_feeds`` again with the stored validators: every feed 304.

    python benchmarks/bench_poll.py [--feeds 500] [--latency 0.05] [--concurrency 64]

Needs Elasticsearch (ELASTICSEARCH_URL or 127.0.0.1:9200): feed state lives there. Run from
the repository root in the dev environment (scripts/setup): it imports tests.support.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser

from pipeline.config import FeedSpec, Settings
from pipeline.fetch.result import FetchPolicy
from pipeline.ingest.cycle import poll_feeds
from pipeline.ingest.feedstate import save_states
from pipeline.ingest.summary import PollSummary
from pipeline.store.elastic import Indices, ensure_templates, make_client
from tests.support.elastic import drop_prefix
from tests.support.paths import FIXTURES, ROOT

FEEDS = FIXTURES / "feeds"
HOSTS = 10
TICKS = os.sysconf("SC_CLK_TCK")
COLD_VS_SEQUENTIAL = 10.0
COLD_VS_THREADED = 1.5
WARM_OF_COLD = 0.2


def feed_files() -> list[Path]:
    """Fixture feeds that feedparser reads with entries (the benchmark wants real work)."""
    manifest = json.loads((FEEDS / "MANIFEST.json").read_text())
    return [
        FEEDS / r["file"]
        for r in manifest
        if r["observed_feedparser_6.0.14"]["entries"] and r["format"] in ("rss", "atom", "rss1.0-rdf")
    ]


def build_site(root: Path, count: int) -> list[str]:
    """Copy fixture feeds into ``count`` distinct paths; return the paths."""
    files = feed_files()
    paths = []
    for i in range(count):
        src = files[i % len(files)]
        rel = f"f{i:04d}{src.suffix}"
        (root / rel).write_bytes(src.read_bytes())
        paths.append(rel)
    return paths


def start_server(root: Path, host: str, latency: float) -> tuple[subprocess.Popen[str], str]:
    """A site server in its own process, so its CPU does not compete with the client's GIL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.httpserver",
            str(root),
            "--host",
            host,
            "--port",
            "0",
            "--delay",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None  # stdout=PIPE
    line = process.stdout.readline()  # "serving ROOT at http://HOST:PORT"
    return process, line.rsplit(" ", 1)[-1].strip()


def process_cpu(pids: Sequence[int]) -> float:
    """CPU seconds (user + system) the processes have used so far."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def _stat(pid: int | str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def client_cpu(exclude: Sequence[int]) -> float:
    """CPU seconds used so far by this process and its descendants but ``exclude`` (the servers).

    Worker processes count too: a forkserver's workers are reaped by the forkserver, whose
    ``cutime`` then holds them, so the walk adds every live descendant's own and reaped CPU.
    """
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(entry.name)[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    tree, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree and pid not in exclude:
                tree.add(pid)
                frontier.append(pid)
    total = 0
    for pid in tree:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core and process."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


@dataclass
class Row:
    """One timed run."""

    name: str
    seconds: float
    entries: int
    not_modified: int
    client_cpu: float  # this process and its workers
    server_cpu: float
    machine_busy: float  # share of all cores busy during the run, any process
    other_load: float  # cores used meanwhile by processes other than this one, its workers and the servers


def timed(name: str, server_pids: Sequence[int], run: Callable[[], tuple[int, int]]) -> Row:
    """Run ``run`` (returning entries and 304 count) and measure it."""
    server_before = process_cpu(server_pids)
    client_before = client_cpu(server_pids)
    busy_before, total_before = machine_cpu()
    started = time.perf_counter()
    entries, not_modified = run()
    seconds = time.perf_counter() - started
    busy_after, total_after = machine_cpu()
    used = client_cpu(server_pids) - client_before
    served = process_cpu(server_pids) - server_before
    return Row(
        name,
        seconds,
        entries,
        not_modified,
        used,
        served,
        (busy_after - busy_before) / max(total_after - total_before, 1e-9),
        max(0.0, busy_after - busy_before - used - served) / seconds,
    )


def sequential(urls: Sequence[str]) -> tuple[int, int]:
    return sum(len(feedparser.parse(u).entries) for u in urls), 0


Validators = list[tuple[str | None, str | None]]


def threaded(urls: Sequence[str], threads: int, validators: Validators) -> tuple[int, int]:
    """``feedparser.parse(url)`` from ``threads`` threads; each feed's ETag and Last-Modified (as
    feedparser returns them) are appended to ``validators``, in URL order."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results: list[Any] = list(pool.map(feedparser.parse, urls))
    validators.extend((r.get("etag"), r.get("modified")) for r in results)
    return sum(len(r.entries) for r in results), sum(1 for r in results if r.get("status") == 304)


def threaded_conditional(urls: Sequence[str], threads: int, validators: Validators) -> tuple[int, int]:
    """The same threads sending each feed's validators: ``feedparser.parse(url, etag, modified)``."""

    def one(i: int) -> Any:
        etag, modified = validators[i]
        return feedparser.parse(urls[i], etag=etag, modified=modified)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, range(len(urls))))
    return sum(len(r.entries) for r in results), sum(1 for r in results if r.get("status") == 304)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    rows: list[Row] = []
    cold: PollSummary | None = None
    warm: PollSummary | None = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = build_site(root, args.feeds)
        servers = [start_server(root, f"127.0.0.{i + 1}", args.latency) for i in range(HOSTS)]
        pids = [process.pid for process, _ in servers]
        bases = [base for _, base in servers]
        urls = [f"{bases[i % HOSTS]}/{p}" for i, p in enumerate(paths)]
        specs = [FeedSpec(u, f"feed {i}") for i, u in enumerate(urls)]
        fetch = FetchPolicy(
            allow_private=("127.0.0.0/8",),
            concurrency=args.concurrency,
            per_host_concurrency=args.concurrency // HOSTS + 1,
            per_host_delay=0.0,
            retries=0,
        )
        settings = Settings(fetch=fetch)
        es = make_client()
        indices = Indices(f"bench-{uuid.uuid4().hex[:8]}")
        ensure_templates(es, indices)
        validators: list[tuple[str | None, str | None]] = []

        def newsmon_cold() -> tuple[int, int]:
            nonlocal cold
            cold = poll_feeds(es, indices, specs, settings, force=True)
            save_states(es, indices, cold.pending_states)  # entries "durable": nothing to ingest here
            return len(cold.entries), cold.not_modified

        def newsmon_warm() -> tuple[int, int]:
            nonlocal warm
            warm = poll_feeds(es, indices, specs, settings, force=True)
            save_states(es, indices, warm.pending_states)
            return len(warm.entries), warm.not_modified

        try:
            rows.append(timed("sequential feedparser", pids, lambda: sequential(urls)))
            rows.append(
                timed("threaded feedparser", pids, lambda: threaded(urls, args.concurrency, validators))
            )
            rows.append(
                timed(
                    "threaded feedparser, validators",
                    pids,
                    lambda: threaded_conditional(urls, args.concurrency, validators),
                )
            )
            rows.append(timed("newsmon cold cycle", pids, newsmon_cold))
            es.indices.refresh(index=indices.feeds)
            rows.append(timed("newsmon 304 cycle", pids, newsmon_warm))
        finally:
            drop_prefix(es, indices)
            for process, _ in servers:
                process.terminate()
                process.wait()

    assert cold is not None and warm is not None
    seq, thr, thr304, cold_row, warm_row = rows
    print(
        f"{args.feeds} feeds on {HOSTS} loopback hosts (one server process each), "
        f"{args.latency * 1000:.0f} ms latency, concurrency {args.concurrency}, {os.cpu_count()} cores"
    )
    print(
        f"{'run':<34}{'seconds':>9}{'entries':>9}{'304s':>6}"
        f"{'client CPU s':>14}{'server CPU s':>14}{'machine busy':>14}{'others, cores':>15}"
    )
    for row in rows:
        print(
            f"{row.name:<34}{row.seconds:>9.2f}{row.entries:>9}{row.not_modified:>6}"
            f"{row.client_cpu:>14.2f}{row.server_cpu:>14.2f}{row.machine_busy:>13.0%}"
            f"{row.other_load:>15.2f}"
        )
    print(
        f"newsmon cold: polled {cold.polled}, failed {cold.failed}; "
        f"304 cycle: polled {warm.polled}, not modified {warm.not_modified}, failed {warm.failed}"
    )
    print("(entries: feedparser counts every item; newsmon counts the distinct linked entries it keeps)")
    print(
        "(client CPU: this process and its workers; others: CPU of every other process on the machine"
        " during the row, Elasticsearch included, in cores)"
    )
    vs_seq = seq.seconds / cold_row.seconds
    vs_thr = thr.seconds / cold_row.seconds
    warm_share = warm_row.seconds / cold_row.seconds
    met = (
        vs_seq >= COLD_VS_SEQUENTIAL
        and vs_thr >= COLD_VS_THREADED
        and warm_share <= WARM_OF_COLD
        and warm.not_modified == args.feeds
    )
    print(
        f"poll: cold {vs_seq:.1f}x sequential (target >= {COLD_VS_SEQUENTIAL:g}), "
        f"{vs_thr:.2f}x threaded (>= {COLD_VS_THREADED:g}); "
        f"304 cycle {warm_share:.2f} of cold (<= {WARM_OF_COLD:g}), "
        f"{warm_row.seconds:.2f} s vs {thr304.seconds:.2f} s for threaded feedparser with validators; "
        f"targets {'met' if met else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
