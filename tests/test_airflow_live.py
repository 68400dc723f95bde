"""The real Airflow, started by ``scripts/airflow`` (not ``dag.test()``), runs newsmon's DAGs.

One scenario, as an operator would run it: ``scripts/airflow start`` (api-server, scheduler,
dag-processor, triggerer; LocalExecutor on SQLite) with its settings in an env file (the
real local Elasticsearch, a unique index prefix, the seed site as the only feed, an alerts
file with one ``ceasefire`` rule, SMTP at an aiosmtpd inbox). Through the REST API (JWT from
the simple auth manager): news_ingest and news_alerts are unpaused (news_maintenance stays
paused); news_ingest's first run succeeds on the seed site; news_alerts runs from the asset
event (run type ``asset_triggered``: its cron is set far away); exactly one ceasefire email
arrives; a second, manually triggered news_ingest succeeds, publishes nothing and no email
follows. ``scripts/airflow stop`` then leaves no process of the run (``pgrep -f airflow``).

Slow (~1.5-2.5 min on 2 cores) but part of ``scripts/test``; ``-m "not slow"`` leaves it out.
Timings and peak memory are printed (``pytest -s``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import runpy
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipeline.store.elastic import Indices
from tests.support.airflowapi import Api, finished, seconds, wait_for
from tests.support.elastic import drop_prefix
from tests.support.httpserver import TestServer
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

SCRIPT = ROOT / "scripts" / "airflow"
ES_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
RECIPIENT = "desk@example.org"
ALERTS_YAML = f"""rules:
  - name: ceasefire
    recipients: [{RECIPIENT}]
    query:
      keywords:
        any: [ceasefire]
"""


def run_processes(run_dir: Path) -> list[str]:
    """``pgrep -f airflow`` hits that belong to this run: working directory in the run folder,
    the folder on the command line, or the run marker in the environment (zombies excluded)."""
    hits = subprocess.run(["pgrep", "-f", "airflow"], capture_output=True, text=True).stdout.split()
    mine, pid = set(), os.getpid()
    while pid > 1:  # this test and its ancestors (their command line may say test_airflow_live)
        mine.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    found = []
    for hit in hits:
        if int(hit) in mine:
            continue
        proc = Path("/proc", hit)
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes()
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to read
        if Path(cwd) == run_dir or str(run_dir) in cmdline or f"={run_dir}".encode() in environ:
            found.append(f"{hit} {cmdline.strip()}")
    return found


@pytest.fixture
def prefix(es: Elasticsearch) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    drop_prefix(es, Indices(name))


def script(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("airflow") is None, reason="Airflow not installed (.[dev])")
@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep (procps)")
def test_real_airflow_runs_ingest_then_alerts_once_and_stops_clean(
    tmp_path: Path, prefix: str, seed_site: TestServer, smtp: SmtpServer
) -> None:
    run_dir = tmp_path / "airflow-run"
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {seed_site.url('/feed.xml')}\n    name: The Seed Courier\n")
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(ALERTS_YAML)
    env_file = tmp_path / "newsmon.env"
    env_file.write_text(
        "\n".join(
            [
                "# as an operator's .env",
                f"ELASTICSEARCH_URL={ES_URL}",
                f"NEWSMON_INDEX_PREFIX={prefix}",
                f"NEWSMON_FEEDS={feeds}",
                f"NEWSMON_ALERTS={alerts}",
                "NEWSMON_ALLOW_PRIVATE=127.0.0.1/32",
                "NEWSMON_SMTP_HOST=127.0.0.1",
                f"NEWSMON_SMTP_PORT={smtp.port}",
                "NEWSMON_MAIL_FROM=newsmon-test@example.org",
                'NEWSMON_ALERTS_CRON="0 0 1 1 *"',  # far away: a news_alerts run can only be the asset's
            ]
        )
        + "\n"
    )
    inherited = ("NEWSMON_", "AIRFLOW", "ELASTICSEARCH_")  # the test's settings only
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env |= {"NEWSMON_AIRFLOW_HOME": str(run_dir), "NEWSMON_ENV_FILE": str(env_file)}

    started = time.monotonic()
    try:
        out = script(env, "start")
        time_to_healthy = time.monotonic() - started
        assert out.returncode == 0, f"start failed:\n{out.stderr}\n{out.stdout}"
        assert "healthy after" in out.stderr
        ui = re.search(r"Airflow UI:\s+(http://127\.0\.0\.1:\d+)/", out.stdout)
        login = re.search(r"login:\s+(\S+) / (\S+)", out.stdout)
        assert ui and login, out.stdout
        config = (run_dir / "airflow.cfg").read_text()
        assert f"dags_folder = {ROOT / 'dags'}" in config
        assert f"parallelism = {len(os.sched_getaffinity(0))}\n" in config
        assert "executor = LocalExecutor" in config and "sql_alchemy_conn = sqlite:///" in config

        status = script(env, "status")
        assert status.returncode == 0, status.stdout + status.stderr
        for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
            assert re.search(rf"^{component}\s+running .* healthy", status.stdout, re.M), status.stdout
        assert len(run_processes(run_dir)) >= 5  # supervisor + 4 components: the check below sees them

        api = Api(ui.group(1), login.group(1), login.group(2))

        def registered() -> dict[str, Any] | None:
            found = {d["dag_id"]: d for d in api.get("/dags")["dags"]}
            return found if len(found) >= 3 else None

        dags = wait_for("the dag-processor to register the three DAGs", registered, timeout=90)
        assert set(dags) == {"news_ingest", "news_alerts", "news_maintenance"}
        assert all(d["is_paused"] for d in dags.values())  # paused at creation
        assert api.get("/importErrors")["total_entries"] == 0

        # unpausing runs the latest cron tick at once (catchup=False), even a year-old one:
        # let that run pass first, so that the next news_alerts run can only be the asset's
        api.send("PATCH", "/dags/news_alerts", {"is_paused": False})
        cron_run = wait_for("news_alerts' unpause run", lambda: api.runs("news_alerts"), timeout=60)[0]
        assert cron_run["run_type"] == "scheduled"
        wait_for(
            "news_alerts' unpause run to end",
            lambda: finished(api, "news_alerts", cron_run["dag_run_id"]),
            120,
        )
        assert smtp.inbox.received == []  # nothing indexed yet: nothing sent

        api.send("PATCH", "/dags/news_ingest", {"is_paused": False})  # starts its latest run at once
        unpaused = time.monotonic()
        first = wait_for("news_ingest's first run", lambda: api.runs("news_ingest"), timeout=60)
        assert first[0]["run_type"] == "scheduled"
        ingest_1 = wait_for(
            "news_ingest run 1 to finish", lambda: finished(api, "news_ingest", first[0]["dag_run_id"]), 180
        )
        ingest_1_done = time.monotonic()
        tasks = api.tasks("news_ingest", ingest_1["dag_run_id"])
        assert tasks["publish"] == "success" and tasks["poll_and_ingest[0]"] == "success", tasks
        assert "news_ingest summary" in api.log("news_ingest", ingest_1["dag_run_id"], "publish")
        # the connections scripts/airflow built from the env file were found and parsed
        assert "not available" not in api.log("news_ingest", ingest_1["dag_run_id"], "plan_batches")

        alert_runs = wait_for(
            "news_alerts to start from the asset event",
            lambda: api.runs("news_alerts")[1:],
            timeout=60,
        )
        assert [r["run_type"] for r in alert_runs] == ["asset_triggered"]
        alerts_1 = wait_for(
            "news_alerts to finish", lambda: finished(api, "news_alerts", alert_runs[0]["dag_run_id"]), 120
        )
        assert "not available" not in api.log("news_alerts", alerts_1["dag_run_id"], "evaluate_rules")
        events = api.get("/assets/events", limit=10)["asset_events"]
        assert [e["source_dag_id"] for e in events] == ["news_ingest"]
        assert events[0]["extra"].get("indexed", 0) >= 4, events[0]
        wait_for("the ceasefire email", lambda: smtp.inbox.messages, timeout=30, every=0.5)
        assert len(smtp.inbox.received) == 1
        recipients, message = smtp.inbox.received[0]
        assert recipients == [RECIPIENT]
        assert message["Subject"].startswith("[newsmon alert] ceasefire:"), message["Subject"]
        assert "newsmon-test@example.org" in message["From"]

        trigger = api.send("POST", "/dags/news_ingest/dagRuns", {"logical_date": None})
        assert trigger["run_type"] == "manual"
        ingest_2 = wait_for(
            "news_ingest run 2 to finish", lambda: finished(api, "news_ingest", trigger["dag_run_id"]), 180
        )
        assert api.tasks("news_ingest", ingest_2["dag_run_id"])["publish"] == "skipped"  # nothing new
        time.sleep(15)  # several scheduler loops: time for a (wrong) alert run to appear
        assert len(api.runs("news_alerts")) == 2  # the unpause run and the asset's
        assert len(api.get("/assets/events", limit=10)["asset_events"]) == 1
        assert len(smtp.inbox.received) == 1
        assert api.get("/dags/news_maintenance")["is_paused"] is True
        assert api.runs("news_maintenance") == []

        state = json.loads((run_dir / "state.json").read_text())
        print(
            f"\nairflow live: healthy after {time_to_healthy:.1f}s; ingest 1 {seconds(ingest_1):.1f}s"
            f" (unpause -> success {ingest_1_done - unpaused:.1f}s), alerts {seconds(alerts_1):.1f}s,"
            f" ingest 2 {seconds(ingest_2):.1f}s; peak RSS of the Airflow processes"
            f" {state['rss_peak_kb'] / 1024:.0f} MB (parallelism {state['parallelism']})"
        )
    finally:
        stopped = script(env, "stop", timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert run_processes(run_dir) == []
    after = script(env, "status")
    assert after.returncode == 1 and "not running" in after.stdout


# --------------------------------------------------------------------------- without Airflow running


def quick_env(tmp_path: Path, env_lines: list[str]) -> dict[str, str]:
    env_file = tmp_path / "bad.env"
    env_file.write_text("\n".join(env_lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "AIRFLOW", "ELASTICSEARCH_"))}
    return env | {"NEWSMON_AIRFLOW_HOME": str(tmp_path / "run"), "NEWSMON_ENV_FILE": str(env_file)}


def test_bad_settings_give_one_line_errors_and_start_nothing(tmp_path: Path) -> None:
    cases = {
        "ELASTICSEARCH_URL=ftp://es.example.org": "ELASTICSEARCH_URL='ftp://es.example.org': expected http",
        "NEWSMON_SMTP_HOST=mail\nNEWSMON_SMTP_PORT=twenty-five": "NEWSMON_SMTP_PORT='twenty-five'",
        "NEWSMON_AIRFLOW_PORT=-1": "NEWSMON_AIRFLOW_PORT='-1': expected a positive integer",
    }
    for lines, error in cases.items():
        env = quick_env(tmp_path, ["this line is not KEY=VALUE", *lines.split("\n")])
        out = script(env, "start", timeout=30)
        assert out.returncode == 1, out.stderr
        assert error in out.stderr.splitlines()[-1]
        assert "bad.env:1: not KEY=VALUE, ignored" in out.stderr
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "run" / "state.json").exists()
    missing = quick_env(tmp_path, []) | {"NEWSMON_ENV_FILE": str(tmp_path / "nope.env")}
    out = script(missing, "start", timeout=30)
    assert out.returncode == 1 and "nope.env: no such file" in out.stderr


def test_status_stop_and_usage_when_not_running(tmp_path: Path) -> None:
    env = quick_env(tmp_path, [])
    status = script(env, "status", timeout=30)
    assert (status.returncode, status.stdout.strip()) == (1, "not running")
    stop = script(env, "stop", timeout=30)
    assert stop.returncode == 0 and "not running" in stop.stderr
    usage = script(env, "restart", timeout=30)
    assert usage.returncode == 2 and "usage: scripts/airflow start|stop|status|env" in usage.stderr
    shown = script(env, "env", timeout=30)
    assert f"export AIRFLOW_HOME={tmp_path / 'run'}" in shown.stdout


def test_connections_built_from_newsmon_variables_survive_any_password() -> None:
    """The JSON connections parse back to what was given, quotes and @ in passwords included."""
    ns = runpy.run_path(str(SCRIPT), run_name="airflow_script")
    es = json.loads(
        ns["es_connection"](
            {"ELASTICSEARCH_URL": "https://u:p%40ss@es.example.org:9243", "ELASTICSEARCH_PASSWORD": 'a"b\\c'}
        )
    )
    assert es == {
        "conn_type": "generic",
        "extra": {"scheme": "https"},
        "host": "es.example.org",
        "port": 9243,
        "login": "u",
        "password": 'a"b\\c',
    }
    proxied = json.loads(ns["es_connection"]({"ELASTICSEARCH_URL": "http://u:p@proxy.local/es/"}))
    assert proxied["host"] == "http://proxy.local/es/" and proxied["password"] == "p"
    keyed = json.loads(ns["es_connection"]({"ELASTICSEARCH_URL": "http://h", "ELASTICSEARCH_API_KEY": "k=="}))
    assert keyed["extra"] == {"scheme": "http", "api_key": "k=="} and keyed["port"] == 9200
    smtp = json.loads(
        ns["smtp_connection"](
            {
                "NEWSMON_SMTP_HOST": "mail.example.org",
                "NEWSMON_SMTP_STARTTLS": "True",
                "NEWSMON_SMTP_USER": "me@example.org",
                "NEWSMON_SMTP_PASSWORD": 'p"w@:/',
                "NEWSMON_MAIL_FROM": "newsmon <n@example.org>",
            }
        )
    )
    assert smtp == {
        "conn_type": "smtp",
        "host": "mail.example.org",
        "port": 587,
        "login": "me@example.org",
        "password": 'p"w@:/',
        "extra": {"ssl": False, "starttls": True, "from_email": "newsmon <n@example.org>"},
    }
    assert (
        json.loads(ns["smtp_connection"]({"NEWSMON_SMTP_HOST": "h", "NEWSMON_SMTP_SSL": "1"}))["port"] == 465
    )
