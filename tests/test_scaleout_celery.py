"""Scale-out for real: ``scripts/airflow start --executor celery --workers 2`` runs newsmon's DAGs.

One scenario as an operator would run it on one machine: Redis (broker), a throw-away
PostgreSQL 15 cluster (metadata database and Celery result backend), api-server, scheduler,
dag-processor, triggerer and two ``airflow celery worker`` processes, each recording its own
host name in Airflow (``[core] hostname_callable``) and serving logs on its own port. The site
is ``seeds/feeds/``: the four seed articles over four feeds, two feeds per mapped task
(``NEWSMON_FEEDS_PER_TASK=2``), served with 5 s of latency per response (``SITE_DELAY``), with
the real local Elasticsearch (own index prefix) and an aiosmtpd inbox. Through the REST API:

1. news_ingest's first run: its two ``poll_and_ingest`` task instances ran on the two workers
   (two distinct host names recorded by Airflow, those of the workers); the asset starts
   news_alerts (``asset_triggered``); exactly one ceasefire email.
2. A second, manual run: nothing new (``publish`` skipped), no alert run, no email.
3. A fault: feed 3 gains two new items, one of whose page hangs until released. While the
   task instance fetching it runs, its worker (the whole process tree, as a lost host) is
   SIGKILLed; the page is released. The scheduler finds the task's heartbeat gone
   (``task_instance_heartbeat_timeout`` 30 s here), the retry runs on the other worker and the
   run succeeds. Elasticsearch then holds exactly the article, claim and event ids of a clean
   ``python -m pipeline run --once`` of the same site (own prefix), each once.

``scripts/airflow stop`` then leaves no process of the run folder: Airflow, the surviving
worker, Redis and PostgreSQL included. Timings, task instances per worker and peak memory
(RSS and PSS summed over the supervisor's tree) are printed (``pytest -s``).

Marked ``scaleout`` and ``slow`` (~4-6 min on 2 shared cores); needs redis-server and
PostgreSQL 15 (``.ci/run`` installs them) and the ``celery`` extra. The run folder is made
under /tmp with mode 0711, because PostgreSQL runs as a non-root user when the tests run as
root and pytest's own temporary folders are private.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipeline.store.elastic import Indices
from tests.support.airflowapi import Api, finished, label, leftover_processes, seconds, wait_for
from tests.support.elastic import DOCUMENT_KINDS, document_ids, drop_prefix
from tests.support.httpserver import LoggedRequest, Responder, TestServer
from tests.support.paths import ROOT, SEEDS
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.scaleout

SCRIPT = ROOT / "scripts" / "airflow"
ES_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
PG_BIN = Path(os.environ.get("NEWSMON_PG_BIN", "/usr/lib/postgresql/15/bin"))
RECIPIENT = "desk@example.org"
ALERTS_YAML = f"""rules:
  - name: ceasefire
    recipients: [{RECIPIENT}]
    query:
      keywords:
        any: [ceasefire]
"""
KINDS = DOCUMENT_KINDS
# seconds added to every response of the site: a mapped task (a feed, then its page) lasts 10 s
# or more, longer than a worker takes to be free again after its previous task (4-6 s measured
# on 2 busy cores: the finished task's process and Celery's result). With quick tasks, one
# worker could run both mapped tasks back to back while the other was still finishing
# plan_batches (seen here: queued together, run one after the other on one worker).
SITE_DELAY = 5.0
HANGING = "/news/late-protest.html"  # the new page that hangs until the worker is killed
LATE_ITEMS = {  # new path -> the seed page it copies (no ceasefire in either: no new email)
    "news/late-sanctions.html": "news/eu-sanctions-package.html",
    HANGING.lstrip("/"): "news/belgrade-protest.html",
}


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _missing() -> str:
    """Why the cluster cannot start here ('' when it can)."""
    # Distributions, not find_spec("airflow.providers.celery"): that imports the airflow
    # package (and its settings) at collection, before tests/test_dags.py can configure it.
    if importlib.util.find_spec("airflow") is None or not _installed("apache-airflow-providers-celery"):
        return "Airflow with the celery extra not installed (scripts/setup installs .[dev])"
    if shutil.which("redis-server") is None:
        return "needs redis-server (.ci/run installs it)"
    if not (PG_BIN / "postgres").exists():
        return f"needs PostgreSQL 15 in {PG_BIN} (.ci/run installs it)"
    return ""


needs_celery = pytest.mark.skipif(bool(_missing()), reason=_missing() or "-")


def script(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def clean_env(**extra: str) -> dict[str, str]:
    inherited = ("NEWSMON_", "AIRFLOW", "ELASTICSEARCH_")  # the test's settings only
    return {k: v for k, v in os.environ.items() if not k.startswith(inherited)} | extra


@pytest.fixture
def run_dir() -> Iterator[Path]:
    """A run folder PostgreSQL's user can traverse (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="newsmon-celery-", dir="/tmp"))
    folder.chmod(0o711)
    yield folder / "airflow-run"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def prefixes(es: Elasticsearch) -> Iterator[tuple[str, str]]:
    """(the cluster's index prefix, the clean reference run's): both dropped afterwards."""
    names = (f"test-{uuid.uuid4().hex[:10]}", f"test-{uuid.uuid4().hex[:10]}")
    yield names
    for name in names:
        drop_prefix(es, Indices(name))


def add_late_items(site: TestServer, gate: threading.Event) -> None:
    """Feed 3 gains two items; their pages are copies of seed pages under new URLs (new ids),
    and ``HANGING`` answers only once ``gate`` is set."""
    for path, original in LATE_ITEMS.items():
        page = (SEEDS / original).read_text()
        site.overrides[path] = (
            page.replace(f"/{original}", f"/{path}").replace("<title>", "<title>Update: ").encode()
        )
    items = "".join(
        f"""    <item>
      <title>Update {n}</title>
      <link>{{{{BASE_URL}}}}/{path}</link>
      <guid isPermaLink="false">late-{n}</guid>
      <pubDate>Sun, 08 Jun 2025 1{n}:00:00 +0000</pubDate>
    </item>
"""
        for n, path in enumerate(LATE_ITEMS, 1)
    )
    feed = (SEEDS / "feeds" / "feed-3.xml").read_text().replace("  </channel>", items + "  </channel>")
    site.overrides["feeds/feed-3.xml"] = feed.encode()

    def hanging(req: LoggedRequest, out: Responder) -> None:
        gate.wait(120)
        body = out.server.body(req.path) or b""
        out.send(200, body, [("Content-Type", "text/html; charset=utf-8")])

    site.route(HANGING, hanging)


def kill_tree(pid: int) -> list[int]:
    """SIGKILL ``pid`` and all its descendants at once (a host lost), children listed first."""
    table: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                table[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(child for child, parent in table.items() if parent == current)
    os.kill(pid, signal.SIGSTOP)  # freeze the worker first: it cannot react to its children dying
    for member in reversed(tree):
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            continue
    return tree


@pytest.mark.slow
@needs_celery
def test_two_celery_workers_share_ingest_survive_a_killed_worker_and_stop_clean(
    run_dir: Path, prefixes: tuple[str, str], es: Elasticsearch, smtp: SmtpServer
) -> None:
    prefix, reference_prefix = prefixes
    work = run_dir.parent
    gate = threading.Event()
    with TestServer(SEEDS, delay=SITE_DELAY) as site:
        feeds = work / "feeds.yaml"
        feeds.write_text(
            (SEEDS / "feeds" / "feeds.yaml").read_text().replace("http://127.0.0.1:8765", site.base_url)
        )
        alerts = work / "alerts.yaml"
        alerts.write_text(ALERTS_YAML)
        env_file = work / "newsmon.env"
        env_file.write_text(
            "\n".join(
                [
                    f"ELASTICSEARCH_URL={ES_URL}",
                    f"NEWSMON_INDEX_PREFIX={prefix}",
                    f"NEWSMON_FEEDS={feeds}",
                    f"NEWSMON_ALERTS={alerts}",
                    "NEWSMON_ALLOW_PRIVATE=127.0.0.1/32",
                    "NEWSMON_SMTP_HOST=127.0.0.1",
                    f"NEWSMON_SMTP_PORT={smtp.port}",
                    "NEWSMON_MAIL_FROM=newsmon-test@example.org",
                    'NEWSMON_ALERTS_CRON="0 0 1 1 *"',  # far away: a news_alerts run can only be the asset's
                    "NEWSMON_FEEDS_PER_TASK=2",  # four feeds: two mapped poll_and_ingest tasks
                    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=30",  # a lost worker's task: 30 s
                ]
            )
            + "\n"
        )
        env = clean_env(NEWSMON_AIRFLOW_HOME=str(run_dir), NEWSMON_ENV_FILE=str(env_file))
        timings: dict[str, float] = {}
        started = time.monotonic()
        state: dict[str, Any] = {}
        try:
            out = script(env, "start", "--executor", "celery", "--workers", "2")
            timings["healthy"] = time.monotonic() - started
            assert out.returncode == 0, f"start failed:\n{out.stderr}\n{out.stdout}"
            ui = re.search(r"Airflow UI:\s+(http://127\.0\.0\.1:\d+)/", out.stdout)
            login = re.search(r"login:\s+(\S+) / (\S+)", out.stdout)
            assert ui and login, out.stdout
            config = (run_dir / "airflow.cfg").read_text()
            assert "executor = CeleryExecutor" in config
            assert "sql_alchemy_conn = postgresql+psycopg2://airflow:" in config
            assert re.search(r"broker_url = redis://:\S+@127\.0\.0\.1:\d+/0", config)

            status = script(env, "status")
            assert status.returncode == 0, status.stdout + status.stderr
            for component in ("redis", "postgres", "api-server", "scheduler", "dag-processor", "triggerer"):
                assert re.search(rf"^{component}\s+running .* healthy", status.stdout, re.M), status.stdout
            workers = dict(
                re.findall(r"^(worker-\d)\s+running .* ready\s+(\S+), log server :\d+$", status.stdout, re.M)
            )
            assert sorted(workers) == ["worker-1", "worker-2"], status.stdout
            hostnames = {host: name for name, host in workers.items()}
            assert len(hostnames) == 2
            log_ports = re.findall(r"^worker-\d .* log server :(\d+)$", status.stdout, re.M)
            assert len(set(log_ports)) == 2 and "8794" not in log_ports

            api = Api(ui.group(1), login.group(1), login.group(2))
            wait_for("the three DAGs", lambda: len(api.get("/dags")["dags"]) >= 3, timeout=120)
            assert api.get("/importErrors")["total_entries"] == 0

            # the unpause run of news_alerts first, so that its next run can only be the asset's
            api.send("PATCH", "/dags/news_alerts", {"is_paused": False})
            cron_run = wait_for("news_alerts' unpause run", lambda: api.runs("news_alerts"), timeout=60)[0]
            wait_for("its end", lambda: finished(api, "news_alerts", cron_run["dag_run_id"]), 180)
            assert smtp.inbox.received == []

            # 1. the first ingest run: two mapped tasks, one per worker
            api.send("PATCH", "/dags/news_ingest", {"is_paused": False})
            first = wait_for("news_ingest's first run", lambda: api.runs("news_ingest"), timeout=60)[0]
            ingest_1 = wait_for(
                "news_ingest run 1", lambda: finished(api, "news_ingest", first["dag_run_id"]), 300
            )
            mapped = [
                t for t in api.task_instances("news_ingest", first["dag_run_id"]) if t["map_index"] >= 0
            ]
            assert sorted(label(t) for t in mapped) == ["poll_and_ingest[0]", "poll_and_ingest[1]"]
            assert all(t["state"] == "success" for t in mapped)
            spread = [
                (label(t), t["hostname"], t["queued_when"], t["start_date"], t["end_date"]) for t in mapped
            ]
            received = {n: worker_log_lines(run_dir, n, "received") for n in workers}
            assert {t["hostname"] for t in mapped} == set(hostnames), f"{spread}\n{received}"  # both, by name
            overlap = min(t["end_date"] for t in mapped) > max(t["start_date"] for t in mapped)

            alert_runs = wait_for(
                "news_alerts from the asset", lambda: api.runs("news_alerts")[1:], timeout=90
            )
            assert [r["run_type"] for r in alert_runs] == ["asset_triggered"]
            alerts_1 = wait_for(
                "news_alerts", lambda: finished(api, "news_alerts", alert_runs[0]["dag_run_id"]), 180
            )
            wait_for("the ceasefire email", lambda: smtp.inbox.messages, timeout=30, every=0.5)
            timings["email"] = time.monotonic() - started
            assert len(smtp.inbox.received) == 1
            recipients, message = smtp.inbox.received[0]
            assert recipients == [RECIPIENT]
            assert message["Subject"].startswith("[newsmon alert] ceasefire:"), message["Subject"]
            after_run_1 = document_ids(es, prefix)
            assert len(after_run_1["articles"]) == 4, after_run_1["articles"]

            # 2. a second run: nothing new, nothing sent
            trigger = api.send("POST", "/dags/news_ingest/dagRuns", {"logical_date": None})
            ingest_2 = wait_for(
                "news_ingest run 2", lambda: finished(api, "news_ingest", trigger["dag_run_id"]), 300
            )
            assert api.tasks("news_ingest", ingest_2["dag_run_id"])["publish"] == "skipped"
            time.sleep(15)  # several scheduler loops: time for a (wrong) alert run to appear
            assert len(api.runs("news_alerts")) == 2
            assert len(smtp.inbox.received) == 1
            assert document_ids(es, prefix) == after_run_1

            # 3. a worker SIGKILLed while it runs a task: the retry runs on the other worker
            add_late_items(site, gate)
            trigger = api.send("POST", "/dags/news_ingest/dagRuns", {"logical_date": None})
            run_3 = trigger["dag_run_id"]

            def victim() -> dict[str, Any] | None:
                """The one poll_and_ingest instance running once the hanging page was asked for."""
                if not site.hits(HANGING):
                    return None
                running = [
                    t
                    for t in api.task_instances("news_ingest", run_3)
                    if t["task_id"] == "poll_and_ingest" and t["state"] == "running" and t["hostname"]
                ]
                return running[0] if len(running) == 1 else None

            ti = wait_for("a task fetching the hanging page", victim, timeout=240, every=0.3)
            killed_host = ti["hostname"]
            killed_name = hostnames[killed_host]
            state = json.loads((run_dir / "state.json").read_text())
            killed = kill_tree(int(state["components"][killed_name]["pid"]))
            killed_at = time.monotonic()
            gate.set()
            ingest_3 = wait_for(
                "news_ingest run 3 to recover", lambda: finished(api, "news_ingest", run_3), 420
            )
            timings["recovered"] = time.monotonic() - killed_at
            tries = api.tries("news_ingest", run_3, "poll_and_ingest", ti["map_index"])
            assert tries[0]["hostname"] == killed_host and tries[0]["state"] != "success", tries
            assert tries[-1]["state"] == "success" and tries[-1]["hostname"] != killed_host, tries
            assert tries[-1]["hostname"] in hostnames
            assert not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in killed)
            status = script(env, "status")
            assert status.returncode == 1  # a worker is down, and status says so
            assert re.search(rf"^{killed_name}\s+stopped\s+\(exit -9\)", status.stdout, re.M), status.stdout

            # exactly the ids of a clean run of the same site, each once
            after_fault = document_ids(es, prefix)
            reference = clean_reference(site, feeds, reference_prefix, es, work)
            for kind in KINDS:
                duplicates = sorted({i for i in after_fault[kind] if after_fault[kind].count(i) > 1})
                assert not duplicates, f"{kind} indexed twice: {duplicates[:5]}"
                assert after_fault[kind] == reference[kind], (
                    f"{kind}: {len(after_fault[kind])} ids vs {len(reference[kind])} in the clean run"
                )
            assert len(after_fault["articles"]) == 6
            wait_for("news_alerts after run 3", lambda: finished_all(api, "news_alerts"), timeout=180)
            assert len(smtp.inbox.received) == 1  # the late pages mention no ceasefire

            per_worker: dict[str, int] = {}
            for dag_id in ("news_ingest", "news_alerts"):
                for run in api.runs(dag_id):
                    for t in api.task_instances(dag_id, run["dag_run_id"]):
                        for one in api.tries(dag_id, run["dag_run_id"], t["task_id"], t["map_index"]):
                            if one.get("hostname"):
                                per_worker[one["hostname"]] = per_worker.get(one["hostname"], 0) + 1
            state = json.loads((run_dir / "state.json").read_text())
            celery_received = {n: len(worker_log_lines(run_dir, n, " received")) for n in sorted(workers)}
            summary = (
                f"ingest 1 {seconds(ingest_1):.1f}s (mapped tasks overlapped: {overlap}: {spread}), alerts"
                f" {seconds(alerts_1):.1f}s, ingest 2 {seconds(ingest_2):.1f}s, ingest 3 with a worker"
                f" SIGKILLed {seconds(ingest_3):.1f}s (recovered {timings['recovered']:.1f}s after the kill);"
                f" task tries per worker {dict(sorted(per_worker.items()))} (Celery messages received:"
                f" {celery_received}); peak RSS"
                f" {state['rss_peak_kb'] / 1024:.0f} MB, PSS {state['pss_peak_kb'] / 1024:.0f} MB"
            )
        finally:
            gate.set()
            stopping = time.monotonic()
            stopped = script(env, "stop", timeout=180)
            timings["stop"] = time.monotonic() - stopping
    total = time.monotonic() - started
    assert stopped.returncode == 0, stopped.stderr
    assert leftover_processes(run_dir) == []
    after = script(env, "status")
    assert after.returncode == 1 and "not running" in after.stdout
    print(
        f"\ncelery scale-out: healthy after {timings['healthy']:.1f}s; the ceasefire email"
        f" {timings['email']:.1f}s after start; {summary};"
        f" stop {timings['stop']:.1f}s; empty database to teardown {total:.1f}s"
    )


def worker_log_lines(run_dir: Path, name: str, word: str) -> list[str]:
    """Lines of a worker's log that contain ``word`` (failure messages)."""
    try:
        text = (run_dir / "logs" / f"{name}.log").read_text(errors="replace")
    except OSError:
        return []
    return [line[:200] for line in text.splitlines() if word in line]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def finished_all(api: Api, dag_id: str) -> bool:
    """Every run of ``dag_id`` ended (a failed one fails the test)."""
    return all(finished(api, dag_id, run["dag_run_id"]) for run in api.runs(dag_id))


def clean_reference(
    site: TestServer, feeds: Path, prefix: str, es: Elasticsearch, work: Path
) -> dict[str, list[str]]:
    """Ids of one clean ``python -m pipeline run --once`` of the same site under ``prefix``."""
    env = clean_env(
        ELASTICSEARCH_URL=ES_URL,
        NEWSMON_INDEX_PREFIX=prefix,
        NEWSMON_FEEDS=str(feeds),
        NEWSMON_ALLOW_PRIVATE="127.0.0.1/32",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--once"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return document_ids(es, prefix)


# --------------------------------------------------------------------------- without a cluster


def test_missing_redis_or_postgres_is_one_clear_line_and_starts_nothing(tmp_path: Path) -> None:
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    base = clean_env(NEWSMON_AIRFLOW_HOME=str(tmp_path / "run"), NEWSMON_ENV_FILE=str(env_file))
    cases = {
        "NEWSMON_REDIS_SERVER": ("apt-get install redis-server", "NEWSMON_REDIS_SERVER="),
        "NEWSMON_PG_BIN": ("apt-get install postgresql-15", "PostgreSQL 15 not found: no initdb, postgres"),
    }
    for variable, (package, first) in cases.items():
        env = base | {"NEWSMON_REDIS_SERVER": "/bin/true", variable: str(tmp_path / "nowhere")}
        out = script(env, "start", "--executor", "celery", timeout=60)
        last = out.stderr.strip().splitlines()[-1]
        assert out.returncode == 1, out.stderr
        assert first in last and package in last, last
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "run" / "state.json").exists()
        assert leftover_processes(tmp_path / "run") == []
    wrong = script(base, "start", "--workers", "2", timeout=60)
    assert wrong.returncode == 2 and "--workers N (N >= 1) goes with --executor celery" in wrong.stderr


@needs_celery
def test_a_service_dying_at_start_up_stops_everything_and_names_it(run_dir: Path) -> None:
    """Redis that exits at once (``/bin/false`` as redis-server): ``start`` exits 1 naming it,
    after PostgreSQL was started; nothing of the run folder is left running."""
    env_file = run_dir.parent / "empty.env"
    env_file.write_text("")
    env = clean_env(
        NEWSMON_AIRFLOW_HOME=str(run_dir), NEWSMON_ENV_FILE=str(env_file), NEWSMON_REDIS_SERVER="/bin/false"
    )
    out = script(env, "start", "--executor", "celery", timeout=240)
    assert out.returncode == 1, out.stderr
    assert "redis exited during start-up; last lines of logs/redis.log" in out.stderr
    assert (run_dir / "pg" / "data" / "PG_VERSION").exists()  # the cluster was made (and stopped)
    assert "postgres (pid" in (run_dir / "logs" / "supervisor.log").read_text()
    assert leftover_processes(run_dir) == []
    assert not (run_dir / "state.json").exists()
