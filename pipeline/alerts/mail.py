"""Compose alert emails and deliver them (SMTP, or a file outbox when asked for explicitly).

Everything that comes from a feed or a rule is untrusted: rule names, titles, sources, URLs,
snippets and outlets go into a message only after CR/LF and other C0/C1 control characters
are turned into spaces and the Unicode bidi controls (U+061C, U+200E/U+200F, U+202A-U+202E,
U+2066-U+2069: visual spoofing such as ``invoice\u202efdp.exe``) are removed; the composed
plain and HTML bodies are swept once more, so none of them reaches a message whatever field it
came in (newline and tab are kept only where newsmon lays out the body). Header values are
capped in length and ``EmailMessage`` encodes non-ASCII per RFC 2047; the HTML part escapes
every value.

Delivery (``transport_from_settings``): ``NEWSMON_OUTBOX`` set -> ``.eml`` files in that folder
(the demo's choice); else SMTP from ``NEWSMON_SMTP_*`` or the ``smtp:`` section of newsmon.yaml;
else ``Unconfigured``, whose every send raises DeliveryError, so the alerts stay ``pending``
with that error recorded and go out on the first run after mail is configured. Mail is never
written to a folder nobody reads. SMTP secrets come from the environment or are passed
directly (the Airflow DAG passes a connection's values), never from the repository.
"""

from __future__ import annotations

import html
import logging
import os
import re
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from pipeline.alerts.query import HL_POST, HL_PRE

log = logging.getLogger(__name__)
SUBJECT_MAX = 150
# Unicode Bidi_Control: ALM, LRM/RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI (removed)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# C0 and C1 controls (newline and tab included), line/paragraph separators (become spaces)
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same but for newline and tab, in a composed body; plus the highlight markers
BODY_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ue000\ue001]")
MARKERS = re.compile(f"[{HL_PRE}{HL_POST}]")


class DeliveryError(RuntimeError):
    """The message was not accepted; the alert stays pending and is retried next run."""


class Transport(Protocol):
    """Anything that can deliver an EmailMessage (raises DeliveryError when it cannot)."""

    def send(self, message: EmailMessage) -> None: ...


def one_line(value: Any) -> str:
    """``value`` as one line of visible text: bidi controls removed, other control characters
    (newline and tab too) turned into spaces, runs of whitespace collapsed."""
    text = BIDI.sub("", "" if value is None else str(value))
    return " ".join(CONTROL.sub(" ", text).split())


def clean_header(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line, no control or bidi characters, at most ``limit`` characters (with an ellipsis)."""
    text = one_line(MARKERS.sub(" ", value or ""))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def clean_body(text: str) -> str:
    """A composed body with no bidi controls and no control characters but newline and tab."""
    return BODY_CONTROL.sub(" ", BIDI.sub("", text))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class SmtpTransport:
    """Real SMTP: plain, STARTTLS or implicit TLS (SSL), optional login."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    timeout: float = 10.0
    sent: int = 0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpTransport | None:
        """From NEWSMON_SMTP_HOST/PORT/USER/PASSWORD/STARTTLS/SSL; None when no host is set."""
        env = dict(os.environ if env is None else env)
        host = env.get("NEWSMON_SMTP_HOST")
        if not host:
            return None
        use_ssl = _truthy(env.get("NEWSMON_SMTP_SSL"))
        default_port = 465 if use_ssl else 587 if _truthy(env.get("NEWSMON_SMTP_STARTTLS")) else 25
        return cls(
            host=host,
            port=int(env.get("NEWSMON_SMTP_PORT") or default_port),
            user=env.get("NEWSMON_SMTP_USER") or None,
            password=env.get("NEWSMON_SMTP_PASSWORD") or None,
            starttls=_truthy(env.get("NEWSMON_SMTP_STARTTLS")),
            use_ssl=use_ssl,
        )

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.use_ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            client.starttls(context=context)
        return client

    def send(self, message: EmailMessage) -> None:
        """Deliver or raise DeliveryError (connection refused, auth failure, recipients refused)."""
        try:
            with self._connect() as client:
                if self.user:
                    client.login(self.user, self.password or "")
                refused = client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        if refused:
            log.warning("some recipients refused: %s", sorted(refused))
        self.sent += 1


@dataclass
class FileOutbox:
    """Writes each message as an ``.eml`` file (the demo's "mail server"; only when
    ``NEWSMON_OUTBOX`` names the folder)."""

    folder: Path
    sent: int = 0

    def send(self, message: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
            tmp = self.folder / f".{name}.tmp"
            tmp.write_bytes(bytes(message))
            tmp.replace(self.folder / name)
        except OSError as exc:
            raise DeliveryError(f"outbox {self.folder}: {exc}") from exc
        self.sent += 1


UNCONFIGURED = (
    "no mail transport configured: set NEWSMON_SMTP_HOST (or smtp.host in newsmon.yaml, or the "
    "smtp_default Airflow connection), or NEWSMON_OUTBOX to write .eml files; alerts stay pending"
)


@dataclass
class Unconfigured:
    """Neither SMTP nor an outbox is configured: every send fails, so nothing is marked sent."""

    reason: str = UNCONFIGURED
    sent: int = 0

    def send(self, message: EmailMessage) -> None:
        raise DeliveryError(self.reason)


def transport_from_settings(settings: Any) -> Transport:
    """The file outbox when ``NEWSMON_OUTBOX`` is set (an explicit choice, it wins), else SMTP when
    ``NEWSMON_SMTP_HOST`` (or settings ``smtp.host``) is set, else ``Unconfigured``."""
    outbox = (os.environ.get("NEWSMON_OUTBOX") or "").strip()
    if outbox:
        return FileOutbox(Path(outbox))
    smtp = SmtpTransport.from_env()
    extra = (getattr(settings, "extra", None) or {}).get("smtp") or {}
    if smtp is None and isinstance(extra, dict) and extra.get("host"):
        smtp = SmtpTransport(
            host=str(extra["host"]),
            port=int(extra.get("port", 25)),
            starttls=bool(extra.get("starttls")),
            use_ssl=bool(extra.get("ssl")),
            user=os.environ.get("NEWSMON_SMTP_USER"),
            password=os.environ.get("NEWSMON_SMTP_PASSWORD"),
        )
    if smtp is not None:
        return smtp
    log.error("%s", UNCONFIGURED)
    return Unconfigured()


def mail_from(settings: Any = None) -> str:
    """Sender: NEWSMON_MAIL_FROM, settings ``smtp.from``, or a local default."""
    extra = (getattr(settings, "extra", None) or {}).get("smtp") or {}
    return clean_header(
        os.environ.get("NEWSMON_MAIL_FROM")
        or (extra.get("from") if isinstance(extra, dict) else None)
        or "newsmon <newsmon@localhost>",
        300,
    )


# --------------------------------------------------------------------------- content


def snippet_text(snippet: str) -> str:
    """Plain-text rendering: highlights as *word*."""
    return one_line(snippet).replace(HL_PRE, "*").replace(HL_POST, "*")


def snippet_html(snippet: str) -> str:
    """HTML rendering: escaped text, highlights as <mark>."""
    escaped = html.escape(one_line(snippet))
    return escaped.replace(HL_PRE, "<mark>").replace(HL_POST, "</mark>")


def _rison_string(value: str) -> str:
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def kibana_link(kibana_url: str, data_view: str, article_ids: list[str]) -> str:
    """Discover (Kibana 9 URL state) on the articles data view, for exactly these articles.

    The data view id is the articles alias (``<prefix>-articles``): the id pipeline.store.kibana
    gives the articles data view when it imports config/kibana for that prefix."""
    kql = "article_id:(" + " or ".join(f'"{a}"' for a in article_ids[:50]) + ")"
    state = (
        f"(dataSource:(dataViewId:{_rison_string(data_view)},type:dataView),"
        f"query:(language:kuery,query:{_rison_string(kql)}))"
    )
    return (
        f"{kibana_url.rstrip('/')}/app/discover#/?_g=(time:(from:now-30d,to:now))"
        f"&_a={quote(state, safe='(),:')}"
    )


def subject_for(rule_name: str, alerts: list[dict[str, Any]], digest: bool) -> str:
    """``[newsmon] rule: first title (+N more)``, safe for a header."""
    first = alerts[0].get("title") or alerts[0].get("url") or "new article"
    more = f" (+{len(alerts) - 1} more)" if len(alerts) > 1 else ""
    kind = "digest" if digest else "alert"
    head = clean_header(f"[newsmon {kind}] {rule_name}: ", 80)
    title = clean_header(first, SUBJECT_MAX)
    return clean_header(f"{head} {title}", SUBJECT_MAX - len(more)) + more


def _when(value: Any) -> str:
    if not value:
        return "unknown time"
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return clean_header(str(value), 64)


def _outlets(alert: dict[str, Any]) -> str:
    return ", ".join(one_line(o) for o in alert.get("other_outlets") or [])


def _plain_item(n: int, alert: dict[str, Any]) -> list[str]:
    lines = [
        f"{n}. {clean_header(alert.get('title') or '(no title)', 500)}",
        f"   {one_line(alert.get('source')) or '?'} | published {_when(alert.get('published_at'))}"
        f" | indexed {_when(alert.get('indexed_at'))}",
        f"   {one_line(alert.get('url')) or '(from the feed item; no page link)'}",
    ]
    if alert.get("other_outlets"):
        lines.append(f"   also reported by: {_outlets(alert)}")
    lines += [f"   > {snippet_text(s)}" for s in alert.get("snippets") or []]
    lines += [f"   - {clean_header(m, 400)}" for m in alert.get("matched") or []]
    return lines + [""]


def _html_item(alert: dict[str, Any]) -> str:
    esc = html.escape
    url = one_line(alert.get("url"))
    title = f"<b>{esc(clean_header(alert.get('title') or '(no title)', 500))}</b>"
    # a feed item without a link (indexed from the feed itself) has no page to link to
    linked = (
        f'<a href="{esc(url, quote=True)}">{title}</a>' if url.startswith(("http://", "https://")) else title
    )
    parts = [
        f"<li><p>{linked}<br>"
        f"<small>{esc(one_line(alert.get('source')) or '?')} &middot; published "
        f"{esc(_when(alert.get('published_at')))} &middot; indexed "
        f"{esc(_when(alert.get('indexed_at')))}</small></p>"
    ]
    if alert.get("other_outlets"):
        parts.append(f"<p><small>Also reported by: {esc(_outlets(alert))}</small></p>")
    parts += [f"<blockquote>{snippet_html(s)}</blockquote>" for s in alert.get("snippets") or []]
    if alert.get("matched"):
        parts.append(
            "<ul>" + "".join(f"<li>{esc(clean_header(m, 400))}</li>" for m in alert["matched"]) + "</ul>"
        )
    return "".join(parts) + "</li>"


def compose(
    rule_name: str,
    criteria: list[str],
    recipients: list[str] | tuple[str, ...],
    alerts: list[dict[str, Any]],
    sender: str,
    kibana: str,
    digest: bool = False,
) -> EmailMessage:
    """One multipart (plain + HTML) email for a rule's new stories."""
    message = EmailMessage()
    message["Subject"] = subject_for(rule_name, alerts, digest)
    message["From"] = clean_header(sender, 300)
    message["To"] = ", ".join(clean_header(r, 300) for r in recipients)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain="newsmon.local")
    message["X-Newsmon-Rule"] = clean_header(rule_name, 200)
    header = [
        f"Rule: {clean_header(rule_name, 200)}",
        f"Matched: {clean_header(', '.join(criteria), 500) or '-'}",
        f"{len(alerts)} new {'story' if len(alerts) == 1 else 'stories'}",
        "",
    ]
    body = header + [line for n, a in enumerate(alerts, 1) for line in _plain_item(n, a)]
    body.append(f"Search in Kibana: {kibana}")
    message.set_content(clean_body("\n".join(body) + "\n"))
    esc = html.escape
    page = (
        f"<html><body><h2>{esc(clean_header(rule_name, 200))}</h2>"
        f"<p>Matched: <b>{esc(clean_header(', '.join(criteria), 500) or '-')}</b> &middot; "
        f"{len(alerts)} new {'story' if len(alerts) == 1 else 'stories'}</p>"
        f"<ol>{''.join(_html_item(a) for a in alerts)}</ol>"
        f'<p><a href="{esc(kibana, quote=True)}">Search these articles in Kibana</a></p>'
        "</body></html>"
    )
    message.add_alternative(clean_body(page), subtype="html")
    return message
