"""Page text: an article's main text and metadata from its HTML, with trafilatura.

("Extraction" in newsmon means claims and events; this module turns HTML into text.)

A page that cannot be fetched or yields no text still becomes an article: the feed's title
and summary are kept with a recorded ``extraction_status``, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import trafilatura
from lxml import html as lxml_html
from lxml.html import HtmlElement
from trafilatura.utils import load_html

LANG_ATTR = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
MIN_TEXT_CHARS = 80
JSON_LD_AUTHOR = re.compile(r'"author"\s*:\s*\[?\s*\{[^{}]*?"name"\s*:\s*"([^"]{2,100})"')


class PageStatus(StrEnum):
    """Whether a page gave usable main text."""

    OK = "ok"
    NO_TEXT = "no_text"
    ERROR = "error"


@dataclass
class PageText:
    """What trafilatura found in one page (all optional but ``status``)."""

    status: PageStatus
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


def _meta(tree: HtmlElement, *queries: str) -> str | None:
    """First non-empty value of the XPath queries (attribute or text results)."""
    for query in queries:
        for value in tree.xpath(query):
            text = " ".join(str(value).split())
            if text:
                return text
    return None


def _json_ld_author(tree: HtmlElement) -> str | None:
    """``author.name`` from schema.org JSON-LD, which most news sites embed."""
    for block in tree.xpath('//script[@type="application/ld+json"]/text()'):
        match = JSON_LD_AUTHOR.search(block)
        if match:
            return " ".join(match.group(1).split()) or None
    return None


def cheap_metadata(tree: HtmlElement) -> dict[str, str | None]:
    """Title, author, site name, canonical URL, language and date from the page's head.

    A handful of XPath look-ups: enough when the feed entry already gives the publication
    date, so trafilatura's full metadata pass (htmldate's date search, ~25% of extraction
    time) runs only for entries without one.
    """
    return {
        "title": _meta(tree, '//meta[@property="og:title"]/@content', "//title/text()", "//h1//text()"),
        "author": _meta(
            tree,
            '//meta[@name="author" or @name="byl" or @name="parsely-author"'
            ' or @name="sailthru.author" or @name="dc.creator"]/@content',
            '//*[@itemprop="author"]//*[@itemprop="name"]/@content',
            '//*[@itemprop="author"]//*[@itemprop="name"]//text()',
            '//a[@rel="author"]//text()',
        )
        or _json_ld_author(tree),
        "sitename": _meta(tree, '//meta[@property="og:site_name"]/@content'),
        "url": _meta(tree, '//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'),
        "language": _meta(tree, "/html/@lang"),
        "date": _meta(
            tree,
            '//meta[@property="article:published_time"]/@content',
            '//meta[@itemprop="datePublished"]/@content',
        ),
    }


def page_text(html: str, url: str | None = None, full_metadata: bool = True) -> PageText:
    """Run trafilatura on one page; never raises.

    ``full_metadata=False`` (the feed already dated the entry) replaces trafilatura's
    metadata pass with :func:`cheap_metadata`.
    """
    if not html or not html.strip():
        return PageText(status=PageStatus.NO_TEXT, error="empty page")
    try:
        meta: dict[str, str | None] = {}
        source: str | HtmlElement = html
        if not full_metadata:
            tree = load_html(html)
            if tree is not None:
                meta = cheap_metadata(tree)
                source = tree
        doc = trafilatura.bare_extraction(
            source,
            url=url,
            with_metadata=full_metadata,
            include_comments=False,
            include_tables=True,
        )
    except Exception as exc:  # noqa: BLE001 - a parser bug on one page must not stop the batch
        return PageText(status=PageStatus.ERROR, error=f"trafilatura failed: {type(exc).__name__}: {exc}")
    if doc is None or isinstance(doc, dict):  # a dict only with as_dict=True, never asked for here
        return PageText(status=PageStatus.NO_TEXT, error="no main text found", language=html_language(html))
    text = (doc.text or "").strip()
    ok = len(text) >= MIN_TEXT_CHARS
    language = doc.language or meta.get("language") or html_language(html)
    canonical = doc.url or meta.get("url")
    return PageText(
        status=PageStatus.OK if ok else PageStatus.NO_TEXT,
        text=text,
        title=doc.title or meta.get("title"),
        author=doc.author or meta.get("author"),
        published_at=_date(doc.date or meta.get("date")),
        sitename=doc.sitename or meta.get("sitename"),
        language=language.split("-")[0].lower() if language else None,
        canonical_url=canonical if canonical and canonical.startswith("http") else None,
        error=None if ok else "extracted text too short",
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
