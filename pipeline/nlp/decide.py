"""The learned decision layer: which event-trigger and reporting-cue candidates to keep.

`pipeline.nlp.events` generates candidates broadly (every trigger-lexicon word and phrase,
including those its hand filters drop, each with the filters' verdict and reason) and asks an
`EventChooser` for each candidate's type, or None for "no event here" (generic mentions,
other senses, background). `pipeline.nlp.claims` likewise asks a `ClaimChooser` whether a
reporting-cue verb with content is a speech act, vetoed cues included. `EventDecider` and
`ClaimDecider` are those choosers: logistic regressions (numpy only) over
`pipeline.nlp.features`, trained to tell candidates that match a gold event or claim
(score.py's rules) from those that do not. An event's type is the lexicon's: with 48
training articles (about 120 matching candidates over 14 types) a type classifier did worse
than the lexicon in cross-validation.

Contract:
- `Decider.load(nlp)` reads `resources/event_decider.npz` (`claim_decider.npz`) and raises
  ValueError when it was trained on another spaCy model (name + version,
  `entityhead.model_signature`) or another feature layout (version, row length); the
  analyzer then logs a warning and the hand rules decide.
- Two thresholds on p(keep): a candidate the hand rules keep stays unless p < `keep`; one
  they drop is added when p >= `add`. Training picks both by cross-validation on its own
  articles from a grid that includes (0, >1), the hand rules' own decisions, so the layer
  departs from the rules only where that scored better on held-out articles.
- `select_events` then keeps at most one event per type per clause (and two per type per
  sentence), the same for rules and decider, so both are scored alike.
- Training (`scripts/train_decider.py`) is deterministic: zero initialisation, full-batch
  gradient descent with a fixed step count; `Recorder` is the chooser it runs the pipeline
  with (hand-rule decisions, plus every candidate's features and what it would become).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, cast

import numpy as np

from pipeline.nlp.features import (
    CLAIM_FEATURE_VERSION,
    FEATURE_VERSION,
    Candidate,
    ClaimCandidate,
    candidate_features,
    claim_features,
    n_claim_features,
    n_features,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import TrainablePipe

    from pipeline.nlp.context import DocView

DECIDER_FILE = "event_decider.npz"
CLAIM_DECIDER_FILE = "claim_decider.npz"


class EventChooser(Protocol):
    """Decides, per candidate of a sentence, its event type or None (no event)."""

    recording: bool

    def choose(self, view: DocView, cands: list[Candidate], quoted: list[bool]) -> list[str | None]: ...

    def record(
        self, sentence: int, cand: Candidate, quoted: bool, slot: tuple[int, bool], event: dict[str, Any]
    ) -> None: ...


class ClaimChooser(Protocol):
    """Decides whether a reporting-cue candidate (with the claim it makes) is a speech act."""

    recording: bool

    def judge(self, view: DocView, cand: ClaimCandidate, claim: dict[str, Any]) -> bool: ...


def select_events(items: list[tuple[str | None, int, bool]]) -> list[int]:
    """Indices of the candidates kept, from (decided type or None, clause head, own clause).

    A second event of a type in a sentence needs its own clause (a verb with its own subject,
    or a conjoined verb) other than the first's; never more than two per type.
    """
    seen: dict[str, int] = {}
    count: dict[str, int] = {}
    keep = []
    for k, (etype, clause, own) in enumerate(items):
        if etype is None:
            continue
        if etype in seen and (seen[etype] == clause or not own or count[etype] >= 2):
            continue
        seen[etype] = clause
        count[etype] = count.get(etype, 0) + 1
        keep.append(k)
    return keep


def sentence_features(view: DocView, cands: list[Candidate], quoted: list[bool]) -> np.ndarray:
    """Feature rows of a sentence's candidates, in order."""
    rows = []
    types_seen: set[str] = set()
    for cand, q in zip(cands, quoted, strict=True):
        rows.append(candidate_features(view, cand, q, cand.etype not in types_seen))
        types_seen.add(cand.etype)
    return np.vstack(rows)


def sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return out


@dataclass
class Decider:
    """A logistic regression over candidate features, its thresholds and its provenance."""

    FILE: ClassVar[str] = DECIDER_FILE
    VERSION: ClassVar[str] = FEATURE_VERSION

    w: np.ndarray  # (features,)
    b: float
    mean: np.ndarray
    scale: np.ndarray
    keep: float  # a rule-kept candidate stays unless p < keep
    add: float  # a rule-dropped candidate is added when p >= add
    signature: str
    feature_version: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    recording: bool = False

    def __post_init__(self) -> None:
        self.feature_version = self.feature_version or self.VERSION

    @staticmethod
    def width_to_features(width: int) -> int:
        return n_features(width)

    @classmethod
    def load(cls, nlp: Language, path: Path | None = None) -> Self:
        """Load the shipped weights; ValueError when they fit another model or layout."""
        from pipeline.nlp.entityhead import model_signature

        if path is None:
            path = Path(str(resources.files("pipeline.nlp") / "resources" / cls.FILE))
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            dec = cls(
                w=data["w"],
                b=float(meta["b"]),
                mean=data["mean"],
                scale=data["scale"],
                keep=float(meta["keep"]),
                add=float(meta["add"]),
                signature=str(meta["signature"]),
                feature_version=str(meta["feature_version"]),
                info=dict(meta.get("info", {})),
            )
        if dec.signature != model_signature(nlp):
            raise ValueError(f"{path.name} was trained on {dec.signature}, not {model_signature(nlp)}")
        if dec.feature_version != cls.VERSION:
            raise ValueError(f"{path.name} has feature layout {dec.feature_version}, not {cls.VERSION}")
        width = (
            int(cast("TrainablePipe", nlp.get_pipe("tok2vec")).model.get_dim("nO"))
            if "tok2vec" in nlp.pipe_names
            else -1
        )
        expected = cls.width_to_features(width)
        if width < 0 or dec.w.shape != (expected,):
            raise ValueError(f"{path.name} has {dec.w.shape} weights, not ({expected},)")
        return dec

    def save(self, path: Path) -> None:
        meta = json.dumps(
            {
                "b": self.b,
                "keep": self.keep,
                "add": self.add,
                "signature": self.signature,
                "feature_version": self.feature_version,
                "info": self.info,
            },
            sort_keys=True,
        )
        np.savez_compressed(path, w=self.w, mean=self.mean, scale=self.scale, meta=np.array(meta))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """p(keep) of each feature row of `x` (or of one row)."""
        return sigmoid(((x - self.mean) / self.scale) @ self.w + self.b)

    def accept(self, p: float, rule_ok: bool) -> bool:
        return p >= (self.keep if rule_ok else self.add)

    @property
    def as_rules(self) -> bool:
        """Thresholds that keep exactly what the hand rules keep (p is in [0, 1])."""
        return self.keep <= 0.0 and self.add > 1.0


@dataclass
class EventDecider(Decider):
    """The event chooser: a candidate is an event of its lexicon type, or not."""

    def decide(self, probs: np.ndarray, cands: list[Candidate]) -> list[str | None]:
        """Per candidate: its lexicon type when kept, else None (see the thresholds)."""
        return [
            c.etype if self.accept(p, c.rule_ok) else None for c, p in zip(cands, probs.tolist(), strict=True)
        ]

    def choose(self, view: DocView, cands: list[Candidate], quoted: list[bool]) -> list[str | None]:
        if self.as_rules:  # no need for features
            return [c.etype if c.rule_ok else None for c in cands]
        return self.decide(self.probabilities(sentence_features(view, cands, quoted)), cands)

    def record(
        self, sentence: int, cand: Candidate, quoted: bool, slot: tuple[int, bool], event: dict[str, Any]
    ) -> None:
        raise RuntimeError("a trained decider does not record")


@dataclass
class ClaimDecider(Decider):
    """The claim chooser: a reporting-cue candidate is a speech act, or not."""

    FILE: ClassVar[str] = CLAIM_DECIDER_FILE
    VERSION: ClassVar[str] = CLAIM_FEATURE_VERSION

    @staticmethod
    def width_to_features(width: int) -> int:
        return n_claim_features(width)

    def judge(self, view: DocView, cand: ClaimCandidate, claim: dict[str, Any]) -> bool:
        if self.as_rules:
            return cand.rule_ok
        p = float(self.probabilities(claim_features(view, cand, claim)))
        return self.accept(p, cand.rule_ok)


@dataclass
class RecordedClaim:
    """One reporting-cue candidate as the recorder saw it: features, claim, rule verdict."""

    features: np.ndarray
    claim: dict[str, Any]
    rule_ok: bool


@dataclass
class Recorded:
    """One candidate as the recorder saw it: where, its features, and the event it makes."""

    sentence: int
    cand: Candidate
    slot: tuple[int, bool]
    event: dict[str, Any]
    features: np.ndarray


class Recorder:
    """A chooser (events and claims) for training and cross-validation: decides by the hand
    rules and keeps every candidate's features and event or claim (`drain` after each
    document)."""

    recording = True

    def __init__(self) -> None:
        self.items: list[Recorded] = []
        self.claims: list[RecordedClaim] = []
        self._rows: dict[tuple[int, int], np.ndarray] = {}

    def choose(self, view: DocView, cands: list[Candidate], quoted: list[bool]) -> list[str | None]:
        feats = sentence_features(view, cands, quoted)
        self._rows = {(c.start, c.end): row for c, row in zip(cands, feats, strict=True)}
        return [c.etype if c.rule_ok else None for c in cands]

    def record(
        self, sentence: int, cand: Candidate, quoted: bool, slot: tuple[int, bool], event: dict[str, Any]
    ) -> None:
        self.items.append(Recorded(sentence, cand, slot, event, self._rows[(cand.start, cand.end)]))

    def judge(self, view: DocView, cand: ClaimCandidate, claim: dict[str, Any]) -> bool:
        self.claims.append(RecordedClaim(claim_features(view, cand, claim), claim, cand.rule_ok))
        return cand.rule_ok

    def drain(self) -> tuple[list[Recorded], list[RecordedClaim]]:
        out, claims = self.items, self.claims
        self.items, self.claims = [], []
        return out, claims
