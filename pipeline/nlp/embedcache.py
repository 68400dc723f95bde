"""Memoised word embeddings for spaCy's tok2vec layers.

A small-model tok2vec is `embed >> encode`. The embed half (hash embeddings of NORM,
PREFIX, SUFFIX, SHAPE and, in the shared tok2vec, SPACY and IS_SPACE, then a maxout
layer) sees one token at a time, so its output depends only on the word, its norm and
whether a space follows, yet it costs a third of the tok2vec. News
repeats its words, so after a few articles nearly every row comes from this cache.
Outputs equal the uncached layer's up to float rounding (see tests/test_embedcache.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import TrainablePipe
    from spacy.tokens import Doc
    from thinc.api import Model

MAX_WORDS = 200_000  # ~77 MB of float32 rows at width 96; the cache restarts when full


class EmbeddingCache:
    """Rows of a context-free embedding layer, keyed by the token's ORTH, NORM and SPACY.

    The three values fold into one 64-bit key (spaCy's own string ids are 64-bit
    hashes, so a collision is as unlikely here as there).
    """

    def __init__(self, embed: Model[Any, Any], max_words: int = MAX_WORDS) -> None:
        self.embed = embed
        self.max_words = max_words
        self.rows: dict[int, int] = {}
        self.table = np.zeros((0, 0), dtype=np.float32)

    def __call__(self, docs: list[Doc]) -> list[np.ndarray]:
        from spacy.attrs import NORM, ORTH, SPACY

        if not docs:
            return []
        attrs = [doc.to_array([ORTH, NORM, SPACY]) for doc in docs]
        stacked = np.concatenate(attrs)
        with np.errstate(over="ignore"):
            folded = stacked[:, 0] ^ (stacked[:, 1] * _MIX) ^ stacked[:, 2]
        keys = folded.tolist()
        rows = self.rows
        if any(k not in rows for k in keys):
            first = {}
            for k, row in zip(keys, stacked.tolist(), strict=True):
                if k not in rows and k not in first:
                    first[k] = row
            if len(rows) + len(first) > self.max_words:  # restart; keep only this batch's words
                rows.clear()
                self.table = np.zeros((0, 0), dtype=np.float32)
                first = dict(zip(keys, stacked.tolist(), strict=True))
            self._add(docs[0], first)
        index = np.fromiter((self.rows[k] for k in keys), dtype=np.int64, count=len(keys))
        out = self.table[index]
        return np.split(out, np.cumsum([len(a) for a in attrs])[:-1])

    def _add(self, like: Doc, missing: dict[int, list[int]]) -> None:
        """Embed the new words as one doc of isolated tokens and append their rows."""
        from spacy.tokens import Doc

        strings = like.vocab.strings
        values = list(missing.values())
        words = Doc(
            like.vocab,
            words=[strings[orth] for orth, _, _ in values],
            spaces=[bool(space) for _, _, space in values],
        )
        for tok, (_, norm, _) in zip(words, values, strict=True):
            if tok.norm != norm:  # a tokenizer exception gave this token its own norm
                tok.norm_ = strings[norm]
        vectors = np.asarray(self.embed.predict([words])[0], dtype=np.float32)
        start = len(self.rows)
        self.table = vectors if start == 0 else np.vstack([self.table, vectors])
        for i, key in enumerate(missing):
            self.rows[key] = start + i


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: spreads NORM before folding


def embed_layer(tok2vec: Model[Any, Any]) -> Model[Any, Any]:
    """The `embed` half of a spaCy tok2vec model."""
    for node in tok2vec.walk():
        if node.has_ref("embed"):
            return node.get_ref("embed")
    raise ValueError(f"{tok2vec.name} has no 'embed' layer")


def cache_tok2vec_embeddings(nlp: Language) -> EmbeddingCache | None:
    """Route the shared tok2vec's embed half through a cache; None if its shape is unknown."""
    from thinc.api import Model

    if "tok2vec" not in nlp.pipe_names:
        return None
    model = cast("TrainablePipe", nlp.get_pipe("tok2vec")).model
    holder = next((n for n in model.walk() if n.has_ref("embed")), None)
    if holder is None:
        return None
    embed = holder.get_ref("embed")
    if embed not in holder.layers:
        return None
    cache = EmbeddingCache(embed)

    def forward(_model: Model[Any, Any], docs: list[Doc], is_train: bool) -> tuple[list[np.ndarray], object]:
        if is_train:
            raise RuntimeError("the embedding cache is for prediction only")
        return cache(docs), lambda _grad: []

    cached: Model[list[Doc], list[np.ndarray]] = Model(
        "cached_embed", forward, dims={"nO": embed.get_dim("nO")}
    )
    holder.layers[holder.layers.index(embed)] = cached
    return cache
