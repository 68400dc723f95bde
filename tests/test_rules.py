"""Rule loading/validation and the keyword queries they build (real Elasticsearch).

Issue 12 point 3: every rule dry-run at load (keyword, structured and raw), many keywords split
within the clause limit, too large rules refused at load naming rule and field, a search
timeout on every alert search."""

from __future__ import annotations

import json
import random
import string
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from elasticsearch import BadRequestError

from pipeline.alerts.mail import SmtpTransport
from pipeline.alerts.query import (
    MAX_CLAUSES,
    MAX_SEARCHES,
    RuleTooLarge,
    any_of,
    clause_cost,
    keyword_searches,
    plain_token,
    term_pieces,
    term_variants,
)
from pipeline.alerts.rules import load_rules, parse_rules
from pipeline.alerts.run import load_checked_rules, run_alerts_once
from pipeline.alerts.search import SearchTimedOut, find_all, find_matches, plan_search, search_hits
from pipeline.alerts.state import load_states
from pipeline.config import REPO_ROOT, ConfigError
from pipeline.store.elastic import ensure_monthly_index


def parse(text_rules: list[dict]) -> tuple[list, list[str]]:
    return parse_rules({"rules": text_rules}, "alerts.yaml")


def rule(name: str = "r", **query: object) -> dict:
    return {"name": name, "recipients": ["a@example.org"], "query": query}


def test_example_rules_file_loads_cleanly():
    rules, errors = load_rules(REPO_ROOT / "config" / "alerts.yaml")
    assert errors == []
    names = {r.name for r in rules}
    assert {"ceasefire", "ceasefire-rejected", "medvedev-claims"} <= names
    structured = next(r for r in rules if r.name == "ceasefire-rejected")
    assert structured.event == {"type": ("ceasefire",), "status": ("negated",)}


@pytest.mark.parametrize(
    "bad, words",
    [
        (rule(keywords={"any": ["x"]}, colour="red"), "query.colour: unknown field"),
        (rule(keywords={"any": []}), "empty"),
        (rule(keywords={}), "empty"),
        (rule(keywords={"any": ['"prisoner exchange']}), "unbalanced quotes"),
        (rule(keywords={"any": ["x"], "fields": ["body"]}), "unknown field 'body'"),
        (rule(keywords={"any": ["(("]}), "no letters or digits"),
        ({"name": "r", "query": {"speaker": "X"}}, "recipients: missing"),
        ({"name": "r", "recipients": ["not-an-email"], "query": {"speaker": "X"}}, "not an email"),
        ({**rule(speaker="X"), "mode": "sometimes"}, "mode: must be immediate or digest"),
        ({**rule(speaker="X"), "mode": "digest", "period": "fortnightly"}, "period: must be"),
        ({**rule(speaker="X"), "throttle": "-5m"}, "throttle: must be"),
        (rule(raw="{not json"), "query.raw: not valid JSON"),
        ({"name": "r", "recipients": ["a@example.org"]}, "query: missing"),
    ],
)
def test_bad_rule_is_one_line_naming_file_and_rule(bad, words):
    good = rule("good", keywords={"any": ["ceasefire"]})
    rules, errors = parse([bad, good])
    assert [r.name for r in rules] == ["good"]
    assert len(errors) == 1
    assert errors[0].startswith("alerts.yaml: rule 'r'") and words in errors[0]
    assert "\n" not in errors[0]


def test_duplicate_names_and_defaults():
    rules, errors = parse_rules(
        {
            "defaults": {"recipients": ["desk@example.org"]},
            "rules": [{"name": "a", "query": {"speaker": "X"}}, {"name": "a", "query": {"speaker": "Y"}}],
        },
        "f.yaml",
    )
    assert [r.recipients for r in rules] == [("desk@example.org",)]
    assert errors and "duplicate rule name" in errors[0]


def test_file_level_errors_raise():
    with pytest.raises(ConfigError, match="rules"):
        parse_rules({"rule": []}, "f.yaml")


def test_durations_and_modes():
    rules, errors = parse(
        [
            {**rule("d", speaker="X"), "mode": "digest"},
            {**rule("h", speaker="X"), "mode": "digest", "period": "hourly"},
            {**rule("t", speaker="X"), "throttle": "2h"},
        ]
    )
    assert errors == []
    assert [(r.mode, r.period_minutes, r.throttle_minutes) for r in rules] == [
        ("digest", 1440, None),
        ("digest", 60, None),
        ("immediate", None, 120),
    ]


def test_variants_cover_spelling_case_and_plural():
    variants = set(term_variants("ceasefire"))
    assert {"ceasefire", "ceasefires", "cease fire", "cease fires", "ceasefire's"} <= variants
    assert {"ceasefire", "cease fire", "ceasefires"} <= set(term_variants("Cease-Fire"))
    assert "ceasefire" in term_variants("ceasefires")
    assert {"casualty", "casualties"} <= set(term_variants("casualties"))
    assert "new" not in term_variants("news")
    assert term_variants("Russia AND (")[0] == "russia and"


ARTICLES = {
    "a1": "Talks collapse without a cease-fire agreement",
    "a2": "Ceasefire holds in the north",
    "a3": "Two ceasefires announced overnight",
    "a4": "Parliament debates the budget",
    "a5": "Russia AND ( parentheses in a headline about a ceasefire",
    "a6": "Prisoner exchange agreed after ceasefire talks, football resumes",
}


@pytest.fixture
def docs(es, indices):
    now = datetime.now(UTC)
    index = indices.write_index("articles", now)
    ensure_monthly_index(es, index)
    for article_id, title in ARTICLES.items():
        es.index(
            index=index,
            id=article_id,
            document={
                "article_id": article_id,
                "title": title,
                "text": title,
                "url": f"http://x/{article_id}",
                "canonical_url": f"http://x/{article_id}",
                "source": "Example Wire",
                "indexed_at": now.isoformat(),
                "language": "en",
            },
        )
    es.index(
        index=index,
        id="old",
        document={
            "article_id": "old",
            "title": "Old ceasefire story",
            "url": "http://x/old",
            "indexed_at": (now - timedelta(days=3)).isoformat(),
        },
    )
    es.indices.refresh(index=index)
    return now


def matched(es, indices, now, **query) -> set[str]:
    rules, errors = parse([rule(**query)])
    assert errors == []
    found = find_matches(es, indices, rules[0], now - timedelta(hours=1), now + timedelta(seconds=1))
    return {m.article_id for m in found}


def test_keyword_variants_match_in_elasticsearch(es, indices, docs):
    assert matched(es, indices, docs, keywords={"any": ["ceasefire"]}) == {"a1", "a2", "a3", "a5", "a6"}
    assert matched(es, indices, docs, keywords={"any": ["Cease-fire"]}) == {"a1", "a2", "a3", "a5", "a6"}


def test_any_all_exclude_and_phrases(es, indices, docs):
    assert matched(es, indices, docs, keywords={"all": ["ceasefire", "talks"]}) == {"a1", "a6"}
    assert matched(es, indices, docs, keywords={"any": ["ceasefire"], "exclude": ["football"]}) == {
        "a1",
        "a2",
        "a3",
        "a5",
    }
    assert matched(es, indices, docs, keywords={"phrases": ["prisoner exchange"]}) == {"a6"}
    assert matched(es, indices, docs, keywords={"any": ['"two ceasefires"']}) == {"a3"}
    assert matched(
        es, indices, docs, keywords={"any": ["ceasefire"]}, source="example wire", language="EN"
    ) == {"a1", "a2", "a3", "a5", "a6"}
    assert matched(es, indices, docs, keywords={"any": ["ceasefire"]}, source="other") == set()


def test_query_syntax_in_keywords_is_plain_text(es, indices, docs):
    assert matched(es, indices, docs, keywords={"any": ["Russia AND ("]}) == {"a5"}
    assert matched(es, indices, docs, keywords={"any": ["title:(x OR y"]}) == set()
    assert matched(es, indices, docs, keywords={"any": ["ceasefire~2", "a5 OR 1=1", "title:*"]}) == set()


def test_highlight_snippets(es, indices, docs):
    rules, _ = parse([rule(keywords={"any": ["ceasefire"]})])
    found = find_matches(es, indices, rules[0], docs - timedelta(hours=1), docs + timedelta(seconds=1))
    by_id = {m.article_id: m for m in found}
    assert "\ue000cease\ue001" in by_id["a1"].snippets[0] or "\ue000cease-fire" in by_id["a1"].snippets[0]
    assert "ceasefires" in by_id["a3"].terms


def test_raw_query_validated_against_elasticsearch(es, indices, tmp_path: Path):
    path = tmp_path / "alerts.yaml"
    path.write_text(
        "rules:\n"
        "  - {name: ok, recipients: [a@example.org], query: {raw: {match: {title: x}}}}\n"
        "  - {name: bad, recipients: [a@example.org], query: {raw: {nope: {}}}}\n"
        "  - {name: bad2, recipients: [a@example.org],"
        " query: {raw: {match: {title: {query: x, bogus: 1}}}}}\n"
    )
    rules, errors = load_checked_rules(es, indices, path)
    assert [r.name for r in rules] == ["ok"]
    assert len(errors) == 2 and all("query.raw: Elasticsearch refused it" in e for e in errors)
    assert str(path) in errors[0] and "rule 'bad'" in errors[0]


# --------------------------------------------------------------------------- issue 12 point 3
# Rules that Elasticsearch would refuse at run time: many keywords (clause limit), filters it
# rejects, slow raw queries (timeout).


def pseudo_words(count: int, seed: int = 12) -> list[str]:
    """``count`` distinct made-up words of 5-11 letters (none occurs in ARTICLES)."""
    rnd = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < count:
        out["".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(5, 11)))] = None
    return list(out)


def write_rules(tmp_path: Path, rules: list[dict]) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    return path


@pytest.mark.parametrize("count", [1_000, 5_000])
def test_many_keywords_load_run_and_match_like_the_small_rule(es, indices, docs, tmp_path, count):
    words = pseudo_words(count)
    # "ceasefire" in the middle: "cease-fire" (a1) is only found through its guessed split
    # "cease fire", a phrase clause in a middle search; the phrase "prisoner exchange" is last.
    big = words[: count // 2] + ["ceasefire"] + words[count // 2 :] + ['"prisoner exchange"']
    keywords = {"any": big, "exclude": ["Russia"]}
    small = {"any": ["ceasefire", '"prisoner exchange"'], "exclude": ["Russia"]}
    path = write_rules(tmp_path, [rule("big", keywords=keywords), rule("small", keywords=small)])
    rules, errors = load_checked_rules(es, indices, path)
    assert errors == [] and [r.name for r in rules] == ["big", "small"]
    since, until = docs - timedelta(hours=1), docs + timedelta(seconds=1)

    plan = plan_search(es, indices, rules[0], since, until)
    assert len(plan.bodies) >= 2  # split: 1,000 words need 12 searches of <= 1,024 clauses
    assert all(clause_cost(b["query"]) <= MAX_CLAUSES for b in plan.bodies)
    assert clause_cost(plan.bodies[0]["highlight"]["highlight_query"]) <= MAX_CLAUSES
    if count == 5_000:  # the same clauses in one search: Elasticsearch refuses it on this node
        pieces = term_pieces(rules[0].keywords.any, ("title", "text"))
        with pytest.raises(BadRequestError, match="(?i)too many clauses|maxClauseCount"):
            es.search(index=indices.articles, query=any_of(pieces), size=0)

    found = find_matches(es, indices, rules[0], since, until)
    expected = find_matches(es, indices, rules[1], since, until)
    assert [m.article_id for m in found] == [m.article_id for m in expected]
    assert {m.article_id for m in found} == {"a1", "a2", "a3", "a6"}  # a5: excluded (Russia)
    by_id = {m.article_id: m for m in found}
    assert "ceasefires" in by_id["a3"].terms  # highlights kept
    # the run's path (_msearch of every rule's searches) finds the same
    all_found = find_all(es, indices, [plan, plan_search(es, indices, rules[1], since, until)])
    assert [m.article_id for m in all_found["big"]] == [m.article_id for m in expected]


def test_too_large_rules_refused_at_load_naming_rule_and_field(es, indices, settings, smtp, docs, tmp_path):
    too_many = pseudo_words(25_000, seed=5)  # ~290,000 clauses: more than MAX_SEARCHES searches
    big_exclude = pseudo_words(1_000, seed=6)  # repeated in every search: must fit in one
    path = write_rules(
        tmp_path,
        [
            rule("huge", keywords={"any": too_many}),
            rule("huge-exclusions", keywords={"any": ["ceasefire"], "exclude": big_exclude}),
            rule("many-types", event_type=[f"type{i}" for i in range(20_000)]),
            rule("fine", keywords={"any": ["ceasefire"]}),
        ],
    )
    rules, errors = load_checked_rules(es, indices, path)
    assert [r.name for r in rules] == ["fine"]
    assert len(errors) == 3, errors
    huge, exclusions, types = errors
    assert huge.startswith(f"{path}: rule 'huge': query.keywords: too large: 25,000 keywords")
    assert "split the rule" in huge and "\n" not in huge
    assert exclusions.startswith(f"{path}: rule 'huge-exclusions': query.keywords.exclude: too large")
    # a structured rule is dry-run too: Elasticsearch's own refusal, naming the field
    assert types.startswith(f"{path}: rule 'many-types': query.event_type: Elasticsearch refused it")
    assert "maxClauseCount" in types
    # the run skips them and the good rule of the same file still mails
    summary = run_alerts_once(es, indices, settings, path, SmtpTransport("127.0.0.1", smtp.port, timeout=5))
    assert summary["rule_errors"] == errors
    assert summary["rules"] == 1 and summary["emails"] == 1 and not summary["failed"]
    assert smtp.inbox.messages[0]["X-Newsmon-Rule"] == "fine"


def test_largest_rule_that_fits(es, indices, docs, tmp_path):
    """MAX_SEARCHES searches of MAX_CLAUSES clauses: with these 5-11 letter words the largest
    rule that still loads has 18,034 keywords (README: ~18,000; ~7,300 of 12 letters)."""
    fits, refused = pseudo_words(17_000, seed=7), pseudo_words(19_000, seed=7)
    path = write_rules(
        tmp_path, [rule("fits", keywords={"any": fits}), rule("over", keywords={"any": refused})]
    )
    rules, errors = load_checked_rules(es, indices, path)
    assert [r.name for r in rules] == ["fits"]
    assert len(errors) == 1 and "rule 'over': query.keywords: too large" in errors[0]
    assert f"the limit is {MAX_SEARCHES}" in errors[0]


@pytest.fixture
def haystack(es, indices):
    """3,000 articles of random 8-letter words indexed now: leading wildcards are slow here."""
    now = datetime.now(UTC)
    index = indices.write_index("articles", now)
    ensure_monthly_index(es, index)
    rnd = random.Random(3)
    actions = []
    for i in range(3_000):
        text = " ".join("".join(rnd.choice(string.ascii_lowercase) for _ in range(8)) for _ in range(60))
        if i == 7:
            text += " ceasefire"
        doc = {
            "article_id": f"h{i}",
            "title": f"item {i}",
            "text": text,
            "url": f"http://x/h{i}",
            "canonical_url": f"http://x/h{i}",
            "indexed_at": now.isoformat(),
        }
        actions += [{"index": {"_index": index, "_id": f"h{i}"}}, doc]
    es.bulk(operations=actions, refresh=True)
    return now


SLOW = {
    "bool": {
        "should": [{"wildcard": {"text": f"*{a}{b}*"}} for a in "abcdefghijklm" for b in "nopqrstuvwxyz"]
    }
}


# fewer hits than a page: the first search alone must time out (no later page to do it)
SLOW_FEW = {"bool": {"filter": [{"terms": {"article_id": [f"h{i}" for i in range(50)]}}], "must": [SLOW]}}


def test_slow_raw_rule_times_out_and_the_others_go_on(es, indices, settings, smtp, haystack, tmp_path):
    since, until = haystack - timedelta(hours=1), haystack + timedelta(seconds=1)
    # the timeout reaches Elasticsearch: the real response says timed_out, nothing partial is used
    started = time.monotonic()
    with pytest.raises(SearchTimedOut, match="timed out after 0.2 s"):
        search_hits(es, indices.articles, timeout=0.2, query=SLOW, size=10, sort=[{"indexed_at": "asc"}])
    assert time.monotonic() - started < 5
    path = write_rules(
        tmp_path,
        [rule("slow", raw=SLOW_FEW), rule("quick", keywords={"any": ["ceasefire"]})],
    )
    rules, errors = load_checked_rules(es, indices, path, timeout=0.2)
    assert errors == [] and len(rules) == 2  # a valid slow query loads (its dry run matches nothing)
    settings = replace(settings, extra={"alerts": {"search_timeout_seconds": 0.2}})
    summary = run_alerts_once(es, indices, settings, path, SmtpTransport("127.0.0.1", smtp.port, timeout=5))
    assert summary["failed"].keys() == {"slow"}
    assert (
        "SearchTimedOut: search timed out after 0.2 s (alerts.search_timeout_seconds)"
        in summary["failed"]["slow"]
    )
    assert summary["emails"] == 1 and smtp.inbox.messages[0]["X-Newsmon-Rule"] == "quick"
    states = load_states(es, indices, ["slow", "quick"])
    assert "checkpoint" not in states.get("slow", {}) and states["quick"]["checkpoint"]
    # with the default timeout the same rule completes and matches
    assert len(find_matches(es, indices, rules[0], since, until)) > 0


def test_keywords_in_claims_per_condition(es, indices):
    """Claims' content is searched once per condition (any-of, each all-of word, exclusions)."""
    now = datetime.now(UTC)
    articles, claims = indices.write_index("articles", now), indices.write_index("claims", now)
    for index in (articles, claims):
        ensure_monthly_index(es, index)
    for article_id, title, claim in [
        ("b1", "Talks resume", "we vow revenge"),
        ("b2", "Ceasefire talks", None),
        ("b3", "Weather report", "the ceasefire is dead"),
    ]:
        es.index(
            index=articles,
            id=article_id,
            document={"article_id": article_id, "title": title, "indexed_at": now},
        )
        if claim:
            es.index(index=claims, document={"article_id": article_id, "content": claim, "speaker": "X"})
    es.indices.refresh(index=f"{indices.prefix}-*")
    fields = ["title", "claims"]
    assert matched(es, indices, now, keywords={"all": ["talks", "revenge"], "fields": fields}) == {"b1"}
    assert matched(es, indices, now, keywords={"any": ["ceasefire"], "fields": fields}) == {"b2", "b3"}
    assert matched(
        es, indices, now, keywords={"any": ["ceasefire"], "exclude": ["dead"], "fields": fields}
    ) == {"b2"}
    assert matched(
        es, indices, now, keywords={"any": ["talks"], "exclude": ["revenge"], "fields": fields}
    ) == {"b2"}


def test_plain_tokens_and_split_budget():
    """``terms`` only for words the standard analyzer keeps whole; every split search fits."""
    assert all(
        plain_token(w) for w in ["ceasefire", "ceasefire's", "ceasefire\u2019s", "g7", "путин", "ωμέγα"]
    )
    assert not any(plain_token(w) for w in ["90's", "'s", "北京", "Ceasefire", "i\u0307stanbul", "x" * 256])
    rules, _ = parse([rule(keywords={"any": pseudo_words(300), "exclude": ["football"], "all": ["talks"]})])
    searches = keyword_searches(rules[0].keywords, fixed=5, budget=200)
    assert len(searches) > 5 and all(5 + clause_cost(s) <= 200 for s in searches)
    phrases = {json.dumps(p) for s in searches for p in s["bool"]["must"][-1]["bool"]["should"]}
    assert phrases == {json.dumps(p) for p in term_pieces(rules[0].keywords.any, ("title", "text"))}
    with pytest.raises(RuleTooLarge) as refused:
        keyword_searches(rules[0].keywords, fixed=190, budget=200)
    assert refused.value.field == "query.keywords.all"
