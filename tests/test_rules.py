"""Rule loading/validation and the keyword queries they build (real Elasticsearch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.alerts.query import term_variants
from pipeline.alerts.rules import load_rules, parse_rules
from pipeline.alerts.search import find_matches
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
    ensure_monthly_index(es, indices.write_index("articles"))
    rules, errors = load_rules(path, es=es, index=indices.articles)
    assert [r.name for r in rules] == ["ok"]
    assert len(errors) == 2 and all("query.raw: Elasticsearch refused it" in e for e in errors)
    assert str(path) in errors[0] and "rule 'bad'" in errors[0]
