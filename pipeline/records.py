"""Plain data records that flow between the stages (no I/O here).

Statuses are ``StrEnum`` members: they compare equal to, and are stored as, their string values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ClaimKind(StrEnum):
    """How a claim reports speech (``kind`` in the claims index)."""

    DIRECT = "direct"  # a quotation
    INDIRECT = "indirect"  # reported speech
    MIXED = "mixed"  # reported speech with a quoted fragment


class EventStatus(StrEnum):
    """Whether an event happened (``status`` in the events index)."""

    OCCURRED = "occurred"
    PLANNED = "planned"  # scheduled, expected, proposed, threatened
    NEGATED = "negated"  # did not happen, failed, was rejected


class ExtractionStatus(StrEnum):
    """What became of an article's page (the ``extraction_status`` field of the articles index)."""

    OK = "ok"  # the page's main text was extracted
    NO_TEXT = "no_text"  # fetched, but no usable main text: the feed's title and summary are kept
    EXTRACTION_ERROR = "extraction_error"  # the HTML extractor failed on the page
    FETCH_FAILED = "fetch_failed"  # the page could not be fetched
    SKIPPED = "skipped"  # the page was not fetched
    INDEX_ERROR = "index_error"  # the full document was refused; a slim one was indexed instead
    FEED_CONTENT = "feed_content"  # no link to fetch: the text is the feed item's own content


# Statuses whose article text is a real text (a page's, or a link-less item's own), worth analysing.
HAS_TEXT = frozenset({ExtractionStatus.OK, ExtractionStatus.FEED_CONTENT})


@dataclass
class Entry:
    """One feed item: a link to an article page, or (``link`` None) the article itself.

    A link-less item (an Atom entry with only an id, an RSS item with a guid and
    ``content:encoded``, a JSON Feed item without ``url``) is not fetched: its article is built
    from ``content`` (the item's full content, HTML allowed), else its summary, else its title.
    Its ``article_id`` derives from feed id + ``guid`` (or + title and text when it has none),
    and ``canonical_url`` is the guid's canonical form when the guid is an http(s) URL, else
    None. ``content`` is kept for link-less items only (a linked item's page is fetched).
    """

    feed_id: str
    feed_name: str
    feed_url: str
    link: str | None
    canonical_url: str | None
    article_id: str
    title: str | None = None
    summary: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    content: str | None = None  # the item's full content; link-less items only
    guid: str | None = None  # the item's guid/id; link-less items only


@dataclass
class Article:
    """An article ready to index: the entry plus what extraction and analysis found.

    ``url`` and ``canonical_url`` are None for an article built from a link-less feed item
    whose guid is no http(s) URL (``extraction_status`` ``feed_content``).
    """

    article_id: str
    url: str | None
    canonical_url: str | None
    feed_id: str
    feed_name: str
    feed_url: str
    domain: str
    title: str | None
    summary: str | None
    text: str
    author: str | None
    sitename: str | None
    language: str | None
    published_at: datetime | None
    indexed_at: datetime
    tags: list[str]
    extraction_status: ExtractionStatus
    extraction_error: str | None
    fetch_status: int | None
    content_hash: str
    simhash: str | None = None
    simhash_bands: list[str] = field(default_factory=list)
    foreign_canonical_url: str | None = None  # a page's rel=canonical on another site (kept out of stories)
    guid: str | None = None  # the feed item's guid/id, for articles built from a link-less item
    analysis: dict[str, Any] = field(default_factory=dict)  # filled by the analysis stage

    def to_doc(self) -> dict[str, Any]:
        """The articles-index document."""
        doc = asdict(self)
        analysis = doc.pop("analysis")
        for key in ("published_at", "indexed_at"):
            if doc[key] is not None:
                doc[key] = doc[key].isoformat()
        doc["@timestamp"] = doc["published_at"] or doc["indexed_at"]
        doc["source"] = self.sitename or self.domain
        doc["feed_ids"] = [self.feed_id]
        doc["feed_names"] = [self.feed_name]
        doc["text_length"] = len(self.text)
        doc.update(analysis)
        return doc
