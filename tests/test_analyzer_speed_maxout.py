"""The prediction-only maxout of `pipeline.nlp.model` changes no vector, tag, parse or entity.

`load_model(fast_maxout=True)` puts `_predict_maxout` in front of every maxout layer (the
shared tok2vec's convolutions, the NER's tok2vec): it must give thinc's values bit for bit on
real sentences, hand training to the wrapped layer, and be applied once however often asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.nlp.embedcache import embed_layer
from pipeline.nlp.model import _PREDICT_MAXOUT, _use_predict_maxout, load_model

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
SENTENCES = [
    "The minister said on Tuesday that the talks in Geneva would resume next week.",
    "Protesters gathered outside parliament in Nairobi, and police fired tear gas, witnesses said.",
    "\u201cWe will not accept this deal,\u201d the union's leader told reporters.",
    "U.S.-led sanctions (imposed in 2022)hit exports;no talks are planned.",
]


def texts() -> list[str]:
    return SENTENCES + [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.rglob("*.txt"))[:6]]


def wrappers(nlp: Any) -> list[Any]:
    return [
        node
        for _, pipe in nlp.pipeline
        if getattr(pipe, "model", None) is not None
        for node in pipe.model.walk()
        if node.attrs.get(_PREDICT_MAXOUT)
    ]


def test_every_maxout_is_wrapped_once() -> None:
    nlp = load_model(fast_maxout=True)
    found = wrappers(nlp)
    # shared tok2vec: embed + 4 convolutions; NER's tok2vec: the same again
    assert len(found) == 10
    assert all(w.layers[0].name == "maxout" and w.layers[0].has_param("W") for w in found)
    assert _use_predict_maxout(nlp) == 0  # asking again wraps nothing twice
    assert len(wrappers(nlp)) == 10
    assert not wrappers(load_model())  # the default model keeps thinc's layers


def test_same_vectors_tags_parses_and_entities_bit_for_bit() -> None:
    plain, fast = load_model(), load_model(fast_maxout=True)
    assert plain is not fast
    for a, b in zip(plain.pipe(texts()), fast.pipe(texts()), strict=True):
        assert a.tensor.dtype == b.tensor.dtype == np.float32
        assert np.array_equal(a.tensor, b.tensor)  # exact, not approximately equal
        assert [(t.tag_, t.dep_, t.head.i) for t in a] == [(t.tag_, t.dep_, t.head.i) for t in b]
        assert [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents]


def _conv_input(nlp: Any) -> tuple[Any, np.ndarray]:
    """The first convolution's wrapper and its real input: windows of embedded words."""
    tok2vec = nlp.get_pipe("tok2vec").model
    docs = [nlp.make_doc(t) for t in SENTENCES]
    embedded = np.concatenate(embed_layer(tok2vec).predict(docs))
    window = next(n for n in tok2vec.walk() if n.name == "expand_window")
    wrapper = next(n for n in tok2vec.walk() if n.attrs.get(_PREDICT_MAXOUT) and n.get_dim("nI") == 288)
    return wrapper, window.predict(embedded)


def test_wrapper_equals_thinc_layer_and_hands_training_to_it() -> None:
    wrapper, x = _conv_input(load_model(fast_maxout=True))
    layer = wrapper.layers[0]
    assert x.shape == (x.shape[0], 288) and x.shape[0] > 40
    got, want = wrapper.predict(x), layer.predict(x)
    assert got.shape == (x.shape[0], 96)
    assert np.array_equal(got, want)
    weights, bias = layer.get_param("W").reshape(96 * 3, 288), layer.get_param("b").reshape(-1)
    pieces = (x @ weights.T + bias).reshape(-1, 96, 3)
    assert set(np.argmax(pieces, axis=2).ravel().tolist()) == {0, 1, 2}  # every piece wins somewhere
    y_train, backprop = wrapper.begin_update(x)
    assert np.array_equal(y_train, want)
    assert backprop(np.ones_like(y_train)).shape == x.shape  # thinc's backward pass ran
    _, predict_backprop = wrapper(x, is_train=False)
    with pytest.raises(RuntimeError, match="prediction only"):
        predict_backprop(np.ones_like(y_train))
