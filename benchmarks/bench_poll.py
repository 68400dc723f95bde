"""Polling benchmark: 500 local feeds, cold cycle and all-304 cycle vs a naive feedparser loop.

The feeds are the parseable fixture feeds, repeated under distinct URLs and spread over ten
loopback addresses (127.0.0.1-10, so per-host politeness applies as it would to ten sites).
Every response is delayed by --latency seconds to stand in for network round trips; without
it, loopback makes fetching free and only parsing is measured.

    python benchmarks/bench_poll.py [--feeds 500] [--latency 0.05]
Needs Elasticsearch (ELASTICSEARCH_URL or 127.0.0.1:9200): feed state lives there. Run from
the repository root in the dev environment (scripts/setup): it imports tests.support.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import feedparser

from pipeline.config import FeedSpec, Settings
from pipeline.fetch.result import FetchPolicy
from pipeline.ingest.cycle import poll_feeds
from pipeline.store.elastic import Indices, ensure_templates, make_client
from tests.support.elastic import drop_prefix
from tests.support.paths import FIXTURES, ROOT

FEEDS = FIXTURES / "feeds"
HOSTS = 10


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = build_site(root, args.feeds)
        servers = [start_server(root, f"127.0.0.{i + 1}", args.latency) for i in range(HOSTS)]
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
        try:
            started = time.perf_counter()
            naive_entries = sum(len(feedparser.parse(u).entries) for u in urls)
            naive = time.perf_counter() - started

            started = time.perf_counter()
            cold = poll_feeds(es, indices, specs, settings)
            cold_s = time.perf_counter() - started
            es.indices.refresh(index=indices.feeds)

            started = time.perf_counter()
            warm = poll_feeds(es, indices, specs, settings)
            warm_s = time.perf_counter() - started
        finally:
            drop_prefix(es, indices)
            for process, _ in servers:
                process.terminate()
                process.wait()

    print(
        f"{args.feeds} feeds on {HOSTS} loopback hosts, {args.latency * 1000:.0f} ms latency, "
        f"concurrency {args.concurrency}"
    )
    print(f"{'run':<28}{'seconds':>10}{'entries':>10}{'ratio':>12}")
    print(f"{'naive feedparser loop':<28}{naive:>10.2f}{naive_entries:>10}{1:>12.2f}")
    print(f"{'newsmon cold cycle':<28}{cold_s:>10.2f}{len(cold.entries):>10}{naive / cold_s:>11.1f}x")
    print(f"{'newsmon 304 cycle':<28}{warm_s:>10.2f}{len(warm.entries):>10}{warm_s / cold_s:>11.2f} of cold")
    print(
        f"cold: polled {cold.polled}, failed {cold.failed}; "
        f"304 cycle: not modified {warm.not_modified}, failed {warm.failed}"
    )


if __name__ == "__main__":
    main()
