"""Feature vectors of event-trigger and reporting-cue candidates for the learned layer (`decide`).

`Candidate` is one trigger-lexicon hit (single word or phrase) with the verdict of the hand
rules in `pipeline.nlp.events` (`rule_ok`, and `reason`, the first filter that dropped it).
`candidate_features` turns an event candidate into one fixed-length float row, read only from what
the pipeline has already computed for the sentence (no extra model):

- the shared tok2vec's contextual vector (`doc.tensor`) of the trigger's head word;
- the lexicon's type for the word (one-hot over `TYPES`), the hand rules' verdict and reason,
  and the lexical sources of the trigger (`lexicons.derived` entries: PropBank, VerbNet,
  WordNet, CAMEO, FrameNet links, secondary sense; `hand` for the hand lists);
- part of speech and dependency label of the trigger and of its head;
- markers: negation, modal auxiliary, inside a quotation, determiner, plural,
  possessor, numeric modifier, a subject of its own, an entity label on the word, position.

`ClaimCandidate` is a reporting-cue verb with content (kept or vetoed by the hand rules of
`pipeline.nlp.claims`, `reason`); `claim_features` reads the verb's tok2vec vector, the veto
reason, the cue's vocabulary classes, the verb's tag and dependency, and its source and
content (subject kind, speaker found, passive, quotation, length).

The layouts are fixed by the constant lists below; `FEATURE_VERSION` and
`CLAIM_FEATURE_VERSION` name them, and weights trained on another layout are refused by
`decide.Decider.load`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from pipeline.nlp import lexicons as lx

if TYPE_CHECKING:
    from spacy.tokens import Token

    from pipeline.nlp.context import DocView

FEATURE_VERSION = "event-features-3"
# The event types of GUIDELINES.md (CAMEO-mapped), in a fixed order.
TYPES = (
    "talks",
    "agreement",
    "ceasefire",
    "prisoner_exchange",
    "attack",
    "threat",
    "sanction",
    "protest",
    "vote",
    "legal_action",
    "leadership_change",
    "accident",
    "aid",
    "policy",
)
# Why the hand rules dropped a candidate (`ok`: they keep it).
REASONS = (
    "ok",
    "phrase",
    "pos",
    "entity",
    "context",
    "generic",
    "idiom",
    "background",
    "no_cause",
    "veto",
    "no_agent",
)
POS_TAGS = ("NOUN", "VERB", "PROPN", "ADJ", "AUX")
DEPS = (
    "ROOT",
    "nsubj",
    "nsubjpass",
    "dobj",
    "pobj",
    "compound",
    "conj",
    "ccomp",
    "xcomp",
    "advcl",
    "relcl",
    "amod",
    "acl",
    "appos",
    "attr",
    "pcomp",
)
# Where a trigger comes from (`lexicons.derived` entries' `sources`): a published resource,
# `secondary` (its event sense is not its main one), or `hand` (the short hand lists).
SOURCES = ("propbank", "verbnet", "wordnet", "cameo", "framenet", "secondary", "hand")
_SOURCE_PREFIX = {"propbank": "propbank", "verbnet": "verbnet", "oewn": "wordnet", "cameo": "cameo"}


@cache
def trigger_sources() -> dict[str, frozenset[str]]:
    """Trigger lemma or phrase -> its `SOURCES`, from the derived vocabularies when present
    (empty when the lexicons have no derived files: every trigger then reads as `hand`)."""
    try:
        from pipeline.nlp.lexicons import derived

        singles = derived.entries("triggers")
        phrases = derived.entries("phrases")
    except (ImportError, AttributeError, OSError, KeyError, ValueError):
        return {}
    out: dict[str, set[str]] = {}
    for entry in [*singles, *phrases]:
        key = entry.get("lemma") or entry.get("phrase")
        if not key:
            continue
        found = out.setdefault(str(key), set())
        for source in entry.get("sources") or ():
            found.add(_SOURCE_PREFIX.get(str(source).split(":", 1)[0], "hand"))
            if "FrameNet" in str(source):
                found.add("framenet")
        if entry.get("primary") is False:
            found.add("secondary")
    return {k: frozenset(v) for k, v in out.items()}


FLAGS = (
    "negated",
    "modal",
    "in_quote",
    "det_indefinite",
    "det_definite",
    "plural",
    "possessor",
    "numeric",
    "own_subject",
    "entity_word",
    "capitalised_inside",
    "past_tense",
    "infinitive",
    "position",
    "first_of_type",
)
_MODALS = frozenset({"will", "would", "could", "may", "might", "shall", "should", "'ll", "must", "can"})


@dataclass
class Candidate:
    """One trigger-lexicon hit: tokens [start, end), lexicon type, CAMEO code, rule verdict."""

    start: int
    end: int
    etype: str
    cameo: str
    rule_ok: bool
    reason: str
    lemma: str = ""

    @property
    def phrase(self) -> bool:
        return self.end - self.start > 1


def head_token(view: DocView, cand: Candidate) -> Token:
    """The trigger's head word: its last noun or verb (the word itself for single words)."""
    toks = [view.doc[i] for i in range(cand.start, cand.end)]
    return max(toks, key=lambda t: t.i if t.pos_ in ("NOUN", "VERB", "PROPN") else -1)


def _one_hot(value: str, values: tuple[str, ...]) -> list[float]:
    return [1.0 if value == v else 0.0 for v in values]


def free_columns(width: int) -> np.ndarray:
    """Mask of the columns trained without weight decay: the lexicon type, the hand rules'
    verdict and the trigger's sources, so that the layer starts from the rules and the
    vocabulary and learns departures."""
    mask = np.zeros(n_features(width), dtype=bool)
    mask[width : width + len(TYPES) + len(REASONS) + len(SOURCES)] = True
    return mask


def n_features(width: int) -> int:
    """Row length for a tok2vec of `width` dimensions."""
    return width + len(TYPES) + len(REASONS) + len(SOURCES) + 2 * len(POS_TAGS) + 2 * len(DEPS) + len(FLAGS)


def candidate_features(view: DocView, cand: Candidate, in_quote: bool, first_of_type: bool) -> np.ndarray:
    """The feature row of one candidate (see the module docstring for its parts)."""
    doc = view.doc
    tok = head_token(view, cand)
    head = tok.head
    tensor = doc.tensor
    width = tensor.shape[1] if tensor is not None and tensor.ndim == 2 and len(tensor) == len(doc) else 0
    vec = tensor[tok.i].astype(np.float32) if width else np.zeros(0, dtype=np.float32)
    sources = trigger_sources().get(cand.lemma.removesuffix("_n"), frozenset({"hand"}))
    kids = list(tok.children)
    dets = [c.lower_ for c in kids if c.dep_ == "det"]
    flags = [
        any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in kids),
        any(c.dep_ == "aux" and c.lower_ in _MODALS for c in kids)
        or any(c.dep_ == "aux" and c.lower_ in _MODALS for c in head.children),
        in_quote,
        any(d in ("a", "an") for d in dets),
        any(d in ("the", "this", "that") for d in dets),
        tok.tag_ in ("NNS", "NNPS"),
        any(c.dep_ == "poss" for c in kids),
        any(c.dep_ == "nummod" for c in kids),
        any(c.dep_ in ("nsubj", "nsubjpass") for c in kids),
        bool(tok.ent_type_),
        tok.i > 0 and tok.text[:1].isupper(),
        tok.tag_ == "VBD",
        any(c.dep_ == "aux" and c.lower_ == "to" for c in kids),
        tok.i / max(1, len(doc) - 1),
        first_of_type,
    ]
    rest = (
        _one_hot(cand.etype, TYPES)
        + _one_hot(cand.reason, REASONS)
        + [1.0 if s in sources else 0.0 for s in SOURCES]
        + _one_hot(tok.pos_, POS_TAGS)
        + _one_hot(head.pos_ if head.i != tok.i else "", POS_TAGS)
        + _one_hot(tok.dep_, DEPS)
        + _one_hot(head.dep_ if head.i != tok.i else "", DEPS)
        + [float(f) for f in flags]
    )
    return np.concatenate([vec, np.asarray(rest, dtype=np.float32)])


# ---------------------------------------------------------------- claims

CLAIM_FEATURE_VERSION = "claim-features-1"
# Why the hand vetoes drop a reporting cue (`ok`: they keep it); see `claims._veto_reason`.
CLAIM_REASONS = (
    "ok",
    "negated",
    "active_passive_only",
    "acl",
    "passive_no_source",
    "modifier",
    "gerund",
    "asked",
    "no_source",
    "implausible_source",
    "quoted_pronoun",
    "clause_only",
)
CUE_CLASSES = ("speech", "object", "passive_only", "phrasal", "clause_only", "bare_content", "listener")
VERB_TAGS = ("VBD", "VBZ", "VBP", "VBG", "VBN", "VB")
CLAIM_FLAGS = (
    "has_subject",
    "subject_pronoun",
    "subject_proper",
    "subject_entity",
    "speaker_found",
    "passive",
    "quote_content",
    "mixed",
    "content_length",
    "subject_before_verb",
    "position",
)


@dataclass
class ClaimCandidate:
    """A reporting-cue verb with content: token index, cue lemma, the vetoes' reason."""

    verb: int
    lemma: str
    reason: str
    subj: Token | None
    passive: bool
    quote: bool

    @property
    def rule_ok(self) -> bool:
        return self.reason == "ok"


def n_claim_features(width: int) -> int:
    """Row length of `claim_features` for a tok2vec of `width` dimensions."""
    return width + len(CLAIM_REASONS) + len(CUE_CLASSES) + len(VERB_TAGS) + len(DEPS) + len(CLAIM_FLAGS)


def claim_free_columns(width: int) -> np.ndarray:
    """Columns trained without weight decay: the vetoes' reason and the cue's class."""
    mask = np.zeros(n_claim_features(width), dtype=bool)
    mask[width : width + len(CLAIM_REASONS) + len(CUE_CLASSES)] = True
    return mask


def _cue_classes(lemma: str) -> list[float]:
    sets = (
        lx.SPEECH_VERBS,
        lx.OBJECT_VERBS,
        lx.PASSIVE_ONLY_VERBS,
        frozenset(lx.PHRASAL_VERBS),
        lx.CLAUSE_ONLY_VERBS,
        lx.BARE_CONTENT_VERBS,
        lx.LISTENER_VERBS,
    )
    return [1.0 if lemma in s else 0.0 for s in sets]


def claim_features(view: DocView, cand: ClaimCandidate, claim: dict[str, object]) -> np.ndarray:
    """The feature row of one reporting-cue candidate and the claim it would make."""
    doc = view.doc
    verb = doc[cand.verb]
    tensor = doc.tensor
    width = tensor.shape[1] if tensor is not None and tensor.ndim == 2 and len(tensor) == len(doc) else 0
    vec = tensor[verb.i].astype(np.float32) if width else np.zeros(0, dtype=np.float32)
    subj = cand.subj
    content = str(claim.get("content") or "")
    flags = [
        subj is not None,
        subj is not None and subj.pos_ == "PRON",
        subj is not None and subj.pos_ == "PROPN",
        subj is not None and bool(subj.ent_type_),
        claim.get("speaker") is not None,
        cand.passive,
        cand.quote,
        claim.get("kind") == "mixed",
        min(len(content) / 100.0, 3.0),
        subj is not None and subj.i < verb.i,
        verb.i / max(1, len(doc) - 1),
    ]
    rest = (
        _one_hot(cand.reason, CLAIM_REASONS)
        + _cue_classes(cand.lemma)
        + _one_hot(verb.tag_, VERB_TAGS)
        + _one_hot(verb.dep_, DEPS)
        + [float(f) for f in flags]
    )
    return np.concatenate([vec, np.asarray(rest, dtype=np.float32)])
