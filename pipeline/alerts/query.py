"""Elasticsearch queries for alert rules: safe keyword queries, spelling variants, filters, highlight.

Analysts write keywords, never Elasticsearch syntax: keywords only ever become ``terms`` and
``match_phrase`` clauses, so ``Russia AND (`` is just three words. The test build has no stemmer,
so spelling variants (``cease-fire``, ``ceasefires``, ``Medvedev's``) are generated here and
OR-ed together. Every function here is pure: it builds query bodies from a validated ``Rule``
(pipeline.alerts.rules) and never calls Elasticsearch.

Clause limit: Elasticsearch refuses a search whose query has more leaf clauses than
``max_clause_count`` (computed from heap and search threads, never below 1024: ``too many
clauses``). Keywords are compiled to stay within MAX_CLAUSES (that floor), whatever the node:

- every plain one-word variant of all the condition's keywords goes into ONE ``terms`` clause
  per field (a single clause however many words: 1,000 keywords cost 2 clauses over title and
  text); a variant the standard analyzer might not keep as that one lower-case token
  (non-alphabetic scripts, digits next to an apostrophe ...) is a ``match_phrase`` instead;
- multi-word variants (phrases, ``cease fire`` guessed from ``ceasefire``) are one
  ``match_phrase`` clause per variant and field;
- when the any-of part is still larger, it is split into several searches whose results are
  united (:func:`keyword_searches`): the all-of part, the exclusions and the filters repeat in
  each, so they must fit in one search; beyond MAX_SEARCHES searches, or when the repeated part
  does not fit, the rule is refused at load with :class:`RuleTooLarge` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from pipeline.alerts.rules import EVENT_FILTERS, Keywords, Rule, Term

# ``text`` holds the page text, or title + feed summary when the page could not be extracted
ARTICLE_FIELDS = {"title": ("title",), "text": ("text",)}
SUB_FIELDS = {"claims": ("claims", "content"), "events": ("events", "trigger")}
NO_SINGULAR = ("ss", "us", "is", "news", "ous")
MAX_VARIANTS = 40
# Highlight markers: set by the highlight query, replaced by the mailer and ``alerts test``.
HL_PRE = "\ue000"
HL_POST = "\ue001"
# Leaf clauses per search: Elasticsearch's floor for max_clause_count (1024 on every node).
MAX_CLAUSES = 1024
# Searches one rule may be split into (each at most MAX_CLAUSES): the largest rule that runs.
MAX_SEARCHES = 200
# Words per ``terms`` clause (index.max_terms_count defaults to 65,536).
MAX_TERMS = 50_000
# A ``terms`` clause of few words may be rewritten to one clause per word (Lucene: up to 16).
TERMS_REWRITE = 16
# Group keys of :func:`keyword_groups` (an all-of term is ``all:<label>``).
ANY = "any"
EXCLUDE = "exclude"
SAFE_SCRIPTS = ("LATIN ", "GREEK ", "CYRILLIC ", "ARMENIAN ")
APOSTROPHES = "'\u2019"
MAX_TOKEN = 255  # the standard tokenizer splits longer tokens
HL_TERM_BYTES = 30_000  # bytes of words per terms clause of a highlight query
FULL_TEXT = {
    "match",
    "match_phrase",
    "match_phrase_prefix",
    "match_bool_prefix",
    "multi_match",
    "query_string",
    "simple_query_string",
    "combined_fields",
}
# --------------------------------------------------------------------------- variants


def _plural(word: str) -> str:
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def _singulars(word: str) -> set[str]:
    if word.endswith(NO_SINGULAR) or len(word) <= 3:
        return set()
    if word.endswith("ies") and len(word) > 4:
        return {word[:-3] + "y"}
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return {word[:-2]}
    if word.endswith("s"):
        return {word[:-1]}
    return set()


def _inflections(word: str) -> list[str]:
    """Singular, plural and possessive forms of the last word of a phrase."""
    if word.endswith(("'s", "\u2019s")) and len(word) > 3:
        word = word[:-2]
    bases = {word} | _singulars(word)
    forms = set(bases)
    for base in bases:
        forms.add(_plural(base))
        forms.update({base + "'s", base + "\u2019s"})
    return sorted(forms, key=lambda f: (f != word, len(f), f))


def _spellings(words: list[str]) -> list[list[str]]:
    """Spaced/hyphenated vs joined forms: ``cease-fire`` <-> ``ceasefire``.

    A single long word is also tried split in two (``cease fire``): without a dictionary
    every split point is tried; the ones that are not words cost a failed term lookup."""
    forms = [words]
    if len(words) > 1:
        forms.append(["".join(words)])
    elif len(words[0]) >= 7 and words[0].isalpha():
        word = words[0]
        forms.extend([word[:i], word[i:]] for i in range(3, len(word) - 2))
    return forms


def term_variants(term: str) -> list[str]:
    """Phrases that should all count as ``term`` without a stemmer (case is the analyzer's).

    The forms as typed (and joined) get every inflection; guessed splits only the plural."""
    words = re.findall(r"[^\W_]+(?:['\u2019][^\W_]+)*", term.lower())
    if not words:
        return []
    out: list[str] = []
    for n, form in enumerate(_spellings(words)):
        guessed = n > 0 and len(words) == 1
        lasts = [form[-1], _plural(form[-1])] if guessed else _inflections(form[-1])
        for last in lasts:
            phrase = " ".join([*form[:-1], last])
            if phrase not in out:
                out.append(phrase)
    return out[:MAX_VARIANTS]


def variants(term: Term) -> list[str]:
    """The phrases searched for ``term``; ``exact`` (quoted) terms get no spelling variants."""
    return [term.text.lower()] if term.exact else term_variants(term.text)


# --------------------------------------------------------------------------- clauses


class RuleTooLarge(ValueError):
    """A rule's query cannot be split into searches within the clause limit.

    ``field`` is the rule field to blame (``query.keywords``, ``query.keywords.exclude`` ...)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@lru_cache(maxsize=8192)
def _plain_letter(char: str) -> bool:
    """A lower-case letter of an alphabetic script (kept as is by the standard analyzer)."""
    return unicodedata.category(char) == "Ll" and unicodedata.name(char, "").startswith(SAFE_SCRIPTS)


def plain_token(word: str) -> bool:
    """True when the standard analyzer turns ``word`` into exactly this one token, so a
    ``terms`` clause finds what a ``match`` would: ASCII digits and lower-case Latin, Greek,
    Cyrillic or Armenian letters, with apostrophes only between two letters."""
    if not word or len(word) > MAX_TOKEN:
        return False
    for i, char in enumerate(word):
        if char in APOSTROPHES:
            if (
                i == 0
                or i == len(word) - 1
                or not _plain_letter(word[i - 1])
                or not _plain_letter(word[i + 1])
            ):
                return False
        elif not ("0" <= char <= "9" or _plain_letter(char)):
            return False
    return True


def term_pieces(terms: Iterable[Term], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Clauses matching any spelling variant of any of ``terms`` in any of ``fields`` (OR-ed).

    Plain one-word variants of all the terms share one ``terms`` clause per field; every other
    variant is a ``match_phrase`` per field. Each clause costs one of the clause limit. (Cached:
    a run builds the same pieces for the search, the highlight and the dry run; treat the
    clauses as read-only.)"""
    return list(_term_pieces(tuple(terms), tuple(fields)))


@lru_cache(maxsize=256)
def _term_pieces(terms: tuple[Term, ...], fields: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    words: dict[str, None] = {}
    phrases: dict[str, None] = {}
    for term in terms:
        for variant in variants(term):
            if " " not in variant and plain_token(variant):
                words[variant] = None
            else:
                phrases[variant] = None
    plain = list(words)
    pieces: list[dict[str, Any]] = [
        {"terms": {field_name: plain[start : start + MAX_TERMS]}}
        for field_name in fields
        for start in range(0, len(plain), MAX_TERMS)
    ]
    pieces += [{"match_phrase": {field_name: phrase}} for phrase in phrases for field_name in fields]
    return tuple(pieces)


def any_of(pieces: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """OR of ``pieces``; no piece at all matches nothing."""
    if not pieces:
        return {"ids": {"values": []}}
    return {"bool": {"should": list(pieces), "minimum_should_match": 1}}


def _tokens(text: Any) -> int:
    return max(1, len(re.findall(r"\w+", str(text))))


def _match_cost(kind: str, body: Any) -> int:
    """Leaf clauses of a full-text query: one per analysed word and field, one per phrase."""
    if not isinstance(body, dict):
        return 1
    if kind in ("multi_match", "query_string", "simple_query_string", "combined_fields"):
        fields = body.get("fields") or ["*"]
        per_field = 1 if body.get("type") in ("phrase", "phrase_prefix") else _tokens(body.get("query"))
        return per_field * (len(fields) if isinstance(fields, list) else 1) * (8 if "*" in str(fields) else 1)
    if kind in ("match_phrase", "match_phrase_prefix"):
        return len(body)
    total = 0
    for value in body.values():
        text = value.get("query") if isinstance(value, dict) else value
        total += _tokens(text)
    return max(total, 1)


def clause_cost(query: Any) -> int:
    """How many leaf clauses Elasticsearch counts for ``query`` (exact for the queries built
    here; an estimate for raw queries, which the dry run at load checks for real)."""
    if isinstance(query, list):
        return sum(clause_cost(q) for q in query)
    if not isinstance(query, dict):
        return 0
    total = 0
    for kind, body in query.items():
        if kind == "bool" and isinstance(body, dict):
            total += sum(clause_cost(body.get(k)) for k in ("must", "should", "filter", "must_not"))
        elif kind == "dis_max" and isinstance(body, dict):
            total += clause_cost(body.get("queries"))
        elif kind == "constant_score" and isinstance(body, dict):
            total += clause_cost(body.get("filter"))
        elif kind == "boosting" and isinstance(body, dict):
            total += clause_cost(body.get("positive")) + clause_cost(body.get("negative"))
        elif kind in ("nested", "function_score", "script_score", "has_child", "has_parent"):
            total += max(1, clause_cost(body.get("query") if isinstance(body, dict) else None))
        elif kind == "terms" and isinstance(body, dict):
            sizes = [len(v) for v in body.values() if isinstance(v, list)]
            total += min(max(sizes, default=1), TERMS_REWRITE) or 1
        elif kind in FULL_TEXT:
            total += _match_cost(kind, body)
        else:
            total += 1
    return total


def _chunks(pieces: Sequence[dict[str, Any]], room: int) -> list[list[dict[str, Any]]]:
    """``pieces`` in order, cut into runs of at most ``room`` clauses."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    used = 0
    for piece in pieces:
        cost = clause_cost(piece)
        if current and used + cost > room:
            out.append(current)
            current, used = [], 0
        current.append(piece)
        used += cost
    if current:
        out.append(current)
    return out


# --------------------------------------------------------------------------- keyword queries


def article_fields(keywords: Keywords) -> tuple[str, ...]:
    """Article-index fields behind the rule's ``fields`` names."""
    return tuple(f for name in keywords.fields for f in ARTICLE_FIELDS.get(name, ()))


def sub_kinds(keywords: Keywords) -> list[str]:
    """The claims/events kinds whose documents the keywords are also searched in."""
    return [k for k in SUB_FIELDS if k in keywords.fields]


def keyword_groups(keywords: Keywords) -> dict[str, tuple[Term, ...]]:
    """The rule's keyword conditions: any-of (one OR), each all-of term, exclusions (one OR)."""
    groups: dict[str, tuple[Term, ...]] = {}
    if keywords.any:
        groups[ANY] = keywords.any
    for term in keywords.all:
        groups[f"all:{term.label}"] = (term,)
    if keywords.exclude:
        groups[EXCLUDE] = keywords.exclude
    return groups


def sub_searches(
    keywords: Keywords, room: int = MAX_CLAUSES - TERMS_REWRITE
) -> list[tuple[str, str, dict[str, Any]]]:
    """(group, kind, query) over claims' content / events' trigger, each within ``room``
    clauses (the caller adds the candidate filter)."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for kind in sub_kinds(keywords):
        for key, terms in keyword_groups(keywords).items():
            for chunk in _chunks(term_pieces(terms, (SUB_FIELDS[kind][1],)), room):
                out.append((key, kind, any_of(chunk)))
    return out


def _group(pieces: list[dict[str, Any]], ids: list[str] | None) -> list[dict[str, Any]]:
    return [*pieces, {"ids": {"values": ids}}] if ids else pieces


def keyword_searches(
    keywords: Keywords,
    fixed: int = 0,
    sub_ids: dict[str, list[str]] | None = None,
    budget: int = MAX_CLAUSES,
) -> list[dict[str, Any]]:
    """The keyword part as one query, or several whose matches are united (any-of split), each
    within ``budget`` clauses together with the ``fixed`` clauses of the rest of the search.

    ``sub_ids``: per group of :func:`keyword_groups`, the articles whose claims/events matched
    it. Raises RuleTooLarge when the rule cannot fit in MAX_SEARCHES searches."""
    fields = article_fields(keywords)
    ids = sub_ids or {}
    must = [any_of(_group(term_pieces([t], fields), ids.get(f"all:{t.label}"))) for t in keywords.all]
    must_not: list[dict[str, Any]] = []
    if keywords.exclude:
        must_not.append(any_of(_group(term_pieces(keywords.exclude, fields), ids.get(EXCLUDE))))
    for where, part in (("query.keywords.all", must), ("query.keywords.exclude", must_not)):
        cost = clause_cost(part)
        if fixed + cost > budget:
            raise RuleTooLarge(
                where,
                f"too large for one Elasticsearch search: {cost:,} clauses (each spelling variant of "
                f"each keyword and field counts) + {fixed:,} for the filters, at most {budget:,}",
            )
    room = budget - fixed - clause_cost(must) - clause_cost(must_not)
    if room < (TERMS_REWRITE if keywords.any else 0):
        raise RuleTooLarge(
            "query.keywords",
            f"too large: all-of, exclusions and filters take {budget - room:,} clauses together, "
            f"one search holds {budget:,}" + (" with room for the any-of keywords" if keywords.any else ""),
        )
    if not keywords.any:
        return [{"bool": {"must": must, "must_not": must_not}}]
    pieces = _group(term_pieces(keywords.any, fields), ids.get(ANY))
    chunks = _chunks(pieces, room)
    if len(chunks) > MAX_SEARCHES:
        raise RuleTooLarge(
            "query.keywords",
            f"too large: {len(keywords.any):,} keywords make {clause_cost(pieces):,} clauses (each spelling "
            f"variant of each keyword and field counts), {len(chunks)} searches of at most {budget:,}; "
            f"the limit is {MAX_SEARCHES}: split the rule",
        )
    return [{"bool": {"must": [*must, any_of(chunk)], "must_not": must_not}} for chunk in chunks]


# --------------------------------------------------------------------------- filters


def _ci_terms(field_name: str, values: tuple[str, ...]) -> dict[str, Any]:
    should = [{"term": {field_name: {"value": v, "case_insensitive": True}}} for v in values]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _phrases(field_name: str, values: tuple[str, ...]) -> dict[str, Any]:
    should = [{"match_phrase": {field_name: v}} for v in values]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def article_filter(key: str, values: tuple[str, ...]) -> dict[str, Any]:
    """One of source / feed / language on the article itself (case-insensitive)."""
    fields = {
        "source": ("source", "domain", "sitename"),
        "feed": ("feed_names", "feed_name", "feed_url"),
        "language": ("language",),
    }[key]
    if len(fields) == 1:
        return _ci_terms(fields[0], values)
    return {"bool": {"should": [_ci_terms(f, values) for f in fields], "minimum_should_match": 1}}


def article_filters(rule: Rule) -> list[dict[str, Any]]:
    """Source / feed / language filters on the article itself (case-insensitive)."""
    return [
        article_filter(key, rule.article[key])
        for key in ("source", "feed", "language")
        if key in rule.article
    ]


def event_filter(key: str, values: tuple[str, ...]) -> dict[str, Any]:
    """One event condition: keyword fields case-insensitive; actors and location are text
    fields, where a name matches inside a longer name."""
    return _ci_terms(key, values) if key in ("type", "status", "country") else _phrases(key, values)


def event_query(rule: Rule) -> dict[str, Any]:
    """All event conditions must hold on the same event document."""
    return {"bool": {"filter": [event_filter(key, values) for key, values in rule.event.items()]}}


def claim_query(rule: Rule) -> dict[str, Any]:
    """Claim speaker: ``Medvedev`` matches ``Dmitry Medvedev``."""
    return {"bool": {"filter": [_phrases("speaker", rule.claim["speaker"])]}}


def filter_probes(rule: Rule) -> list[tuple[str, str, dict[str, Any]]]:
    """(rule field, index kind, query) for each filter of the rule on its own, so the dry run
    at load can name the field Elasticsearch refuses."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    if rule.raw is not None:
        out.append(("query.raw", "articles", rule.raw))
    out += [(f"query.{key}", "articles", article_filter(key, values)) for key, values in rule.article.items()]
    names = {stored: name for name, stored in EVENT_FILTERS.items()}
    out += [
        (f"query.{names[key]}", "events", event_filter(key, values)) for key, values in rule.event.items()
    ]
    if rule.claim:
        out.append(("query.speaker", "claims", claim_query(rule)))
    return out


def highlight(rule: Rule, budget: int = MAX_CLAUSES) -> dict[str, Any] | None:
    """Highlight the keyword matches (markers are replaced by the mailer); within ``budget``
    clauses: the one-word ``terms`` first, then phrases while they fit (a match found only
    through a phrase beyond that shows the summary instead of a snippet)."""
    if not rule.keywords or not article_fields(rule.keywords):
        return None
    pieces: list[dict[str, Any]] = []
    for piece in term_pieces(rule.keywords.positive, article_fields(rule.keywords)):
        if "terms" not in piece:
            pieces.append(piece)
            continue
        # the highlighter packs a terms clause's words into one Lucene term (< 32,766 bytes)
        (field_name, words), size, start = next(iter(piece["terms"].items())), 0, 0
        for end, word in enumerate(words):
            size += len(word.encode()) + 1
            if size > HL_TERM_BYTES:
                pieces.insert(0, {"terms": {field_name: words[start:end]}})
                size, start = len(word.encode()) + 1, end
        pieces.insert(0, {"terms": {field_name: words[start:]}})
    return {
        "pre_tags": [HL_PRE],
        "post_tags": [HL_POST],
        "highlight_query": any_of(_chunks(pieces, budget)[0]),
        "fields": {
            "title": {"number_of_fragments": 0},
            "text": {"fragment_size": 180, "number_of_fragments": 2},
        },
    }
