"""Evaluate alert rules and deliver at most one email per (rule, story), never losing one.

Per rule and run:

1. Window: articles with ``indexed_at`` in (checkpoint - overlap, now]. The checkpoint lives in
   the alert-state index and moves only after the rule's email was accepted (or when there was
   nothing to send). The small overlap catches articles that became searchable late (refresh);
   the history index makes the overlap harmless.
2. Match: keyword query (+ article filters, raw query); structured filters query the claims and
   events indices for the candidates' ids; highlights give the snippets.
3. Story: same canonical URL, or near-identical text (SimHash bands as candidates, then
   Hamming distance); the story key is the canonical URL of its earliest article, so a copy
   that arrives later maps to the story already alerted.
4. Record: one history document per (rule, story), id = hash(rule, story), written with
   ``create`` as ``pending`` BEFORE any email leaves; a re-run gets 409 and never alerts twice.
5. Send one email with every pending story of the rule (a digest period or throttle may hold
   them back, still pending), then mark them ``sent`` and advance the checkpoint. SMTP
   failure: they stay ``pending`` (attempts, last_error) and are retried next run.

All rules' searches go in one ``_msearch`` and all records in one bulk ``create``; "sent"
marks are written in bulk every MARK_EVERY emails and at the end of the run.

Crash window: if the process dies after the SMTP server accepted a message and before its
records are marked ``sent`` (at most MARK_EVERY emails), the next run sends those stories
again (at-least-once). Nothing is ever lost: every story is recorded before any send. One
alert runner per prefix is assumed (the watch loop or the Airflow DAG, not both at once).

Settings (``alerts:`` in newsmon.yaml): ``lookback_hours`` (first run of a rule, default 24),
``overlap_seconds`` (default 120).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts import rules as rq
from pipeline.alerts.mail import (
    DeliveryError,
    Transport,
    compose,
    kibana_link,
    mail_from,
    transport_from_settings,
)
from pipeline.alerts.rules import HL_POST, HL_PRE, Rule
from pipeline.config import ConfigError, Settings
from pipeline.ingest.simhash import MAX_DISTANCE, distance
from pipeline.store.elastic import Indices, ensure_monthly_index, ensure_templates

log = logging.getLogger(__name__)
HIT_FIELDS = ["article_id", "title", "url", "canonical_url", "source", "feed_name", "summary",
              "published_at", "indexed_at", "simhash", "simhash_bands", "language"]
PAGE = 1000
# SimHash bits two copies of one story may differ in (one edited sentence flips ~6 bits;
# random texts differ in ~32). pipeline.ingest.simhash's bands guarantee such pairs are candidates.
STORY_BITS = MAX_DISTANCE
STORY_DAYS = 7  # how far back a copy of the same story is looked for
MAX_IDS = 10_000


@dataclass(frozen=True)
class AlertOptions:
    """Tunables from the ``alerts`` section of newsmon.yaml."""

    lookback_hours: float = 24.0
    overlap_seconds: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertOptions:
        section = (settings.extra or {}).get("alerts") or {}
        if not isinstance(section, dict):
            raise ConfigError("newsmon.yaml", "alerts", "must be a mapping")
        values = {}
        for key in ("lookback_hours", "overlap_seconds"):
            if key in section:
                value = section[key]
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    raise ConfigError("newsmon.yaml", f"alerts.{key}", "must be a number >= 0")
                values[key] = float(value)
        return cls(**values)


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
class Story:
    """Matches that are the same story; the first is the representative."""

    key: str
    matches: list[Match]
    others: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # id -> (source, url)

    def record(self, rule: Rule, now: datetime) -> dict[str, Any]:
        """The history document (status pending) for this story."""
        head = self.matches[0]
        doc = head.doc
        outlets = {m.article_id: (m.doc.get("source"), m.doc.get("url"))
                   for m in self.matches[1:]}
        outlets.update(self.others)
        outlets.pop(head.article_id, None)
        other_sources = sorted({str(s) for s, _ in outlets.values()
                                if s and s != doc.get("source")})
        other_urls = sorted({str(u) for _, u in outlets.values() if u})
        terms = sorted({t for m in self.matches for t in m.terms})
        stamp = now.isoformat()
        return {
            "alert_id": alert_id(rule.name, self.key), "rule": rule.name, "story_id": self.key,
            "article_id": head.article_id,
            "article_ids": [m.article_id for m in self.matches],
            "url": doc.get("url"), "title": doc.get("title"), "source": doc.get("source"),
            "other_sources": other_sources, "other_urls": other_urls,
            "other_outlets": sorted({f"{s or '?'} <{u}>" for s, u in outlets.values()}),
            "matched_terms": terms or rule.describe(), "status": "pending",
            "recipients": list(rule.recipients), "created_at": stamp, "attempts": 0,
            "mode": rule.mode, "@timestamp": stamp,
            "published_at": doc.get("published_at"), "indexed_at": doc.get("indexed_at"),
            "snippets": head.snippets, "matched": head.matched,
        }


@dataclass
class RuleResult:
    """What one rule did in one run."""

    rule: str
    matches: int = 0
    stories: int = 0
    new: int = 0
    sent: int = 0
    emails: int = 0
    pending: int = 0
    held: bool = False
    error: str | None = None


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:40]


def alert_id(rule: str, story: str) -> str:
    """History document id: one per (rule, story), so ``create`` de-duplicates."""
    return _hash("alert", rule, story)


def state_id(rule: str) -> str:
    return _hash("state", rule)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- searching


def _search(es: Elasticsearch, index: str, **body: Any) -> list[dict[str, Any]]:
    body.setdefault("track_total_hits", False)
    response = es.search(index=index, ignore_unavailable=True, allow_no_indices=True, **body)
    return response.get("hits", {}).get("hits", [])


def _ids(es: Elasticsearch, index: str, query: dict[str, Any], field_name: str = "_id",
         ) -> list[str]:
    """Ids (or one keyword field) of everything matching, up to MAX_IDS."""
    source: Any = False if field_name == "_id" else [field_name]
    hits = _search(es, index, query=query, size=MAX_IDS, source=source)
    if field_name == "_id":
        return [h["_id"] for h in hits]
    return list(dict.fromkeys(str(h["_source"].get(field_name)) for h in hits
                              if h.get("_source", {}).get(field_name)))


def base_query(rule: Rule, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Window + article filters + raw query (everything but keywords and structure)."""
    filters: list[dict[str, Any]] = [
        {"range": {"indexed_at": {"gt": _iso(since), "lte": _iso(until)}}}]
    filters += rq.article_filters(rule)
    if rule.raw is not None:
        filters.append(rule.raw)
    return filters


def _sub_ids(es: Elasticsearch, indices: Indices, rule: Rule, candidates: list[str],
             ) -> dict[str, list[str]]:
    """Per keyword, the candidate articles whose claims' content / events' trigger match it."""
    assert rule.keywords is not None
    out: dict[str, list[str]] = {}
    kinds = [k for k in ("claims", "events") if k in rule.keywords.fields]
    for term in rule.keywords.positive + rule.keywords.exclude:
        found: list[str] = []
        for kind in kinds:
            query = {"bool": {"filter": [{"terms": {"article_id": candidates}}],
                              "must": [rq.sub_term_query(term, kind)]}}
            found += _ids(es, indices.alias(kind), query, "article_id")
        out[term.label] = list(dict.fromkeys(found))
    return out


def _describe_event(doc: dict[str, Any]) -> str:
    actors = ", ".join((doc.get("actors") or [])[:4])
    where = doc.get("location") or doc.get("country") or ""
    return (f"event {doc.get('type')} ({doc.get('status')}): \u201c{doc.get('trigger')}\u201d"
            + (f" - actors: {actors}" if actors else "") + (f" - in {where}" if where else "")
            + (f" - {doc.get('sentence')}" if doc.get("sentence") else ""))


def _describe_claim(doc: dict[str, Any]) -> str:
    return (f"claim by {doc.get('speaker')} ({doc.get('cue')}): "
            f"\u201c{doc.get('content')}\u201d")


def _structured(es: Elasticsearch, indices: Indices, rule: Rule, candidates: list[str],
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
        hits = _search(es, index, query=query, size=MAX_IDS)
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


@dataclass
class Plan:
    """The final article search of one rule, after any claims/events pre-searches."""

    rule: Rule
    body: dict[str, Any] | None
    structured: dict[str, list[str]] = field(default_factory=dict)


def plan_search(es: Elasticsearch, indices: Indices, rule: Rule, since: datetime,
                until: datetime) -> Plan:
    """Build the rule's article search; structured filters and claims/events keywords are
    resolved to article ids first (restricted to the window's candidates). ``body`` is None
    when nothing can match."""
    filters = base_query(rule, since, until)
    sub_ids: dict[str, list[str]] | None = None
    structured: dict[str, list[str]] = {}
    needs_subs = rule.keywords and any(f in rule.keywords.fields for f in rq.SUB_FIELDS)
    if needs_subs:
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
    body: dict[str, Any] = {"query": {"bool": {"filter": filters, "must": must}},
                            "sort": [{"indexed_at": "asc"}, {"article_id": "asc"}],
                            "_source": HIT_FIELDS, "size": PAGE, "track_total_hits": False}
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


def _rest(es: Elasticsearch, indices: Indices, plan: Plan, hits: list[dict[str, Any]],
          ) -> list[Match]:
    """Later pages (search_after) when a rule matched more than one page."""
    assert plan.body is not None
    matches = _to_matches(hits, plan.structured)
    body = dict(plan.body)
    while len(hits) == PAGE:
        body["search_after"] = hits[-1]["sort"]
        hits = _search(es, indices.articles, **{("source" if k == "_source" else k): v
                                                for k, v in body.items()})
        matches += _to_matches(hits, plan.structured)
    return matches


def find_matches(es: Elasticsearch, indices: Indices, rule: Rule, since: datetime,
                 until: datetime) -> list[Match]:
    """Every article in the window that the rule matches, oldest first, with snippets."""
    plan = plan_search(es, indices, rule, since, until)
    if plan.body is None:
        return []
    body = {("source" if k == "_source" else k): v for k, v in plan.body.items()}
    return _rest(es, indices, plan, _search(es, indices.articles, **body))


def find_all(es: Elasticsearch, indices: Indices, plans: list[Plan], chunk: int = 100,
             ) -> dict[str, list[Match] | Exception]:
    """Run many rules' searches with _msearch (Elasticsearch runs them in parallel)."""
    out: dict[str, list[Match] | Exception] = {p.rule.name: [] for p in plans if p.body is None}
    todo = [p for p in plans if p.body is not None]
    for start in range(0, len(todo), chunk):
        batch = todo[start : start + chunk]
        searches: list[dict[str, Any]] = []
        for plan in batch:
            searches += [{"index": indices.articles, "ignore_unavailable": True,
                          "allow_no_indices": True}, plan.body or {}]
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


# --------------------------------------------------------------------------- stories


def _near(a: str | None, b: str | None) -> bool:
    return bool(a and b) and distance(str(a), str(b)) <= STORY_BITS


def _candidates(es: Elasticsearch, indices: Indices, chunk: list[dict[str, Any]],
                since: datetime) -> list[dict[str, Any]]:
    """Recent articles sharing a canonical URL or a SimHash band with any of ``chunk``."""
    bands = sorted({b for d in chunk for b in d.get("simhash_bands") or []})
    canon = sorted({d["canonical_url"] for d in chunk if d.get("canonical_url")})
    should: list[dict[str, Any]] = [{"terms": {"canonical_url": canon}}] if canon else []
    if bands:
        should.append({"terms": {"simhash_bands": bands}})
    if not should:
        return []
    query = {"bool": {"should": should, "minimum_should_match": 1,
                      "filter": [{"range": {"indexed_at": {"gte": _iso(since)}}}]}}
    hits = _search(es, indices.articles, size=MAX_IDS, query=query,
                   source=["article_id", "canonical_url", "simhash", "simhash_bands",
                           "indexed_at", "source", "url"])
    return [h["_source"] for h in hits]


def story_keys(es: Elasticsearch, indices: Indices, docs: list[dict[str, Any]],
               cache: dict[str, tuple[str, dict[str, tuple[Any, Any]]]],
               since: datetime | None = None) -> None:
    """Fill ``cache[article_id] = (story key, {other id: (source, url)})`` for ``docs``.

    Copies are looked for among articles indexed since ``since`` (default: 7 days), which
    keeps the cost proportional to recent volume, not to the whole index.
    """
    since = since or datetime.now(UTC) - timedelta(days=STORY_DAYS)
    todo = list({str(d.get("article_id")): d for d in docs
                 if str(d.get("article_id")) not in cache}.values())
    for start in range(0, len(todo), 500):
        chunk = todo[start : start + 500]
        by_canon: dict[str, list[dict[str, Any]]] = {}
        by_band: dict[str, list[dict[str, Any]]] = {}
        for cand in _candidates(es, indices, chunk, since) + chunk:
            by_canon.setdefault(str(cand.get("canonical_url")), []).append(cand)
            for band in cand.get("simhash_bands") or []:
                by_band.setdefault(band, []).append(cand)
        for doc in chunk:
            near = [c for b in doc.get("simhash_bands") or [] for c in by_band.get(b, [])
                    if _near(c.get("simhash"), doc.get("simhash"))]
            group = {str(c.get("article_id")): c
                     for c in by_canon.get(str(doc.get("canonical_url")), []) + near}
            group.pop(str(doc.get("article_id")), None)
            root = min([doc, *group.values()], key=lambda d: (str(d.get("indexed_at")),
                                                              str(d.get("article_id"))))
            key = str(root.get("canonical_url") or root.get("url") or root.get("article_id"))
            cache[str(doc.get("article_id"))] = (key, {i: (c.get("source"), c.get("url"))
                                                       for i, c in group.items()})


def group_stories(matches: list[Match], keys: dict[str, tuple[str, dict[str, tuple[Any, Any]]]],
                  ) -> list[Story]:
    """Matches of one rule grouped by story, in order of first appearance."""
    stories: dict[str, Story] = {}
    for match in matches:
        key, others = keys.get(match.article_id, (match.article_id, {}))
        story = stories.setdefault(key, Story(key, []))
        story.matches.append(match)
        story.others.update(others)
    return list(stories.values())


# --------------------------------------------------------------------------- state


def load_states(es: Elasticsearch, indices: Indices, names: Iterable[str],
                ) -> dict[str, dict[str, Any]]:
    """Checkpoint documents by rule name (realtime get)."""
    names = list(names)
    if not names:
        return {}
    docs = es.mget(index=indices.alert_state, ids=[state_id(n) for n in names])["docs"]
    return {n: d.get("_source", {}) for n, d in zip(names, docs, strict=True) if d.get("found")}


def save_state(es: Elasticsearch, indices: Indices, rule: str, values: dict[str, Any]) -> None:
    es.update(index=indices.alert_state, id=state_id(rule),
              doc={"rule": rule, **values, "updated_at": _iso(datetime.now(UTC))},
              doc_as_upsert=True)


def create_records(es: Elasticsearch, indices: Indices, records: list[dict[str, Any]],
                   ) -> tuple[list[str], list[str], dict[str, str]]:
    """``create`` each record: (created ids, ids that already existed, failed id -> error)."""
    if not records:
        return [], [], {}
    operations: list[dict[str, Any]] = []
    for record in records:
        operations += [{"create": {"_index": indices.alerts, "_id": record["alert_id"]}}, record]
    items = es.bulk(operations=operations)["items"]
    created, existing, failed = [], [], {}
    for item in items:
        info = item["create"]
        if info.get("status") in (200, 201):
            created.append(info["_id"])
        elif info.get("status") == 409:
            existing.append(info["_id"])
        else:
            failed[info["_id"]] = str(info.get("error"))[:300]
    return created, existing, failed


def pending_ids(es: Elasticsearch, indices: Indices) -> dict[str, list[str]]:
    """Pending history ids by rule (search may lag; callers confirm with a realtime mget)."""
    hits = _search(es, indices.alerts, size=MAX_IDS, source=["rule"],
                   query={"term": {"status": "pending"}}, sort=[{"created_at": "asc"}])
    out: dict[str, list[str]] = {}
    for hit in hits:
        out.setdefault(hit["_source"].get("rule"), []).append(hit["_id"])
    return out


def confirmed_pending(es: Elasticsearch, indices: Indices, ids: list[str]) -> list[dict[str, Any]]:
    """The records among ``ids`` that are still pending right now (realtime)."""
    if not ids:
        return []
    docs = es.mget(index=indices.alerts, ids=list(dict.fromkeys(ids)))["docs"]
    found = [d["_source"] for d in docs if d.get("found")]
    return sorted((d for d in found if d.get("status") == "pending"),
                  key=lambda d: (str(d.get("created_at")), str(d.get("indexed_at"))))


def mark(es: Elasticsearch, indices: Indices, records: list[dict[str, Any]],
         values: dict[str, Any], per_record: dict[str, str] | None = None) -> None:
    """Partial update of history records (no scripts: attempts computed here).

    ``per_record`` maps a field to the record key holding its value for that record."""
    operations: list[dict[str, Any]] = []
    for record in records:
        extra = {k: record.get(src) for k, src in (per_record or {}).items()}
        operations += [{"update": {"_index": indices.alerts, "_id": record["alert_id"]}},
                       {"doc": {**values, **extra,
                                "attempts": int(record.get("attempts") or 0) + 1}}]
    if operations:
        response = es.bulk(operations=operations)
        if response.get("errors"):
            raise RuntimeError(f"cannot update alert records: {response['items'][:1]}")


# --------------------------------------------------------------------------- running


MARK_EVERY = 20  # sent emails whose records are marked "sent" in one bulk (crash window)


@dataclass
class RunContext:
    """Everything a run needs, plus the writes it batches."""

    es: Elasticsearch
    indices: Indices
    settings: Settings
    transport: Transport | None
    options: AlertOptions
    now: datetime
    story_cache: dict[str, tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=dict)
    sender: str | None = None
    sent: list[tuple[list[dict[str, Any]], str]] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    def save(self, rule: str, **values: Any) -> None:
        """Queue a checkpoint update (written by flush, after the records it depends on)."""
        self.states.setdefault(rule, {}).update(values, last_run_at=_iso(self.now))

    def flush(self) -> None:
        """Mark queued sends as sent (one bulk), then write the queued checkpoints."""
        for records, sent_at in self.sent:
            for record in records:
                record["_sent_at"] = sent_at
        mark(self.es, self.indices, [r for records, _ in self.sent for r in records],
             {"status": "sent", "last_error": None}, per_record={"sent_at": "_sent_at"})
        self.sent.clear()
        if self.states:
            stamp = _iso(datetime.now(UTC))
            operations: list[dict[str, Any]] = []
            for rule, values in self.states.items():
                operations += [{"update": {"_index": self.indices.alert_state,
                                           "_id": state_id(rule)}},
                               {"doc": {"rule": rule, **values, "updated_at": stamp},
                                "doc_as_upsert": True}]
            self.es.bulk(operations=operations)
            self.states.clear()


def window(rule: Rule, state: dict[str, Any], ctx: RunContext) -> tuple[datetime, datetime]:
    """(since, until): from the checkpoint minus the overlap, or the first-run lookback."""
    checkpoint = _parse(state.get("checkpoint"))
    if checkpoint is None:
        return ctx.now - timedelta(hours=ctx.options.lookback_hours), ctx.now
    return checkpoint - timedelta(seconds=ctx.options.overlap_seconds), ctx.now


def held_back(rule: Rule, state: dict[str, Any], now: datetime) -> bool:
    """Digest period or throttle not yet over since the last email."""
    minutes = rule.period_minutes if rule.mode == "digest" else rule.throttle_minutes
    last = _parse(state.get("last_sent_at"))
    return bool(minutes and last and now - last < timedelta(minutes=minutes))


def evaluate(rule: Rule, state: dict[str, Any], ctx: RunContext) -> tuple[list[Story], datetime]:
    """Stories matching now (no writes)."""
    since, until = window(rule, state, ctx)
    matches = find_matches(ctx.es, ctx.indices, rule, since, until)
    story_keys(ctx.es, ctx.indices, [m.doc for m in matches], ctx.story_cache)
    return group_stories(matches, ctx.story_cache), until


def deliver(rule: Rule, records: list[dict[str, Any]], ctx: RunContext) -> None:
    """Compose and send one email for ``records``; raises DeliveryError."""
    if ctx.transport is None:
        raise DeliveryError("no mail transport configured")
    ids = [a for r in records for a in (r.get("article_ids") or [r.get("article_id")])]
    link = kibana_link(ctx.settings.kibana_url, ctx.indices.articles, ids)
    message = compose(rule.name, rule.describe(), rule.recipients, records,
                      ctx.sender or mail_from(ctx.settings), link,
                      digest=rule.mode == "digest")
    ctx.transport.send(message)


def send_rule(rule: Rule, state: dict[str, Any], until: datetime,
              pending: list[dict[str, Any]], complete: bool, ctx: RunContext,
              result: RuleResult) -> None:
    """Send the rule's pending stories (all already recorded) and queue its checkpoint.

    ``complete`` is False when some of this run's stories could not be recorded: the
    checkpoint then stays, so they are found again next run.
    """
    result.pending = len(pending)
    if not pending:
        if complete:
            ctx.save(rule.name, checkpoint=_iso(until))
        return
    if held_back(rule, state, ctx.now):
        result.held = True
        ctx.save(rule.name)
        return
    batch = pending[: rule.max_articles]
    try:
        deliver(rule, batch, ctx)
    except DeliveryError as exc:
        result.error = str(exc)
        mark(ctx.es, ctx.indices, batch, {"last_error": str(exc)[:1000],
                                          "last_attempt_at": _iso(ctx.now)})
        ctx.save(rule.name)
        return
    sent_at = _iso(datetime.now(UTC))
    ctx.sent.append((batch, sent_at))
    values = {"last_sent_at": sent_at}
    if complete:
        values["checkpoint"] = _iso(until)
    ctx.save(rule.name, **values)
    result.sent, result.emails, result.pending = len(batch), 1, len(pending) - len(batch)
    if len(ctx.sent) >= MARK_EVERY:
        ctx.flush()


def load_checked_rules(es: Elasticsearch, indices: Indices, rules_path: Any = None,
                       ) -> tuple[list[Rule], list[str]]:
    """Rules with raw queries dry-run against the articles index (created if still absent)."""
    ensure_monthly_index(es, indices.write_index("articles"))
    return rq.load_rules(rules_path, es=es, index=indices.articles)


def _plans(rules: list[Rule], states: dict[str, dict[str, Any]], ctx: RunContext,
           results: dict[str, RuleResult]) -> tuple[list[Plan], dict[str, datetime]]:
    plans: list[Plan] = []
    untils: dict[str, datetime] = {}
    for rule in rules:
        since, untils[rule.name] = window(rule, states.get(rule.name, {}), ctx)
        try:
            plans.append(plan_search(ctx.es, ctx.indices, rule, since, untils[rule.name]))
        except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the rest
            log.exception("alert rule %s failed", rule.name)
            results[rule.name].error = f"{type(exc).__name__}: {exc}"
    return plans, untils


def run_alerts_once(es: Elasticsearch, indices: Indices, settings: Settings,
                    rules_path: Any = None, transport: Transport | None = None,
                    rules: list[Rule] | None = None, sender: str | None = None,
                    ) -> dict[str, Any]:
    """Evaluate every rule once and send; one bad rule or failed send never stops the others.

    ``transport`` defaults to SMTP from NEWSMON_SMTP_* or the file outbox; ``sender`` (the
    From address) to NEWSMON_MAIL_FROM; ``rules`` (already loaded) skips the rules file.

    Searches of all rules go in one _msearch, all new history records in one bulk ``create``
    (so every story is recorded as pending before any email leaves), then one email per rule.
    """
    started = time.perf_counter()
    ensure_templates(es, indices)
    errors: list[str] = []
    if rules is None:
        rules, errors = load_checked_rules(es, indices, rules_path)
    for error in errors:
        log.error("alert rule skipped: %s", error)
    ctx = RunContext(es, indices, settings, transport or transport_from_settings(settings),
                     AlertOptions.from_settings(settings), datetime.now(UTC), sender=sender)
    states = load_states(es, indices, [r.name for r in rules])
    earlier = pending_ids(es, indices)
    results = {r.name: RuleResult(r.name) for r in rules}
    plans, untils = _plans(rules, states, ctx, results)
    found = find_all(es, indices, plans)
    story_keys(es, indices, [m.doc for v in found.values() if isinstance(v, list) for m in v],
               ctx.story_cache)
    records: dict[str, list[dict[str, Any]]] = {}
    for rule in rules:
        value = found.get(rule.name)
        if isinstance(value, Exception):
            results[rule.name].error = f"{type(value).__name__}: {value}"
        elif value is not None:
            stories = group_stories(value, ctx.story_cache)
            results[rule.name].matches = len(value)
            results[rule.name].stories = len(stories)
            records[rule.name] = [s.record(rule, ctx.now) for s in stories]
    created, existing, failed = create_records(
        es, indices, [r for items in records.values() for r in items])
    new = set(created)
    waiting = confirmed_pending(es, indices, existing + [
        i for name in records for i in earlier.get(name, []) if i not in new])
    for rule in rules:
        if rule.name not in records:
            continue
        result = results[rule.name]
        mine = [r for r in records[rule.name] if r["alert_id"] in new]
        result.new = len(mine)
        pending = sorted(mine + [r for r in waiting if r.get("rule") == rule.name],
                         key=lambda d: (str(d.get("created_at")), str(d.get("indexed_at"))))
        lost = [failed[r["alert_id"]] for r in records[rule.name] if r["alert_id"] in failed]
        if lost:
            result.error = f"could not record {len(lost)} alerts: {lost[0]}"
        try:
            send_rule(rule, states.get(rule.name, {}), untils[rule.name], pending,
                      not lost, ctx, result)
        except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the rest
            log.exception("alert rule %s failed", rule.name)
            result.error = f"{type(exc).__name__}: {exc}"
    ctx.flush()
    done = list(results.values())
    return {
        "rules": len(rules), "rule_errors": errors,
        "matches": sum(r.matches for r in done), "stories": sum(r.stories for r in done),
        "new_alerts": sum(r.new for r in done), "sent": sum(r.sent for r in done),
        "emails": sum(r.emails for r in done), "pending": sum(r.pending for r in done),
        "held": [r.rule for r in done if r.held],
        "failed": {r.rule: r.error for r in done if r.error},
        "seconds": round(time.perf_counter() - started, 3),
    }


def show_rule(es: Elasticsearch, indices: Indices, settings: Settings, name: str,
              rules_path: Any = None, out: Any = None) -> int:
    """Print what ``name`` matches now: no record, no send, no checkpoint change."""
    out = out or sys.stdout
    rules, errors = load_checked_rules(es, indices, rules_path)
    rule = next((r for r in rules if r.name == name), None)
    if rule is None:
        mine = [e for e in errors if f"rule {name!r}" in e]
        print(mine[0] if mine else f"no rule named {name!r} (have: "
              f"{', '.join(r.name for r in rules)})", file=sys.stderr)
        return 2
    ctx = RunContext(es, indices, settings, None, AlertOptions.from_settings(settings),
                     datetime.now(UTC))
    state = load_states(es, indices, [name]).get(name, {})
    stories, _until = evaluate(rule, state, ctx)
    ids = [alert_id(name, s.key) for s in stories]
    known = {d["_id"]: d.get("_source", {}).get("status") for d in
             (es.mget(index=indices.alerts, ids=ids)["docs"] if ids else []) if d.get("found")}
    since, until = window(rule, state, ctx)
    print(f"rule {name}: {', '.join(rule.describe())}", file=out)
    print(f"window: {_iso(since)} .. {_iso(until)}; {len(stories)} stories", file=out)
    for story, aid in zip(stories, ids, strict=True):
        record = story.record(rule, ctx.now)
        status = known.get(aid, "new")
        print(f"- [{status}] {record['title']} ({record['source']}) {record['url']}", file=out)
        for snippet in record["snippets"]:
            print(f"    > {snippet.replace(HL_PRE, '[').replace(HL_POST, ']')}", file=out)
        for item in record["matched"]:
            print(f"    * {item}", file=out)
        if record["other_sources"]:
            print(f"    also: {', '.join(record['other_sources'])}", file=out)
    return 0


def alerts_command(args: argparse.Namespace, settings: Settings, es: Elasticsearch,
                   indices: Indices) -> int:
    """``alerts run`` (evaluate and send) and ``alerts test RULE`` (show only)."""
    rules_path = getattr(args, "rules", None)
    if args.alerts_command == "test":
        ensure_templates(es, indices)
        return show_rule(es, indices, settings, args.rule, rules_path)
    summary = run_alerts_once(es, indices, settings, rules_path)
    for error in summary["rule_errors"]:
        print(f"rule error: {error}", file=sys.stderr)
    for rule, error in summary["failed"].items():
        print(f"rule {rule}: {error}", file=sys.stderr)
    print(f"alerts: {summary['rules']} rules, {summary['matches']} matches, "
          f"{summary['new_alerts']} new alerts, {summary['emails']} emails "
          f"({summary['sent']} stories sent), {summary['pending']} pending, "
          f"{summary['seconds']:.2f}s")
    return 1 if summary["rule_errors"] or summary["failed"] else 0
