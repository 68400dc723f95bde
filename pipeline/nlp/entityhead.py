"""A cheap named-entity recogniser that reads the tagger's token vectors.

spaCy's small English NER carries its own tok2vec and costs more than the tagger and
parser together (about 45% of our extraction time). This head is a two-layer network
predicting BIO tags from, for a token and its two neighbours: the *shared* tok2vec
output (`doc.tensor`, already computed for the tagger and parser), the NER's own word
embeddings (its cheap first layer, without the four convolutions that make it
costly) and a few spelling flags.
It was distilled from that NER on our own fixture texts (never the dev set) by
`scripts/train_entity_head.py`, so it only fits the model version it was trained on:
`EntityHead.load` refuses a different one and the analyzer falls back to spaCy's NER.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from spacy.attrs import IS_ALPHA, IS_TITLE, IS_UPPER, LIKE_NUM, LOWER
from spacy.tokens import Span
from spacy.util import filter_spans

from pipeline.nlp import lexicons as lx
from pipeline.nlp.embedcache import EmbeddingCache

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import TrainablePipe
    from spacy.tokens import Doc
    from thinc.api import Model

HEAD_FILE = "entity_head.npz"
WINDOW = 1  # neighbours on each side whose vectors join a token's features
N_FLAGS = 6


def model_signature(nlp: Language) -> str:
    """Identity of the tok2vec the head reads: the model's name and version."""
    return f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}"


def _gazetteer_ids(nlp: Language) -> np.ndarray:
    """Lower-case string ids of one-word gazetteer entries (places and demonyms)."""
    return np.array(sorted({nlp.vocab.strings.add(k) for k in lx.COUNTRIES if " " not in k}), dtype=np.uint64)


def ner_embedder(nlp: Language) -> Model[Any, Any]:
    """The word-embedding layer inside the NER's tok2vec (hash embeddings + maxout)."""
    tok2vec: Model[Any, Any] = cast("TrainablePipe", nlp.get_pipe("ner")).model.get_ref("tok2vec")
    for node in tok2vec.walk():
        if node.has_ref("embed"):
            return node.get_ref("embed")
    raise ValueError("the NER's tok2vec has no 'embed' layer")


def in_sorted(values: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """`np.isin(values, sorted_ids)` for a sorted array of distinct ids (the gazetteer).

    `np.isin` sorts both arrays on every call (~100 us, twice per sentence: 40% of the
    head's time); a binary search per value answers the same.
    """
    if not len(sorted_ids):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_ids, values)
    pos[pos == len(sorted_ids)] = 0  # beyond the largest id: compared (and missed) below
    found: np.ndarray = sorted_ids[pos] == values
    return found


def token_features(
    docs: list[Doc], gazetteer: np.ndarray, embed: Callable[[list[Doc]], list[np.ndarray]]
) -> np.ndarray:
    """One row per token of all `docs`: its features and its neighbours'.

    Per token: the shared tok2vec vector, the NER word embedding (`embed`: the
    `EmbeddingCache` at run time, the layer's `predict` in training) and flags (title
    case, all caps, first token of the sentence, number-like, gazetteer word,
    alphabetic). Windows never cross from one doc into the next.
    """
    docs = [d for d in docs if len(d)]
    if not docs:
        return np.zeros((0, 0), dtype=np.float32)
    rows = []
    for doc, words in zip(docs, embed(docs), strict=True):
        n = len(doc)
        attrs = doc.to_array([IS_TITLE, IS_UPPER, LIKE_NUM, IS_ALPHA, LOWER])
        flags = np.zeros((n, N_FLAGS), dtype=np.float32)
        flags[:, 0] = attrs[:, 0]
        flags[:, 1] = attrs[:, 1]
        flags[0, 2] = 1.0
        flags[:, 3] = attrs[:, 2]
        flags[:, 4] = in_sorted(attrs[:, 4], gazetteer)
        flags[:, 5] = attrs[:, 3]
        base = np.hstack(
            [doc.tensor.astype(np.float32, copy=False), np.asarray(words, dtype=np.float32), flags]
        )
        pad = np.zeros((WINDOW, base.shape[1]), dtype=np.float32)
        padded = np.vstack([pad, base, pad])
        rows.append(np.hstack([padded[WINDOW + k : WINDOW + k + n] for k in range(-WINDOW, WINDOW + 1)]))
    return np.vstack(rows)


def decode_bio(pred: np.ndarray, classes: list[str]) -> list[tuple[int, int, str]]:
    """BIO class indices -> (start, end, label) spans; a stray I- starts a new span."""
    spans = []
    n = len(pred)
    nonzero = np.flatnonzero(pred)  # class 0 is "O": jump straight to the next tagged token
    k = 0
    while k < len(nonzero):
        i = int(nonzero[k])
        label = classes[pred[i]][2:]
        j = i + 1
        inside = "I-" + label
        while j < n and classes[pred[j]] == inside:
            j += 1
        spans.append((i, j, label))
        while k < len(nonzero) and nonzero[k] < j:
            k += 1
    return spans


@dataclass
class EntityHead:
    """Weights of the distilled BIO tagger and what they were trained against."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    classes: list[str]
    signature: str
    gazetteer: np.ndarray | None = None
    embedder: EmbeddingCache | None = None

    @classmethod
    def load(cls, nlp: Language, path: Path | None = None) -> EntityHead:
        """Load the shipped head; ValueError when it was trained on another model."""
        if path is None:
            path = Path(str(resources.files("pipeline.nlp") / "resources" / HEAD_FILE))
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            head = cls(
                data["w1"],
                data["b1"],
                data["w2"],
                data["b2"],
                data["mean"],
                data["scale"],
                list(meta["classes"]),
                meta["signature"],
            )
        if head.signature != model_signature(nlp):
            raise ValueError(f"{path.name} was trained on {head.signature}, not {model_signature(nlp)}")
        head.gazetteer = _gazetteer_ids(nlp)
        head.embedder = EmbeddingCache(ner_embedder(nlp))
        return head

    def save(self, path: Path) -> None:
        meta = json.dumps({"classes": self.classes, "signature": self.signature})
        np.savez_compressed(
            path,
            w1=self.w1,
            b1=self.b1,
            w2=self.w2,
            b2=self.b2,
            mean=self.mean,
            scale=self.scale,
            meta=np.array(meta),
        )

    def logits(self, features: np.ndarray) -> np.ndarray:
        x = (features - self.mean) / self.scale
        out: np.ndarray = np.maximum(x @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2
        return out

    def __call__(self, docs: list[Doc]) -> None:
        """Set `doc.ents` on docs that already carry the shared tok2vec's `doc.tensor`."""
        docs = [d for d in docs if len(d)]
        if not docs:
            return
        assert self.gazetteer is not None and self.embedder is not None
        pred = self.logits(token_features(docs, self.gazetteer, self.embedder)).argmax(axis=1)
        offset = 0
        for doc in docs:
            n = len(doc)
            spans = _repair(doc, decode_bio(pred[offset : offset + n], self.classes), self.gazetteer)
            offset += n
            ents = [Span(doc, s, e, label=_fix_label(doc, s, e, label)) for s, e, label in spans]
            doc.ents = filter_spans(ents)  # never overlapping, whatever the repairs did


def _repair(doc: Doc, spans: list[tuple[int, int, str]], gazetteer: np.ndarray) -> list[tuple[int, int, str]]:
    """Tidy the head's spans: no dangling punctuation, `Russian-Ukrainian` as one span,
    and capitalised gazetteer words the head skipped added as places or nationalities."""
    out: list[tuple[int, int, str]] = []
    covered: set[int] = set()
    for start, end, label in spans:
        if out and start < out[-1][1]:
            continue  # already swallowed by a hyphen merge
        while end - start > 1 and doc[end - 1].is_punct:
            if (
                doc[end - 1].text == "-"
                and end < len(doc)
                and not doc[end - 1].whitespace_
                and doc[end].lower_ in lx.COUNTRIES
            ):
                end += 1  # `Russian-` + `Ukrainian`
                break
            end -= 1
        if all(t.is_punct or (t.is_stop and not t.is_upper) for t in doc[start:end]):
            continue  # a lone `The` or `-`: the head started a span too early
        if (
            out
            and out[-1][1] == start
            and out[-1][2] == label
            and label in _NAME_LABELS
            and doc[start - 1].pos_ == "PROPN"
            and doc[start].pos_ == "PROPN"
        ):
            start = out.pop()[0]  # `Novi` + `Sad`: a second B- tag inside one name
        out.append((start, end, label))
        covered.update(range(start, end))
    attrs = doc.to_array([IS_TITLE, LOWER])
    for i in np.flatnonzero(attrs[:, 0].astype(bool) & in_sorted(attrs[:, 1], gazetteer)):
        tag = doc[int(i)].tag_
        if int(i) not in covered and tag in ("NNP", "NNPS", "JJ"):
            out.append((int(i), int(i) + 1, "GPE" if tag == "NNP" else "NORP"))
    return sorted(out)


_PLACE_NAMED_ORGS = {"kremlin", "pentagon"}
_NAME_LABELS = {"PERSON", "GPE", "ORG", "LOC", "FAC"}


def _fix_label(doc: Doc, start: int, end: int, label: str) -> str:
    """Gazetteer words keep their kind: `Kyiv` is a place, `Ukrainian` a nationality.

    The head's gazetteer flag cannot tell places from demonyms; the tagger can (NNP
    against JJ/NNPS). Organisations named after places (`Kremlin`) stay ORG.
    """
    if end - start != 1 or label not in ("PERSON", "NORP", "GPE", "ORG"):
        return label
    tok = doc[start]
    if tok.lower_ not in lx.COUNTRIES or tok.lower_ in _PLACE_NAMED_ORGS:
        return label
    if tok.tag_ == "NNP":
        return "GPE"
    if label == "ORG":
        return label
    if tok.tag_ in ("JJ", "NNPS"):
        return "NORP"
    return label
