"""The document-level public-affairs gate (`pipeline.nlp.public_affairs`), real model.

An article of at least `MIN_SENTENCES` parsed sentences of which fewer than `PUBLIC_FLOOR`
name a place, a nationality or a public-affairs role reports no events (its trigger words
are in everyday senses); its claims are still extracted. Shorter texts are not judged.
"""

from __future__ import annotations

from pipeline.nlp.analyzer import Analysis, Analyzer
from pipeline.nlp.public_affairs import MIN_SENTENCES, PUBLIC_FLOOR

# Five sentences of a shopping guide: bargains, a free trial, a game's combat; one claim.
SHOPPING = [
    "Acme Stores signed a deal with Beta Games for the holiday season.",
    "The bundle includes a free month of the streaming service.",
    "The combat in the new game rewards careful blocking and dodging.",
    "The screen is bright, and the charging case is small.",
    '"This is the best price we have seen," said Jane Doe, an editor at the site.',
]
# The same sentence naming countries: a public-affairs sentence.
PUBLIC = "Officials in France and Germany signed a deal with Beta Games on Monday."


def analyze(analyzer: Analyzer, sentences: list[str]) -> Analysis:
    result = analyzer.analyze("\n\n".join(sentences))
    assert result.status == "ok", result.reason
    return result


def test_an_article_about_no_public_affairs_reports_no_events(analyzer: Analyzer) -> None:
    assert len(SHOPPING) >= MIN_SENTENCES
    result = analyze(analyzer, SHOPPING)
    assert result.events == []
    assert any("Jane Doe" in (c.speaker or "") for c in result.claims)  # claims still count


def test_one_public_sentence_in_five_opens_the_gate(analyzer: Analyzer) -> None:
    assert 1 / len(SHOPPING) >= PUBLIC_FLOOR
    result = analyze(analyzer, [PUBLIC, *SHOPPING[1:]])
    assert any(e.type == "agreement" for e in result.events), [e.to_dict() for e in result.events]


def test_the_same_words_in_a_public_affairs_article_are_events(analyzer: Analyzer) -> None:
    article = [
        PUBLIC,
        "Russian troops attacked the town of Bakhmut on Tuesday.",
        "Ukraine's army said the attack was repelled.",
        "The talks between Israel and Hamas resumed in Cairo.",
        "Prosecutors in Texas charged the former mayor with fraud.",
    ]
    types = {e.type for e in analyze(analyzer, article).events}
    assert {"agreement", "attack", "talks", "legal_action"} <= types


def test_a_short_text_is_not_judged(analyzer: Analyzer) -> None:
    # two sentences naming no place or public role: too little to judge a topic by
    result = analyze(analyzer, SHOPPING[:2])
    assert any(e.type == "agreement" for e in result.events), [e.to_dict() for e in result.events]
