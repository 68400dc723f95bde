"""Find what an alert rule matches: one search plan per rule, run alone or in one ``_msearch``.

Window: articles with ``indexed_at`` in (since, until] (never publication time, so late articles
are not missed). Keyword query (+ article filters, raw query); structured filters query the
claims and events indices for the candidates' ids first; highlights give the snippets. Reads
only: nothing here writes to Elasticsearch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts import query as rq
from pipeline.alerts.query import HL_POST, HL_PRE
from pipeline.alerts.rules import Rule
from pipeline.store.elastic import Indices

HIT_FIELDS = [
    "article_id",
    "title",
    "url",
    "canonical_url",
    "source",
    "feed_name",
    "summary",
    "published_at",
    "indexed_at",
    "simhash",
    "simhash_bands",
    "language",
]
PAGE = 1000
MAX_IDS = 10_000


@dataclass
class Match:
    """One matching article with what to show about it."""

    doc: dict[str, Any]
    snippets: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)

    @property
    def article_id(self) -> str:
        return str(self.doc.get("article_id"))


@dataclass
class Plan:
    """The final article search of one rule, after any claims/events pre-searches."""

    rule: Rule
    body: dict[str, Any] | None
    structured: dict[str, list[str]] = field(default_factory=dict)


def iso(when: datetime) -> str:
    """UTC ISO 8601, as stored in ``indexed_at`` and the alert indices."""
    return when.astimezone(UTC).isoformat()


def search_hits(es: Elasticsearch, index: str, **body: Any) -> list[dict[str, Any]]:
    """The hits of one search (missing indices count as empty; no total hit count)."""
    body.setdefault("track_total_hits", False)
    response = es.search(index=index, ignore_unavailable=True, allow_no_indices=True, **body)
    hits: list[dict[str, Any]] = response.get("hits", {}).get("hits", [])
    return hits


def _ids(
    es: Elasticsearch,
    index: str,
    query: dict[str, Any],
    field_name: str = "_id",
) -> list[str]:
    """Ids (or one keyword field) of everything matching, up to MAX_IDS."""
    source: Any = False if field_name == "_id" else [field_name]
    hits = search_hits(es, index, query=query, size=MAX_IDS, source=source)
    if field_name == "_id":
        return [h["_id"] for h in hits]
    return list(
        dict.fromkeys(str(h["_source"].get(field_name)) for h in hits if h.get("_source", {}).get(field_name))
    )


def base_query(rule: Rule, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Window + article filters + raw query (everything but keywords and structure)."""
    filters: list[dict[str, Any]] = [{"range": {"indexed_at": {"gt": iso(since), "lte": iso(until)}}}]
    filters += rq.article_filters(rule)
    if rule.raw is not None:
        filters.append(rule.raw)
    return filters


def _sub_ids(
    es: Elasticsearch,
    indices: Indices,
    rule: Rule,
    candidates: list[str],
) -> dict[str, list[str]]:
    """Per keyword, the candidate articles whose claims' content / events' trigger match it."""
    assert rule.keywords is not None
    out: dict[str, list[str]] = {}
    kinds = rq.sub_kinds(rule.keywords)
    for term in rule.keywords.positive + rule.keywords.exclude:
        found: list[str] = []
        for kind in kinds:
            query = {
                "bool": {
                    "filter": [{"terms": {"article_id": candidates}}],
                    "must": [rq.sub_term_query(term, kind)],
                }
            }
            found += _ids(es, indices.alias(kind), query, "article_id")
        out[term.label] = list(dict.fromkeys(found))
    return out


def _describe_event(doc: dict[str, Any]) -> str:
    actors = ", ".join((doc.get("actors") or [])[:4])
    where = doc.get("location") or doc.get("country") or ""
    return (
        f"event {doc.get('type')} ({doc.get('status')}): \u201c{doc.get('trigger')}\u201d"
        + (f" - actors: {actors}" if actors else "")
        + (f" - in {where}" if where else "")
        + (f" - {doc.get('sentence')}" if doc.get("sentence") else "")
    )


def _describe_claim(doc: dict[str, Any]) -> str:
    return f"claim by {doc.get('speaker')} ({doc.get('cue')}): \u201c{doc.get('content')}\u201d"


def _structured(
    es: Elasticsearch,
    indices: Indices,
    rule: Rule,
    candidates: list[str],
) -> tuple[set[str], dict[str, list[str]]]:
    """Candidates whose events/claims satisfy the rule, with descriptions of what matched."""
    keep: set[str] | None = None
    matched: dict[str, list[str]] = {}
    checks = []
    if rule.event:
        checks.append((indices.events, rq.event_query(rule), _describe_event))
    if rule.claim:
        checks.append((indices.claims, rq.claim_query(rule), _describe_claim))
    for index, query, describe in checks:
        query = {"bool": {"filter": [{"terms": {"article_id": candidates}}, query]}}
        hits = search_hits(es, index, query=query, size=MAX_IDS)
        found = set()
        for hit in hits:
            doc = hit["_source"]
            found.add(doc.get("article_id"))
            items = matched.setdefault(str(doc.get("article_id")), [])
            if len(items) < 5:
                items.append(describe(doc))
        keep = found if keep is None else keep & found
    return keep or set(), matched


def _snippets(hit: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Highlighted fragments (text first) and the highlighted words."""
    highlight = hit.get("highlight") or {}
    fragments = highlight.get("text") or highlight.get("summary") or highlight.get("title") or []
    words = set()
    for parts in highlight.values():
        for part in parts:
            for chunk in part.split(HL_PRE)[1:]:
                words.add(chunk.split(HL_POST)[0].lower())
    return fragments[:2], sorted(words)


def plan_search(es: Elasticsearch, indices: Indices, rule: Rule, since: datetime, until: datetime) -> Plan:
    """Build the rule's article search; structured filters and claims/events keywords are
    resolved to article ids first (restricted to the window's candidates). ``body`` is None
    when nothing can match."""
    filters = base_query(rule, since, until)
    sub_ids: dict[str, list[str]] | None = None
    structured: dict[str, list[str]] = {}
    if rule.keywords and rq.sub_kinds(rule.keywords):
        candidates = _ids(es, indices.articles, {"bool": {"filter": filters}})
        if not candidates:
            return Plan(rule, None)
        sub_ids = _sub_ids(es, indices, rule, candidates)
    must = [rq.keyword_query(rule.keywords, sub_ids)] if rule.keywords else []
    if rule.structured:
        candidates = _ids(es, indices.articles, {"bool": {"filter": filters, "must": must}})
        if not candidates:
            return Plan(rule, None)
        keep, structured = _structured(es, indices, rule, candidates)
        if not keep:
            return Plan(rule, None)
        filters = [*filters, {"ids": {"values": sorted(keep)}}]
    body: dict[str, Any] = {
        "query": {"bool": {"filter": filters, "must": must}},
        "sort": [{"indexed_at": "asc"}, {"article_id": "asc"}],
        "_source": HIT_FIELDS,
        "size": PAGE,
        "track_total_hits": False,
    }
    highlight = rq.highlight(rule)
    if highlight:
        body["highlight"] = highlight
    return Plan(rule, body, structured)


def _to_matches(hits: list[dict[str, Any]], structured: dict[str, list[str]]) -> list[Match]:
    matches = []
    for hit in hits:
        fragments, words = _snippets(hit)
        doc = hit["_source"]
        if not fragments and doc.get("summary"):
            fragments = [str(doc["summary"])[:300]]
        matches.append(Match(doc, fragments, words, structured.get(hit["_id"], [])))
    return matches


def _rest(
    es: Elasticsearch,
    indices: Indices,
    plan: Plan,
    hits: list[dict[str, Any]],
) -> list[Match]:
    """Later pages (search_after) when a rule matched more than one page."""
    assert plan.body is not None
    matches = _to_matches(hits, plan.structured)
    body = dict(plan.body)
    while len(hits) == PAGE:
        body["search_after"] = hits[-1]["sort"]
        hits = search_hits(
            es, indices.articles, **{("source" if k == "_source" else k): v for k, v in body.items()}
        )
        matches += _to_matches(hits, plan.structured)
    return matches


def find_matches(
    es: Elasticsearch, indices: Indices, rule: Rule, since: datetime, until: datetime
) -> list[Match]:
    """Every article in the window that the rule matches, oldest first, with snippets."""
    plan = plan_search(es, indices, rule, since, until)
    if plan.body is None:
        return []
    body = {("source" if k == "_source" else k): v for k, v in plan.body.items()}
    return _rest(es, indices, plan, search_hits(es, indices.articles, **body))


def find_all(
    es: Elasticsearch,
    indices: Indices,
    plans: list[Plan],
    chunk: int = 100,
) -> dict[str, list[Match] | Exception]:
    """Run many rules' searches with _msearch (Elasticsearch runs them in parallel)."""
    out: dict[str, list[Match] | Exception] = {p.rule.name: [] for p in plans if p.body is None}
    todo = [p for p in plans if p.body is not None]
    for start in range(0, len(todo), chunk):
        batch = todo[start : start + chunk]
        searches: list[dict[str, Any]] = []
        for plan in batch:
            searches += [
                {"index": indices.articles, "ignore_unavailable": True, "allow_no_indices": True},
                plan.body or {},
            ]
        responses = es.msearch(searches=searches)["responses"]
        for plan, response in zip(batch, responses, strict=True):
            if "error" in response:
                reason = response["error"]
                reason = reason.get("reason", reason) if isinstance(reason, dict) else reason
                out[plan.rule.name] = RuntimeError(f"search failed: {str(reason)[:300]}")
                continue
            try:
                out[plan.rule.name] = _rest(es, indices, plan, response["hits"]["hits"])
            except Exception as exc:  # noqa: BLE001 - reported per rule
                out[plan.rule.name] = exc
    return out
