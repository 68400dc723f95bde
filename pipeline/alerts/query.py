"""Elasticsearch queries for alert rules: safe keyword queries, spelling variants, filters, highlight.

Analysts write keywords, never Elasticsearch syntax: every keyword goes through
``match_phrase``-style queries (``multi_match`` of type ``phrase``), so ``Russia AND (`` is just
three words. The test build has no stemmer, so spelling variants (``cease-fire``, ``ceasefires``,
``Medvedev's``) are generated here and OR-ed together. Every function here is pure: it builds
query bodies from a validated ``Rule`` (pipeline.alerts.rules) and never calls Elasticsearch.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.alerts.rules import Keywords, Rule, Term

# ``text`` holds the page text, or title + feed summary when the page could not be extracted
ARTICLE_FIELDS = {"title": ("title",), "text": ("text",)}
SUB_FIELDS = {"claims": ("claims", "content"), "events": ("events", "trigger")}
NO_SINGULAR = ("ss", "us", "is", "news", "ous")
MAX_VARIANTS = 40
# Highlight markers: set by the highlight query, replaced by the mailer and ``alerts test``.
HL_PRE = "\ue000"
HL_POST = "\ue001"


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


# --------------------------------------------------------------------------- queries


def term_query(term: Term, fields: tuple[str, ...]) -> dict[str, Any]:
    """Any spelling variant of ``term`` in any of ``fields``: one-word variants in a single
    OR-match, multi-word ones as phrases."""
    phrases = variants(term)
    single = [v for v in phrases if " " not in v]
    should: list[dict[str, Any]] = []
    if single:
        should.append({"multi_match": {"query": " ".join(single), "fields": list(fields), "operator": "or"}})
    should += [
        {"multi_match": {"query": v, "type": "phrase", "fields": list(fields)}} for v in phrases if " " in v
    ]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def article_fields(keywords: Keywords) -> tuple[str, ...]:
    """Article-index fields behind the rule's ``fields`` names."""
    return tuple(f for name in keywords.fields for f in ARTICLE_FIELDS.get(name, ()))


def sub_kinds(keywords: Keywords) -> list[str]:
    """The claims/events kinds whose documents the keywords are also searched in."""
    return [k for k in SUB_FIELDS if k in keywords.fields]


def keyword_clause(
    term: Term, keywords: Keywords, sub_ids: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """One term over article fields, plus articles whose claims/events matched it."""
    should: list[dict[str, Any]] = []
    fields = article_fields(keywords)
    if fields:
        should.append(term_query(term, fields))
    ids = (sub_ids or {}).get(term.label)
    if ids:
        should.append({"ids": {"values": ids}})
    if not should:
        return {"ids": {"values": []}}
    return {"bool": {"should": should, "minimum_should_match": 1}}


def keyword_query(
    keywords: Keywords,
    sub_ids: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """any-of AND all-of AND NOT exclusions."""
    must: list[dict[str, Any]] = [keyword_clause(t, keywords, sub_ids) for t in keywords.all]
    if keywords.any:
        must.append(
            {
                "bool": {
                    "should": [keyword_clause(t, keywords, sub_ids) for t in keywords.any],
                    "minimum_should_match": 1,
                }
            }
        )
    must_not = [keyword_clause(t, keywords, sub_ids) for t in keywords.exclude]
    return {"bool": {"must": must, "must_not": must_not}}


def _ci_terms(field_name: str, values: tuple[str, ...]) -> dict[str, Any]:
    should = [{"term": {field_name: {"value": v, "case_insensitive": True}}} for v in values]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _phrases(field_name: str, values: tuple[str, ...]) -> dict[str, Any]:
    should = [{"match_phrase": {field_name: v}} for v in values]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def article_filters(rule: Rule) -> list[dict[str, Any]]:
    """Source / feed / language filters on the article itself (case-insensitive)."""
    out = []
    if "source" in rule.article:
        values = rule.article["source"]
        out.append(
            {
                "bool": {
                    "should": [
                        _ci_terms("source", values),
                        _ci_terms("domain", values),
                        _ci_terms("sitename", values),
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if "feed" in rule.article:
        values = rule.article["feed"]
        out.append(
            {
                "bool": {
                    "should": [
                        _ci_terms("feed_names", values),
                        _ci_terms("feed_name", values),
                        _ci_terms("feed_url", values),
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if "language" in rule.article:
        out.append(_ci_terms("language", rule.article["language"]))
    return out


def event_query(rule: Rule) -> dict[str, Any]:
    """All event conditions must hold on the same event document."""
    clauses = []
    for key, values in rule.event.items():
        if key in ("type", "status", "country"):
            clauses.append(_ci_terms(key, values))
        else:  # actors, location: text fields, a name matches inside a longer name
            clauses.append(_phrases(key, values))
    return {"bool": {"filter": clauses}}


def claim_query(rule: Rule) -> dict[str, Any]:
    """Claim speaker: ``Medvedev`` matches ``Dmitry Medvedev``."""
    return {"bool": {"filter": [_phrases("speaker", rule.claim["speaker"])]}}


def sub_term_query(term: Term, kind: str) -> dict[str, Any]:
    """A keyword over claims' content or events' trigger."""
    return term_query(term, (SUB_FIELDS[kind][1],))


def highlight(rule: Rule) -> dict[str, Any] | None:
    """Highlight the keyword matches (markers are replaced by the mailer)."""
    if not rule.keywords or not article_fields(rule.keywords):
        return None
    terms = rule.keywords.positive
    query = {"bool": {"should": [term_query(t, article_fields(rule.keywords)) for t in terms]}}
    return {
        "pre_tags": [HL_PRE],
        "post_tags": [HL_POST],
        "highlight_query": query,
        "fields": {
            "title": {"number_of_fragments": 0},
            "text": {"fragment_size": 180, "number_of_fragments": 2},
        },
    }
