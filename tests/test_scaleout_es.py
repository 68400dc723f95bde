"""Scale-out for real: newsmon on a three-node Elasticsearch cluster with one replica, one node
SIGKILLed in the middle of a cycle; every article, claim and event is indexed exactly once and
alert runs go on.

The cluster is the one users start, ``scripts/elasticsearch start --nodes 3``, on a free block
of loopback ports in a temporary folder (``tests/support/escluster.py``; the shared node on
9200 is never touched), started once for the module and stopped on every exit. Only the
command line and Elasticsearch's REST API are used. The site is ``N_ARTICLES`` real fixture
pages behind one RSS feed (``tests/support/httpserver.py``); ``elasticsearch_replicas: 1`` is
set in the run's newsmon.yaml, nothing else changes.

- The reference is one clean ``run --once`` on the cluster under its own prefix: its cycle time
  is the figure without a fault, and every index it created must be green with one replica
  assigned on another node (the setting reached every template).
- The fault: ``run --once`` talks to one node (never the victim); once its first articles are
  searchable, and while others are still to be written, the victim's JVM is SIGKILLed: a data node
  holding some of the run's shard copies, or the elected master. The run must exit 0, or else
  a rerun must; then the article, claim and event ids equal the reference's, each once. With
  the victim still down, ``alerts run`` sends exactly one email for a keyword rule to a real
  SMTP inbox (aiosmtpd) and a second ``alerts run`` sends none. The victim is then restarted on
  its data (``start`` again) and the cluster must be green with three nodes.

- A brand-new index loses its primary's node right after its first write: the write was
  acknowledged by both copies (``ensure_monthly_index`` waits until the replica started), the
  index turns yellow, not red, and still holds it.

Marked ``scaleout`` (three 512 MB JVMs; 4-6 minutes on two shared cores) and run in
``scripts/test``. Timings and memory are printed (``-s``). ``test_replicas_setting_...`` needs
only the shared node and is not marked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from elasticsearch import Elasticsearch

from pipeline.config import ConfigError
from pipeline.store.elastic import KINDS as ALL_KINDS
from pipeline.store.elastic import Indices, ensure_monthly_index, ensure_templates, make_client
from tests.support.elastic import DOCUMENT_KINDS, document_ids, drop_prefix
from tests.support.escluster import EsCluster, cluster
from tests.support.fixturesite import write_fixture_feed
from tests.support.httpserver import TestServer
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

N_ARTICLES = 30
KINDS = DOCUMENT_KINDS
PAGE_DELAY = 0.8  # seconds per response while the fault is injected, so the cycle lasts ~15 s
CHUNK = 8  # entries per chunk: the first articles are written early
RULE = "sanctions"  # a keyword found in a few of the fixture pages
RECIPIENT = "analyst@example.org"
Ids = dict[str, list[str]]


# ---------------------------------------------------------------------------------------------
# The replica setting on the shared node (no cluster needed)


def _replicas(es: Elasticsearch, index: str) -> set[str]:
    settings = es.indices.get_settings(index=index, name="index.number_of_replicas")
    return {s["settings"]["index"]["number_of_replicas"] for s in settings.body.values()}


def test_replicas_setting_reaches_templates_and_existing_indices(
    es: Elasticsearch, indices: Indices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``elasticsearch_replicas`` (here NEWSMON_ES_REPLICAS) sets every template's replica count;
    a change rewrites the templates and reaches the indices that exist; a bad value is one line."""
    index = indices.monthly("articles", datetime.now(UTC))
    ensure_monthly_index(es, index)
    names = [f"{indices.prefix}-{kind}" for kind in ALL_KINDS]
    assert _replicas(es, index) == {"0"}  # the default: one node

    monkeypatch.setenv("NEWSMON_ES_REPLICAS", "1")
    assert sorted(ensure_templates(es, indices)) == sorted(names)
    templates = es.indices.get_index_template(name=f"{indices.prefix}-*")["index_templates"]
    assert {
        t["name"]: t["index_template"]["template"]["settings"]["index"]["number_of_replicas"]
        for t in templates
    } == dict.fromkeys(names, "1")
    assert _replicas(es, index) == {"1"}  # this month's index follows
    assert _replicas(es, indices.feeds) == {"1"}  # and the single indices
    assert ensure_templates(es, indices) == []  # idempotent at the same count

    assert sorted(ensure_templates(es, indices, replicas=0)) == sorted(names)  # explicit wins
    assert _replicas(es, index) == {"0"}
    monkeypatch.setenv("NEWSMON_ES_REPLICAS", "17")
    with pytest.raises(ConfigError, match="NEWSMON_ES_REPLICAS: must be between 0 and 16, not 17"):
        ensure_templates(es, indices)


# ---------------------------------------------------------------------------------------------
# The site, the configuration and the command line


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="newsmon-scaleout-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def site(workdir: Path) -> Iterator[TestServer]:
    """``N_ARTICLES`` real fixture pages under distinct URLs behind one RSS feed."""
    root = workdir / "site"
    write_fixture_feed(root, N_ARTICLES, "scaleout", "Scale-out", "a cluster")
    with TestServer(root) as server:
        yield server


@dataclass
class Config:
    feeds: Path
    settings: Path
    alerts: Path


@pytest.fixture(scope="module")
def config(site: TestServer, workdir: Path) -> Config:
    folder = workdir / "config"
    folder.mkdir()
    feeds = folder / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {site.url('feed.xml')}\n    name: Scale-out\n", encoding="utf-8")
    settings = folder / "newsmon.yaml"
    settings.write_text(
        "elasticsearch_replicas: 1\nfetch_concurrency: 8\nper_host_concurrency: 2\nper_host_delay: 0\n"
        "connect_timeout: 2\ntotal_timeout: 15\nretries: 1\nallow_private: [127.0.0.1/32]\n"
        f"analyze: true\nchunk_size: {CHUNK}\n",
        encoding="utf-8",
    )
    alerts = folder / "alerts.yaml"
    alerts.write_text(
        f"rules:\n  - name: {RULE}\n    recipients: [{RECIPIENT}]\n"
        f"    query: {{keywords: {{any: [{RULE}], fields: [title, text]}}}}\n",
        encoding="utf-8",
    )
    return Config(feeds, settings, alerts)


@dataclass
class Cli:
    """One ``python -m pipeline`` process in its own process group, output in files."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started


@pytest.fixture
def cli(config: Config, workdir: Path) -> Iterator:
    """Start CLI processes against one node; each is killed at the end if still running."""
    started: list[Cli] = []

    def start(url: str, prefix: str, *args: str, smtp_port: int | None = None) -> Cli:
        name = f"cli-{uuid.uuid4().hex[:8]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "ELASTICSEARCH_"))}
        env |= {
            "ELASTICSEARCH_URL": url,
            "NEWSMON_INDEX_PREFIX": prefix,
            "NEWSMON_FEEDS": str(config.feeds),
            "NEWSMON_SETTINGS": str(config.settings),
            "NEWSMON_ALERTS": str(config.alerts),
            "PYTHONUNBUFFERED": "1",
        }
        if smtp_port is not None:
            env |= {
                "NEWSMON_SMTP_HOST": "127.0.0.1",
                "NEWSMON_SMTP_PORT": str(smtp_port),
                "NEWSMON_MAIL_FROM": "newsmon-test@example.org",
            }
        out, err = workdir / f"{name}.out", workdir / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "pipeline", *args],
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        started.append(Cli(process, out, err))
        return started[-1]

    yield start
    for one in started:
        one.stop()


# ---------------------------------------------------------------------------------------------
# What is in Elasticsearch


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


def _shards(url: str, pattern: str) -> list[dict[str, str]]:
    """Every shard copy of the indices matching ``pattern``: index, p/r, state and node."""
    response = httpx.get(
        f"{url}/_cat/shards/{pattern}", params={"format": "json", "h": "index,prirep,state,node"}, timeout=30
    )
    response.raise_for_status()
    shards: list[dict[str, str]] = response.json()
    return shards


def _count(url: str, prefix: str) -> int:
    try:
        response = httpx.get(f"{url}/{prefix}-articles-*/_count", timeout=5)
    except httpx.HTTPError:
        return 0
    return int(response.json().get("count", 0)) if response.status_code == 200 else 0


def _pages_requested(site: TestServer) -> int:
    return sum(1 for request in list(site.log) if request.path.startswith("/news/"))


# ---------------------------------------------------------------------------------------------
# The cluster and the clean reference run


@pytest.fixture(scope="module")
def es_cluster() -> Iterator[EsCluster]:
    with cluster(3, heap="512m") as started:
        rss = started.rss_mb()
        print(
            f"\nscaleout: 3-node cluster green after {started.start_seconds:.1f} s; RSS per node "
            f"{', '.join(f'{v:.0f}' for v in rss.values())} MB (sum {sum(rss.values()):.0f} MB)"
        )
        yield started


@pytest.fixture(scope="module")
def reference(es_cluster: EsCluster, site: TestServer, config: Config, workdir: Path) -> Ids:
    """Ids of one clean ``run --once`` on the cluster (own prefix, dropped after)."""
    prefix = f"test-ref-{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "ELASTICSEARCH_"))}
    env |= {
        "ELASTICSEARCH_URL": es_cluster.url,
        "NEWSMON_INDEX_PREFIX": prefix,
        "NEWSMON_FEEDS": str(config.feeds),
        "NEWSMON_SETTINGS": str(config.settings),
    }
    site.delay = PAGE_DELAY
    site.reset()
    es = make_client(es_cluster.url)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--once"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        seconds = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        ids = document_ids(es, prefix, all_shards=True)
        health = es.cluster.health(
            index=f"{prefix}-*", level="indices", wait_for_status="green", timeout="60s"
        )
        shards = _shards(es_cluster.url, f"{prefix}-*")
    finally:
        drop_prefix(es, Indices(prefix))
        es.close()
    assert len(ids["articles"]) == N_ARTICLES, ids["articles"]
    assert len(ids["claims"]) > N_ARTICLES and len(ids["events"]) > N_ARTICLES // 2
    assert health["status"] == "green", health
    indices = health["indices"]
    assert len(indices) >= len(ALL_KINDS), sorted(indices)
    for name, index in indices.items():
        assert index["number_of_replicas"] == 1 and index["active_shards"] == 2, (name, index)
    for index in {s["index"] for s in shards}:
        copies = [s for s in shards if s["index"] == index]
        assert {s["prirep"] for s in copies} == {"p", "r"} and len({s["node"] for s in copies}) == 2, copies
    print(
        f"\nscaleout: clean run --once on the cluster (replicas 1, {PAGE_DELAY} s per page): "
        f"{seconds:.1f} s; {' '.join(f'{k} {len(v)}' for k, v in ids.items())}; "
        f"{len(indices)} indices green, each shard on 2 nodes"
    )
    return ids


# ---------------------------------------------------------------------------------------------
# The fault


@pytest.mark.scaleout
@pytest.mark.parametrize("victim_role", ["data", "master"])
def test_node_sigkilled_mid_cycle_every_id_once_and_alerts_go_on(
    es_cluster: EsCluster, site: TestServer, cli, reference: Ids, victim_role: str
) -> None:
    es_cluster.start()  # all three nodes up (revives one killed by a previous test)
    nodes = {node.name: node for node in es_cluster.nodes()}
    master = es_cluster.master()
    others = sorted(name for name in nodes if name != master)
    client_name = others[0]
    victim = master if victim_role == "master" else others[1]
    url = nodes[client_name].url
    prefix = f"test-scaleout-{uuid.uuid4().hex[:10]}"
    es = make_client(url, request_timeout=60)
    try:
        site.delay = PAGE_DELAY
        site.reset()
        started = time.monotonic()
        run = cli(url, prefix, "run", "--once")
        deadline = time.monotonic() + 180
        while not (_pages_requested(site) and _count(url, prefix)):
            assert run.process.poll() is None, f"the run ended before the fault:\n{run.output()}"
            assert time.monotonic() < deadline, f"the cycle did not get going:\n{run.output()}"
            time.sleep(0.05)
        on_victim = [s for s in _shards(url, f"{prefix}-*") if s["node"] == victim]
        searchable, requested = _count(url, prefix), _pages_requested(site)
        killed = time.monotonic()
        es_cluster.kill(victim)
        code = run.wait(timeout=600)
        finished = time.monotonic()
        assert searchable < N_ARTICLES, f"not mid-cycle: {searchable} articles already searchable"
        assert on_victim, f"{victim} held none of the run's shard copies"
        health = es.options(ignore_status=408).cluster.health(
            wait_for_nodes="2", wait_for_status="yellow", timeout="60s"
        )
        assert health["number_of_nodes"] == 2 and not health["timed_out"], (
            f"{victim} killed ({victim_role}), run exited {code}: {health.body}\n"
            f"shards: {_shards(url, f'{prefix}-*')}\nrun: {run.output()[-3000:]}"
        )
        new_master = es_cluster.master(via=url)
        assert new_master != victim

        how = f"run --once exited {code} {finished - killed:.1f} s after the kill"
        site.delay = 0.0
        if code != 0:  # the cycle may fail; its rerun must then finish the job
            rerun = cli(url, prefix, "run", "--once")
            assert rerun.wait(timeout=600) == 0, f"{how}; the rerun failed too:\n{rerun.output()}"
            how += f"; rerun exited 0 after {time.monotonic() - finished:.1f} s"
        _assert_exactly(document_ids(es, prefix, all_shards=True), reference)

        with SmtpServer() as smtp:
            alerted = time.monotonic()
            first = cli(url, prefix, "alerts", "run", smtp_port=smtp.port)
            assert first.wait(timeout=300) == 0, first.output()
            alert_seconds = time.monotonic() - alerted
            assert len(smtp.inbox.received) == 1, (smtp.inbox.received, first.output())
            recipients, message = smtp.inbox.received[0]
            assert recipients == [RECIPIENT] and RULE in str(message["Subject"]).lower(), message["Subject"]
            second = cli(url, prefix, "alerts", "run", smtp_port=smtp.port)
            assert second.wait(timeout=300) == 0, second.output()
            assert len(smtp.inbox.received) == 1, "the second alert run sent again"
        es.indices.refresh(index=f"{prefix}-alerts")
        records = es.search(index=f"{prefix}-alerts", size=100)["hits"]["hits"]
        assert records and {r["_source"]["status"] for r in records} == {"sent"}, records

        revived = time.monotonic()
        es_cluster.start()  # the victim restarts on its data and rejoins; the cluster is green
        revive_seconds = time.monotonic() - revived
        health = es.cluster.health(wait_for_nodes="3", wait_for_status="green", timeout="120s")
        assert health["status"] == "green" and health["number_of_nodes"] == 3, health
        # and the rejoined copies add nothing
        _assert_exactly(document_ids(es, prefix, all_shards=True), reference)
        print(
            f"\nscaleout: SIGKILLed {victim} ({victim_role}; {len(on_victim)} of the run's shard copies; "
            f"master {master} -> {new_master}) {killed - started:.1f} s into the cycle "
            f"({requested} pages requested, {searchable} articles searchable); {how}; "
            f"every id once; alerts run {alert_seconds:.1f} s with a node down: 1 email "
            f"({len(records)} stories), then none; {victim} back and green in {revive_seconds:.1f} s"
        )
    finally:
        with suppress(Exception):  # clean-up only: the cluster may be half down after a failure
            drop_prefix(es, Indices(prefix))
        es.close()


@pytest.mark.scaleout
def test_a_new_index_survives_losing_its_primary_node_right_after_creation(es_cluster: EsCluster) -> None:
    """The first write to a brand-new index is on both copies: ``ensure_monthly_index`` returns
    only once the replica started (with a plain create, a write right after it is acknowledged by
    the primary alone: ``_shards.successful`` 1 of 2), so killing the primary's node right after
    that write leaves the index yellow (the replica promoted) with the write in it."""
    es_cluster.start()
    prefix = f"test-scaleout-{uuid.uuid4().hex[:10]}"
    indices = Indices(prefix)
    first = make_client(es_cluster.url, request_timeout=60)
    try:
        ensure_templates(first, indices, replicas=1)
        index = indices.monthly("articles", datetime(2099, 1, 1, tzinfo=UTC))
        ensure_monthly_index(first, index)
        written = first.index(index=index, id="first", document={"title": "written once"})
        assert written["_shards"] == {"total": 2, "successful": 2, "failed": 0}, written["_shards"]
        shards = _shards(es_cluster.url, index)
        primary = next(s["node"] for s in shards if s["prirep"] == "p")
        survivor = next(node for node in es_cluster.nodes() if node.name != primary)
        es_cluster.kill(primary)
        with make_client(survivor.url, request_timeout=60, max_retries=0) as es:
            deadline, health = time.monotonic() + 60, None
            while time.monotonic() < deadline:  # a killed master: no master for a moment (503)
                health = es.options(ignore_status=[408, 503]).cluster.health(
                    index=index, wait_for_nodes="2", wait_for_status="yellow", timeout="10s"
                )
                if health.meta.status == 200:
                    break
            assert health is not None and health["status"] == "yellow", (
                health and health.body,
                _shards(survivor.url, index),
            )
            assert es.get(index=index, id="first")["_source"] == {"title": "written once"}
            drop_prefix(es, indices)
        print(f"\nscaleout: new index, primary on {primary} killed right after its first write: yellow, kept")
    finally:
        first.close()
        es_cluster.start()  # the killed node rejoins (its copy of the deleted index is dropped)
