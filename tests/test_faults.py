"""Faults injected for real into whole processes: Elasticsearch SIGKILLed mid-cycle, ``watch``
SIGKILLed mid-cycle; after a restart every article, claim and event is indexed exactly once.

Only the command line and Elasticsearch are used (no pipeline internals), so these tests hold
for any implementation of the cycle. The site is ``N_ARTICLES`` real fixture pages behind one
RSS feed, served by ``tests/support/httpserver.py`` with a delay per response so a cycle lasts
several seconds (a streaming cycle gets small chunks, so it writes before it has fetched
everything). The reference is one clean ``run --once`` of the same site (same URLs, so the same
content-derived ids) on the shared node under its own prefix. "Exactly once" is checked by
listing every document id of each kind across all of the prefix's monthly indices: a
duplicate would be the same id twice, or an id the reference does not have.

The fault comes mid-cycle: once the first article is searchable (a streaming cycle), or else
a second after every page was requested (a cycle that fetches everything first is then
extracting and analysing).

- Elasticsearch killed: a private node (``tests/support/esnode.py``: its own ports, data
  folder and processes; the shared node is never touched) is SIGKILLed during ``run --once``;
  the run must exit non-zero with one clear error line and no traceback; the node is restarted
  on the same data folder and a rerun must leave exactly the reference ids.
- ``watch`` killed: ``watch --interval 1`` on the shared node gets SIGKILL (its main process
  only, as the OOM killer would); right after, the feed's stored validators must be those of
  before the cycle (none); ``watch`` is started again and stopped with SIGTERM once the feed's
  validators are saved (the cycle committed); then the ids must equal the reference, and no
  process of the killed ``watch`` (worker processes) may still run.

Both are marked ``slow`` (55-110 s together on 2 shared cores, a third of it Elasticsearch
starting twice) and run in ``scripts/test``. Every CLI runs in its own process group, killed
at the end; the site, configuration and output live in one temporary folder; the private node
and its folder are removed on every exit, failures included.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipeline.config import Settings
from pipeline.store.elastic import Indices, make_client
from tests.support.elastic import DOCUMENT_KINDS, document_ids, drop_prefix
from tests.support.esnode import EsNode, private_node
from tests.support.fixturesite import write_fixture_feed
from tests.support.httpserver import TestServer
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

N_ARTICLES = 30
KINDS = DOCUMENT_KINDS
Ids = dict[str, list[str]]  # kind -> every document id found, duplicates included
PAGE_DELAY = 0.8  # seconds per response while a fault is injected (0 for the reference run)
ERROR_LINE = re.compile(r"error|fail|not indexed|unavailable|unreachable", re.IGNORECASE)
CHUNK = 8  # entries per chunk where the cycle streams (settings.chunk_size), so writes start early


# ---------------------------------------------------------------------------------------------
# The site, the configuration and the command line


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """One folder for the site, the configuration and the CLI output, deleted at the end."""
    with tempfile.TemporaryDirectory(prefix="newsmon-faults-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def site(workdir: Path) -> Iterator[TestServer]:
    """``N_ARTICLES`` real fixture pages under distinct URLs behind one RSS feed."""
    root = workdir / "site"
    write_fixture_feed(root, N_ARTICLES, "faults", "Faults", "fault injection")
    with TestServer(root) as server:
        yield server


@dataclass
class Config:
    """The files a CLI run reads, and where its output goes."""

    folder: Path
    feeds: Path
    settings: Path


@pytest.fixture(scope="module")
def config(site: TestServer, workdir: Path) -> Config:
    folder = workdir / "config"
    folder.mkdir()
    feeds = folder / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {site.url('feed.xml')}\n    name: Faults\n", encoding="utf-8")
    lines = [
        "fetch_concurrency: 8",
        "per_host_concurrency: 2",
        "per_host_delay: 0",
        "connect_timeout: 2",
        "total_timeout: 15",
        "retries: 1",
        "allow_private: [127.0.0.1/32]",
        "analyze: true",
    ]
    if "chunk_size" in {f.name for f in fields(Settings)}:  # streaming: small chunks, early writes
        lines.append(f"chunk_size: {CHUNK}")
    settings = folder / "newsmon.yaml"
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Config(folder, feeds, settings)


@dataclass
class Cli:
    """One ``python -m pipeline`` process, leader of its own process group (its worker processes
    join the group), with its output in files (no pipe can fill up)."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def group(self) -> list[str]:
        """The processes still running in this CLI's process group (pid and command line)."""
        return _group_members(self.process.pid)

    def stop(self) -> None:
        """SIGKILL the process and everything left in its group (clean-up, also on failure)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started


def _group_members(pgid: int) -> list[str]:
    """Live processes whose process group is ``pgid`` (zombies count as gone)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields_ = stat.read_text().rsplit(")", 1)[1].split()
            if fields_[0] in ("Z", "X") or int(fields_[2]) != pgid:
                continue
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue  # exited while we looked
        found.append(f"{stat.parent.name} {cmdline[:120]}")
    return found


def _orphans_after(cli: Cli, seconds: float) -> list[str]:
    """What of a killed CLI's process group still runs after ``seconds``; then it is killed."""
    deadline = time.monotonic() + seconds
    while (left := cli.group()) and time.monotonic() < deadline:
        time.sleep(0.2)
    cli.stop()
    return left


StartCli = Callable[..., Cli]  # (url, prefix, *args) -> a started CLI process


@pytest.fixture
def cli(config: Config, workdir: Path) -> Iterator[StartCli]:
    """Start CLI processes; each is killed at the end of the test if still running."""
    started: list[Cli] = []

    def start(url: str, prefix: str, *args: str) -> Cli:
        name = f"cli-{uuid.uuid4().hex[:8]}"
        out, err = workdir / f"{name}.out", workdir / f"{name}.err"
        env = {
            **os.environ,
            "ELASTICSEARCH_URL": url,
            "NEWSMON_INDEX_PREFIX": prefix,
            "NEWSMON_FEEDS": str(config.feeds),
            "NEWSMON_SETTINGS": str(config.settings),
            "PYTHONUNBUFFERED": "1",
        }
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "pipeline", *args],
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # a process group of its own: clean-up reaches its workers
            )
        started.append(Cli(process, out, err))
        return started[-1]

    yield start
    for one in started:
        one.stop()


# ---------------------------------------------------------------------------------------------
# What is in Elasticsearch


def _articles_searchable(es: Elasticsearch, prefix: str) -> int:
    try:
        response = es.options(ignore_status=404).count(index=f"{prefix}-articles-*")
    except Exception:  # noqa: BLE001 - a node that is starting or dying counts as "none yet"
        return 0
    return int(response.get("count", 0))


def _feed_docs(es: Elasticsearch, prefix: str) -> list[dict[str, Any]]:
    """The stored feed states (``<prefix>-feeds``), read directly."""
    es.indices.refresh(index=f"{prefix}-feeds", ignore_unavailable=True)
    response = es.options(ignore_status=404).search(index=f"{prefix}-feeds", size=100)
    return [hit["_source"] for hit in response.get("hits", {}).get("hits", [])]


def _pages_requested(site: TestServer) -> int:
    return sum(1 for request in list(site.log) if request.path.startswith("/news/"))


def _wait_mid_cycle(process: Cli, site: TestServer, es: Elasticsearch, prefix: str) -> str:
    """Block until the cycle is in full swing and return what was seen: the first article
    searchable (a streaming cycle writes chunk by chunk), or else every page requested (a cycle
    that fetches everything first is then extracting and analysing, before any write)."""
    deadline = time.monotonic() + 120
    all_requested: float | None = None
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            pytest.fail(f"the run ended before the fault: {process.stdout()}\n{process.stderr()}")
        pages = _pages_requested(site)
        if pages and _articles_searchable(es, prefix):
            return f"first articles searchable, {pages} pages requested"
        if pages >= N_ARTICLES:
            all_requested = all_requested or time.monotonic()
            if time.monotonic() - all_requested > 1.0:
                return "every page was requested"
        time.sleep(0.05)
    pytest.fail(f"the cycle did not get going in 120 s: {process.stderr()}")


def _assert_exactly(ids: Ids, reference: Ids) -> None:
    for kind in KINDS:
        duplicates = sorted({i for i in ids[kind] if ids[kind].count(i) > 1})
        assert not duplicates, f"{kind} indexed twice: {duplicates[:5]}"
        missing = sorted(set(reference[kind]) - set(ids[kind]))
        extra = sorted(set(ids[kind]) - set(reference[kind]))
        assert not missing and not extra, (
            f"{kind}: {len(missing)} missing, {len(extra)} not in the clean run "
            f"(e.g. {(missing or extra)[:3]}); {len(ids[kind])} vs {len(reference[kind])}"
        )


# ---------------------------------------------------------------------------------------------
# The reference: one clean run


@pytest.fixture(scope="module")
def shared_es() -> Iterator[Elasticsearch]:
    client = make_client(os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200"))
    yield client
    client.close()


@pytest.fixture(scope="module")
def reference(shared_es: Elasticsearch, site: TestServer, config: Config) -> Ids:
    """Ids of one clean ``run --once`` of the site on the shared node (own prefix, dropped)."""
    prefix = f"test-ref-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "NEWSMON_INDEX_PREFIX": prefix,
        "NEWSMON_FEEDS": str(config.feeds),
        "NEWSMON_SETTINGS": str(config.settings),
    }
    site.delay = 0.0
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--once"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        ids = document_ids(shared_es, prefix)
    finally:
        drop_prefix(shared_es, Indices(prefix))
    assert len(ids["articles"]) == N_ARTICLES, ids["articles"]
    assert len(ids["claims"]) > N_ARTICLES and len(ids["events"]) > N_ARTICLES // 2, {
        k: len(v) for k, v in ids.items()
    }
    return ids


# ---------------------------------------------------------------------------------------------
# The faults


@pytest.fixture
def node() -> Iterator[EsNode]:
    with private_node() as started:
        yield started


def test_elasticsearch_sigkilled_mid_cycle_then_rerun_indexes_everything_once(
    node: EsNode, site: TestServer, cli: StartCli, reference: Ids
) -> None:
    prefix = f"test-faults-{uuid.uuid4().hex[:10]}"
    site.delay = PAGE_DELAY
    site.reset()
    started = time.monotonic()
    run = cli(node.url, prefix, "run", "--once")
    with closing(make_client(node.url, max_retries=0, request_timeout=5)) as es:
        moment = _wait_mid_cycle(run, site, es, prefix)
    killed = time.monotonic()
    node.kill()
    code = run.wait(timeout=180)
    exited = time.monotonic()
    err = run.stderr()
    context = f"(Elasticsearch killed when {moment}; exit {code})\n{err[-4000:]}"
    assert code > 0, f"the run did not fail clearly after Elasticsearch died {context}"
    assert "Traceback" not in err, f"a traceback instead of one clear error {context}"
    errors = [line for line in err.splitlines() if ERROR_LINE.search(line)]
    assert 1 <= len(errors) <= 3, f"not one clear error line {context}"

    node.start()  # the same data folder: what was durable before the kill is still there
    restarted = time.monotonic()
    site.delay = 0.0
    rerun = cli(node.url, prefix, "run", "--once")
    assert rerun.wait(timeout=240) == 0, rerun.stderr()
    with closing(make_client(node.url)) as es:
        _assert_exactly(document_ids(es, prefix), reference)
    print(
        f"\nfaults: Elasticsearch SIGKILLed {killed - started:.1f} s into the run ({moment}); the run "
        f"exited {code} {exited - killed:.1f} s later with: {errors[-1][:160]!r}; node restarted in "
        f"{restarted - exited:.1f} s; rerun {time.monotonic() - restarted:.1f} s; "
        f"{' '.join(f'{k} {len(v)}' for k, v in reference.items())}, each once"
    )


def test_watch_sigkilled_mid_cycle_then_restart_indexes_everything_once(
    shared_es: Elasticsearch, site: TestServer, cli: StartCli, reference: Ids
) -> None:
    prefix = f"test-faults-{uuid.uuid4().hex[:10]}"
    url = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
    try:
        site.delay = PAGE_DELAY
        site.reset()
        watch = cli(url, prefix, "watch", "--interval", "1", "--no-alerts")
        started = time.monotonic()
        with closing(make_client(url, max_retries=0, request_timeout=5)) as probe:
            moment = _wait_mid_cycle(watch, site, probe, prefix)
        killed = time.monotonic()
        watch.process.send_signal(signal.SIGKILL)  # the main process only, as the OOM killer would
        assert watch.wait(timeout=30) == -signal.SIGKILL
        states = _feed_docs(shared_es, prefix)
        assert all(not s.get("etag") and not s.get("last_modified") for s in states), (
            f"the killed watch saved the feed's validators before its entries were indexed: {states}"
        )

        site.delay = 0.0
        again = cli(url, prefix, "watch", "--interval", "1", "--no-alerts")
        deadline = time.monotonic() + 240
        while not any(s.get("etag") for s in _feed_docs(shared_es, prefix)):
            assert again.process.poll() is None, again.stderr()
            assert time.monotonic() < deadline, (
                f"the restarted watch never committed the feed:\n{again.stderr()}"
            )
            time.sleep(0.2)
        again.process.send_signal(signal.SIGTERM)
        assert again.wait(timeout=120) == 0, again.stderr()
        _assert_exactly(document_ids(shared_es, prefix), reference)
        orphans = _orphans_after(watch, 10)
        assert not orphans, (
            f"processes of the SIGKILLed watch still running {time.monotonic() - killed:.0f} s after the "
            f"kill (now killed): {'; '.join(orphans)}"
        )
        print(
            f"\nfaults: watch SIGKILLed {killed - started:.1f} s into its cycle ({moment}); "
            f"{len(states)} feed states stored, no validators; restarted watch committed and "
            f"stopped after {time.monotonic() - killed:.1f} s; every id once"
        )
    finally:
        drop_prefix(shared_es, Indices(prefix))
