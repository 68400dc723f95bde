"""Article text and metadata from HTML, with trafilatura (and htmldate for the date).

A page that cannot be fetched or yields no text still becomes an article: the feed's title
and summary are kept with a recorded ``extraction_status``, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from lxml import html as lxml_html

LANG_ATTR = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
MIN_TEXT_CHARS = 80


@dataclass
class Extracted:
    """What trafilatura found in one page (all optional but ``status``)."""

    status: str  # ok | no_text | error
    text: str = ""
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    sitename: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    error: str | None = None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def html_language(html: str) -> str | None:
    """The ``<html lang>`` attribute's primary subtag, when the page declares one."""
    match = LANG_ATTR.search(html[:5000].encode("utf-8", "ignore"))
    return match.group(1).decode().lower() if match else None


def extract_article(html: str, url: str | None = None) -> Extracted:
    """Run trafilatura on one page; never raises."""
    if not html or not html.strip():
        return Extracted(status="no_text", error="empty page")
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # noqa: BLE001 - a parser bug on one page must not stop the batch
        return Extracted(status="error", error=f"trafilatura failed: {type(exc).__name__}: {exc}")
    if doc is None:
        return Extracted(status="no_text", error="no main text found", language=html_language(html))
    text = (doc.text or "").strip()
    return Extracted(
        status="ok" if len(text) >= MIN_TEXT_CHARS else "no_text",
        text=text,
        title=doc.title,
        author=doc.author,
        published_at=_date(doc.date),
        sitename=doc.sitename,
        language=(doc.language or html_language(html)),
        canonical_url=doc.url if doc.url and doc.url.startswith("http") else None,
        error=None if len(text) >= MIN_TEXT_CHARS else "extracted text too short",
    )


def strip_html(fragment: str | None) -> str:
    """Plain text of a feed summary (which is often HTML)."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return fragment.strip()
    try:
        return " ".join(lxml_html.fromstring(f"<div>{fragment}</div>").text_content().split())
    except Exception:  # noqa: BLE001 - malformed fragments fall back to a crude strip
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())
