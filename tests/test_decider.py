"""The learned event decision layer, the status fixes and the evaluation harness (real spaCy
model, real gold files of the train split; no mocks)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from pipeline.nlp import features
from pipeline.nlp.analyzer import Analyzer
from pipeline.nlp.decide import ClaimDecider, EventDecider
from pipeline.nlp.entityhead import model_signature
from pipeline.nlp.event_status import _path
from pipeline.nlp.model import load_model

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> ModuleType:
    """A script of scripts/ as a module (train_decider imports eval_extractors by name)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


eval_extractors = _script("eval_extractors")
train_decider = _script("train_decider")


def _slice(n: int = 6) -> dict[str, dict[str, Any]]:
    golds = eval_extractors.load_golds(eval_extractors.EVAL / "train")
    return {name: golds[name] for name in sorted(golds)[:n]}


def test_training_is_deterministic() -> None:
    golds = _slice()
    first = train_decider.fit(train_decider.record_articles(golds), golds, steps=200, inner_folds=2)
    second = train_decider.fit(train_decider.record_articles(golds), golds, steps=200, inner_folds=2)
    assert first.info["candidates"] > 20 and first.info["positives"] > 0
    assert np.array_equal(first.w, second.w)
    assert first.b == second.b
    assert np.array_equal(first.mean, second.mean) and np.array_equal(first.scale, second.scale)
    assert (first.keep, first.add) == (second.keep, second.add)
    # the weights moved away from their zero start: something was learned
    assert np.abs(first.w).max() > 0.01


def _decider(width: int, **weights: float) -> EventDecider:
    """A hand-set decider: zero weights but for the named flags, plain scaling."""
    n = features.n_features(width)
    w = np.zeros(n, dtype=np.float32)
    flags_at = n - len(features.FLAGS)
    for name, value in weights.items():
        w[flags_at + features.FLAGS.index(name)] = value
    nlp = load_model()
    return EventDecider(
        w=w,
        b=0.0,
        mean=np.zeros(n, dtype=np.float32),
        scale=np.ones(n, dtype=np.float32),
        keep=0.5,
        add=0.99,
        signature=model_signature(nlp),
    )


def test_loading_refuses_another_model_version(tmp_path: Path) -> None:
    nlp = load_model()
    shipped = EventDecider.load(nlp)  # the committed weights fit the installed model
    assert shipped.signature == model_signature(nlp)
    other = _decider(96)
    other.signature = "en_core_web_sm-3.7.1"
    path = tmp_path / "old.npz"
    other.save(path)
    with pytest.raises(ValueError, match="trained on en_core_web_sm-3.7.1"):
        EventDecider.load(nlp, path)
    other.signature = model_signature(nlp)
    other.feature_version = "event-features-0"
    other.save(path)
    with pytest.raises(ValueError, match="feature layout"):
        EventDecider.load(nlp, path)
    other.feature_version = features.FEATURE_VERSION
    other.save(path)
    assert EventDecider.load(nlp, path).signature == model_signature(nlp)


def test_hook_changes_decisions_on_a_sentence_pair() -> None:
    """A decider that rejects negated triggers drops `no talks` and keeps `talks`, where the
    hand rules keep both (the second as negated)."""
    plain = "Officials held talks in Geneva on Monday."
    negated = "Officials held no talks in Geneva on Monday."
    rules = Analyzer(decider="rules")
    learned = Analyzer(decider=_decider(96, negated=-10.0))
    assert [(e.type, e.status) for e in rules.analyze(plain).events] == [("talks", "occurred")]
    assert [(e.type, e.status) for e in rules.analyze(negated).events] == [("talks", "negated")]
    assert [e.type for e in learned.analyze(plain).events] == ["talks"]
    assert learned.analyze(negated).events == []


def test_token_identity_regression(analyzer: Analyzer) -> None:
    """spaCy makes a new Token per access: `head is tok` never held, so the status climb
    never stopped at the root and a trigger counted as its own planned-head subject."""
    nlp = load_model()
    doc = nlp("Fresh talks in Geneva on a ceasefire.")  # a verbless headline: `talks` is the root
    assert doc[1].dep_ == "ROOT" and doc[6].text == "ceasefire"
    # `on`, then the root once (the old climb appended the root until its step limit)
    assert [(anc.i, via) for anc, via in _path(doc[6])] == [(4, "pobj"), (1, "prep")]
    events = analyzer.analyze("The agreement was signed in Paris on Monday.").events
    assert [(e.type, e.status) for e in events] == [("agreement", "occurred")]


def test_ordinal_and_main_clause_modality(analyzer: Analyzer) -> None:
    hearing = analyzer.analyze("The court held a third hearing in the case on Monday.").events
    assert [(e.trigger, e.status) for e in hearing] == [("hearing", "occurred")]
    found = analyzer.analyze(
        "The suspect could face more charges after he attacked a guard on Monday."
    ).events
    status = {e.trigger: e.status for e in found}
    assert status == {"charges": "planned", "attacked": "occurred"}


def test_passive_only_cue_reaches_the_parser() -> None:
    """The pre-filter sends a sentence whose only cue is passive-only to the parser. Read
    through the hand rules: the learned claim layer (trained on train, train2 and train3)
    drops this sourceless passive, which says nothing about the pre-filter."""
    text = "The weather was mild.\n\nThe market opened early.\n\nThe plan was widely regarded as a mistake."
    claims = Analyzer(decider="rules").analyze(text).claims
    assert [(c.cue, c.content) for c in claims] == [("regard", "a mistake")]


def test_eval_harness_refuses_the_blind_split() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "eval_extractors.py"),
            "--gold",
            str(ROOT / "tests/eval/blind"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "blind test split" in proc.stderr
    assert proc.stdout == ""


def test_eval_harness_scores_like_score_py() -> None:
    """The harness's totals equal score.py's own on the same predictions."""
    golds = _slice(4)
    preds = eval_extractors.run_extractor(golds, "rules")
    ours = eval_extractors.score_sets(golds, preds)
    gold_events = sum(len(g["events"]) for g in golds.values())
    assert ours["events"]["gold"] == gold_events
    assert sum(v["gold"] for v in ours["type_recall"].values()) == gold_events
    score = eval_extractors.SCORE
    tp = sum(len(score.match(g["claims"], preds[n]["claims"], score.claim_pair)) for n, g in golds.items())
    assert ours["claims"]["matched"] == tp


def _claim_decider(width: int, keep: float, add: float, **weights: float) -> ClaimDecider:
    n = features.n_claim_features(width)
    w = np.zeros(n, dtype=np.float32)
    flags_at = n - len(features.CLAIM_FLAGS)
    for name, value in weights.items():
        w[flags_at + features.CLAIM_FLAGS.index(name)] = value
    return ClaimDecider(
        w=w,
        b=0.0,
        mean=np.zeros(n, dtype=np.float32),
        scale=np.ones(n, dtype=np.float32),
        keep=keep,
        add=add,
        signature=model_signature(load_model()),
    )


def test_claim_hook_drops_and_adds() -> None:
    """A claim decider against pronoun sources drops `He said`, keeps `Smith said`; one that
    accepts every candidate adds the claim the hand rules veto (`did not say`)."""
    named = "Minister John Smith said the talks had failed."
    pronoun = "Minister John Smith arrived late. He said the talks had failed."
    rules = Analyzer(decider="rules")
    against = Analyzer(decider=_claim_decider(96, 0.5, 0.99, subject_pronoun=-10.0))
    assert [c.speaker for c in rules.analyze(named).claims] == ["John Smith"]
    assert [c.speaker for c in rules.analyze(pronoun).claims] == ["John Smith"]
    assert [c.speaker for c in against.analyze(named).claims] == ["John Smith"]
    assert against.analyze(pronoun).claims == []
    vetoed = "Minister John Smith did not say that the talks had failed."
    everything = Analyzer(decider=_claim_decider(96, 0.5, 0.5))
    assert rules.analyze(vetoed).claims == []
    assert [(c.cue, c.content) for c in everything.analyze(vetoed).claims] == [
        ("say", "the talks had failed")
    ]


def test_claim_loading_refuses_another_model_version(tmp_path: Path) -> None:
    nlp = load_model()
    assert ClaimDecider.load(nlp).signature == model_signature(nlp)
    other = _claim_decider(96, 0.5, 0.5)
    other.signature = "en_core_web_sm-3.7.1"
    path = tmp_path / "old.npz"
    other.save(path)
    with pytest.raises(ValueError, match="trained on en_core_web_sm-3.7.1"):
        ClaimDecider.load(nlp, path)
    with pytest.raises(ValueError, match="weights"):
        EventDecider.load(load_model(), _saved(tmp_path, other, model_signature(nlp)))


def _saved(tmp_path: Path, dec: ClaimDecider, signature: str) -> Path:
    """A claim decider's weights saved under the event layout's name: wrong row length."""
    dec.signature = signature
    dec.feature_version = features.FEATURE_VERSION
    path = tmp_path / "mixed.npz"
    dec.save(path)
    return path


def test_analyzer_falls_back_to_rules_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Weights that cannot be used (here: not there) leave the hand rules deciding, logged."""
    monkeypatch.setattr(EventDecider, "FILE", "no_such_event_decider.npz")
    monkeypatch.setattr(ClaimDecider, "FILE", "no_such_claim_decider.npz")
    with caplog.at_level("WARNING", logger="pipeline.nlp.analyzer"):
        fallback = Analyzer()
    assert fallback.decider is None and fallback.claim_decider is None
    assert "event decider unusable" in caplog.text and "claim decider unusable" in caplog.text
    text = "Officials held no talks in Geneva on Monday. Minister John Smith said the talks had failed."
    rules = Analyzer(decider="rules").analyze(text)
    got = fallback.analyze(text)
    assert [e.to_dict() for e in got.events] == [e.to_dict() for e in rules.events]
    assert [c.to_dict() for c in got.claims] == [c.to_dict() for c in rules.claims]
    assert got.events and got.claims
