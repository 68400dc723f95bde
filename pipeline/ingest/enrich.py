"""Attach claims and events to articles: documents for their indices, facets for the article.

Each claim and event document carries the article's id, URL, title, source and times so
Kibana can show and filter them without joins. Ids derive from article id + offsets.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from pipeline.ingest.urls import stable_id
from pipeline.records import Article, ExtractionStatus

log = logging.getLogger(__name__)
ANALYZABLE = {ExtractionStatus.OK, ExtractionStatus.FEED_CONTENT}  # statuses with a real text


class AnalyzerLike(Protocol):
    def analyze_many(self, docs: Any) -> Any: ...


def article_ref(article: Article) -> dict[str, Any]:
    """The article fields copied onto every claim and event."""
    doc = article.to_doc()
    return {
        k: doc.get(k)
        for k in (
            "article_id",
            "url",
            "title",
            "source",
            "feed_id",
            "feed_name",
            "published_at",
            "indexed_at",
            "@timestamp",
            "language",
        )
    }


def _unique(values: list[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def analyze_articles(
    articles: Sequence[Article], analyzer: AnalyzerLike
) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
    """Run the extractors over the articles with text; returns (claim docs, event docs).

    Sets each article's ``analysis`` facets (counts, types, speakers, entities, status).
    An analyzer failure on one article is recorded on it and the batch goes on.
    """
    claims: list[tuple[str, dict[str, Any]]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    todo = [a for a in articles if a.extraction_status in ANALYZABLE]
    for article in articles:
        if article not in todo:
            article.analysis = {"analysis_status": "skipped", "analysis_reason": "no article text"}
    docs = [(a.text, a.published_at.date() if a.published_at else None) for a in todo]
    try:
        results = list(analyzer.analyze_many(docs))
    except Exception as exc:  # noqa: BLE001 - fall back to one at a time to isolate the culprit
        log.warning("batch analysis failed (%s); retrying article by article", exc)
        results = []
        for doc in docs:
            try:
                results.append(next(iter(analyzer.analyze_many([doc]))))
            except Exception as one:  # noqa: BLE001
                results.append(one)
    for article, result in zip(todo, results, strict=True):
        if isinstance(result, Exception):
            article.analysis = {"analysis_status": "error", "analysis_reason": str(result)[:500]}
            continue
        ref = article_ref(article)
        seen_events: set[str] = set()
        seen_claims: set[str] = set()
        for claim in result.claims:
            body = claim.to_dict()
            cid = stable_id(
                "claim",
                article.article_id,
                str(body.get("start")),
                str(body.get("end")),
                str(body.get("content_start")),
                str(body.get("content_end")),
                body.get("cue") or "",
            )
            if cid in seen_claims:
                continue
            seen_claims.add(cid)
            claims.append((cid, {**ref, **body, "claim_id": cid}))
        for event in result.events:
            body = event.to_dict()
            eid = stable_id(
                "event",
                article.article_id,
                body.get("type") or "",
                str(body.get("start")),
                str(body.get("end")),
            )
            if eid in seen_events:
                continue  # the same trigger typed twice is one event
            seen_events.add(eid)
            events.append((eid, {**ref, **body, "event_id": eid}))
        entities = result.entities or {}
        article.analysis = {
            "analysis_status": result.status,
            "analysis_reason": result.reason,
            "claims_count": len(result.claims),
            "events_count": len(result.events),
            "event_types": _unique([e.type for e in result.events]),
            "speakers": _unique([c.speaker for c in result.claims]),
            "countries": _unique([getattr(e, "country", None) for e in result.events]),
            "entities": {k: list(v)[:100] for k, v in entities.items()},
        }
    return claims, events
