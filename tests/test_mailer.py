"""Email composition, header and bidi safety, and transports (real SMTP via aiosmtpd, real
files, and the real Elasticsearch for the "no transport configured" run)."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from pipeline.alerts.mail import (
    UNCONFIGURED,
    DeliveryError,
    FileOutbox,
    SmtpTransport,
    Unconfigured,
    clean_header,
    compose,
    kibana_link,
    transport_from_settings,
)
from pipeline.alerts.query import HL_POST, HL_PRE
from pipeline.alerts.run import run_alerts_once
from pipeline.config import FeedSpec
from pipeline.ingest.cycle import run_cycle
from tests.support.smtp import SmtpServer, free_port

ALERT = {
    "title": "Talks end without a ceasefire",
    "url": "https://news.example/a?x=1&y=<2>",
    "source": "Example <News>",
    "published_at": "2025-06-04T09:30:00+00:00",
    "indexed_at": "2025-06-04T09:35:00+00:00",
    "snippets": [f"talks ended without a {HL_PRE}ceasefire{HL_POST} <script>x</script>"],
    "matched": ["event ceasefire (negated): \u201cceasefire\u201d"],
    "other_outlets": ["Wire Copy <https://wire.example/a>"],
}


def build(title: str = ALERT["title"], **extra: object) -> email.message.EmailMessage:
    return compose(
        "ceasefire",
        ["ceasefire"],
        ["analyst@example.org", "desk@example.org"],
        [{**ALERT, "title": title, **extra}],
        "newsmon <newsmon@example.org>",
        "http://kibana.example:5601",
    )


def roundtrip(message: email.message.EmailMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(bytes(message), policy=default_policy)


def test_multipart_plain_and_html_with_everything():
    message = roundtrip(build())
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for text in (
        "Rule: ceasefire",
        "Talks end without a ceasefire",
        ALERT["url"],
        "Example <News>",
        "2025-06-04 09:30 UTC",
        "*ceasefire*",
        "event ceasefire (negated)",
        "also reported by: Wire Copy",
        "http://kibana.example:5601",
    ):
        assert text in plain, text
    assert "<mark>ceasefire</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Example &lt;News&gt;" in html and 'href="https://news.example/a?x=1&amp;y=&lt;2&gt;"' in html
    assert message["To"] == "analyst@example.org, desk@example.org"


@pytest.mark.parametrize(
    "title",
    [
        "Ceasefire\r\nBcc: victim@example.net",
        "Ceasefire\nX-Injected: yes\n\nbody",
        "Ceasefire\u2028Bcc: x@example.net\x00\x1b",
        "Перемирие: переговоры в Стамбуле ✓ " * 20,
    ],
)
def test_subject_is_header_safe(title):
    message = roundtrip(build(title))
    assert message["Bcc"] is None and message["X-Injected"] is None
    subject = str(message["Subject"])
    assert "\n" not in subject and "\r" not in subject and "\x00" not in subject
    assert len(subject) <= 150
    raw_headers = bytes(build(title)).split(b"\n\n", 1)[0].decode("ascii")  # encoded words only
    assert "Bcc:" not in [line.split(" ")[0] for line in raw_headers.splitlines()]


def test_clean_header_truncates_with_ellipsis():
    assert clean_header("a\r\nb\tc") == "a b c"
    long = clean_header("x" * 500, 50)
    assert len(long) == 50 and long.endswith("\u2026")


def test_kibana_link_escapes_quotes():
    link = kibana_link("http://k:5601/", "newsmon-articles", ["a'b", "c"])
    assert link.startswith("http://k:5601/app/discover#/")
    assert "'" not in link and " " not in link
    assert "dataViewId:%27newsmon-articles%27" in link


def test_file_outbox_writes_eml(tmp_path):
    outbox = FileOutbox(tmp_path / "outbox")
    outbox.send(build())
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1 and outbox.sent == 1
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert parsed["Subject"].startswith("[newsmon alert] ceasefire:")


def test_file_outbox_failure_is_delivery_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DeliveryError):
        FileOutbox(blocker / "sub").send(build())


def test_smtp_transport_from_env_delivers(monkeypatch):
    server = SmtpServer().start()
    try:
        monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("NEWSMON_SMTP_PORT", str(server.port))
        monkeypatch.delenv("NEWSMON_OUTBOX", raising=False)
        transport = SmtpTransport.from_env()
        assert transport is not None and not transport.starttls and not transport.use_ssl
        transport.send(build())
        assert len(server.inbox.received) == 1
        rcpt, message = server.inbox.received[0]
        assert rcpt == ["analyst@example.org", "desk@example.org"]
        assert isinstance(transport_from_settings(None), SmtpTransport)
    finally:
        server.stop()


def test_smtp_env_flags_and_refusal(monkeypatch):
    env = {
        "NEWSMON_SMTP_HOST": "mail.example",
        "NEWSMON_SMTP_SSL": "true",
        "NEWSMON_SMTP_USER": "u",
        "NEWSMON_SMTP_PASSWORD": "p",
    }
    transport = SmtpTransport.from_env(env)
    assert transport is not None and transport.use_ssl and transport.port == 465
    assert SmtpTransport.from_env({"NEWSMON_SMTP_HOST": "h", "NEWSMON_SMTP_STARTTLS": "1"}).port == 587
    assert SmtpTransport.from_env({}) is None
    with pytest.raises(DeliveryError):
        SmtpTransport("127.0.0.1", free_port(), timeout=2).send(build())


def test_outbox_only_when_named(monkeypatch, tmp_path):
    """NEWSMON_OUTBOX is an explicit choice (it wins over SMTP); without it and without SMTP
    there is no transport: sending fails with a clear error and no folder is written."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSMON_SMTP_HOST", raising=False)
    monkeypatch.setenv("NEWSMON_OUTBOX", str(tmp_path / "o"))
    transport = transport_from_settings(None)
    assert isinstance(transport, FileOutbox) and transport.folder == tmp_path / "o"
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    assert isinstance(transport_from_settings(None), FileOutbox)

    monkeypatch.delenv("NEWSMON_SMTP_HOST")
    for unset in ("", "  "):
        monkeypatch.setenv("NEWSMON_OUTBOX", unset)
        transport = transport_from_settings(None)
        assert isinstance(transport, Unconfigured)
        with pytest.raises(DeliveryError, match="NEWSMON_SMTP_HOST.*NEWSMON_OUTBOX"):
            transport.send(build())
    monkeypatch.delenv("NEWSMON_OUTBOX")
    assert isinstance(transport_from_settings(None), Unconfigured)
    assert list(tmp_path.iterdir()) == []  # no implicit ./outbox


# --------------------------------------------------------------------------- bidi


BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = set(BIDI) | {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} - {"\n", "\t"}


def visible_text(message: EmailMessage) -> list[str]:
    """Every decoded header value and body part of a received message (SMTP's CRLF line
    endings read as newlines)."""
    parts = [str(value) for _, value in message.items()]
    for part in message.walk():
        if not part.is_multipart():
            parts += [*[str(v) for _, v in part.items()], part.get_content()]
    return [p.replace("\r\n", "\n") for p in parts]


def test_bidi_and_control_characters_never_reach_a_received_email(smtp):
    """U+202E (and every other bidi control, C0/C1 control) in the rule name, title, source, URL,
    snippet, outlets and matched text: the email aiosmtpd receives has none of them."""
    rlo = "\u202e"
    spoof = f"invoice{rlo}fdp.exe{BIDI}\x1b[31m\x85\x07"
    alert = {
        "title": f"Ceasefire {spoof} talks",
        "url": f"https://news.example/{rlo}a{BIDI}",
        "source": f"Example{rlo} News{BIDI}\x0b",
        "published_at": f"not a date {rlo}",
        "indexed_at": "2025-06-04T09:35:00+00:00",
        "snippets": [f"a {HL_PRE}ceasefire{HL_POST} {spoof}\r\n"],
        "matched": [f"event ceasefire {spoof}"],
        "other_outlets": [f"Wire{rlo} Copy{BIDI}"],
    }
    message = compose(
        f"\x00cease{rlo}fire{BIDI}",
        [f"ceasefire{rlo}"],
        ["analyst@example.org"],
        [alert],
        f"newsmon{rlo} <newsmon@example.org>",
        "http://kibana.example:5601",
    )
    SmtpTransport("127.0.0.1", smtp.port, timeout=5).send(message)
    (received,) = smtp.inbox.messages
    texts = visible_text(received)
    found = {f"U+{ord(c):04X}" for text in texts for c in text if c in INVISIBLE}
    assert not found, found
    assert received["Subject"] == "[newsmon alert] ceasefire: Ceasefire invoicefdp.exe [31m talks"
    assert received["X-Newsmon-Rule"] == "ceasefire"
    plain = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Rule: ceasefire" in plain and "https://news.example/a" in plain
    assert "Example News" in plain and "also reported by: Wire Copy" in plain
    assert "*ceasefire* invoicefdp.exe" in plain and "\n" in plain  # layout kept
    html = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<a href="https://news.example/a">' in html and "<mark>ceasefire</mark>" in html


# --------------------------------------------------------------------------- no transport


RULE = """
rules:
  - name: ceasefire
    recipients: [analyst@example.org]
    query:
      keywords: {any: [ceasefire]}
"""


def _alert_records(es: Any, indices: Any) -> list[dict[str, Any]]:
    es.indices.refresh(index=indices.alerts)
    hits = es.search(index=indices.alerts, size=100, query={"match_all": {}})["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_no_smtp_and_no_outbox_keeps_alerts_pending_until_mail_is_configured(
    es, indices, settings, seed_site, smtp, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for key in ("NEWSMON_SMTP_HOST", "NEWSMON_SMTP_PORT", "NEWSMON_OUTBOX"):
        monkeypatch.delenv(key, raising=False)
    run_cycle(es, indices, [FeedSpec(seed_site.url("feed.xml"), "Seed")], settings, None)
    rules = tmp_path / "alerts.yaml"
    rules.write_text(RULE, encoding="utf-8")

    first = run_alerts_once(es, indices, settings, rules)  # default transport: none configured
    assert first["emails"] == 0 and first["sent"] == 0 and first["new_alerts"] == 2
    assert first["failed"] == {"ceasefire": UNCONFIGURED}
    stored = _alert_records(es, indices)
    assert len(stored) == 2 and {r["status"] for r in stored} == {"pending"}
    assert all(r["last_error"] == UNCONFIGURED for r in stored)
    assert not list(Path(tmp_path).rglob("*.eml")) and not (tmp_path / "outbox").exists()
    assert smtp.inbox.messages == []

    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_PORT", str(smtp.port))
    later = run_alerts_once(es, indices, settings, rules)
    assert later["emails"] == 1 and later["sent"] == 2 and not later["failed"]
    assert run_alerts_once(es, indices, settings, rules)["emails"] == 0
    assert len(smtp.inbox.messages) == 1
    assert {r["status"] for r in _alert_records(es, indices)} == {"sent"}


def test_story_without_a_page_link_or_with_a_non_web_link_is_not_linked() -> None:
    alerts = [
        {"title": "From the feed item", "url": None, "source": "wire", "snippets": [], "matched": []},
        {"title": "Hostile link", "url": "javascript:alert(1)", "source": "x", "snippets": [], "matched": []},
        {"title": "A page", "url": "https://news.example/a", "source": "y", "snippets": [], "matched": []},
    ]
    message = compose("r", ["ceasefire"], ["a@example.org"], alerts, "n@example.org", "http://kibana")
    html_part = message.get_body(("html",)).get_content()
    plain = message.get_body(("plain",)).get_content()
    assert 'href=""' not in html_part and 'href="javascript' not in html_part
    assert html_part.count('<a href="https://news.example/a">') == 1
    assert "(from the feed item; no page link)" in plain
