"""Alert benchmarks: one alert run over a large index, and end-to-end latency in watch mode.

Part 1 - 200 rules over 20,000 indexed articles of which 500 arrived since the rules'
checkpoints; then the index doubled (40,000 + 500) and the new articles doubled
(20,000 + 1,000), to show the run time follows the new articles, not the index size.
Synthetic articles (and their events) are bulk-written straight into a dedicated prefix;
mail goes to a counting transport (composition included, no network).

Part 2 - ``python -m pipeline watch --interval 10`` as a subprocess against a local feed
server and a real SMTP server (aiosmtpd); items are added to the feed at random moments and
the delay from "item appears in the feed" to "email received" is measured.

    python benchmarks/bench_alerts.py [--quick] [--skip-watch] [--skip-run] [--no-analyze]

Run from the repository root in the dev environment (scripts/setup), which makes the test
support package (tests.support: servers, SMTP inbox, clean-up) importable.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from elasticsearch import helpers

from pipeline.alerts.rules import parse_rules
from pipeline.alerts.run import run_alerts_once
from pipeline.config import Settings
from pipeline.ingest.simhash import bands
from pipeline.store.elastic import (
    Indices,
    ensure_monthly_index,
    ensure_templates,
    make_client,
    wait_for_cluster,
)
from tests.support.alerting import CountingTransport, save_state
from tests.support.elastic import drop_prefix
from tests.support.httpserver import LoggedRequest, Responder, TestServer
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

TOPICS = [
    "ceasefire",
    "sanctions",
    "election",
    "protest",
    "earthquake",
    "drone",
    "missile",
    "refugees",
    "inflation",
    "tariffs",
    "hostage",
    "negotiations",
    "embargo",
    "strike",
    "flood",
    "wildfire",
    "coup",
    "summit",
    "treaty",
    "blockade",
    "pipeline",
    "vaccine",
    "outbreak",
    "famine",
    "cyberattack",
    "espionage",
    "referendum",
    "impeachment",
    "curfew",
    "evacuation",
    "airstrike",
    "shelling",
    "mobilization",
    "annexation",
    "armistice",
    "truce",
    "detention",
    "extradition",
    "asylum",
    "smuggling",
    "uranium",
    "enrichment",
    "satellite",
    "warship",
    "frigate",
    "submarine",
    "grain",
    "fertilizer",
    "oil",
    "gas",
    "lithium",
    "semiconductor",
    "chip",
    "bank",
    "default",
    "bond",
    "currency",
    "devaluation",
    "austerity",
    "pension",
    "strike",
    "walkout",
    "riot",
    "looting",
    "massacre",
    "genocide",
    "tribunal",
    "indictment",
    "verdict",
    "acquittal",
    "pardon",
    "amnesty",
    "prisoner",
    "exchange",
    "ransom",
    "kidnapping",
    "piracy",
    "militia",
    "insurgency",
    "separatist",
    "junta",
    "martial",
    "sanction",
    "visa",
    "border",
    "checkpoint",
    "corridor",
    "humanitarian",
    "aid",
    "convoy",
    "cholera",
    "measles",
    "drought",
    "locust",
    "cyclone",
    "typhoon",
    "tsunami",
    "landslide",
    "volcano",
    "heatwave",
    "blackout",
    "dam",
    "reactor",
    "radiation",
    "ballot",
    "recount",
    "fraud",
    "boycott",
    "opposition",
    "coalition",
    "resignation",
    "censorship",
    "journalist",
    "blogger",
    "hacker",
    "ransomware",
    "leak",
    "whistleblower",
]
PLACES = [
    "Kyiv",
    "Gaza",
    "Cairo",
    "Istanbul",
    "Belgrade",
    "Brussels",
    "Khartoum",
    "Taipei",
    "Caracas",
    "Tehran",
    "Damascus",
    "Kharkiv",
    "Odesa",
    "Beirut",
    "Manila",
    "Lagos",
]
_FILLER_TEXT = (
    "the a of to in and on for with said officials government minister week after "
    "before country people police forces report talks city region state security "
    "president leaders army local new plan group last first two three statement "
    "according sources residents spokesman agency international support"
)
FILLER = _FILLER_TEXT.split(" ")
EVENT_TYPES = ["ceasefire", "attack", "protest", "talks", "agreement", "arrest", "sanction"]
STATUSES = ["occurred", "negated", "planned", "reported"]
SOURCES = [f"outlet{i}.example" for i in range(40)]


def words(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        roll = rng.random()
        out.append(
            rng.choice(TOPICS) if roll < 0.006 else rng.choice(PLACES) if roll < 0.03 else rng.choice(FILLER)
        )
    return " ".join(out)


def article(rng: random.Random, i: int, when: datetime) -> dict[str, Any]:
    signature = rng.getrandbits(64)
    text = words(rng, 180)
    title = words(rng, 10).capitalize()
    url = f"https://{rng.choice(SOURCES)}/news/{i}"
    return {
        "article_id": f"a{i}",
        "url": url,
        "canonical_url": url,
        "title": title,
        "summary": text[:200],
        "text": text,
        "source": url.split("/")[2],
        "feed_name": "bench",
        "feed_names": ["bench"],
        "language": "en",
        "published_at": when.isoformat(),
        "indexed_at": when.isoformat(),
        "@timestamp": when.isoformat(),
        "simhash": f"{signature:016x}",
        "simhash_bands": bands(signature),
        "extraction_status": "ok",
    }


def event(rng: random.Random, doc: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "article_id": doc["article_id"],
        "indexed_at": doc["indexed_at"],
        "type": rng.choice(EVENT_TYPES),
        "status": rng.choice(STATUSES),
        "trigger": rng.choice(TOPICS),
        "actors": [rng.choice(PLACES)],
        "sentence": doc["text"][:120],
        "start": n,
        "end": n + 5,
    }


def populate(es: Any, indices: Indices, old: int, new: int, boundary: datetime) -> None:
    """``old`` articles over the last 30 days before ``boundary``, ``new`` just after it."""
    rng = random.Random(old * 7 + new)
    ensure_templates(es, indices)

    def actions() -> Any:
        for i in range(old + new):
            if i < old:
                when = boundary - timedelta(minutes=10 + rng.random() * 30 * 24 * 60)
            else:
                when = boundary + timedelta(seconds=1 + rng.random() * 50)
            doc = article(rng, i, when)
            yield {
                "_op_type": "create",
                "_index": indices.monthly("articles", when),
                "_id": doc["article_id"],
                "_source": doc,
            }
            for n in range(rng.randint(0, 2)):
                yield {
                    "_op_type": "index",
                    "_index": indices.monthly("events", when),
                    "_id": f"{doc['article_id']}-e{n}",
                    "_source": event(rng, doc, n),
                }

    months = {
        indices.monthly(k, boundary - timedelta(days=d))
        for k in ("articles", "events")
        for d in range(0, 32, 5)
    } | {indices.monthly(k, boundary) for k in ("articles", "events")}
    for index in months:
        ensure_monthly_index(es, index)
    for ok, item in helpers.streaming_bulk(es, actions(), chunk_size=2000, raise_on_error=False):
        if not ok:
            raise RuntimeError(item)
    es.indices.refresh(index=f"{indices.prefix}-*")


def bench_rules(count: int = 200) -> list[Any]:
    """A mix like an analyst desk's: mostly keyword rules, some structured and filtered."""
    rng = random.Random(42)
    items = []
    for i in range(count):
        base: dict[str, Any] = {"name": f"rule-{i:03d}", "recipients": ["analyst@example.org"]}
        kind = i % 10
        if kind < 6:
            query: dict[str, Any] = {"keywords": {"any": rng.sample(TOPICS, rng.randint(1, 3))}}
        elif kind == 6:
            query = {"keywords": {"all": rng.sample(TOPICS, 1) + rng.sample(PLACES, 1)}}
        elif kind == 7:
            query = {
                "keywords": {"any": rng.sample(TOPICS, 2), "exclude": rng.sample(PLACES, 3)},
                "source": rng.sample(SOURCES, 10),
            }
        elif kind == 8:
            query = {
                "event_type": rng.choice(EVENT_TYPES),
                "event_status": rng.choice(STATUSES),
                "keywords": {"any": rng.sample(TOPICS, 2)},
            }
        else:
            query = {
                "keywords": {"any": [f'"{rng.choice(FILLER)} {rng.choice(TOPICS)}"', rng.choice(TOPICS)]},
                "language": "en",
            }
        items.append({**base, "query": query})
    rules, errors = parse_rules({"rules": items}, "bench")
    assert not errors, errors
    return rules


def one_run(es: Any, old: int, new: int, rules: list[Any]) -> dict[str, Any]:
    indices = Indices(f"bench-alerts-{uuid.uuid4().hex[:8]}")
    boundary = datetime.now(UTC) - timedelta(minutes=1)
    try:
        started = time.perf_counter()
        populate(es, indices, old, new, boundary)
        load_seconds = time.perf_counter() - started
        for rule in rules:
            save_state(es, indices, rule.name, {"checkpoint": boundary.isoformat()})
        es.indices.refresh(index=indices.alert_state)
        transport = CountingTransport()
        settings = Settings(extra={"alerts": {"overlap_seconds": 0}})
        first = run_alerts_once(es, indices, settings, transport=transport, rules=rules)
        again = run_alerts_once(es, indices, settings, transport=CountingTransport(), rules=rules)
        return {
            "old": old,
            "new": new,
            "load_s": load_seconds,
            "run_s": first["seconds"],
            "emails": first["emails"],
            "stories": first["sent"],
            "rerun_s": again["seconds"],
            "rerun_emails": again["emails"],
            "failed": len(first["failed"]),
        }
    finally:
        drop_prefix(es, indices)


# --------------------------------------------------------------------------- watch latency


class FeedState:
    """A feed whose items are added while the watcher runs; pages served alongside."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def feed(self, base: str) -> bytes:
        with self.lock:
            items = "".join(
                f"<item><title>{title}</title><link>{base}/news/{slug}.html</link>"
                f"<guid>{slug}</guid><description>{title}</description></item>"
                for slug, title in self.items
            )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
            f"<link>{base}/</link><description>b</description>{items}</channel></rss>"
        ).encode()


def serve(state: FeedState) -> TestServer:
    """The feed (its items as they are now) and a ceasefire page for every item."""

    def feed(req: LoggedRequest, out: Responder) -> None:
        out.send(200, state.feed(out.server.base_url), [("Content-Type", "application/rss+xml")])

    def page(req: LoggedRequest, out: Responder) -> None:
        slug = req.path.split("/")[-1].removesuffix(".html")
        text = (
            f"Ceasefire bulletin {slug}. Negotiators said a ceasefire was agreed "
            "after long talks between the delegations in the capital. "
        ) * 6
        body = (
            f"<html><head><title>Ceasefire bulletin {slug}</title></head><body>"
            f"<article><h1>Ceasefire bulletin {slug}</h1><p>{text}</p></article>"
            "</body></html>"
        ).encode()
        out.send(200, body, [("Content-Type", "text/html; charset=utf-8")])

    server = TestServer()
    server.route("/feed.xml", feed)
    server.route_prefix("/news/", page)
    return server.start()


def watch_latency(items: int, interval: float, analyze: bool = True) -> list[float]:
    received: dict[str, float] = {}

    def arrived(message: EmailMessage) -> None:
        plain = message.get_body(("plain",))
        assert plain is not None, "newsmon's emails always have a plain-text part"
        body = plain.get_content()
        now = time.time()
        for line in body.splitlines():
            if "Ceasefire bulletin " in line:
                slug = line.split("Ceasefire bulletin ")[1].split()[0]
                received.setdefault(slug, now)

    smtp = SmtpServer(on_message=arrived).start()
    state = FeedState()
    server = serve(state)
    base = server.base_url
    prefix = f"bench-watch-{uuid.uuid4().hex[:8]}"
    es = make_client()
    workdir = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    (workdir / "feeds.yaml").write_text(f"feeds:\n  - url: {base}/feed.xml\n    name: Bench\n")
    (workdir / "alerts.yaml").write_text(
        "rules:\n  - name: ceasefire\n    recipients: [analyst@example.org]\n"
        "    query: {keywords: {any: [ceasefire]}}\n"
    )
    env = {
        **os.environ,
        "NEWSMON_INDEX_PREFIX": prefix,
        "NEWSMON_ALLOW_PRIVATE": "127.0.0.1/32",
        "NEWSMON_SMTP_HOST": "127.0.0.1",
        "NEWSMON_SMTP_PORT": str(smtp.port),
        "NEWSMON_ALERTS": str(workdir / "alerts.yaml"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("NEWSMON_OUTBOX", None)
    log = open(workdir / "watch.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "watch",
            "--interval",
            str(interval),
            "--feeds",
            str(workdir / "feeds.yaml"),
            *([] if analyze else ["--no-analyze"]),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    appeared: dict[str, float] = {}
    rng = random.Random(7)
    try:
        time.sleep(interval + 3)  # first (empty) cycle done, templates created
        for n in range(items):
            time.sleep(rng.uniform(2, interval + 2))
            slug = f"item{n}-{uuid.uuid4().hex[:6]}"
            with state.lock:
                state.items.append((slug, f"Ceasefire bulletin {slug}"))
            appeared[slug] = time.time()
        deadline = time.time() + interval + 15
        while time.time() < deadline and len(received) < items:
            time.sleep(0.2)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        smtp.stop()
        server.stop()
        drop_prefix(es, Indices(prefix))
    missing = [s for s in appeared if s not in received]
    if missing:
        print(f"  {len(missing)} items never alerted; see {workdir / 'watch.log'}")
    return [received[s] - appeared[s] for s in appeared if s in received]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    parser.add_argument("--skip-watch", action="store_true")
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--items", type=int, default=7, help="feed items in the watch test")
    parser.add_argument("--no-analyze", action="store_true", help="watch without the claim/event extractors")
    args = parser.parse_args()
    es = make_client()
    wait_for_cluster(es)
    if not args.skip_run:
        scale = 10 if args.quick else 1
        sizes = [
            (20_000 // scale, 500 // scale),
            (40_000 // scale, 500 // scale),
            (20_000 // scale, 1_000 // scale),
        ]
        rules = bench_rules()
        print(f"one alert run, {len(rules)} rules (checkpoint set just before the new articles)")
        print(
            f"{'indexed':>8} {'new':>6} {'run s':>7} {'emails':>7} {'stories':>8} "
            f"{'re-run s':>9} {'re-run emails':>14} {'load s':>7}"
        )
        for old, new in sizes:
            row = one_run(es, old, new, rules)
            print(
                f"{old + new:>8} {new:>6} {row['run_s']:>7.2f} {row['emails']:>7} "
                f"{row['stories']:>8} {row['rerun_s']:>9.2f} {row['rerun_emails']:>14} "
                f"{row['load_s']:>7.1f}" + (f"  ({row['failed']} rules failed)" if row["failed"] else "")
            )
    if not args.skip_watch:
        interval = 10.0
        print(
            f"\nwatch latency: interval {interval:.0f}s, {args.items} items at random moments,"
            f" extractors {'off' if args.no_analyze else 'on'}"
        )
        latencies = watch_latency(args.items, interval, not args.no_analyze)
        if latencies:
            print(f"{'items':>6} {'min s':>6} {'p50 s':>6} {'p95 s':>6} {'max s':>6}")
            print(
                f"{len(latencies):>6} {min(latencies):>6.1f} {statistics.median(latencies):>6.1f}"
                f" {pct(latencies, 0.95):>6.1f} {max(latencies):>6.1f}"
            )
            print("  each: " + ", ".join(f"{v:.1f}" for v in latencies))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
