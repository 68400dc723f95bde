"""Stories: the articles of one rule's matches that report the same thing, alerted once.

A story is one canonical URL, or near-identical text (SimHash bands computed at ingest as
candidates, then Hamming distance). The story key is the canonical URL of its earliest article,
so a copy that arrives later maps to the story already alerted; the other copies become the
"also reported by" outlets of the alert record.

The canonical URL is trusted for grouping because ingest only takes a page's ``rel=canonical``
on the page's own registrable domain (pipeline.ingest.articles); a copy on another site that
claims an outlet's URL keeps its own canonical, so it joins that outlet's story only when its
text is near-identical. An article without a canonical URL groups by text alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts.rules import Rule
from pipeline.alerts.search import MAX_IDS, Match, iso, search_hits
from pipeline.alerts.state import AlertRecord, AlertStatus, alert_id
from pipeline.ingest.simhash import MAX_DISTANCE, distance
from pipeline.store.elastic import Indices

# SimHash bits two copies of one story may differ in (one edited sentence flips ~6 bits;
# random texts differ in ~32). pipeline.ingest.simhash's bands guarantee such pairs are candidates.
STORY_BITS = MAX_DISTANCE
STORY_DAYS = 7  # how far back a copy of the same story is looked for

Outlets = dict[str, tuple[Any, Any]]  # other article id -> (source, url)
StoryKeys = dict[str, tuple[str, Outlets]]  # article id -> (story key, other copies)


@dataclass
class Story:
    """Matches that are the same story; the first is the representative."""

    key: str
    matches: list[Match]
    others: Outlets = field(default_factory=dict)  # id -> (source, url)

    def record(self, rule: Rule, now: datetime) -> AlertRecord:
        """The history record (status pending) for this story."""
        head = self.matches[0]
        doc = head.doc
        outlets = {m.article_id: (m.doc.get("source"), m.doc.get("url")) for m in self.matches[1:]}
        outlets.update(self.others)
        outlets.pop(head.article_id, None)
        other_sources = sorted({str(s) for s, _ in outlets.values() if s and s != doc.get("source")})
        other_urls = sorted({str(u) for _, u in outlets.values() if u})
        terms = sorted({t for m in self.matches for t in m.terms})
        stamp = now.isoformat()
        return AlertRecord(
            alert_id=alert_id(rule.name, self.key),
            rule=rule.name,
            story_id=self.key,
            article_id=head.article_id,
            article_ids=[m.article_id for m in self.matches],
            url=doc.get("url"),
            title=doc.get("title"),
            source=doc.get("source"),
            other_sources=other_sources,
            other_urls=other_urls,
            other_outlets=sorted({f"{s or '?'} <{u}>" for s, u in outlets.values()}),
            matched_terms=terms or rule.describe(),
            status=AlertStatus.PENDING,
            recipients=list(rule.recipients),
            created_at=stamp,
            attempts=0,
            mode=rule.mode,
            timestamp=stamp,
            published_at=doc.get("published_at"),
            indexed_at=doc.get("indexed_at"),
            snippets=head.snippets,
            matched=head.matched,
        )


def _near(a: str | None, b: str | None) -> bool:
    return bool(a and b) and distance(str(a), str(b)) <= STORY_BITS


def _candidates(
    es: Elasticsearch, indices: Indices, chunk: list[dict[str, Any]], since: datetime
) -> list[dict[str, Any]]:
    """Recent articles sharing a canonical URL or a SimHash band with any of ``chunk``."""
    bands = sorted({b for d in chunk for b in d.get("simhash_bands") or []})
    canon = sorted({d["canonical_url"] for d in chunk if d.get("canonical_url")})
    should: list[dict[str, Any]] = [{"terms": {"canonical_url": canon}}] if canon else []
    if bands:
        should.append({"terms": {"simhash_bands": bands}})
    if not should:
        return []
    query = {
        "bool": {
            "should": should,
            "minimum_should_match": 1,
            "filter": [{"range": {"indexed_at": {"gte": iso(since)}}}],
        }
    }
    hits = search_hits(
        es,
        indices.articles,
        size=MAX_IDS,
        query=query,
        source=["article_id", "canonical_url", "simhash", "simhash_bands", "indexed_at", "source", "url"],
    )
    return [h["_source"] for h in hits]


def story_keys(
    es: Elasticsearch,
    indices: Indices,
    docs: list[dict[str, Any]],
    cache: StoryKeys,
    since: datetime | None = None,
) -> None:
    """Fill ``cache[article_id] = (story key, {other id: (source, url)})`` for ``docs``.

    Copies are looked for among articles indexed since ``since`` (default: 7 days), which
    keeps the cost proportional to recent volume, not to the whole index.
    """
    since = since or datetime.now(UTC) - timedelta(days=STORY_DAYS)
    todo = list({str(d.get("article_id")): d for d in docs if str(d.get("article_id")) not in cache}.values())
    for start in range(0, len(todo), 500):
        chunk = todo[start : start + 500]
        by_canon: dict[str, list[dict[str, Any]]] = {}
        by_band: dict[str, list[dict[str, Any]]] = {}
        for cand in _candidates(es, indices, chunk, since) + chunk:
            if cand.get("canonical_url"):
                by_canon.setdefault(str(cand["canonical_url"]), []).append(cand)
            for band in cand.get("simhash_bands") or []:
                by_band.setdefault(band, []).append(cand)
        for doc in chunk:
            near = [
                c
                for b in doc.get("simhash_bands") or []
                for c in by_band.get(b, [])
                if _near(c.get("simhash"), doc.get("simhash"))
            ]
            same_url = by_canon.get(str(doc["canonical_url"]), []) if doc.get("canonical_url") else []
            group = {str(c.get("article_id")): c for c in same_url + near}
            group.pop(str(doc.get("article_id")), None)
            root = min(
                [doc, *group.values()], key=lambda d: (str(d.get("indexed_at")), str(d.get("article_id")))
            )
            key = str(root.get("canonical_url") or root.get("url") or root.get("article_id"))
            cache[str(doc.get("article_id"))] = (
                key,
                {i: (c.get("source"), c.get("url")) for i, c in group.items()},
            )


def group_stories(matches: list[Match], keys: StoryKeys) -> list[Story]:
    """Matches of one rule grouped by story, in order of first appearance."""
    stories: dict[str, Story] = {}
    for match in matches:
        key, others = keys.get(match.article_id, (match.article_id, {}))
        story = stories.setdefault(key, Story(key, []))
        story.matches.append(match)
        story.others.update(others)
    return list(stories.values())
