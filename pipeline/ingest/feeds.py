"""Parse feed documents into entries, and decide what a poll outcome means for a feed.

feedparser handles RSS 0.9x/1.0/2.0 and Atom (and tolerates much malformed XML: "bozo");
JSON Feed is parsed here since feedparser does not. A response that yields no feed at all
(an HTML page, an empty body) becomes that feed's recorded error, never an exception.

Only the first :data:`MAX_ENTRIES_PER_FEED` items of a document are read; how many were left
out is :attr:`ParsedFeed.truncated` (recorded in the feed's state and logged by
``feedstate.record_success``). :func:`entries_from` turns every item into an :class:`Entry`:

- an item with a usable http(s) link (relative links resolve against the feed URL; an
  absolute http(s) guid or id counts as a link) points at a page to fetch;
- an item without one but with a guid/id and some text (content, summary or at least a title)
  is a link-less entry: its article is the item itself (``Entry.content``), with an id from
  feed id + guid; with neither link nor guid, from feed id + title + text;
- an item with no link, no title and no text is counted in :attr:`ParsedFeed.skipped`.

:func:`parse_feed_entries` is both steps in one call for a parse worker process: it never
raises, logs nothing (the caller logs with :func:`log_skipped`) and returns the parsed
document, whose counts ``record_success`` reads, with the entries (:class:`FeedItems`).
Whitespace before an XML declaration is dropped before parsing: feedparser's strict parser
refuses such a document and its loose parser reads it instead, several times slower, blind to
the declared encoding (mojibake) and with markup serialised differently. Well-formed RSS/Atom
is read by ``pipeline.ingest.fastfeed`` (lxml, the result feedparser gives, ~3x faster); the
rest by feedparser.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import zlib
from calendar import timegm
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from pipeline.config import FeedSpec
from pipeline.ingest.fastfeed import parse_fast
from pipeline.ingest.urls import article_id, canonical_url, feed_id, item_content_id, item_id
from pipeline.records import Entry

log = logging.getLogger(__name__)
MAX_ENTRIES_PER_FEED = 500  # items read per document; the rest is counted in ParsedFeed.truncated
HTTP_PREFIXES = ("http://", "https://")
MAX_FEED_BYTES = 10_000_000
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class ParsedFeed:
    """What one feed document held: entries (the first MAX_ENTRIES_PER_FEED), or why it held none.

    Each entry is a plain dict: ``link``, ``guid``, ``title``, ``summary``, ``content`` (the
    full content, HTML allowed), ``author``, ``published``, ``tags``. ``truncated`` counts the
    items after the first MAX_ENTRIES_PER_FEED, which were not read. ``skipped`` (items with
    no link, title or text) and ``linkless`` (entries built from the item itself) are filled
    by :func:`entries_from`; ``feedstate.record_success`` stores all three in the feed state.
    """

    title: str | None = None
    version: str | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    bozo: bool = False
    bozo_reason: str | None = None
    error: str | None = None
    truncated: int = 0
    skipped: int = 0
    linkless: int = 0

    @property
    def items(self) -> int:
        """How many items the document held (read or not)."""
        return len(self.entries) + self.truncated


def _text(value: Any) -> str | None:
    """A non-blank string (ids may be numbers in JSON Feed), else None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _content(item: Any) -> str | None:
    """The longest of a feedparser item's content values (content:encoded, Atom content)."""
    values = [c.get("value") for c in item.get("content") or [] if isinstance(c, dict)]
    return max((v for v in values if isinstance(v, str) and v.strip()), key=len, default=None)


def _looks_like_json_feed(body: bytes) -> bool:
    head = body.lstrip()[:200]
    return head.startswith(b"{") and b"jsonfeed.org" in body[:2000]


def parse_json_feed(body: bytes) -> ParsedFeed:
    """JSON Feed 1.x: https://jsonfeed.org/version/1.1 (items with url, title, summary...)."""
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        return ParsedFeed(error=f"invalid JSON Feed: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return ParsedFeed(error="invalid JSON Feed: no items list")
    items = data["items"]
    entries: list[dict[str, Any]] = []
    for item in items[:MAX_ENTRIES_PER_FEED]:
        if not isinstance(item, dict):
            entries.append({})  # nothing usable: counted as skipped by entries_from
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = authors[0] if authors and isinstance(authors, list) else None
        content = item.get("content_html") or item.get("content_text")
        entries.append(
            {
                "link": item.get("url") or item.get("external_url"),
                "guid": _text(item.get("id")),
                "title": item.get("title") if isinstance(item.get("title"), str) else None,
                "summary": item.get("summary") or item.get("content_text"),
                "content": content if isinstance(content, str) else None,
                "author": author.get("name") if isinstance(author, dict) else None,
                "published": item.get("date_published") or item.get("date_modified"),
                "tags": [t for t in item.get("tags", []) if isinstance(t, str)],
            }
        )
    return ParsedFeed(
        title=data.get("title"),
        version="json1",
        entries=entries,
        truncated=max(0, len(items) - MAX_ENTRIES_PER_FEED),
    )


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def gunzip_capped(body: bytes, limit: int = MAX_FEED_BYTES) -> bytes:
    """Inflate a gzip body served without Content-Encoding, refusing to grow past ``limit``."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, limit + 1)
    if len(out) > limit:
        raise ValueError(f"gzip body inflates past {limit} bytes")
    return out


def parse_feed_document(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body; never raises. ``error`` is set when no feed could be read."""
    if not body or not body.strip():
        return ParsedFeed(error="empty response body")
    if body.startswith(GZIP_MAGIC):
        # Some servers send .xml.gz bytes as plain XML; inflate them with a cap (gzip bombs).
        try:
            body = gunzip_capped(body)
        except (ValueError, zlib.error, EOFError, gzip.BadGzipFile) as exc:
            return ParsedFeed(error=f"gzip-compressed body could not be read: {exc}")
    if _looks_like_json_feed(body):
        return parse_json_feed(body)
    if body[:1].isspace():
        stripped = body.lstrip()
        if stripped.startswith(b"<?xml"):
            # Whitespace before the XML declaration makes the document not well-formed: feedparser's
            # strict parser gives up and the loose one (several times slower) reads it instead.
            body = stripped
    headers = {"content-type": content_type} if content_type else None
    try:
        # The same result as the feedparser call below, from lxml (pipeline.ingest.fastfeed),
        # for the well-formed documents it models; None leaves the document to feedparser.
        parsed = parse_fast(body, content_type)
        if parsed is None:
            # No sanitising (summaries are reduced to plain text later) and no relative-URI pass
            # (entry links are resolved against the feed URL in entries_from): ~45% faster.
            # A file-like object, never bytes or str: feedparser opens a str that looks like a
            # URL and bytes that name an existing file (a body of "/etc/passwd" would be read
            # from disk, "/dev/zero" would never end); a stream is only ever read.
            parsed = feedparser.parse(
                io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
            )
    except Exception as exc:  # noqa: BLE001 - feedparser bugs must not stop a cycle
        return ParsedFeed(error=f"feed parser failed: {type(exc).__name__}: {exc}")
    reason = str(parsed.get("bozo_exception") or "") or None
    entries = []
    for item in parsed.entries[:MAX_ENTRIES_PER_FEED]:
        guid = _text(item.get("id"))
        link = item.get("link")
        if link and item.get("guidislink") and link == item.get("id"):
            # feedparser copies a permalink guid (and an Atom id) into ``link``; a guid is a
            # link only when it is an absolute http(s) URL (below), never resolved as relative
            link = None
        if not link:
            link = next((lnk.get("href") for lnk in item.get("links") or [] if lnk.get("href")), None)
        if not link and guid and guid.lower().startswith(HTTP_PREFIXES):
            link = guid
        entries.append(
            {
                "link": link,
                "guid": guid,
                "title": item.get("title"),
                "summary": item.get("summary"),
                "content": _content(item),
                "author": item.get("author"),
                "published": _struct_to_datetime(item.get("published_parsed") or item.get("updated_parsed")),
                "tags": [t.get("term") for t in item.get("tags", []) if t.get("term")],
            }
        )
    result = ParsedFeed(
        title=parsed.feed.get("title"),
        version=parsed.get("version") or None,
        entries=entries,
        bozo=bool(parsed.get("bozo")),
        bozo_reason=reason,
        truncated=max(0, len(parsed.entries) - MAX_ENTRIES_PER_FEED),
    )
    if not result.version and not entries:
        kind = "HTML page" if b"<html" in body[:4000].lower() else "document"
        result.error = f"not a feed ({kind}); parser said: {reason or 'no feed elements'}"
    return result


def _to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _usable_link(value: Any, base: str) -> str | None:
    """An absolute http(s) URL from an item's link (relative ones resolve against the feed)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        link = urljoin(base, value.strip())
    except ValueError:  # a malformed authority ("http://[::1/")
        return None
    return link if link.lower().startswith(HTTP_PREFIXES) else None


def _entry(item: dict[str, Any], spec: FeedSpec, fid: str) -> Entry | None:
    """One item as an entry (linked or link-less), or None when it holds nothing usable."""
    title = (item.get("title") or "").strip() or None
    common: dict[str, Any] = {
        "feed_id": fid,
        "feed_name": spec.name,
        "feed_url": spec.url,
        "title": title,
        "summary": item.get("summary"),
        "author": item.get("author"),
        "published_at": _to_datetime(item.get("published")),
        "tags": list(spec.tags) + [t for t in item.get("tags", []) if t not in spec.tags],
        "language": spec.language,
    }
    link = _usable_link(item.get("link"), spec.url)
    if link is not None:
        canon = canonical_url(link)
        return Entry(link=link, canonical_url=canon, article_id=article_id(canon), **common)
    content = item.get("content") if isinstance(item.get("content"), str) else None
    summary = item.get("summary") if isinstance(item.get("summary"), str) else None
    text = next((t for t in (content, summary) if t and t.strip()), None)
    if title is None and text is None:
        return None
    guid = _text(item.get("guid"))
    aid = item_id(fid, guid) if guid else item_content_id(fid, title or "", text or "")
    url = guid if guid and guid.lower().startswith(HTTP_PREFIXES) else None
    return Entry(
        link=None,
        canonical_url=canonical_url(url) if url else None,
        article_id=aid,
        content=content,
        guid=guid,
        **common,
    )


def entries_from(parsed: ParsedFeed, spec: FeedSpec) -> list[Entry]:
    """Turn parsed items into entries with ids (canonical URLs for linked ones).

    Items with a usable link point at the page; items without one become link-less entries
    (built from the item itself) when they have a title or some text; the rest are skipped.
    The same article twice in one document is kept once. Records on ``parsed`` how many items
    were skipped and how many entries are link-less (``parsed.skipped``, ``parsed.linkless``),
    which ``record_success`` stores in the feed's state, and logs the skipped ones.
    """
    out = _collect_entries(parsed, spec)
    log_skipped(parsed, spec)
    return out


def _collect_entries(parsed: ParsedFeed, spec: FeedSpec) -> list[Entry]:
    """:func:`entries_from` without the log line."""
    fid = feed_id(spec.url)
    out: list[Entry] = []
    seen: set[str] = set()
    skipped = 0
    for item in parsed.entries[:MAX_ENTRIES_PER_FEED]:
        entry = _entry(item, spec, fid) if isinstance(item, dict) else None
        if entry is None:
            skipped += 1
            continue
        if entry.article_id in seen:
            continue
        seen.add(entry.article_id)
        out.append(entry)
    parsed.skipped = skipped
    parsed.linkless = sum(1 for e in out if e.link is None)
    return out


def log_skipped(parsed: ParsedFeed, spec: FeedSpec) -> None:
    """The log line of :func:`entries_from` for items skipped (``parsed.skipped``)."""
    if parsed.skipped:
        log.info(
            "feed %s (%s): %d items with no link, title or text skipped", spec.name, spec.url, parsed.skipped
        )


@dataclass
class FeedItems:
    """One feed body read by :func:`parse_feed_entries`: what a parse worker sends back.

    ``parsed`` carries the counts :func:`entries_from` records on it (skipped, link-less,
    truncated) for ``feedstate.record_success``; ``entries`` is what entries_from returned.
    ``error`` is the ``repr`` of an exception entries_from raised (then ``entries`` is empty).
    """

    parsed: ParsedFeed
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None


def parse_feed_entries(body: bytes, content_type: str | None, spec: FeedSpec) -> FeedItems:
    """:func:`parse_feed_document`, then :func:`entries_from` unless the body held no feed.

    Made to run in a worker process: it never raises and logs nothing (a worker's log record
    would be lost), so the caller calls :func:`log_skipped` with the returned ``parsed``.
    """
    parsed = parse_feed_document(body, content_type)
    if parsed.error:
        return FeedItems(parsed)
    try:
        return FeedItems(parsed, _collect_entries(parsed, spec))
    except Exception as exc:  # noqa: BLE001 - reported by the caller as the feed's internal error
        return FeedItems(parsed, error=repr(exc))
