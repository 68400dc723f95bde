"""`greedy_parse` gives exactly the parses and entities of spaCy's own `parser.pipe`.

The analyzer drives spaCy's greedy transition loop from Python (`pipeline.nlp.analyzer.
greedy_parse`) to avoid the compiled loop's GIL traffic; the decisions must not change:
same heads, labels and entities on real article sentences, in batches of any size, and the
same claims and events from the analyzer as with `parser.pipe`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from spacy.tokens import Doc

import pipeline.nlp.analyzer as analyzer_module
from pipeline.nlp.analyzer import Analyzer, greedy_parse
from pipeline.nlp.model import load_model

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
TAGGING = ["tok2vec", "tagger"]


def sentences(limit: int = 400) -> list[str]:
    out: list[str] = []
    for path in sorted(ARTICLES.rglob("*.txt"))[:12]:
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", line.strip()) if s]
    return out[:limit]


def tagged(nlp: Any, texts: list[str]) -> list[Doc]:
    docs = [nlp.make_doc(t) for t in texts]
    for name in TAGGING:
        docs = list(nlp.get_pipe(name).pipe(docs))
    return docs


def parse_of(doc: Doc) -> list[tuple[int, str, str, str]]:
    return [(t.head.i, t.dep_, t.ent_iob_, t.ent_type_) for t in doc]


@pytest.mark.parametrize("batch_size", [256, 8, 1])
def test_same_parses_and_entities_as_spacy(batch_size: int) -> None:
    nlp = load_model()
    texts = sentences() if batch_size != 1 else sentences(40)
    assert len(texts) >= 40
    theirs, ours = tagged(nlp, texts), tagged(nlp, texts)
    for name in ("parser", "ner"):
        for _ in nlp.get_pipe(name).pipe(theirs, batch_size=batch_size):
            pass
        greedy_parse(nlp.get_pipe(name), ours, batch_size)
    assert [parse_of(d) for d in ours] == [parse_of(d) for d in theirs]
    assert sum(len(d.ents) for d in ours) > 50  # the NER did find entities
    assert len({t.dep_ for d in ours for t in d}) > 20  # and the parser many relations


def test_empty_and_one_word_sentences() -> None:
    nlp = load_model()
    texts = ["", "Yes.", "Ceasefire", "The talks resumed in Geneva on Monday."]
    theirs, ours = tagged(nlp, texts), tagged(nlp, texts)
    for _ in nlp.get_pipe("parser").pipe(theirs):
        pass
    greedy_parse(nlp.get_pipe("parser"), ours)
    assert [parse_of(d) for d in ours] == [parse_of(d) for d in theirs]
    assert [t.dep_ for t in ours[3]][:2] == ["det", "nsubj"]


def spacy_pipe(parser: Any, docs: list[Doc], batch_size: int = 256) -> None:
    for _ in parser.pipe(docs, batch_size=batch_size):
        pass


@pytest.mark.parametrize("entities", ["head", "spacy"])
def test_analyzer_output_unchanged(monkeypatch: pytest.MonkeyPatch, entities: str) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.rglob("*.txt"))[12:20]]
    analyzer = Analyzer(entities=entities)
    ours = [a.to_dict() for a in analyzer.analyze_many((t, None) for t in texts)]
    monkeypatch.setattr(analyzer_module, "greedy_parse", spacy_pipe)
    theirs = [a.to_dict() for a in analyzer.analyze_many((t, None) for t in texts)]
    assert ours == theirs
    assert sum(len(a["claims"]) for a in ours) > 10 and sum(len(a["events"]) for a in ours) > 10


def test_a_beam_search_parser_goes_through_spacy(monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = load_model()
    parser = nlp.get_pipe("parser")
    monkeypatch.setitem(parser.cfg, "beam_width", 4)  # beam search: not the greedy loop
    texts = sentences(60)
    theirs, ours = tagged(nlp, texts), tagged(nlp, texts)
    for _ in parser.pipe(theirs):
        pass
    greedy_parse(parser, ours)
    assert [parse_of(d) for d in ours] == [parse_of(d) for d in theirs]
