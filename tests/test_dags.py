"""The Airflow DAGs: integrity in a DagBag, and end to end with ``dag.test()``.

``dag.test()`` runs every task in this process against an SQLite metadata database in a
temporary AIRFLOW_HOME, the real Elasticsearch node, the seed site, a feed that answers 500,
and an aiosmtpd SMTP server. Connections come from ``AIRFLOW_CONN_*`` variables, as in
production. Airflow reads its configuration when first imported, so nothing here imports it
at module level.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipeline.store.elastic import Indices
from tests.support import httpserver
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

pytestmark = [
    # Airflow is in the dev extra, which CI installs: this skip only spares a minimal install
    pytest.mark.skipif(
        importlib.util.find_spec("airflow") is None, reason="Airflow not installed (pip install -e .[dev])"
    ),
    # Airflow's own deprecation noise (.airflowignore matching, its in-process test client)
    pytest.mark.filterwarnings("ignore:GitWildMatchPattern:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]

DAGS = ROOT / "dags"
ASSET = "newsmon_articles"  # uri newsmon://articles
DAG_IDS = {"news_ingest", "news_alerts", "news_maintenance"}
ES_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")

BROKEN_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Broken links</title><link>{{BASE_URL}}/</link>
<description>an item whose page is gone</description>
<item><title>A page that no longer exists</title>
<link>{{BASE_URL}}/news/gone.html</link><guid>gone-1</guid>
<description>Summary kept although the page is gone.</description></item>
</channel></rss>"""


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throw-away AIRFLOW_HOME with a migrated SQLite database (set before Airflow loads)."""
    if "airflow.settings" in sys.modules:  # a test before this one imported Airflow: find it
        pytest.fail("Airflow was imported before its test configuration could be set")
    home = tmp_path_factory.mktemp("airflow")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, timeout=180
    )
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def load_dagbag() -> Any:
    """The DAG folder as Airflow's processor sees it (bundle path on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")


@pytest.fixture(scope="session")
def dagbag(airflow_home: Path) -> Any:
    return load_dagbag()


# --------------------------------------------------------------------------- integrity


def test_dag_files_import_without_errors_or_io(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing does no network I/O: Elasticsearch and SMTP are unreachable, sockets refuse."""
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_PORT", "9")

    def no_network(self: socket.socket, *args: Any) -> None:
        raise AssertionError(f"network I/O while parsing DAG files: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    started = time.perf_counter()
    bag = load_dagbag()
    elapsed = time.perf_counter() - started
    assert bag.import_errors == {}
    assert set(bag.dags) == DAG_IDS
    assert elapsed < 5, f"parsing took {elapsed:.1f}s"


def test_dags_tags_owners_and_limits(dagbag: Any) -> None:
    for dag_id in DAG_IDS:
        dag = dagbag.dags[dag_id]
        assert "newsmon" in dag.tags
        assert dag.owner == "newsmon"
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        assert dag.doc_md
        for task in dag.tasks:
            assert task.owner == "newsmon"
            assert task.retries >= 1 and task.retry_exponential_backoff


def test_schedules_as_documented(dagbag: Any) -> None:
    from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable

    ingest = dagbag.dags["news_ingest"]
    assert ingest.timetable.delta == timedelta(minutes=15)
    mapped = ingest.get_task("poll_and_ingest")
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(mapped, MappedOperator)  # dynamic task mapping (.expand)
    publish = ingest.get_task("publish")
    assert [o.name for o in publish.outlets] == [ASSET]

    alerts = dagbag.dags["news_alerts"].timetable
    assert isinstance(alerts, AssetOrTimeSchedule)
    assert isinstance(alerts.asset_condition, Asset)
    assert alerts.asset_condition.name == ASSET
    assert isinstance(alerts.timetable, CronTriggerTimetable)
    assert alerts.timetable.expression == "0 * * * *"

    maintenance = dagbag.dags["news_maintenance"].timetable
    assert isinstance(maintenance, CronTriggerTimetable)
    assert maintenance.expression == "30 2 * * *"


def test_ingest_interval_from_environment(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_INGEST_EVERY_MINUTES", "7")
    bag = load_dagbag()
    assert bag.dags["news_ingest"].timetable.delta == timedelta(minutes=7)


def test_connections_as_docker_compose_sets_them(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper turns compose's JSON connections into a client URL/auth and a transport."""
    from tests.test_compose import env_example, rendered_airflow_env, secrets

    values = {**env_example(), **{name: f"test-{name.lower()}" for name in secrets()}}
    env = rendered_airflow_env(values)
    for key in ("AIRFLOW_CONN_ELASTICSEARCH_DEFAULT", "AIRFLOW_CONN_SMTP_DEFAULT"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.syspath_prepend(str(DAGS))
    import _newsmon_conn as conn

    url, kwargs = conn.es_options(conn._connection(conn.ES_CONN_ID))
    assert url == "http://elasticsearch:9200"
    assert kwargs == {"basic_auth": ("newsmon", "test-newsmon_es_password")}
    transport = conn.smtp_transport()
    assert (transport.host, transport.port, transport.starttls, transport.use_ssl) == (
        "mailpit",
        1025,
        False,
        False,
    )
    assert transport.user is None
    assert conn.mail_sender() == "newsmon@localhost"

    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", "smtp://me:pw@mail.example.org:587")
    transport = conn.smtp_transport()
    assert (transport.port, transport.starttls, transport.use_ssl, transport.user) == (587, True, False, "me")
    monkeypatch.setenv(
        "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT", "elasticsearch://es.example.org:9243?scheme=https&api_key=abc"
    )
    assert conn.es_options(conn._connection(conn.ES_CONN_ID)) == (
        "https://es.example.org:9243",
        {"api_key": "abc"},
    )
    monkeypatch.delenv("AIRFLOW_CONN_ELASTICSEARCH_DEFAULT")
    assert conn.es_options(conn._connection(conn.ES_CONN_ID)) == (None, {})


SECRET = "s3cret-pw"


def _json(fields: str) -> str:
    """A JSON connection for mail.example.org with ``fields`` added (as written, maybe broken)."""
    return '{"conn_type": "smtp", "host": "mail.example.org", ' + fields + "}"


# id: (value, the SDK alone calls it "not defined")
MALFORMED = {
    "python True in JSON": (_json('"extra": {"disable_tls": True}'), True),
    "quote in a JSON password": (_json('"password": "s3cret"-pw"'), True),
    "port not a number (URI)": (f"smtp://me:{SECRET}@mail.example.org:25x", True),
    "port not a number (JSON)": (_json('"port": "twenty-five"'), True),
    "three schemes (URI)": (f"smtp://me:{SECRET}@mail.example.org:25://x", True),
    "extra not JSON": (_json('"extra": "{disable_tls: 1"'), False),
    "extra not an object": (_json('"extra": "[1]"'), False),
    "no host": ("not-a-uri", False),
    "flag not true/false": ("smtp://mail.example.org:25?disable_tls=maybe&verify_certs=maybe", False),
}


@pytest.mark.parametrize(("value", "sdk_not_found"), MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("conn_id", ["smtp_default", "elasticsearch_default"])
def test_connection_defined_but_unparsable_fails_naming_it(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch, conn_id: str, value: str, sdk_not_found: bool
) -> None:
    """The Task SDK reports a parse error as "isn't defined" (AirflowNotFoundException); the
    helper fails with BadConnection (no retry, no fallback) naming the connection, not its secret."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")  # a fallback that must not be taken
    monkeypatch.setenv("ELASTICSEARCH_URL", ES_URL)
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", value)
    monkeypatch.syspath_prepend(str(DAGS))
    import _newsmon_conn as conn

    if sdk_not_found:
        with pytest.raises(AirflowNotFoundException, match="isn't defined"):
            BaseHook.get_connection(conn_id)
    with pytest.raises(conn.BadConnection) as failure:
        if conn_id == "smtp_default":
            conn.smtp_transport()
        else:
            conn.es_options(conn._connection(conn_id))
    message = str(failure.value)
    assert isinstance(failure.value, AirflowFailException)
    assert f"connection {conn_id}" in message and "\n" not in message
    assert SECRET not in message and "s3cret" not in message


def test_connection_not_defined_falls_back_to_environment(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.alerts.mail import SmtpTransport, Unconfigured

    for key in ("AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT", "NEWSMON_OUTBOX"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_PORT", "2525")
    monkeypatch.syspath_prepend(str(DAGS))
    import _newsmon_conn as conn

    assert conn._connection(conn.SMTP_CONN_ID) is None
    assert conn.es_options(conn._connection(conn.ES_CONN_ID)) == (None, {})
    transport = conn.smtp_transport()
    assert isinstance(transport, SmtpTransport) and (transport.host, transport.port) == ("127.0.0.1", 2525)
    monkeypatch.delenv("NEWSMON_SMTP_HOST")
    assert isinstance(conn.smtp_transport(), Unconfigured)  # no SMTP, no outbox: no implicit folder


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def dead_feed() -> Iterator[httpserver.TestServer]:
    with httpserver.TestServer() as server:
        server.route("/feed.xml", httpserver.status(500, b"internal error"))
        yield server


@pytest.fixture
def newsmon_env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    indices: Indices,
    seed_site: Any,
    dead_feed: httpserver.TestServer,
    smtp: SmtpServer,
    airflow_home: Path,
) -> Path:
    """Feeds (seed, a feed with a dead link, a 500 feed), rules, settings and connections."""
    seed_site.overrides["broken.xml"] = BROKEN_FEED
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds:\n"
        f"  - {{url: '{seed_site.url('feed.xml')}', name: The Seed Courier, language: en}}\n"
        f"  - {{url: '{seed_site.url('broken.xml')}', name: Broken Links}}\n"
        f"  - {{url: '{dead_feed.url('/feed.xml')}', name: Always 500}}\n",
        encoding="utf-8",
    )
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: ceasefire\n"
        "    recipients: [analyst@example.org]\n"
        "    query: {keywords: {any: [ceasefire]}}\n",
        encoding="utf-8",
    )
    settings = tmp_path / "newsmon.yaml"
    settings.write_text(
        "per_host_delay: 0\nconnect_timeout: 2\ntotal_timeout: 5\nretries: 0\n"
        "allow_private: [127.0.0.0/8]\nanalyze: true\n",
        encoding="utf-8",
    )
    for key, value in {
        "NEWSMON_FEEDS": str(feeds),
        "NEWSMON_ALERTS": str(rules),
        "NEWSMON_SETTINGS": str(settings),
        "NEWSMON_INDEX_PREFIX": indices.prefix,
        "NEWSMON_OUTBOX": "",
        "NEWSMON_SMTP_HOST": "",
        "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT": ES_URL,
        "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{smtp.port}?disable_ssl=true&disable_tls=true"
        "&from_email=newsmon%40example.org",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)  # the connection must be used
    return tmp_path


def run(dagbag: Any, dag_id: str) -> dict[str, str]:
    """One ``dag.test()`` run; returns {task_id[map_index]: state}, asserting success."""
    dag_run = dagbag.dags[dag_id].test()
    states = {
        ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
        for ti in dag_run.get_task_instances()
    }
    assert str(dag_run.state) == "success", states
    return states


def asset_events(name: str) -> int:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AssetEvent)
                .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                .where(AssetModel.name == name)
            )
            or 0
        )


def count(es: Elasticsearch, index: str, query: dict[str, Any] | None = None) -> int:
    es.indices.refresh(index=index)
    return int(es.count(index=index, query=query or {"match_all": {}})["count"])


def test_ingest_and_alerts_end_to_end(
    dagbag: Any,
    es: Elasticsearch,
    indices: Indices,
    newsmon_env: Path,
    smtp: SmtpServer,
) -> None:
    before = asset_events(ASSET)

    states = run(dagbag, "news_ingest")
    assert states["publish"].endswith("success")
    assert asset_events(ASSET) == before + 1
    seed = {"wildcard": {"url": "*medvedev-istanbul-talks*"}}
    assert count(es, indices.articles, seed) == 1
    assert count(es, indices.articles) == 5  # four seed items + the one whose page is gone
    gone = es.search(index=indices.articles, query={"wildcard": {"url": "*gone.html"}})
    assert gone["hits"]["hits"][0]["_source"]["extraction_status"] != "ok"
    seed_id = es.search(index=indices.articles, query=seed)["hits"]["hits"][0]["_id"]
    assert count(es, indices.claims, {"term": {"article_id": seed_id}}) > 0
    assert count(es, indices.events, {"term": {"article_id": seed_id}}) > 0
    dead = es.search(index=indices.feeds, query={"term": {"last_status": 500}})["hits"]["hits"]
    assert len(dead) == 1 and dead[0]["_source"]["consecutive_failures"] == 1

    run(dagbag, "news_alerts")
    assert len(smtp.inbox.messages) == 1
    mail = smtp.inbox.messages[0]
    assert mail["To"] == "analyst@example.org"
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Medvedev" in body and "medvedev-istanbul-talks" in body
    assert "ceasefire" in body.lower()

    # again: nothing new is indexed, no asset event, no email
    states = run(dagbag, "news_ingest")
    assert states["publish"].endswith("skipped")
    assert asset_events(ASSET) == before + 1
    assert count(es, indices.articles) == 5
    run(dagbag, "news_alerts")
    assert len(smtp.inbox.messages) == 1


def test_maintenance_end_to_end(
    dagbag: Any,
    es: Elasticsearch,
    indices: Indices,
    newsmon_env: Path,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSMON_ADMIN_EMAIL", "admin@example.org")
    monkeypatch.setenv("NEWSMON_RETENTION_MONTHS", "12")
    now = datetime.now(UTC)
    old = f"{indices.prefix}-articles-{now.year - 2}.{now.month:02d}"
    es.indices.create(index=old)
    es.index(
        index=indices.feeds,
        id="dead",
        refresh=True,
        document={
            "feed_id": "dead",
            "url": "https://dead.example.org/rss",
            "name": "Dead Feed",
            "consecutive_failures": 40,
            "last_error": "HTTP 500",
            "last_error_kind": "http_status",
            "last_success_at": (now - timedelta(days=9)).isoformat(),
        },
    )
    run(dagbag, "news_maintenance")
    assert not es.indices.exists(index=old)
    month = now.month % 12 + 1
    year = now.year + (now.month == 12)
    assert es.indices.exists(index=f"{indices.prefix}-events-{year}.{month:02d}")
    assert len(smtp.inbox.messages) == 1
    report = smtp.inbox.messages[0]
    assert report["To"] == "admin@example.org"
    assert "https://dead.example.org/rss" in report.get_content()  # type: ignore[attr-defined]


def test_config_error_fails_fast_without_retries(
    dagbag: Any,
    indices: Indices,
    newsmon_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = newsmon_env / "broken-feeds.yaml"
    broken.write_text("feeds:\n  - name: no url here\n", encoding="utf-8")
    monkeypatch.setenv("NEWSMON_FEEDS", str(broken))
    started = time.perf_counter()
    dag_run = dagbag.dags["news_ingest"].test()
    assert str(dag_run.state) == "failed"
    (plan,) = [ti for ti in dag_run.get_task_instances() if ti.task_id == "plan_batches"]
    assert str(plan.state) == "failed" and plan.try_number == 1
    assert time.perf_counter() - started < 20


def alert_records(es: Elasticsearch, indices: Indices, status: str | None = None) -> int:
    if not es.indices.exists(index=indices.alerts):
        return 0
    return count(es, indices.alerts, {"term": {"status": status}} if status else None)


def ingest_seed(es: Elasticsearch, indices: Indices, settings: Any, seed_site: Any) -> None:
    """The seed feed indexed directly (the alert DAG is what these tests exercise)."""
    from pipeline.config import FeedSpec
    from pipeline.ingest.cycle import run_cycle

    assert run_cycle(
        es, indices, [FeedSpec(seed_site.url("feed.xml"), "Seed")], settings, None
    ).ingest.indexed


def test_malformed_smtp_connection_fails_alerts_task_and_sends_nothing(
    dagbag: Any,
    es: Elasticsearch,
    indices: Indices,
    settings: Any,
    seed_site: Any,
    newsmon_env: Path,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``True`` for ``true`` in AIRFLOW_CONN_SMTP_DEFAULT: the task fails on its first try, no
    record is marked sent, no outbox is written (not even the configured one); once the
    connection is fixed the next run sends the email exactly once."""
    ingest_seed(es, indices, settings, seed_site)
    monkeypatch.chdir(newsmon_env)
    monkeypatch.setenv("NEWSMON_OUTBOX", str(newsmon_env / "outbox"))
    conn = '{"conn_type": "smtp", "host": "127.0.0.1", "port": %d, "extra": {"disable_tls": %s}}'
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", conn % (smtp.port, "True"))

    dag_run = dagbag.dags["news_alerts"].test()
    assert str(dag_run.state) == "failed"
    (evaluate,) = dag_run.get_task_instances()
    assert str(evaluate.state) == "failed" and evaluate.try_number == 1
    assert smtp.inbox.messages == []
    assert alert_records(es, indices, "sent") == 0
    assert list(newsmon_env.rglob("*.eml")) == []

    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", conn % (smtp.port, "true"))
    run(dagbag, "news_alerts")
    run(dagbag, "news_alerts")
    assert len(smtp.inbox.messages) == 1
    assert alert_records(es, indices) == alert_records(es, indices, "sent") == 2
    assert list(newsmon_env.rglob("*.eml")) == []


def test_undefined_connections_use_newsmon_environment(
    dagbag: Any,
    es: Elasticsearch,
    indices: Indices,
    settings: Any,
    seed_site: Any,
    newsmon_env: Path,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest_seed(es, indices, settings, seed_site)
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT")
    monkeypatch.delenv("AIRFLOW_CONN_ELASTICSEARCH_DEFAULT")
    monkeypatch.setenv("ELASTICSEARCH_URL", ES_URL)
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("NEWSMON_MAIL_FROM", "env-sender@example.org")
    run(dagbag, "news_alerts")
    assert len(smtp.inbox.messages) == 1
    assert smtp.inbox.messages[0]["From"] == "env-sender@example.org"
    assert alert_records(es, indices, "sent") == 2
