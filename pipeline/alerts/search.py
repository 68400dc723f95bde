"""Find what an alert rule matches: one search plan per rule, run alone or in one ``_msearch``;
and the dry run of every rule when rules load.

Window: articles with ``indexed_at`` in (since, until] (never publication time, so late articles
are not missed). Keyword query (+ article filters, raw query), split into several searches
whose matches are united when it is larger than the clause limit (pipeline.alerts.query);
structured filters query the claims and events indices for the candidates' ids first;
highlights give the snippets.

Every search carries a timeout (``alerts.search_timeout_seconds``, default SEARCH_TIMEOUT). A
search that timed out, failed on a shard or was refused raises SearchFailed (SearchTimedOut):
its partial hits are never used, so the rule reports an error, its checkpoint stays and the next
run looks again; the other rules go on.

:func:`check_rules` dry-runs, at load, each filter of each rule on its own and each search the
rule will send, against the real indices, with a filter that matches nothing but keeps the query
whole (Elasticsearch still parses and rewrites it, which is where it refuses bad fields and too
many clauses); a refused or too large rule is one error line naming the file, rule and field,
and the other rules run. Reads only: nothing here writes to Elasticsearch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from pipeline.alerts import query as rq
from pipeline.alerts.query import HL_POST, HL_PRE
from pipeline.alerts.rules import Rule, RuleError
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
SEARCH_TIMEOUT = 10.0  # seconds; alerts.search_timeout_seconds
MSEARCH_CHUNK = 100  # searches per _msearch request
# Matches nothing, yet is not rewritten away (a range outside the data would be, and with it
# the rest of the query: the clause count would go unchecked).
DRY_RUN = {"term": {"article_id": "\u0000newsmon-dry-run"}}


class SearchFailed(RuntimeError):
    """A search Elasticsearch refused or answered only in part (no partial result is used)."""


class SearchTimedOut(SearchFailed):
    """A search that hit its timeout."""


def timeout_value(seconds: float) -> str:
    """Elasticsearch's form of a timeout (whole milliseconds, at least 1)."""
    return f"{max(1, round(seconds * 1000))}ms"


def reason(error: Any) -> str:
    """One line from an Elasticsearch error: the root cause rather than "all shards failed"."""
    if isinstance(error, dict):
        causes = [c for c in error.get("root_cause") or [] if isinstance(c, dict)]
        cause = causes[0] if causes else error.get("caused_by") or error
        kind = cause.get("type", "") if isinstance(cause, dict) else ""
        text = cause.get("reason", "") if isinstance(cause, dict) else str(cause)
        error = f"{kind}: {text}" if kind and text else (text or kind or str(error))
    return " ".join(str(error).split())[:300]


def checked(response: Any, timeout: float | None = None) -> dict[str, Any]:
    """``response`` of one search, or SearchFailed when it is an error, timed out or some
    shard failed (its hits would be partial)."""
    body: dict[str, Any] = dict(response)
    if "error" in body:
        if "search_timeout_exception" in str(body["error"]):
            raise SearchTimedOut(_timed_out(timeout))
        raise SearchFailed(f"search failed: {reason(body['error'])}")
    if body.get("timed_out"):
        raise SearchTimedOut(_timed_out(timeout))
    shards = body.get("_shards") or {}
    if shards.get("failed"):
        failures = shards.get("failures") or [{}]
        raise SearchFailed(
            f"search failed on {shards['failed']} of {shards.get('total')} shards: "
            f"{reason(failures[0].get('reason', failures[0]))}"
        )
    return body


def _timed_out(timeout: float | None) -> str:
    after = f" after {timeout:g} s" if timeout is not None else ""
    return f"search timed out{after} (alerts.search_timeout_seconds); partial results not used"


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
    """The final article searches of one rule (after any claims/events pre-searches), whose
    matches are united; none when nothing can match."""

    rule: Rule
    bodies: list[dict[str, Any]]
    structured: dict[str, list[str]] = field(default_factory=dict)


def iso(when: datetime) -> str:
    """UTC ISO 8601, as stored in ``indexed_at`` and the alert indices."""
    return when.astimezone(UTC).isoformat()


def search_hits(
    es: Elasticsearch, index: str, timeout: float | None = None, **body: Any
) -> list[dict[str, Any]]:
    """The hits of one search (missing indices count as empty; no total hit count); with
    ``timeout`` (seconds) Elasticsearch stops there. A timed-out or partly failed search
    raises SearchFailed."""
    body.setdefault("track_total_hits", False)
    if timeout is not None:
        body["timeout"] = timeout_value(timeout)
    response = es.search(index=index, ignore_unavailable=True, allow_no_indices=True, **body)
    hits: list[dict[str, Any]] = checked(response, timeout).get("hits", {}).get("hits", [])
    return hits


def msearch(
    es: Elasticsearch, searches: Sequence[tuple[str, dict[str, Any]]], timeout: float
) -> list[dict[str, Any] | SearchFailed]:
    """Many (index, body) searches in _msearch requests: each response, or its SearchFailed."""
    out: list[dict[str, Any] | SearchFailed] = []
    for start in range(0, len(searches), MSEARCH_CHUNK):
        lines: list[dict[str, Any]] = []
        for index, body in searches[start : start + MSEARCH_CHUNK]:
            lines += [
                {"index": index, "ignore_unavailable": True, "allow_no_indices": True},
                {"track_total_hits": False, **body, "timeout": timeout_value(timeout)},
            ]
        try:
            responses = es.msearch(searches=lines)["responses"]
        except BadRequestError:  # one body Elasticsearch cannot even parse refuses them all
            responses = [_alone(es, index, body) for index, body in zip(lines[::2], lines[1::2], strict=True)]
        for response in responses:
            try:
                out.append(checked(response, timeout))
            except SearchFailed as exc:
                out.append(exc)
    return out


def _alone(es: Elasticsearch, header: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """One search of a refused _msearch, its error as an _msearch response would carry it."""
    try:
        response = es.search(
            index=header["index"], ignore_unavailable=True, allow_no_indices=True, **_kwargs(body)
        )
    except BadRequestError as exc:
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        return {"error": error or str(exc.message)}
    return dict(response)


def _kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """A search body as keyword arguments of ``Elasticsearch.search``."""
    return {("source" if k == "_source" else k): v for k, v in body.items()}


def _query(filters: list[dict[str, Any]], must: dict[str, Any] | None) -> dict[str, Any]:
    return {"bool": {"filter": filters, "must": [must] if must else []}}


def _ids(
    es: Elasticsearch,
    index: str,
    query: dict[str, Any],
    field_name: str = "_id",
    timeout: float | None = None,
) -> list[str]:
    """Ids (or one keyword field) of everything matching, up to MAX_IDS."""
    source: Any = False if field_name == "_id" else [field_name]
    hits = search_hits(es, index, timeout=timeout, query=query, size=MAX_IDS, source=source)
    return _values(hits, field_name)


def _values(hits: list[dict[str, Any]], field_name: str) -> list[str]:
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
    timeout: float,
) -> dict[str, list[str]]:
    """Per keyword group (pipeline.alerts.query.keyword_groups), the candidate articles whose
    claims' content / events' trigger match it (all groups in one _msearch)."""
    assert rule.keywords is not None
    keys: list[str] = []
    searches: list[tuple[str, dict[str, Any]]] = []
    for key, kind, query in rq.sub_searches(rule.keywords):
        keys.append(key)
        body = {
            "query": {"bool": {"filter": [{"terms": {"article_id": candidates}}], "must": [query]}},
            "size": MAX_IDS,
            "_source": ["article_id"],
        }
        searches.append((indices.alias(kind), body))
    out: dict[str, list[str]] = {}
    for key, response in zip(keys, msearch(es, searches, timeout), strict=True):
        if isinstance(response, SearchFailed):
            raise response
        found = out.setdefault(key, [])
        found += _values(response["hits"]["hits"], "article_id")
    return {key: list(dict.fromkeys(ids)) for key, ids in out.items()}


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
    timeout: float,
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
        hits = search_hits(es, index, timeout=timeout, query=query, size=MAX_IDS)
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


def plan_search(
    es: Elasticsearch,
    indices: Indices,
    rule: Rule,
    since: datetime,
    until: datetime,
    timeout: float = SEARCH_TIMEOUT,
) -> Plan:
    """Build the rule's article searches (one, or several when the keywords are split to fit
    the clause limit); structured filters and claims/events keywords are resolved to article
    ids first (restricted to the window's candidates). No body when nothing can match."""
    filters = base_query(rule, since, until)
    sub_ids: dict[str, list[str]] | None = None
    structured: dict[str, list[str]] = {}
    if rule.keywords and rq.sub_kinds(rule.keywords):
        candidates = _ids(es, indices.articles, _query(filters, None), timeout=timeout)
        if not candidates:
            return Plan(rule, [])
        sub_ids = _sub_ids(es, indices, rule, candidates, timeout)
    musts: list[dict[str, Any] | None] = [None]
    if rule.keywords:
        musts = [*rq.keyword_searches(rule.keywords, rq.clause_cost(filters), sub_ids)]
    if rule.structured:
        found: list[str] = []
        for must in musts:
            found += _ids(es, indices.articles, _query(filters, must), timeout=timeout)
        if not found:
            return Plan(rule, [])
        keep, structured = _structured(es, indices, rule, list(dict.fromkeys(found)), timeout)
        if not keep:
            return Plan(rule, [])
        # the ids already passed the keywords: one search, for the hits and highlights
        filters, musts = [*filters, {"ids": {"values": sorted(keep)}}], [None]
    highlight = rq.highlight(rule)
    bodies: list[dict[str, Any]] = []
    for must in musts:
        body: dict[str, Any] = {
            "query": _query(filters, must),
            "sort": [{"indexed_at": "asc"}, {"article_id": "asc"}],
            "_source": HIT_FIELDS,
            "size": PAGE,
            "track_total_hits": False,
        }
        if highlight:
            body["highlight"] = highlight
        bodies.append(body)
    return Plan(rule, bodies, structured)


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
    body: dict[str, Any],
    hits: list[dict[str, Any]],
    timeout: float,
) -> list[Match]:
    """Later pages (search_after) when one of the plan's searches matched more than a page."""
    matches = _to_matches(hits, plan.structured)
    body = dict(body)
    while len(hits) == PAGE:
        body["search_after"] = hits[-1]["sort"]
        hits = search_hits(es, indices.articles, timeout=timeout, **_kwargs(body))
        matches += _to_matches(hits, plan.structured)
    return matches


def _united(parts: list[list[Match]]) -> list[Match]:
    """The matches of a rule's split searches: each article once, oldest first."""
    if len(parts) == 1:
        return parts[0]
    seen: dict[str, Match] = {}
    for match in (m for part in parts for m in part):
        first = seen.setdefault(match.article_id, match)
        if first is not match:
            first.terms = sorted(set(first.terms) | set(match.terms))
            first.snippets = first.snippets or match.snippets
    return sorted(seen.values(), key=lambda m: (str(m.doc.get("indexed_at") or ""), m.article_id))


def find_matches(
    es: Elasticsearch,
    indices: Indices,
    rule: Rule,
    since: datetime,
    until: datetime,
    timeout: float = SEARCH_TIMEOUT,
) -> list[Match]:
    """Every article in the window that the rule matches, oldest first, with snippets."""
    plan = plan_search(es, indices, rule, since, until, timeout)
    parts = [
        _rest(
            es,
            indices,
            plan,
            body,
            search_hits(es, indices.articles, timeout=timeout, **_kwargs(body)),
            timeout,
        )
        for body in plan.bodies
    ]
    return _united(parts) if parts else []


def find_all(
    es: Elasticsearch,
    indices: Indices,
    plans: list[Plan],
    timeout: float = SEARCH_TIMEOUT,
) -> dict[str, list[Match] | Exception]:
    """Run many rules' searches with _msearch (Elasticsearch runs them in parallel); a rule
    whose search failed or timed out gets the exception instead of matches."""
    out: dict[str, list[Match] | Exception] = {p.rule.name: [] for p in plans if not p.bodies}
    pairs = [(plan, body) for plan in plans for body in plan.bodies]
    responses = msearch(es, [(indices.articles, body) for _, body in pairs], timeout)
    parts: dict[str, list[list[Match]]] = {}
    failed: dict[str, Exception] = {}
    for (plan, body), response in zip(pairs, responses, strict=True):
        name = plan.rule.name
        if name in failed:
            continue
        if isinstance(response, SearchFailed):
            failed[name] = response
            continue
        try:
            parts.setdefault(name, []).append(
                _rest(es, indices, plan, body, response["hits"]["hits"], timeout)
            )
        except Exception as exc:  # noqa: BLE001 - reported per rule, the others go on
            failed[name] = exc
    for plan in plans:
        if plan.bodies:
            out[plan.rule.name] = failed.get(plan.rule.name) or _united(parts[plan.rule.name])
    return out


# --------------------------------------------------------------------------- dry run at load


def _probes(indices: Indices, rule: Rule) -> list[tuple[str, str, dict[str, Any]]]:
    """(rule field, index, query) of every search the rule can send, DRY_RUN in place of the
    window (same clause count): each filter alone (so a refusal names its field), then the
    searches as the run builds them. Raises RuleTooLarge when the keywords cannot be split
    within the clause limit."""
    out: list[tuple[str, str, dict[str, Any]]] = [
        (where, indices.alias(kind), {"bool": {"filter": [DRY_RUN, query]}})
        for where, kind, query in rq.filter_probes(rule)
    ]
    filters = [DRY_RUN, *rq.article_filters(rule), *([rule.raw] if rule.raw is not None else [])]
    if rule.keywords:
        groups = rq.keyword_groups(rule.keywords)
        sub_ids = {key: ["-"] for key in groups} if rq.sub_kinds(rule.keywords) else None
        for must in rq.keyword_searches(rule.keywords, rq.clause_cost(filters), sub_ids):
            out.append(("query.keywords", indices.articles, _query(filters, must)))
        for _key, kind, query in rq.sub_searches(rule.keywords):
            sub = {"bool": {"filter": [DRY_RUN, {"terms": {"article_id": ["-"]}}], "must": [query]}}
            out.append(("query.keywords", indices.alias(kind), sub))
    else:
        out.append(("query", indices.articles, _query(filters, None)))
    if rule.event:
        out.append(("query", indices.events, {"bool": {"filter": [DRY_RUN, rq.event_query(rule)]}}))
    if rule.claim:
        out.append(("query", indices.claims, {"bool": {"filter": [DRY_RUN, rq.claim_query(rule)]}}))
    return out


def check_rules(
    es: Elasticsearch,
    indices: Indices,
    rules: list[Rule],
    path: Path | str,
    timeout: float = SEARCH_TIMEOUT,
) -> tuple[list[Rule], list[str]]:
    """Dry-run every rule against the real indices (all in a few _msearch requests); keep the
    rules Elasticsearch accepts, one error line (file, rule, field, reason) per other rule.

    A dry run that times out counts as accepted (the query was parsed and rewritten; the run's
    own timeout then guards it)."""
    errors: dict[int, str] = {}
    probes: list[tuple[int, str, str, dict[str, Any]]] = []
    for number, rule in enumerate(rules):
        try:
            probes += [(number, where, index, query) for where, index, query in _probes(indices, rule)]
        except rq.RuleTooLarge as exc:
            errors[number] = str(RuleError(path, f"rule {rule.name!r}: {exc.field}", str(exc)))
    searches = [(index, {"query": query, "size": 0}) for _number, _where, index, query in probes]
    for probe, result in zip(probes, msearch(es, searches, timeout), strict=True):
        number, where = probe[0], probe[1]
        if number in errors or not isinstance(result, SearchFailed) or isinstance(result, SearchTimedOut):
            continue
        message = f"Elasticsearch refused it: {str(result).removeprefix('search failed: ')}"
        errors[number] = str(RuleError(path, f"rule {rules[number].name!r}: {where}", message))
    kept = [rule for number, rule in enumerate(rules) if number not in errors]
    return kept, [errors[number] for number in sorted(errors)]
