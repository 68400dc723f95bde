"""Build the article record from a feed entry, its fetched page and the page's text.

Whatever went wrong upstream, an entry always becomes an article: a failed fetch or an
empty extraction falls back to the feed's title and summary with the reason recorded.

``canonical_url`` (what stories group by, and what readers and alerts link to) is the page's
``rel=canonical`` only when that URL is on the same registrable domain as the page or the feed
link: any page can claim any canonical, and a copy (syndicated, scraped, or hostile) claiming
another outlet's URL must not merge into, and hide behind, that outlet's story. A cross-site
canonical is kept in ``foreign_canonical_url`` (searchable) and the feed link's canonical form
is used instead.

An entry without a link (``entry.link is None``) is not fetched: its article is built from the
feed item alone (:func:`article_from_item`), whatever ``extracted`` or ``fetch_error`` say,
with ``extraction_status`` ``feed_content``, the text of the item's content (HTML stripped),
else its summary, else its title; ``url``/``canonical_url`` are the item's guid when that is
an http(s) URL, else None; the domain is the feed's. Its text is analysed like a page's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pipeline.ingest.pagetext import PageStatus, PageText, strip_html
from pipeline.ingest.simhash import bands, simhash, to_hex
from pipeline.ingest.urls import canonical_url, domain_of, same_site
from pipeline.records import HAS_TEXT, Article, Entry, ExtractionStatus


def _status(fetch_error: str | None, page: PageText | None) -> tuple[ExtractionStatus, str | None]:
    if fetch_error:
        return ExtractionStatus.FETCH_FAILED, fetch_error
    if page is None:
        return ExtractionStatus.SKIPPED, "page not fetched"
    if page.status == PageStatus.OK:
        return ExtractionStatus.OK, None
    if page.status == PageStatus.NO_TEXT:
        return ExtractionStatus.NO_TEXT, page.error
    return ExtractionStatus.EXTRACTION_ERROR, page.error


def build_article(
    entry: Entry,
    now: datetime,
    extracted: PageText | None = None,
    fetch_error: str | None = None,
    fetch_status: int | None = None,
    final_url: str | None = None,
) -> Article:
    """Merge feed metadata with the page's; the page wins where it has a value.

    A link-less entry is built from its feed item only (:func:`article_from_item`).
    """
    if entry.link is None:
        return article_from_item(entry, now)
    status, error = _status(fetch_error, extracted)
    summary = strip_html(entry.summary) or None
    if status == ExtractionStatus.OK and extracted is not None:
        text = extracted.text
    else:
        text = "\n\n".join(p for p in (entry.title, summary) if p)
    page = extracted or PageText(status=PageStatus.NO_TEXT)  # metadata from the feed only
    url = final_url or entry.link
    canonical = entry.canonical_url
    foreign: str | None = None
    if page.canonical_url:
        # Kept for display/search; the id stays on the feed link's canonical form so that a
        # re-run (which sees the feed link before fetching) recognises the article.
        claimed = canonical_url(page.canonical_url)
        if same_site(claimed, url, entry.link):
            canonical = claimed
        else:
            foreign = claimed
    signature = simhash(text) if status in HAS_TEXT else None
    return Article(
        article_id=entry.article_id,
        url=canonical,  # what readers and alerts link to: no tracking parameters
        canonical_url=canonical,
        foreign_canonical_url=foreign,
        feed_id=entry.feed_id,
        feed_name=entry.feed_name,
        feed_url=entry.feed_url,
        domain=domain_of(url),
        title=page.title or entry.title,
        summary=summary,
        text=text,
        author=page.author or entry.author,
        sitename=page.sitename,
        language=entry.language or page.language,
        published_at=entry.published_at or page.published_at,
        indexed_at=now,
        tags=list(entry.tags),
        extraction_status=status,
        extraction_error=error,
        fetch_status=fetch_status,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        simhash=to_hex(signature) if signature is not None else None,
        simhash_bands=bands(signature) if signature is not None else [],
    )


def article_from_item(entry: Entry, now: datetime) -> Article:
    """The article of a link-less feed item: its own content is the text (nothing is fetched)."""
    summary = strip_html(entry.summary) or None
    text = strip_html(entry.content) or summary or entry.title or ""
    signature = simhash(text)  # stories group link-less items by near-identical text only
    return Article(
        article_id=entry.article_id,
        url=entry.canonical_url,  # the guid when it is an http(s) URL, else None
        canonical_url=entry.canonical_url,
        guid=entry.guid,
        feed_id=entry.feed_id,
        feed_name=entry.feed_name,
        feed_url=entry.feed_url,
        domain=domain_of(entry.feed_url),
        title=entry.title,
        summary=summary,
        text=text,
        author=entry.author,
        sitename=None,
        language=entry.language,
        published_at=entry.published_at,
        indexed_at=now,
        tags=list(entry.tags),
        extraction_status=ExtractionStatus.FEED_CONTENT,
        extraction_error=None,
        fetch_status=None,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        simhash=to_hex(signature) if signature is not None else None,
        simhash_bands=bands(signature) if signature is not None else [],
    )
