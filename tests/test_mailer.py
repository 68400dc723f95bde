"""Email composition, header safety and transports (real SMTP via aiosmtpd, real files)."""

from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest

from pipeline.alerts.mail import (
    DeliveryError,
    FileOutbox,
    SmtpTransport,
    clean_header,
    compose,
    kibana_link,
    transport_from_settings,
)
from pipeline.alerts.query import HL_POST, HL_PRE
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


def test_outbox_is_the_default_transport(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSMON_SMTP_HOST", raising=False)
    monkeypatch.setenv("NEWSMON_OUTBOX", str(tmp_path / "o"))
    transport = transport_from_settings(None)
    assert isinstance(transport, FileOutbox) and transport.folder == tmp_path / "o"
