"""Several alert runners on one prefix: each (rule, story) is emailed exactly once.

Real Elasticsearch (each runner with its own client) and one real aiosmtpd inbox. Runners are
started together behind a barrier (threads) or as a separate process killed mid-run, so the
claim protocol of ``pipeline.alerts.run`` (conditional updates on ``_seq_no``/``_primary_term``,
leases that expire) is exercised against real concurrency, never simulated.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts.mail import SmtpTransport
from pipeline.alerts.run import RunSummary, run_alerts_once
from pipeline.alerts.state import AlertStatus, alert_id, claim, claimable, mark, renew
from pipeline.config import Settings
from pipeline.ingest.simhash import bands, simhash, to_hex
from pipeline.ingest.urls import stable_id
from pipeline.records import Article, ExtractionStatus
from pipeline.store.bulk import index_articles
from pipeline.store.elastic import Indices, make_client
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

TRIALS = 20
RULES = """
rules:
  - name: ceasefire
    recipients: [desk@example.org]
    query:
      keywords: {any: [ceasefire]}
  - name: truce
    recipients: [desk@example.org]
    query:
      keywords: {any: [truce]}
"""
# article slug -> keywords in its text; the (rule, story) pairs each trial must email once
ARTICLES = {"a": ["ceasefire"], "b": ["truce"], "c": ["ceasefire", "truce"]}
WORDS = (
    "minister harbour council railway budget province festival courtroom farmers grain "
    "bridge election senator market tariff pipeline drought museum airport hospital "
    "teachers strike vaccine border river mayor parliament coalition factory export "
    "satellite reactor refinery cabinet protest summit envoy treaty embassy ferry"
)
VOCAB = WORDS.split()  # filler for article texts: no rule keyword among them


def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def url_of(trial: int, slug: str) -> str:
    return f"https://courier.example/news/t{trial:02d}-{slug}.html"


def article(trial: int, slug: str, words: list[str], now: datetime) -> dict[str, Any]:
    """An indexed article whose text (random words, so no two are near-duplicates) holds ``words``."""
    rng = random.Random(f"{trial}-{slug}")
    text = " ".join(rng.choice(VOCAB) for _ in range(120))
    text += f". Officials said a {' and a '.join(words)} was discussed in round {trial}."
    url = url_of(trial, slug)
    signature = simhash(text)
    assert signature is not None
    return Article(
        article_id=stable_id("article", url),
        url=url,
        canonical_url=url,
        feed_id="feed",
        feed_name="Courier",
        feed_url="https://courier.example/feed.xml",
        domain="courier.example",
        title=f"Round {trial} report {slug}",
        summary=None,
        text=text,
        author=None,
        sitename="The Courier",
        language="en",
        published_at=now - timedelta(minutes=5),
        indexed_at=now,
        tags=[],
        extraction_status=ExtractionStatus.OK,
        extraction_error=None,
        fetch_status=200,
        content_hash=stable_id("content", text),
        simhash=to_hex(signature),
        simhash_bands=bands(signature),
    ).to_doc()


def index_trial(es: Elasticsearch, indices: Indices, trial: int) -> set[tuple[str, str]]:
    """Index this trial's fresh stories; returns the (rule, url) pairs that must be emailed."""
    now = datetime.now(UTC)
    docs = [article(trial, slug, words, now) for slug, words in ARTICLES.items()]
    assert index_articles(es, docs, indices).written == len(docs)
    es.indices.refresh(index=indices.articles)
    return {(word, url_of(trial, slug)) for slug, words in ARTICLES.items() for word in words}


def delivered(smtp: SmtpServer, start: int = 0) -> Counter[tuple[str, str]]:
    """(rule, story URL) of every story in the emails received since message ``start``."""
    seen: Counter[tuple[str, str]] = Counter()
    for message in smtp.inbox.messages[start:]:
        plain = message.get_body(("plain",)).get_content()
        rule = str(message["X-Newsmon-Rule"])
        seen.update(
            (rule, line.strip()) for line in plain.splitlines() if line.strip().startswith("https://")
        )
    return seen


def stored(es: Elasticsearch, indices: Indices, pairs: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The alert records of ``pairs`` (realtime), in order."""
    ids = [alert_id(rule, url) for rule, url in sorted(pairs)]
    docs = es.mget(index=indices.alerts, ids=ids)["docs"]
    assert all(d.get("found") for d in docs), [d["_id"] for d in docs if not d.get("found")]
    return [d["_source"] for d in docs]


def race(
    indices: Indices, settings: Settings, path: Path, smtp: SmtpServer, names: list[str]
) -> list[RunSummary]:
    """Start one runner per name at the same instant (a barrier), each with its own
    Elasticsearch client and SMTP connection to the same inbox; their summaries."""
    barrier = threading.Barrier(len(names))
    summaries: dict[str, RunSummary] = {}
    failures: list[BaseException] = []

    def runner(name: str) -> None:
        client = make_client()
        try:
            transport = SmtpTransport("127.0.0.1", smtp.port, timeout=10)
            barrier.wait(timeout=30)
            summaries[name] = run_alerts_once(client, indices, settings, path, transport, runner=name)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            failures.append(exc)
            barrier.abort()
        finally:
            client.close()

    threads = [threading.Thread(target=runner, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert set(summaries) == set(names)
    return [summaries[name] for name in names]


def test_two_runners_at_once_send_each_story_exactly_once(es, indices, settings, smtp, tmp_path):
    path = rules_file(tmp_path)
    started = time.perf_counter()
    contended = 0
    for trial in range(TRIALS):
        pairs = index_trial(es, indices, trial)
        before = len(smtp.inbox.messages)
        names = [f"runner-{trial}-x", f"runner-{trial}-y"]
        summaries = race(indices, settings, path, smtp, names)
        assert all(not s["failed"] and not s["rule_errors"] for s in summaries), summaries
        seen = delivered(smtp, before)
        assert seen == Counter(dict.fromkeys(pairs, 1)), (trial, seen, summaries)
        assert sum(s["sent"] for s in summaries) == len(pairs)
        records = stored(es, indices, pairs)
        assert {r["status"] for r in records} == {AlertStatus.SENT}, (trial, records)
        assert {r["claimed_by"] for r in records} <= set(names)
        contended += any(s["elsewhere"] for s in summaries)
    # the race was real: in some trials a runner found records the other held or claimed first
    assert contended >= TRIALS // 2
    assert len(smtp.inbox.messages) >= TRIALS
    assert time.perf_counter() - started < 60


class GatedTransport:
    """SMTP that holds each message until ``go`` is set (a runner busy sending)."""

    def __init__(self, port: int) -> None:
        self.inner = SmtpTransport("127.0.0.1", port, timeout=10)
        self.entered = threading.Event()
        self.go = threading.Event()

    def send(self, message: EmailMessage) -> None:
        self.entered.set()
        assert self.go.wait(timeout=60)
        self.inner.send(message)


def test_live_claim_is_left_to_its_runner(es, indices, settings, smtp, tmp_path):
    """Runner A holds the claims and is busy in SMTP; runner B, run meanwhile, sends nothing."""
    path = rules_file(tmp_path)
    pairs = index_trial(es, indices, 0)
    gate = GatedTransport(smtp.port)
    result: dict[str, RunSummary] = {}

    def slow() -> None:
        client = make_client()
        try:
            result["a"] = run_alerts_once(client, indices, settings, path, gate, runner="runner-a")
        finally:
            client.close()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        assert gate.entered.wait(timeout=60)
        records = stored(es, indices, pairs)
        assert {r["status"] for r in records} == {AlertStatus.SENDING}
        assert {r["claimed_by"] for r in records} == {"runner-a"}
        other = run_alerts_once(
            es, indices, settings, path, SmtpTransport("127.0.0.1", smtp.port, timeout=10), runner="runner-b"
        )
        assert other["emails"] == 0 and other["sent"] == 0 and other["elsewhere"] == len(pairs)
        assert other["new_alerts"] == 0 and not other["failed"]
        assert smtp.inbox.messages == []
        assert {r["claimed_by"] for r in stored(es, indices, pairs)} == {"runner-a"}
    finally:
        gate.go.set()
        thread.join(timeout=60)
    assert result["a"]["sent"] == len(pairs) and result["a"]["emails"] == 2
    assert delivered(smtp) == Counter(dict.fromkeys(pairs, 1))
    assert {r["status"] for r in stored(es, indices, pairs)} == {AlertStatus.SENT}


def test_claim_is_exclusive_and_a_lost_lease_cannot_be_renewed(es, indices, settings, tmp_path):
    """Two claims of the same version: one wins. After expiry a third runner takes over and the
    first can neither renew nor mark the record."""
    pairs = index_trial(es, indices, 0)
    path = rules_file(tmp_path)
    run_alerts_once(es, indices, settings, path, SmtpTransport("127.0.0.1", 1, timeout=1))
    ids = [alert_id(rule, url) for rule, url in sorted(pairs)]
    records, versions, _ = claimable(es, indices, ids, datetime.now(UTC))
    assert len(records) == len(ids)
    now = datetime.now(UTC)
    first = claim(es, indices, versions, "first", now, now + timedelta(seconds=1))
    second = claim(es, indices, versions, "second", now, now + timedelta(minutes=5))
    assert set(first) == set(ids) and second == {}
    # not claimable until the lease runs out
    assert claimable(es, indices, ids, datetime.now(UTC))[0] == []
    later = now + timedelta(seconds=2)
    expired, versions_now, _ = claimable(es, indices, ids, later)
    assert {r.alert_id for r in expired} == set(ids)
    third = claim(es, indices, versions_now, "third", later, later + timedelta(minutes=5))
    assert set(third) == set(ids)
    assert renew(es, indices, first, later + timedelta(minutes=5)) == {}
    assert set(mark(es, indices, records, {"status": "sent"}, versions=first)) == set(ids)
    assert {r["claimed_by"] for r in stored(es, indices, pairs)} == {"third"}
    assert {r["status"] for r in stored(es, indices, pairs)} == {AlertStatus.SENDING}


DOOMED = """
import os, signal, sys
from pipeline.alerts.run import run_alerts_once
from pipeline.config import Settings
from pipeline.store.elastic import Indices, make_client

class DieOnSend:
    def send(self, message):  # the process dies after claiming, before any byte reaches SMTP
        os.kill(os.getpid(), signal.SIGKILL)

prefix, rules, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
settings = Settings(analyze=False, extra={"alerts": {"lease_seconds": lease}})
run_alerts_once(make_client(), Indices(prefix), settings, rules, DieOnSend(), runner="doomed")
"""


def test_dead_runner_claim_is_sent_once_by_the_next_run_after_the_lease(
    es, indices, settings, smtp, tmp_path
):
    path = rules_file(tmp_path)
    pairs = index_trial(es, indices, 0)
    lease = 4.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DOOMED), indices.prefix, str(path), str(lease)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    records = stored(es, indices, pairs)
    assert {r["status"] for r in records} == {AlertStatus.SENDING}
    assert {r["claimed_by"] for r in records} == {"doomed"}
    assert smtp.inbox.messages == []

    settings = replace(settings, extra={"alerts": {"lease_seconds": lease}})
    transport = SmtpTransport("127.0.0.1", smtp.port, timeout=10)
    early = run_alerts_once(es, indices, settings, path, transport, runner="early")
    assert early["emails"] == 0 and early["elsewhere"] == len(pairs)
    assert smtp.inbox.messages == []

    expiry = max(datetime.fromisoformat(r["lease_until"]) for r in records)
    time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()) + 0.1)
    late = run_alerts_once(es, indices, settings, path, transport, runner="late")
    assert late["sent"] == len(pairs) and not late["failed"]
    assert delivered(smtp) == Counter(dict.fromkeys(pairs, 1))
    records = stored(es, indices, pairs)
    assert {r["status"] for r in records} == {AlertStatus.SENT}
    assert {r["claimed_by"] for r in records} == {"late"}
    assert all(r["attempts"] == 1 and r["lease_until"] is None for r in records)

    again = run_alerts_once(es, indices, settings, path, transport)
    assert again["emails"] == 0 and again["elsewhere"] == 0
    assert delivered(smtp) == Counter(dict.fromkeys(pairs, 1))
