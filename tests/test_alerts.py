"""Email alerts end to end: real Elasticsearch, real SMTP (aiosmtpd), seeds served over HTTP."""

from __future__ import annotations

import argparse
import email
import io
import re
import time
from contextlib import redirect_stdout
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from pipeline.alerts.mail import SmtpTransport
from pipeline.alerts.run import run_alerts_once
from pipeline.alerts.state import alert_id, load_states
from pipeline.alerts.stories import STORY_BITS
from pipeline.cli.alerts import alerts_command
from pipeline.config import FeedSpec
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.simhash import distance
from pipeline.ingest.urls import stable_id
from pipeline.store.bulk import index_kind
from tests.support.alerting import save_state
from tests.support.paths import SEEDS
from tests.support.smtp import SmtpServer

MEDVEDEV_TITLE = (
    "Urgent Warning: Russia\u2019s Military Advances in Ukraine Signal Inevitable Revenge, Says Medvedev"
)
CEASEFIRE_RULE = """
rules:
  - name: ceasefire
    recipients: [analyst@example.org]
    query:
      keywords: {any: [ceasefire]}
"""


def transport_for(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", server.port, timeout=5)


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def ingest(
    es: Any,
    indices: Any,
    settings: Any,
    site: Any,
    feeds: tuple[str, ...] = ("feed.xml",),
    analyzer: Any = None,
) -> Any:
    specs = [FeedSpec(site.url(f), f"Feed {f}") for f in feeds]
    return run_cycle(es, indices, specs, settings, analyzer)


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def seed_feed() -> str:
    return (SEEDS / "feed.xml").read_text(encoding="utf-8")


def seed_page(name: str) -> str:
    return (SEEDS / "news" / name).read_text(encoding="utf-8")


def feed_with(items: str, base: str | None = None) -> bytes:
    """The seed feed (or ``base``) with extra <item>s appended."""
    return (base or seed_feed()).replace("</channel>", items + "\n  </channel>").encode()


def item(slug: str, title: str, description: str = "") -> str:
    return (
        f"<item><title>{title}</title><link>{{{{BASE_URL}}}}/news/{slug}.html</link>"
        f'<guid isPermaLink="false">{slug}</guid>'
        f"<pubDate>Mon, 09 Jun 2025 10:00:00 +0000</pubDate>"
        f"<description>{description}</description></item>"
    )


def page(
    title: str, paragraphs: list[str], canonical: str | None = None, site: str = "The Seed Courier"
) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'{link}<meta property="og:site_name" content="{site}">'
        f'<meta property="og:title" content="{title}"></head><body><main><article>'
        f'<h1>{title}</h1><div class="article-body">{body}</div></article></main>'
        "</body></html>"
    ).encode()


def records(es: Any, indices: Any) -> list[dict[str, Any]]:
    es.indices.refresh(index=indices.alerts)
    hits = es.search(index=indices.alerts, size=100, query={"match_all": {}})["hits"]["hits"]
    return [h["_source"] for h in hits]


# --------------------------------------------------------------------------- seed scenario


def test_seed_scenario_one_email_then_nothing_then_one_more(es, indices, settings, seed_site, smtp, tmp_path):
    assert ingest(es, indices, settings, seed_site).ingest.indexed == 4
    path = rules_file(tmp_path, CEASEFIRE_RULE)
    transport = transport_for(smtp)

    first = run_alerts_once(es, indices, settings, path, transport)
    assert first["emails"] == 1 and not first["rule_errors"] and not first["failed"]
    assert len(smtp.inbox.messages) == 1
    rcpt, message = smtp.inbox.received[0]
    assert rcpt == ["analyst@example.org"]
    plain, html = parts(message)
    assert MEDVEDEV_TITLE in plain
    assert seed_site.url("news/medvedev-istanbul-talks.html") in plain
    assert "<mark>ceasefire</mark>" in html.lower()
    assert "*ceasefire*" in plain.lower()
    # the Gaza item says "cease-fire": the variant matches too, in the same email
    assert "Gaza cease-fire" in plain
    assert message["Subject"].startswith("[newsmon alert] ceasefire:")
    assert "/app/discover" in html

    second = run_alerts_once(es, indices, settings, path, transport)
    assert second["emails"] == 0 and second["new_alerts"] == 0
    assert len(smtp.inbox.messages) == 1

    seed_site.overrides["feed.xml"] = feed_with(
        item(
            "ukraine-truce",
            "Ceasefires proposed for Kharkiv front",
            "Officials discussed two local ceasefires.",
        )
    )
    seed_site.overrides["news/ukraine-truce.html"] = page(
        "Ceasefires proposed for Kharkiv front",
        [
            "Officials in Kyiv discussed two local ceasefires along the Kharkiv front line on "
            "Monday, according to people familiar with the talks held behind closed doors."
        ]
        * 3,
    )
    assert ingest(es, indices, settings, seed_site).ingest.indexed == 1
    third = run_alerts_once(es, indices, settings, path, transport)
    assert third["emails"] == 1 and third["new_alerts"] == 1
    assert len(smtp.inbox.messages) == 2
    plain, html = parts(smtp.inbox.messages[1])
    assert "Ceasefires proposed for Kharkiv front" in plain
    assert MEDVEDEV_TITLE not in plain
    assert "<mark>ceasefires</mark>" in html.lower()
    assert run_alerts_once(es, indices, settings, path, transport)["emails"] == 0
    sent = records(es, indices)
    assert len(sent) == 3 and {r["status"] for r in sent} == {"sent"}


def test_alerts_test_command_shows_without_sending(es, indices, settings, seed_site, tmp_path):
    ingest(es, indices, settings, seed_site)
    path = rules_file(tmp_path, CEASEFIRE_RULE)
    out = io.StringIO()
    with redirect_stdout(out):
        code = alerts_command(
            argparse.Namespace(alerts_command="test", rule="ceasefire", rules=str(path)),
            settings,
            es,
            indices,
        )
    assert code == 0
    text = out.getvalue()
    assert "[new]" in text and "Medvedev" in text and "[ceasefire]" in text.lower()
    assert records(es, indices) == []
    assert load_states(es, indices, ["ceasefire"]) == {}


# --------------------------------------------------------------------------- structured


STRUCTURED_RULES = """
rules:
  - name: ceasefire-negated
    recipients: [analyst@example.org]
    query: {event_type: ceasefire, event_status: negated}
  - name: ceasefire-occurred
    recipients: [analyst@example.org]
    query: {event_type: ceasefire, event_status: occurred}
  - name: medvedev
    recipients: [analyst@example.org]
    query: {speaker: Medvedev}
  - name: medvedev-on-ceasefire
    recipients: [analyst@example.org]
    query:
      speaker: Medvedev
      keywords: {any: [ceasefire]}
  - name: revenge-in-claims
    recipients: [analyst@example.org]
    query:
      keywords: {any: [revenge], fields: [claims]}
  - name: ceasefire-trigger
    recipients: [analyst@example.org]
    query:
      keywords: {any: [ceasefire], fields: [events]}
"""


def _article_id(es: Any, indices: Any, slug: str) -> dict[str, Any]:
    hits = es.search(index=indices.articles, query={"wildcard": {"url": f"*{slug}*"}}, size=1)["hits"]["hits"]
    return hits[0]["_source"]


def _derived(article: dict[str, Any], body: dict[str, Any], kind: str) -> tuple[str, dict]:
    ref = {
        k: article.get(k)
        for k in (
            "article_id",
            "url",
            "title",
            "source",
            "feed_id",
            "feed_name",
            "published_at",
            "indexed_at",
            "language",
        )
    }
    doc_id = stable_id(kind, article["article_id"], str(body["start"]), str(body["end"]))
    return doc_id, {**ref, **body}


def _structured_outcome(es, indices, settings, tmp_path, smtp) -> dict[str, str]:
    path = rules_file(tmp_path, STRUCTURED_RULES)
    summary = run_alerts_once(es, indices, settings, path, transport_for(smtp))
    assert not summary["rule_errors"] and not summary["failed"], summary
    by_rule = {m["X-Newsmon-Rule"]: parts(m)[0] for m in smtp.inbox.messages}
    return by_rule


def test_structured_rules_on_extracted_docs(es, indices, settings, seed_site, smtp, tmp_path):
    """Claims/events written for the real ingested seed article (as the extractor would)."""
    ingest(es, indices, settings, seed_site)
    seed = _article_id(es, indices, "medvedev-istanbul-talks")
    gaza = _article_id(es, indices, "gaza-truce-cairo")
    sentence = "However, the talks ended without a breakthrough on a ceasefire, a key demand."
    events = [
        _derived(
            seed,
            {
                "type": "ceasefire",
                "trigger": "ceasefire",
                "status": "negated",
                "sentence": sentence,
                "actors": ["Kyiv", "Russia"],
                "country": "Ukraine",
                "start": 1257,
                "end": 1266,
                "cameo": "08",
            },
            "event",
        ),
        _derived(
            seed,
            {
                "type": "attack",
                "trigger": "advances",
                "status": "occurred",
                "sentence": "x",
                "actors": ["Russia"],
                "start": 272,
                "end": 280,
            },
            "event",
        ),
        _derived(
            gaza,
            {
                "type": "ceasefire",
                "trigger": "cease-fire",
                "status": "planned",
                "sentence": "y",
                "actors": ["Egypt"],
                "start": 10,
                "end": 20,
            },
            "event",
        ),
    ]
    claims = [
        _derived(
            seed,
            {
                "speaker": "Dmitry Medvedev",
                "speaker_type": "PERSON",
                "cue": "assert",
                "kind": "mixed",
                "sentence": "z",
                "content": "revenge is inevitable",
                "start": 96,
                "end": 334,
            },
            "claim",
        )
    ]
    index_kind(es, "events", events, indices)
    index_kind(es, "claims", claims, indices)
    es.indices.refresh(index=f"{indices.prefix}-*")

    by_rule = _structured_outcome(es, indices, settings, tmp_path, smtp)
    assert set(by_rule) == {
        "ceasefire-negated",
        "medvedev",
        "medvedev-on-ceasefire",
        "revenge-in-claims",
        "ceasefire-trigger",
    }
    assert MEDVEDEV_TITLE in by_rule["revenge-in-claims"]
    assert "Belgrade" not in by_rule["revenge-in-claims"]
    assert MEDVEDEV_TITLE in by_rule["ceasefire-trigger"] and "Gaza" in by_rule["ceasefire-trigger"]
    assert MEDVEDEV_TITLE in by_rule["ceasefire-negated"]
    assert "event ceasefire (negated)" in by_rule["ceasefire-negated"]
    assert "Gaza" not in by_rule["ceasefire-negated"]
    assert "claim by Dmitry Medvedev" in by_rule["medvedev"]
    assert MEDVEDEV_TITLE in by_rule["medvedev-on-ceasefire"]


def test_structured_rules_with_real_extractor(es, indices, settings, seed_site, smtp, tmp_path, analyzer):
    ingest(es, indices, settings, seed_site, analyzer=analyzer)
    by_rule = _structured_outcome(es, indices, settings, tmp_path, smtp)
    assert MEDVEDEV_TITLE in by_rule["ceasefire-negated"]
    assert MEDVEDEV_TITLE in by_rule["medvedev"]
    assert MEDVEDEV_TITLE in by_rule["revenge-in-claims"]
    assert "ceasefire-occurred" not in by_rule or MEDVEDEV_TITLE not in by_rule["ceasefire-occurred"]


# --------------------------------------------------------------------------- same story


def _mirror_feed(slug: str, title: str) -> bytes:
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Mirror</title><link>{{BASE_URL}}/</link><description>m</description>"
        "</channel></rss>"
    )
    return feed_with(item(slug, title), feed)


def test_two_feeds_same_canonical_url_one_alert(es, indices, settings, seed_site, smtp, tmp_path):
    original = seed_page("medvedev-istanbul-talks.html")
    copy = original.replace('content="The Seed Courier"', 'content="Mirror Daily"')
    seed_site.overrides["news/mirror-medvedev.html"] = copy.encode()
    seed_site.overrides["mirror.xml"] = _mirror_feed("mirror-medvedev", MEDVEDEV_TITLE)
    ingest(es, indices, settings, seed_site, ("feed.xml", "mirror.xml"))
    es.indices.refresh(index=indices.articles)
    assert es.count(index=indices.articles)["count"] == 5

    summary = run_alerts_once(
        es, indices, settings, rules_file(tmp_path, CEASEFIRE_RULE), transport_for(smtp)
    )
    assert summary["emails"] == 1 and summary["matches"] == 3 and summary["stories"] == 2
    plain, _ = parts(smtp.inbox.messages[0])
    assert plain.count(MEDVEDEV_TITLE) == 1
    assert re.search(r"also reported by: (Mirror Daily|The Seed Courier) <", plain)


def test_near_identical_text_under_other_urls_one_alert(es, indices, settings, seed_site, smtp, tmp_path):
    original = seed_page("medvedev-istanbul-talks.html")
    copy = (
        original.replace("/news/medvedev-istanbul-talks.html", "/wire/medvedev-copy.html")
        .replace('content="The Seed Courier"', 'content="Wire Copy"')
        .replace("entering its third year", "entering its 3rd year")
    )
    seed_site.overrides["news/wire-medvedev.html"] = copy.encode()
    seed_site.overrides["wire.xml"] = _mirror_feed("wire-medvedev", MEDVEDEV_TITLE)
    path = rules_file(tmp_path, CEASEFIRE_RULE)
    ingest(es, indices, settings, seed_site, ("feed.xml",))
    assert run_alerts_once(es, indices, settings, path, transport_for(smtp))["emails"] == 1
    # the copy arrives later under another URL: same story, no second alert
    ingest(es, indices, settings, seed_site, ("wire.xml",))
    es.indices.refresh(index=indices.articles)
    docs = [
        h["_source"]
        for h in es.search(
            index=indices.articles, size=10, query={"match_phrase": {"text": "revenge is inevitable"}}
        )["hits"]["hits"]
    ]
    assert len(docs) == 2 and docs[0]["canonical_url"] != docs[1]["canonical_url"]
    assert 0 < distance(docs[0]["simhash"], docs[1]["simhash"]) <= STORY_BITS
    later = run_alerts_once(es, indices, settings, path, transport_for(smtp))
    assert later["matches"] == 3 and later["new_alerts"] == 0 and later["emails"] == 0
    assert len(smtp.inbox.messages) == 1


def test_near_identical_copies_in_one_run_list_other_outlet(es, indices, settings, seed_site, smtp, tmp_path):
    original = seed_page("medvedev-istanbul-talks.html")
    copy = original.replace("/news/medvedev-istanbul-talks.html", "/wire/medvedev-copy.html").replace(
        'content="The Seed Courier"', 'content="Wire Copy"'
    )
    seed_site.overrides["news/wire-medvedev.html"] = copy.encode()
    seed_site.overrides["wire.xml"] = _mirror_feed("wire-medvedev", MEDVEDEV_TITLE)
    ingest(es, indices, settings, seed_site, ("feed.xml", "wire.xml"))
    summary = run_alerts_once(
        es, indices, settings, rules_file(tmp_path, CEASEFIRE_RULE), transport_for(smtp)
    )
    assert summary["emails"] == 1 and summary["stories"] == 2
    plain, html = parts(smtp.inbox.messages[0])
    assert plain.count(MEDVEDEV_TITLE) == 1
    assert re.search(r"also reported by: (Wire Copy|The Seed Courier) <", plain)
    stored = [r for r in records(es, indices) if r["title"] == MEDVEDEV_TITLE]
    assert len(stored) == 1 and len(stored[0]["article_ids"]) == 2


# --------------------------------------------------------------------------- delivery


def test_smtp_down_then_up_exactly_one_delivery(es, indices, settings, seed_site, tmp_path):
    ingest(es, indices, settings, seed_site)
    path = rules_file(tmp_path, CEASEFIRE_RULE)
    server = SmtpServer()
    transport = transport_for(server)
    down = run_alerts_once(es, indices, settings, path, transport)
    assert down["emails"] == 0 and down["new_alerts"] == 2 and "ceasefire" in down["failed"]
    assert {r["status"] for r in records(es, indices)} == {"pending"}
    assert all(r["attempts"] == 1 and r["last_error"] for r in records(es, indices))
    assert all(r["claimed_by"] is None and r["lease_until"] is None for r in records(es, indices))
    assert "checkpoint" not in load_states(es, indices, ["ceasefire"]).get("ceasefire", {})
    still_down = run_alerts_once(es, indices, settings, path, transport)
    assert still_down["new_alerts"] == 0 and still_down["pending"] == 2

    server.start()
    try:
        up = run_alerts_once(es, indices, settings, path, transport)
        assert up["emails"] == 1 and up["sent"] == 2 and not up["failed"]
        again = run_alerts_once(es, indices, settings, path, transport)
        assert again["emails"] == 0
        assert len(server.inbox.messages) == 1
        plain, _ = parts(server.inbox.messages[0])
        assert plain.count(MEDVEDEV_TITLE) == 1
        assert {r["status"] for r in records(es, indices)} == {"sent"}
        assert load_states(es, indices, ["ceasefire"])["ceasefire"]["checkpoint"]
    finally:
        server.stop()


def send_then_hold(
    es, indices, settings, seed_site, smtp, tmp_path, rule_options: str, new_item: str
) -> tuple[Path, object, dict]:
    """Ceasefire rule with `rule_options`: one email for the seed, then `new_item` arrives
    and the rule runs again; returns the rules file, the transport and that second run."""
    ingest(es, indices, settings, seed_site)
    path = rules_file(tmp_path, CEASEFIRE_RULE + rule_options)
    transport = transport_for(smtp)
    assert run_alerts_once(es, indices, settings, path, transport)["emails"] == 1
    seed_site.overrides["feed.xml"] = feed_with(new_item)
    ingest(es, indices, settings, seed_site)
    return path, transport, run_alerts_once(es, indices, settings, path, transport)


def move_last_send_back(es, indices, rule: str, minutes: int) -> None:
    """Pretend the rule's last email went out `minutes` earlier than it did."""
    state = load_states(es, indices, [rule])[rule]
    before = datetime.fromisoformat(state["last_sent_at"]) - timedelta(minutes=minutes)
    save_state(es, indices, rule, {"last_sent_at": before.isoformat()})


def test_digest_sends_at_most_one_email_per_period(es, indices, settings, seed_site, smtp, tmp_path):
    path, transport, held = send_then_hold(
        es,
        indices,
        settings,
        seed_site,
        smtp,
        tmp_path,
        "    mode: digest\n    period: hourly\n",
        item("truce-2", "Ceasefire holds in the north", "The ceasefire held overnight."),
    )
    assert held["emails"] == 0 and held["held"] == ["ceasefire"] and held["pending"] == 1
    # an hour later (simulated by moving the last send back), the digest goes out
    move_last_send_back(es, indices, "ceasefire", minutes=61)
    later = run_alerts_once(es, indices, settings, path, transport)
    assert later["emails"] == 1 and later["sent"] == 1
    assert len(smtp.inbox.messages) == 2
    assert smtp.inbox.messages[1]["Subject"].startswith("[newsmon digest] ceasefire:")


# --------------------------------------------------------------------------- bad rules


BAD_RULES = """
rules:
  - name: unknown-field
    recipients: [analyst@example.org]
    query: {keywords: {any: [ceasefire]}, colour: red}
  - name: empty-keywords
    recipients: [analyst@example.org]
    query: {keywords: {any: []}}
  - name: unbalanced
    recipients: [analyst@example.org]
    query: {keywords: {any: ['"prisoner exchange']}}
  - name: bad-raw
    recipients: [analyst@example.org]
    query: {raw: {no_such_query: {title: x}}}
  - name: syntax-soup
    recipients: [analyst@example.org]
    query: {keywords: {any: ['Russia AND (', 'title:(x OR', ceasefire]}}
"""


def test_bad_rules_reported_and_others_still_run(es, indices, settings, seed_site, smtp, tmp_path):
    ingest(es, indices, settings, seed_site)
    path = rules_file(tmp_path, BAD_RULES)
    summary = run_alerts_once(es, indices, settings, path, transport_for(smtp))
    errors = summary["rule_errors"]
    assert len(errors) == 4, errors
    for name, words in [
        ("unknown-field", "colour: unknown field"),
        ("empty-keywords", "empty"),
        ("unbalanced", "unbalanced quotes"),
        ("bad-raw", "query.raw"),
    ]:
        line = next(e for e in errors if f"rule {name!r}" in e)
        assert str(path) in line and words in line and "\n" not in line
    assert summary["rules"] == 1 and summary["emails"] == 1 and not summary["failed"]
    assert smtp.inbox.messages[0]["X-Newsmon-Rule"] == "syntax-soup"
    out = io.StringIO()
    with redirect_stdout(out):
        code = alerts_command(
            argparse.Namespace(alerts_command="run", rules=str(path)), settings, es, indices
        )
    assert code == 1  # rule errors make the command fail loudly, after running the good rule


# --------------------------------------------------------------------------- injection


def test_header_injection_in_titles(es, indices, settings, seed_site, smtp, tmp_path):
    evil = (
        "Ceasefire &#13;&#10;Bcc: victim@example.net&#13;&#10;X-Evil: 1 "
        "\u00e9\u00e8 \u0421\u0435\u0432\u0430\u0441\u0442\u043e\u043f\u043e\u043b\u044c "
        + "very long title "
        * 30
    )
    seed_site.overrides["feed.xml"] = feed_with(item("evil", evil, "ceasefire"))
    seed_site.overrides["news/evil.html"] = b"not found"
    ingest(es, indices, settings, seed_site)
    rule = CEASEFIRE_RULE.replace(
        "keywords: {any: [ceasefire]}", 'keywords: {any: [ceasefire]}\n      raw: {wildcard: {url: "*evil*"}}'
    )
    run_alerts_once(es, indices, settings, rules_file(tmp_path, rule), transport_for(smtp))
    assert len(smtp.inbox.received) == 1
    rcpt, message = smtp.inbox.received[0]
    assert rcpt == ["analyst@example.org"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    subject = str(message["Subject"])
    assert "\n" not in subject and "\r" not in subject and len(subject) <= 160
    assert "Bcc: victim" in subject  # neutralised into the subject text, not a header
    assert "\u0421\u0435\u0432\u0430\u0441\u0442\u043e\u043f\u043e\u043b\u044c" in subject


def test_history_record_fields_for_kibana(es, indices, settings, seed_site, smtp, tmp_path):
    ingest(es, indices, settings, seed_site)
    run_alerts_once(es, indices, settings, rules_file(tmp_path, CEASEFIRE_RULE), transport_for(smtp))
    seed = _article_id(es, indices, "medvedev-istanbul-talks")
    stored = es.get(index=indices.alerts, id=alert_id("ceasefire", seed["canonical_url"]))["_source"]
    assert stored["status"] == "sent" and stored["sent_at"] and stored["article_id"]
    assert stored["recipients"] == ["analyst@example.org"]
    assert stored["matched_terms"] == ["ceasefire"]  # the highlighted word, as the email shows it
    assert stored["rule"] == "ceasefire" and stored["url"] == seed["url"]
    now = datetime.now(UTC)
    assert abs(datetime.fromisoformat(stored["created_at"]) - now) < timedelta(minutes=5)


# --------------------------------------------------------------------------- more delivery


def test_throttle_holds_back_until_interval_passed(es, indices, settings, seed_site, smtp, tmp_path):
    path, transport, held = send_then_hold(
        es,
        indices,
        settings,
        seed_site,
        smtp,
        tmp_path,
        "    throttle: 30m\n",
        item("truce-3", "Ceasefire extended", "The ceasefire was extended."),
    )
    assert held["held"] == ["ceasefire"] and held["emails"] == 0
    move_last_send_back(es, indices, "ceasefire", minutes=31)
    assert run_alerts_once(es, indices, settings, path, transport)["sent"] == 1
    assert len(smtp.inbox.messages) == 2


def test_crash_between_send_and_record_resends_once_after_the_lease(
    es, indices, settings, seed_site, smtp, tmp_path, monkeypatch
):
    """The documented window: accepted by SMTP, process dies before marking "sent". The records
    stay claimed (``sending``) until the lease runs out, then one run sends them once more."""
    import pipeline.alerts.run as alerting

    settings = replace(settings, extra={"alerts": {"lease_seconds": 3}})
    ingest(es, indices, settings, seed_site)
    path = rules_file(tmp_path, CEASEFIRE_RULE)
    real_mark = alerting.mark

    def crash(es_, indices_, records_, values, **kwargs):
        if values.get("status") == "sent":
            raise SystemExit("killed")
        return real_mark(es_, indices_, records_, values, **kwargs)

    monkeypatch.setattr(alerting, "mark", crash)
    with pytest.raises(SystemExit):
        run_alerts_once(es, indices, settings, path, transport_for(smtp), runner="crashed")
    monkeypatch.setattr(alerting, "mark", real_mark)
    assert len(smtp.inbox.messages) == 1
    stored = records(es, indices)
    assert {r["status"] for r in stored} == {"sending"} and {r["claimed_by"] for r in stored} == {"crashed"}
    # the lease still holds: the next run leaves them to their (dead) runner
    early = run_alerts_once(es, indices, settings, path, transport_for(smtp))
    assert early["emails"] == 0 and early["elsewhere"] == 2 and len(smtp.inbox.messages) == 1
    lease = max(datetime.fromisoformat(r["lease_until"]) for r in stored)
    time.sleep(max(0.0, (lease - datetime.now(UTC)).total_seconds()) + 0.1)
    later = run_alerts_once(es, indices, settings, path, transport_for(smtp), runner="next")
    assert later["emails"] == 1 and later["sent"] == 2
    assert run_alerts_once(es, indices, settings, path, transport_for(smtp))["emails"] == 0
    assert len(smtp.inbox.messages) == 2  # at-least-once: one duplicate, nothing lost
    stored = records(es, indices)
    assert {r["status"] for r in stored} == {"sent"} and {r["claimed_by"] for r in stored} == {"next"}


def test_cli_alerts_run_writes_outbox(es, indices, settings, seed_site, tmp_path, monkeypatch):
    from pipeline.cli import main

    ingest(es, indices, settings, seed_site)
    monkeypatch.setenv("NEWSMON_INDEX_PREFIX", indices.prefix)
    monkeypatch.setenv("NEWSMON_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("NEWSMON_SMTP_HOST", raising=False)
    assert main(["alerts", "run", "--rules", str(rules_file(tmp_path, CEASEFIRE_RULE))]) == 0
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert MEDVEDEV_TITLE in parts(message)[0]
    assert main(["alerts", "run", "--rules", str(tmp_path / "alerts.yaml")]) == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
