"""The memoised tok2vec embeddings give the uncached model's vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.nlp.embedcache import EmbeddingCache, embed_layer
from pipeline.nlp.model import load_model

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
TRICKY = [
    "I can't say we're gonna win, she said.",  # tokenizer exceptions with own norms
    "U.S.-led talks (in Geneva)ended;no deal.",  # tokens with and without a following space
    "  Two  spaces\n\nand a newline, then 'quotes'.",  # whitespace tokens
]


def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.rglob("*.txt"))[:12]] + TRICKY


def test_cached_tok2vec_gives_the_same_vectors() -> None:
    plain, cached = load_model(), load_model(cache_embeddings=True)
    assert plain is not cached
    for _ in range(2):  # the second pass reads every row from the cache
        for a, b in zip(
            plain.pipe(texts(), disable=["parser", "ner"]),
            cached.pipe(texts(), disable=["parser", "ner"]),
            strict=True,
        ):
            assert a.tensor.shape == b.tensor.shape
            assert np.abs(a.tensor - b.tensor).max() < 1e-4
            assert [t.tag_ for t in a] == [t.tag_ for t in b]


def test_cache_restarts_when_full_and_stays_correct() -> None:
    nlp = load_model()
    embed = embed_layer(nlp.get_pipe("ner").model.get_ref("tok2vec"))
    cache = EmbeddingCache(embed, max_words=20)
    docs = [nlp.make_doc(t) for t in texts()[-3:]]  # short texts that share words
    for batch in ([docs[0]], [docs[1]], docs, [docs[2]], docs):  # fills, overflows, reuses
        for got, want in zip(cache(batch), embed.predict(batch), strict=True):
            assert np.abs(got - want).max() < 1e-4
        assert len(cache.rows) <= sum(len(d) for d in docs)  # restarted, never grew past a batch
