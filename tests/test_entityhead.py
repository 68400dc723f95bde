"""The distilled entity head against spaCy's own NER, its model guard and its fallback."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pipeline.nlp import entityhead
from pipeline.nlp.analyzer import Analyzer
from pipeline.nlp.entityhead import EntityHead, model_signature
from pipeline.nlp.model import load_model
from pipeline.nlp.segment import split_paragraphs, split_sentences

EVAL = Path(__file__).resolve().parent / "eval"
LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "DATE")
SEED = (EVAL / "seed" / "medvedev_istanbul.txt").read_text(encoding="utf-8")


def dev_sentences() -> list[str]:
    """Sentences of the dev articles, which the head never saw in training."""
    out = []
    for gold in sorted((EVAL / "dev").glob("*.json")):
        name = json.loads(gold.read_text(encoding="utf-8"))["article"]
        path = EVAL / (name + ".txt") if name.startswith("seed/") else EVAL / "articles" / (name + ".txt")
        text = path.read_text(encoding="utf-8")
        for ps, pe in split_paragraphs(text):
            out.extend(text[s:e] for s, e in split_sentences(text, ps, pe))
    return out


def test_head_agrees_with_spacy_ner_on_held_out_articles() -> None:
    nlp = load_model()
    head = EntityHead.load(nlp)
    docs = list(nlp.pipe(dev_sentences(), disable=["parser", "attribute_ruler", "lemmatizer"]))
    teacher = [{(e.start, e.end, e.label_) for e in d.ents if e.label_ in LABELS} for d in docs]
    head(docs)
    student = [{(e.start, e.end, e.label_) for e in d.ents if e.label_ in LABELS} for d in docs]
    tp = sum(len(t & s) for t, s in zip(teacher, student, strict=True))
    n_teacher, n_student = sum(map(len, teacher)), sum(map(len, student))
    assert n_teacher > 500
    f1 = 2 * tp / (n_teacher + n_student)
    assert f1 >= 0.80, f"entity F1 vs spaCy NER {f1:.3f}"  # 0.84 when trained


def test_head_sets_typed_entities_a_reader_expects() -> None:
    result = Analyzer().analyze(SEED)
    assert "Dmitry Medvedev" in result.entities["persons"]
    assert "Istanbul" in result.entities["places"]


def test_head_refuses_weights_of_another_model(tmp_path: Path) -> None:
    nlp = load_model()
    head = EntityHead.load(nlp)
    head.signature = "en_core_web_other-9.9.9"
    path = tmp_path / "head.npz"
    head.save(path)
    with pytest.raises(ValueError, match="en_core_web_other-9.9.9"):
        EntityHead.load(nlp, path)
    head.signature = model_signature(nlp)
    head.save(path)
    reloaded = EntityHead.load(nlp, path)
    assert np.array_equal(reloaded.w1, head.w1) and reloaded.classes == head.classes


def test_analyzer_falls_back_to_spacy_ner_without_a_usable_head(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entityhead, "HEAD_FILE", "no-such-head.npz")
    analyzer = Analyzer()
    assert analyzer.entities == "spacy"
    result = analyzer.analyze(SEED)
    speakers = {c.speaker for c in result.claims}
    assert "Dmitry Medvedev" in speakers
    assert any(e.type == "talks" and e.location == "Istanbul" for e in result.events)


def test_both_recognisers_attribute_the_seed_claims_alike() -> None:
    fast, full = Analyzer(entities="head").analyze(SEED), Analyzer(entities="spacy").analyze(SEED)
    assert fast.entities != {} and full.entities != {}
    # multisets: one sentence can hold two claims with the same speaker (`(814, None)` twice)
    pairs = Counter((c.start, c.speaker) for c in fast.claims)
    same = pairs & Counter((c.start, c.speaker) for c in full.claims)
    assert sum(same.values()) >= 0.9 * len(full.claims) > 0


def test_unknown_recogniser_is_refused() -> None:
    with pytest.raises(ValueError, match="entities"):
        Analyzer(entities="bert")


def test_gazetteer_places_are_places_whatever_the_head_says() -> None:
    result = Analyzer().analyze("Explosions were heard in Kyiv on Sunday. The Kremlin said nothing.")
    assert "Kyiv" in result.entities["places"]
    assert "Kremlin" in result.entities["orgs"]


def test_a_failing_head_costs_entities_not_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = Analyzer()
    assert analyzer.head is not None
    real = analyzer.head.logits
    calls = {"n": 0}

    def flaky(features: np.ndarray) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 1 or len(features) > 40:
            raise RuntimeError("boom")
        return real(features)

    monkeypatch.setattr(analyzer.head, "logits", flaky)
    results = list(analyzer.analyze_many([(SEED, None), ("Officials said the talks failed.", None)]))
    assert [r.status for r in results] == ["ok", "ok"]
    assert any(c.speaker for c in results[0].claims)
    assert results[1].claims and results[1].claims[0].speaker == "Officials"
