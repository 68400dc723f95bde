"""Distil spaCy's small-model NER into pipeline/nlp/entityhead.py's cheap head.

Usage: python scripts/train_entity_head.py [--out pipeline/nlp/resources/entity_head.npz]

Teacher labels come from en_core_web_sm's own NER run over the sentences our
analyzer would see: the fixture article texts and the fixture feeds' item texts.
The articles with gold files (tests/eval/dev, extra and heldout) are kept out of
training; the dev ones report how often the head agrees with the teacher.
Deterministic (fixed seed).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from pipeline.nlp.entityhead import (
    HEAD_FILE,
    EntityHead,
    _gazetteer_ids,
    decode_bio,
    model_signature,
    ner_embedder,
    token_features,
)
from pipeline.nlp.model import load_model
from pipeline.nlp.segment import split_paragraphs, split_sentences

ROOT = Path(__file__).resolve().parent.parent

ARTICLES = ROOT / "tests" / "fixtures" / "articles"
FEEDS = ROOT / "tests" / "fixtures" / "feeds"
DEV = ROOT / "tests" / "eval" / "dev"
GOLD_DIRS = [ROOT / "tests" / "eval" / d for d in ("dev", "extra", "heldout")]
REPORTED = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "DATE")


def gold_names(folder: Path) -> set[str]:
    """Article names of the gold files in `folder`."""
    return {json.loads(p.read_text(encoding="utf-8"))["article"] for p in folder.glob("*.json")}


def article_texts(held_out: bool) -> list[str]:
    """Fixture article texts: the dev articles, or those without any gold file."""
    dev = gold_names(DEV)
    gold = set().union(*(gold_names(d) for d in GOLD_DIRS if d.exists()))
    out = []
    for path in sorted(ARTICLES.rglob("*.txt")):
        name = path.relative_to(ARTICLES).with_suffix("").as_posix()
        if name in dev if held_out else name not in gold:
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    return out


def feed_texts() -> list[str]:
    """Titles and summaries (tags stripped) of every fixture feed item with 9+ words."""
    import feedparser

    out = []
    for path in sorted(p for p in FEEDS.rglob("*") if p.is_file()):
        for entry in feedparser.parse(path.read_bytes()).entries:
            for key in ("title", "summary"):
                text = html.unescape(re.sub(r"<[^>]+>", " ", entry.get(key) or ""))
                if len(text.split()) > 8:
                    out.append(text)
    return out


def sentences(texts: list[str]) -> list[str]:
    """The sentence strings the analyzer would feed to spaCy."""
    out = []
    for text in texts:
        for ps, pe in split_paragraphs(text):
            out.extend(text[s:e] for s, e in split_sentences(text, ps, pe))
    return out


def bio_classes(nlp) -> list[str]:
    """ "O", then B-/I- of each of the teacher's labels: the head's output classes."""
    return ["O"] + [f"{p}-{label}" for label in sorted(nlp.get_pipe("ner").labels) for p in "BI"]


def silver(
    nlp, texts: list[str], classes: list[str]
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, list]]]:
    """Features, BIO targets and (length, teacher spans) per sentence."""
    docs = list(
        nlp.pipe(sentences(texts), batch_size=256, disable=["parser", "attribute_ruler", "lemmatizer"])
    )
    docs = [d for d in docs if len(d)]
    gold = [(len(d), [(e.start, e.end, e.label_) for e in d.ents]) for d in docs]
    index = {c: i for i, c in enumerate(classes)}
    features = token_features(docs, _gazetteer_ids(nlp), ner_embedder(nlp).predict)
    return features, np.concatenate([_bio(n, spans, index) for n, spans in gold]), gold


def _bio(n: int, spans: list[tuple[int, int, str]], index: dict[str, int]) -> np.ndarray:
    y = np.zeros(n, dtype=np.int64)
    for s, e, label in spans:
        y[s] = index["B-" + label]
        y[s + 1 : e] = index["I-" + label]
    return y


def train(
    x: np.ndarray, y: np.ndarray, n_out: int, hidden: int, epochs: int, seed: int = 0
) -> tuple[np.ndarray, ...]:
    """A ReLU layer and a softmax, Adam, input dropout; returns weights and scaling."""
    rng = np.random.default_rng(seed)
    mean, scale = x.mean(0), x.std(0) + 1e-4
    x = (x - mean) / scale
    n_in = x.shape[1]
    params = [
        rng.normal(0, np.sqrt(2 / n_in), (n_in, hidden)).astype(np.float32),
        np.zeros(hidden, np.float32),
        rng.normal(0, np.sqrt(1 / hidden), (hidden, n_out)).astype(np.float32),
        np.zeros(n_out, np.float32),
    ]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    step, lr, batch, drop = 0, 1e-3, 256, 0.2
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        loss = 0.0
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            xb = x[idx] * (rng.random((len(idx), n_in)) > drop) / (1 - drop)
            yb = y[idx]
            w1, b1, w2, b2 = params
            z = xb @ w1 + b1
            h = np.maximum(z, 0)
            out = h @ w2 + b2
            out -= out.max(1, keepdims=True)
            p = np.exp(out)
            p /= p.sum(1, keepdims=True)
            loss -= np.log(p[np.arange(len(yb)), yb] + 1e-9).sum()
            g = p
            g[np.arange(len(yb)), yb] -= 1
            g /= len(yb)
            gh = g @ w2.T
            gh[z <= 0] = 0
            grads = [xb.T @ gh, gh.sum(0), h.T @ g, g.sum(0)]
            step += 1
            for k, (param, grad) in enumerate(zip(params, grads, strict=True)):
                m1[k] = 0.9 * m1[k] + 0.1 * grad
                m2[k] = 0.999 * m2[k] + 0.001 * grad * grad
                param -= lr * (m1[k] / (1 - 0.9**step)) / (np.sqrt(m2[k] / (1 - 0.999**step)) + 1e-8)
        print(f"epoch {epoch + 1}/{epochs}: loss {loss / len(x):.4f}", file=sys.stderr)
    return (*params, mean, scale)


def agreement(head: EntityHead, x: np.ndarray, gold: list[tuple[int, list]]) -> dict[str, tuple]:
    """Entity-level precision/recall/F1 of the head against the teacher, per label."""
    pred = head.logits(x).argmax(1)
    tp, fp, fn = Counter(), Counter(), Counter()
    offset = 0
    for n, spans in gold:
        guess = {s for s in decode_bio(pred[offset : offset + n], head.classes) if s[2] in REPORTED}
        offset += n
        truth = {s for s in spans if s[2] in REPORTED}
        for s in guess & truth:
            tp[s[2]] += 1
        for s in guess - truth:
            fp[s[2]] += 1
        for s in truth - guess:
            fn[s[2]] += 1
    out = {}
    for label in (*REPORTED, "ALL"):
        a, b, c = (
            (sum(tp.values()), sum(fp.values()), sum(fn.values()))
            if label == "ALL"
            else (tp[label], fp[label], fn[label])
        )
        out[label] = (a / max(a + b, 1), a / max(a + c, 1), 2 * a / max(2 * a + b + c, 1), a + c)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "pipeline" / "nlp" / "resources" / HEAD_FILE)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args()

    nlp = load_model()
    classes = bio_classes(nlp)
    x_train, y_train, _ = silver(nlp, article_texts(held_out=False) + feed_texts(), classes)
    x_dev, _, gold_dev = silver(nlp, article_texts(held_out=True), classes)
    print(f"training on {len(x_train)} tokens, {x_train.shape[1]} features", file=sys.stderr)
    w1, b1, w2, b2, mean, scale = train(x_train, y_train, len(classes), args.hidden, args.epochs)
    head = EntityHead(
        w1, b1, w2, b2, mean.astype(np.float32), scale.astype(np.float32), classes, model_signature(nlp)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    print("agreement with the teacher NER on the held-out dev articles (P R F1 n):")
    for label, (p, r, f, n) in agreement(head, x_dev, gold_dev).items():
        print(f"  {label:<7} {p:.3f} {r:.3f} {f:.3f} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
