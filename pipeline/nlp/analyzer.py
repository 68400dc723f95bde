"""Public API: `Analyzer.analyze(text)` -> claims, events and entities; JSONL runner.

Cost control in two stages: sentences that a regex marks as candidates (reporting cues,
quote marks, trigger stems) get tok2vec + tagger + a table lemmatiser; only those whose
lemmas then hit a cue or a trigger (with its context words) get the parser and entity
recognition. Entities come from `pipeline.nlp.entityhead` (a head distilled from spaCy's NER
that reuses the tagger's vectors, ~10x cheaper) or, with `entities="spacy"`, from spaCy's
own NER. The parser (and spaCy's NER) run through `greedy_parse`: spaCy's greedy transition
loop driven from Python, the same decisions at half the cost.
Which trigger candidates become events, and which reporting cues claims, is decided by the
learned layer of `pipeline.nlp.decide` (`decider="auto"`, each part falling back to the hand
rules with a warning when its weights are missing or fit another model) or by the hand rules
(`decider="rules"`); a chooser object (a `decide.Recorder`, a decider) may be given instead.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO, cast

from spacy.attrs import LEMMA, ORTH, POS, TAG
from spacy.tokens import Doc, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.claims import Claim, extract_claims
from pipeline.nlp.context import ENTITY_LABELS, Context, Mention, Sentence
from pipeline.nlp.dates import parse_published
from pipeline.nlp.decide import ClaimChooser, ClaimDecider, EventChooser, EventDecider
from pipeline.nlp.entityhead import EntityHead
from pipeline.nlp.events import Event, extract_events
from pipeline.nlp.filters import build_filter, english_ratio
from pipeline.nlp.model import load_model
from pipeline.nlp.morph import FastMorph, fix_pos_after_parse
from pipeline.nlp.segment import find_quotes, has_quote, split_paragraphs, split_sentences

__all__ = ["Analysis", "Analyzer", "Claim", "Event", "greedy_parse", "run_jsonl"]

log = logging.getLogger(__name__)
ENTITY_RECOGNISERS = ("head", "spacy")

MAX_CHARS = 100_000
MIN_ENGLISH_RATIO = 0.12
_HTML_TAG = re.compile(r"<(?:script|style)\b.*?</(?:script|style)>|<[^>\n]{1,400}>", re.S | re.I)
# Word stems whose presence makes a sentence worth tagging (see `lx.INDEX`).
# Passive-only reporting verbs (`is viewed/regarded as`) are cues (`lx.INDEX.cue_lemmas`) but
# not in the index's stems: added here so that their sentences reach the parser. `see` is left
# out: its passive form `seen` is already an irregular form, and the stem `see` would also let
# every `seem`/`seek` sentence through.
_CANDIDATE = build_filter(
    lx.INDEX.candidate_stems
    | {v[:-1] if v.endswith("e") and len(v) > 4 else v for v in lx.PASSIVE_ONLY_VERBS - {"see"}}
)


@dataclass
class Analysis:
    """Result for one document."""

    claims: list[Claim] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    entities: dict[str, list[str]] = field(default_factory=lambda: {"persons": [], "orgs": [], "places": []})
    status: str = "ok"
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": [c.to_dict() for c in self.claims],
            "events": [e.to_dict() for e in self.events],
            "entities": self.entities,
            "status": self.status,
            "reason": self.reason,
        }


class Analyzer:
    """Loads the spaCy model once and analyzes documents; not thread-safe."""

    def __init__(
        self,
        max_chars: int = MAX_CHARS,
        batch_size: int = 256,
        entities: str = "head",
        decider: str | EventChooser | ClaimChooser = "auto",
    ) -> None:
        if entities not in ENTITY_RECOGNISERS:
            raise ValueError(f"entities must be one of {ENTITY_RECOGNISERS}, not {entities!r}")
        if isinstance(decider, str) and decider not in ("auto", "rules"):
            raise ValueError(f"decider must be 'auto', 'rules' or a chooser, not {decider!r}")
        self.nlp = load_model(cache_embeddings=True, fast_maxout=True)
        self.decider: EventChooser | None = None
        self.claim_decider: ClaimChooser | None = None
        if decider == "auto":
            try:
                event = EventDecider.load(self.nlp)
                # weights whose thresholds reproduce the rules need not run at all
                self.decider = None if event.as_rules else event
            except (OSError, ValueError, KeyError) as exc:
                log.warning("event decider unusable (%s); the hand rules decide", exc)
            try:
                claim = ClaimDecider.load(self.nlp)
                self.claim_decider = None if claim.as_rules else claim
            except (OSError, ValueError, KeyError) as exc:
                log.warning("claim decider unusable (%s); the hand rules decide", exc)
        elif not isinstance(decider, str):
            self.decider = cast("EventChooser", decider) if hasattr(decider, "choose") else None
            self.claim_decider = cast("ClaimChooser", decider) if hasattr(decider, "judge") else None
        self.morph = FastMorph(self.nlp)
        self.head: EntityHead | None = None
        if entities == "head":
            try:
                self.head = EntityHead.load(self.nlp)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("entity head unusable (%s); using spaCy's NER", exc)
        self.entities = "head" if self.head else "spacy"
        # parser and NER run in a second pass, only on sentences worth parsing
        stage2 = ("parser",) if self.head else ("parser", "ner")
        self.stage2 = [n for n in stage2 if n in self.nlp.pipe_names]
        self.stage1_disabled: list[str] = [
            n
            for n in ("attribute_ruler", "lemmatizer", "ner")
            if n in self.nlp.pipe_names and n not in self.stage2
        ]
        self.max_chars = max_chars
        self.batch_size = batch_size

    def analyze(self, text: str, published: dt.date | None = None, language: str | None = None) -> Analysis:
        """Claims, events and entities of one article."""
        return next(self._run([(text, published, language)]))

    def analyze_many(self, docs: Iterable[tuple[str, dt.date | None]]) -> Iterator[Analysis]:
        """Analyze many documents, batching their sentences through nlp.pipe."""
        return self._run((text, published, None) for text, published in docs)

    # ------------------------------------------------------------ internals

    def _entities_of(self, docs: list[Doc]) -> None:
        """Run the entity head on a batch; a failing batch is retried doc by doc, and a
        doc that still fails keeps no entities (its claims and events are still found)."""
        assert self.head is not None
        try:
            self.head(docs)
        except Exception:  # noqa: BLE001 - entities are an aid, never a reason to lose a batch
            log.exception("entity head failed on a batch; retrying one sentence at a time")
            for doc in docs:
                try:
                    self.head([doc])
                except Exception:  # noqa: BLE001
                    doc.ents = []

    def _run(
        self, docs: Iterable[tuple[str, dt.date | None, str | None]], chunk: int = 16
    ) -> Iterator[Analysis]:
        pending: list[tuple[Context | None, Analysis]] = []
        for text, published, language in docs:
            pending.append(self._prepare(text, published, language))
            if len(pending) >= chunk:
                yield from self._finish(pending)
                pending = []
        if pending:
            yield from self._finish(pending)

    def _prepare(
        self, text: str, published: dt.date | None, language: str | None
    ) -> tuple[Context | None, Analysis]:
        """Checks, truncation and segmentation; returns a context when there is work."""
        result = Analysis()
        if not isinstance(text, str) or not text.strip():
            result.status, result.reason = "empty", "no text"
            return None, result
        if language and not language.lower().startswith("en"):
            result.status, result.reason = "skipped_non_english", f"language={language}"
            return None, result
        long_enough = len(text.strip()) >= 200 or len(re.findall(r"[^\W\d_]+", text[:2000])) >= 12
        if long_enough and english_ratio(text) < MIN_ENGLISH_RATIO:
            result.status, result.reason = "skipped_non_english", "few English stopwords"
            return None, result
        if "<" in text and ">" in text:
            text = _HTML_TAG.sub(lambda m: " " * len(m.group()), text)
        if len(text) > self.max_chars:
            cut = text.rfind("\n", 0, self.max_chars)
            text = text[: cut if cut > self.max_chars // 2 else self.max_chars]
            result.status = "truncated"
            result.reason = f"analysed the first {len(text)} characters"
        paragraphs = split_paragraphs(text)
        sentences: list[Sentence] = []
        for i, (ps, pe) in enumerate(paragraphs):
            for ss, se in split_sentences(text, ps, pe):
                sentences.append(Sentence(ss, se, i))
        ctx = Context(
            text=text, sentences=sentences, quotes=find_quotes(text, paragraphs), published=published
        )
        return ctx, result

    def _finish(self, pending: list[tuple[Context | None, Analysis]]) -> Iterator[Analysis]:
        """Tag candidate sentences, then parse + NER only those whose lemmas hit a cue."""
        jobs: list[tuple[Context, Sentence, int]] = []
        for ctx, _ in pending:
            if ctx is None:
                continue
            for idx, sent in enumerate(ctx.sentences):
                stext = ctx.text[sent.start : sent.end]
                if idx < 2 or has_quote(stext) or _CANDIDATE.search(stext):
                    jobs.append((ctx, sent, idx))
        texts = (ctx.text[s.start : s.end] for ctx, s, _ in jobs)
        tagged = [
            self.morph(doc)
            for doc in self.nlp.pipe(
                texts, batch_size=self.batch_size, disable=self.stage2 + self.stage1_disabled
            )
        ]
        keep = [
            (job, doc) for job, doc in zip(jobs, tagged, strict=True) if job[2] < 2 or _worth_parsing(doc)
        ]
        docs = [doc for _, doc in keep]
        for name in self.stage2:
            # NER's own tok2vec is the costliest stage: skip sentences it cannot tag
            todo = docs if name != "ner" else [d for d in docs if _may_hold_entities(d)]
            greedy_parse(self.nlp.get_pipe(name), todo, self.batch_size)
        if self.head:
            for i in range(0, len(docs), self.batch_size):
                self._entities_of(docs[i : i + self.batch_size])
        for ((_, sent, _), _), doc in zip(keep, docs, strict=True):
            fix_pos_after_parse(doc)
            sent.doc = doc
        for ctx, result in pending:
            if ctx is None:
                yield result
                continue
            try:
                _collect_mentions(ctx)
                result.claims = extract_claims(ctx, self.claim_decider)
                result.events = extract_events(ctx, self.decider)
                result.entities = _entities(ctx)
            except Exception as exc:  # noqa: BLE001 - one bad document must not stop a batch
                result.status, result.reason = "error", f"{type(exc).__name__}: {exc}"
            if result.status == "ok" and not result.claims and not result.events:
                result.reason = "nothing found"
            yield result


_TIME_WORDS = {
    "today",
    "tonight",
    "yesterday",
    "tomorrow",
    "day",
    "days",
    "week",
    "weeks",
    "weekend",
    "month",
    "months",
    "year",
    "years",
    "decade",
    "decades",
    "century",
    "morning",
    "afternoon",
    "evening",
    "night",
    "nights",
    "hour",
    "hours",
    "minute",
    "minutes",
    "second",
    "seconds",
    "first",
    "last",
    "next",
    "once",
    "half",
    "dozen",
    "dozens",
    "hundreds",
    "thousands",
    "millions",
    "billions",
    "annual",
    "daily",
    "weekly",
    "monthly",
    "quarter",
    "season",
    "spring",
    "summer",
    "autumn",
    "fall",
    "winter",
    "ago",
    "recent",
    "recently",
    "earlier",
}


def _may_hold_entities(doc: Doc) -> bool:
    """False for sentences without a capitalised word, number or time word: NER finds nothing."""
    for tok in doc:
        text = tok.text
        if (
            (text[:1].isupper() and (tok.i > 0 or tok.pos_ == "PROPN"))
            or tok.like_num
            or tok.tag_ == "CD"
            or tok.lower_ in _TIME_WORDS
        ):
            return True
    return False


# A token's own part of the `_worth_parsing` test depends only on these attributes.
_VERDICT_ATTRS = [ORTH, LEMMA, TAG, POS]
_Verdict = Literal[True] | tuple[frozenset[str], ...]
_VERDICTS: dict[tuple[int, ...], _Verdict] = {}


def _token_verdict(tok: Token) -> _Verdict:
    """True if the token alone makes its sentence worth parsing; otherwise the context
    sets of its triggers, one of which the sentence's words must meet (empty: no)."""
    low = tok.lemma_.lower()
    if tok.is_quote or (tok.lower_ == "according"):
        return True
    if tok.tag_.startswith("VB") and low in lx.INDEX.cue_lemmas:
        return True
    if tok.pos_ == "NOUN" and low in lx.SPEECH_NOUNS:
        return True
    if tok.lower_ in lx.INDEX.phrase_heads:
        return True
    needs = []
    keys = [low, tok.lower_] + ([low + "_n"] if tok.pos_ == "NOUN" else [])
    for key in keys:
        if key in lx.EVENT_TRIGGERS:
            need = lx.CONTEXT_REQUIRED.get(key)
            if not need:
                return True
            needs.append(need)
    return tuple(needs)


def _worth_parsing(doc: Doc) -> bool:
    """Lemma-level check after tagging: a reporting verb, speech noun, quote or trigger.

    Per-token verdicts are cached by (form, lemma, tag, POS), read through `to_array`,
    so most sentences need no Token objects at all.
    """
    needs: list[frozenset[str]] = []
    for i, row in enumerate(doc.to_array(_VERDICT_ATTRS).tolist()):
        key = tuple(row)
        verdict = _VERDICTS.get(key)
        if verdict is None:
            verdict = _token_verdict(doc[i])
            if len(_VERDICTS) < 200_000:
                _VERDICTS[key] = verdict
        if verdict is True:
            return True
        needs.extend(verdict)
    if not needs:
        return False
    lemmas = {t.lemma_.lower() for t in doc} | {t.lower_ for t in doc}
    return any(lemmas & need for need in needs)


def greedy_parse(parser: Any, docs: list[Doc], batch_size: int = 256) -> None:
    """Annotate `docs` in place with spaCy's greedy transition parser (parser or NER), as
    `parser.pipe` would, with the transition loop driven from Python.

    spaCy 3.8's compiled loop (`Parser.greedy_parse`) runs without the GIL, yet its
    `predict_states` takes and drops it about 120 times per transition (a PyGILState pair in
    its per-unit loops): 13 million round trips per benchmark pass, 45% of the parser's
    time. This loop makes the calls that loop makes, with the GIL held, one step for all
    open sentences at once: the step model (`parser.model.predict`, the tokens' precomputed
    feature products), the states' feature tokens, the hidden layer (`state2vec`: the same
    C feature sums, bias and maxout), the output layer through BLIS as the C loop does
    (`blis.py.gemm`; numpy's BLAS may round differently), unseen classes set to the lowest
    score, and `parser.transition_states` (the loop's own best-valid-move step). Documents
    are batched and sorted by length as `parser.pipe` does. The parses equal
    `parser.pipe`'s bit for bit (tests/test_analyzer_speed_parse.py); a parser this does not
    fit (beam search, no output layer) goes through `parser.pipe`.
    """
    import blis.py  # type: ignore[import-untyped]  # thinc's BLAS bindings ship no type hints

    if parser.cfg.get("beam_width", 1) != 1 or not parser.model.attrs.get("has_upper"):
        for _ in parser.pipe(docs, batch_size=batch_size):
            pass
        return
    for start in range(0, len(docs), batch_size):
        by_length = sorted(docs[start : start + batch_size], key=len)
        step_size = max(batch_size // 4, 2)
        for sub_start in range(0, len(by_length), step_size):
            batch = by_length[sub_start : sub_start + step_size]
            states = parser.moves.init_batch(batch)
            todo = [state for state in states if not state.is_final()]
            if todo:
                step = parser.model.predict(batch)
                weights = step.vec2scores.get_param("W")
                bias = step.vec2scores.get_param("b")
                unseen = step._class_mask == 0  # what spaCy's own `step_forward` reads
                while todo:
                    hidden = step.state2vec.predict(step.get_token_ids(todo))
                    scores = blis.py.gemm(hidden, weights, trans2=True)
                    scores += bias
                    if unseen.any():
                        scores[:, unseen] = scores.min()
                    todo = parser.transition_states(todo, scores)
                step.clear_memory()
            parser.set_annotations(batch, states)


def _collect_mentions(ctx: Context) -> None:
    """Absolute-offset entity mentions from every parsed sentence."""
    mentions: list[Mention] = []
    for sent in ctx.sentences:
        if sent.doc is None:
            continue
        for ent in sent.view().ents:
            label = ent.label_
            if label in ENTITY_LABELS:
                start = sent.start + ent.start_char
                root, text = ent.root, ent.text  # both are recomputed on every access
                dep = root.dep_
                subject = dep in ("nsubj", "nsubjpass") or (
                    dep in ("appos", "compound") and root.head.dep_ == "nsubj"
                )
                mentions.append(Mention(text, label, start, start + len(text), subject, root.pos_ == "PROPN"))
    ctx.set_mentions(mentions)


def _entities(ctx: Context) -> dict[str, list[str]]:
    """Distinct persons (fullest form), organisations and places of the document."""
    out: dict[str, list[str]] = {"persons": [], "orgs": [], "places": []}
    for m in ctx.mentions:
        key = {"PERSON": "persons", "ORG": "orgs", "GPE": "places", "LOC": "places", "FAC": "places"}.get(
            m.label
        )
        if key is None:
            continue
        name = ctx.fullest(m.text) if key == "persons" else m.text
        if name not in out[key]:
            out[key].append(name)
    return out


# ---------------------------------------------------------------- JSONL


def run_jsonl(stdin: TextIO, stdout: TextIO, entities: str = "head") -> int:
    """Read {"id","text","published"} lines, write one result line each; returns 0."""
    analyzer = Analyzer(entities=entities)
    for raw in stdin:
        line = raw.strip()
        if not line:
            continue
        doc_id: Any = None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("a line must be a JSON object")
            doc_id = obj.get("id")
            text = obj.get("text") or ""
            if not isinstance(text, str):
                raise ValueError("text must be a string")
            result = analyzer.analyze(text, parse_published(obj.get("published")), obj.get("language"))
            out = {"id": doc_id, **result.to_dict()}
        except Exception as exc:  # noqa: BLE001 - report and go on with the next line
            out = {"id": doc_id, "error": f"{type(exc).__name__}: {exc}"}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(run_jsonl(sys.stdin, sys.stdout))
