"""Event status: whether a trigger reports an event that occurred, is planned, or is negated.

`event_status` reads the trigger's own modifiers and the words governing it (its path up
the parse to the clause verb): negation, refusal and failure make it negated; condition,
modality, intention, schedules and planned-head nouns make it planned; otherwise it
occurred. The rules are predicates tried in order, all negation rules before the planned ones.
The climb stops at a clause that states its event as fact (tensed, own subject, no modal, no
`if`/`while`): the modality of the clause above (`could face charges after he attacked`) is
not the event's. Ordinals (`the third hearing`) count occurrences and plan nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Token

from pipeline.nlp import lexicons as lx
from pipeline.records import EventStatus

# An event named as the topic of something else keeps its own status: `did not comment
# about the attack`, `offered no scenario for the origin of the fire` (see lx.TOPIC_NOUNS).
TOPIC_PREPS = {"about", "regarding", "concerning"}


def _path(tok: Token) -> list[tuple[Token, str]]:
    """Ancestors of the trigger with the dependency through which each was reached.

    The climb stops where the trigger becomes the topic of another phrase, so that the
    negation or modality of the verb above does not pass to it.
    """
    out = []
    cur = tok
    for _ in range(6):
        if cur.head.i == cur.i:
            break
        if cur.dep_ in ("advcl", "relcl", "conj", "acl") and _states_fact(cur):
            break  # `was arrested after he fled` / `could face charges after he attacked`
        head = cur.head
        if cur.dep_ == "pobj" and (
            head.lower_ in TOPIC_PREPS or (head.lower_ == "of" and head.head.lemma_.lower() in lx.TOPIC_NOUNS)
        ):
            break
        out.append((head, cur.dep_))
        cur = head
        if cur.pos_ in ("VERB", "AUX") and cur.dep_ not in ("xcomp", "pcomp", "acl", "advcl"):
            break
    return out


def _states_fact(verb: Token) -> bool:
    """A clause that states its event on its own: a tensed verb (or tensed auxiliary), with
    a subject, no modal and no `if`/`unless`/`while` (`_OPEN_MARKS`). The modality of the clause it hangs from
    (`could face charges after he attacked`) is not its own."""
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    kids = list(verb.children)
    if not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in kids):
        return False
    if any(c.tag_ == "MD" or (c.dep_ == "mark" and c.lower_ in _OPEN_MARKS) for c in kids):
        return False
    tensed = ("VBD", "VBZ", "VBP")
    return verb.tag_ in tensed or any(c.dep_ in ("aux", "auxpass") and c.tag_ in tensed for c in kids)


# Subordinators of clauses that share the modality of the clause above: condition, purpose,
# simultaneity with a wish (`would like ... while the US maintains tariffs`).
_OPEN_MARKS = frozenset({"if", "unless", "while", "until", "so", "whether"})
# Ordinals count occurrences (`the third hearing`), they do not place an event in the future.
_ORDINALS = frozenset(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "latest",
        "last",
    ]
)


@dataclass
class _Trigger:
    """What the status rules read about one trigger."""

    tok: Token  # the trigger's head word
    span_toks: list[Token]  # all words of the trigger (phrase triggers have several)
    etype: str
    path: list[tuple[Token, str]]  # see `_path`


# ---------------------------------------------------------------- negated


def _negated_on_trigger(t: _Trigger) -> bool:
    """`no talks`, `talks did not`, `a deal that collapsed`."""
    for w in t.span_toks:
        for c in w.children:
            if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no"):
                return True
            if c.dep_ == "relcl" and c.lemma_.lower() in lx.NEGATING_VERBS:
                return True
    return False


def _negated_above(t: _Trigger) -> bool:
    """A negated first verb above the trigger, `without`, a failure noun or verb, `rule out`."""
    first_verb = True
    for anc, via in t.path:
        low = anc.lemma_.lower()
        subject = via in ("nsubj", "nsubjpass", "csubj")
        copula = low in lx.INCHOATIVE or via == "nsubjpass"  # `tornadoes were not (seen)`
        if (
            anc.pos_ in ("VERB", "AUX")
            and (not subject or copula)
            and first_verb
            and any(c.dep_ == "neg" for c in anc.children)
        ):
            return True
        if low == "without" or (anc.pos_ == "NOUN" and low in lx.NEGATED_HEAD_NOUNS):
            return True
        if anc.pos_ == "VERB" and low in lx.NEGATING_VERBS and via in ("dobj", "xcomp", "ccomp"):
            return True
        if low == "rule" and any(c.lower_ == "out" for c in anc.children):
            return True
        if anc.pos_ in ("VERB", "AUX"):
            first_verb = False
    return False


def _negated_evidence(t: _Trigger) -> bool:
    """`reports do not indicate it was caused by enemy fire`."""
    if t.path and t.path[-1][0].dep_ == "ccomp":
        matrix = t.path[-1][0].head
        return matrix.lemma_.lower() in lx.EVIDENCE_VERBS and any(c.dep_ == "neg" for c in matrix.children)
    return False


# ---------------------------------------------------------------- planned


def _conditional(t: _Trigger) -> bool:
    """`if peace talks are ever revived`, `if Russia attacks`."""
    return any(
        anc.pos_ in ("VERB", "AUX")
        and any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in anc.children)
        for anc in (t.tok, *(a for a, _ in t.path))
    )


def _planned_on_trigger(t: _Trigger) -> bool:
    """`possible talks`, `will meet`."""
    for w in t.span_toks:
        for c in w.children:
            if c.lower_ in lx.PLANNED_MODIFIERS and c.i < w.i and not _ordinal(c):
                return True
            if w.pos_ == "VERB" and c.dep_ == "aux" and c.lower_ in lx.MODALS:
                return True
    return False


def _ordinal(tok: Token) -> bool:
    return tok.lower_ in _ORDINALS or tok.ent_type_ == "ORDINAL"


def _planned_above(t: _Trigger) -> bool:
    """Modality, intention, likelihood or a schedule in the words governing the trigger."""
    for anc, via in t.path:
        low = anc.lemma_.lower()
        subject = via in ("nsubj", "nsubjpass", "csubj")
        modal_ok = not subject or via == "nsubjpass" or low in lx.INCHOATIVE
        if anc.pos_ in ("VERB", "AUX") and modal_ok:
            if any(c.dep_ == "aux" and c.lower_ in lx.MODALS for c in anc.children):
                return True
            if low in lx.PLANNED_VERBS and via in ("dobj", "xcomp", "ccomp", "pobj", "prep"):
                return True
        if anc.pos_ in ("VERB", "AUX") and any(
            c.dep_ in ("acomp", "oprd") and c.lemma_.lower() in lx.LIKELY for c in anc.children
        ):
            return True  # `tornadoes are possible`, `a strike is likely`
        if anc.pos_ in ("VERB", "AUX") and subject and low in lx.SCHEDULED:
            return True  # `the tariffs are set to take effect`, `talks are expected`
        if anc.pos_ in ("VERB", "AUX") and subject:
            subj_heads = [c for c in anc.children if c.dep_ in ("nsubj", "nsubjpass")]
            if any(h.lemma_.lower() in lx.PLANNED_HEAD_NOUNS for h in subj_heads if h.i != t.tok.i):
                return True
        if (
            anc.pos_ == "NOUN"
            and low in lx.PLANNED_HEAD_NOUNS
            and not (low in ("agreement", "deal") and t.etype == "agreement")
        ):
            return True
        if low == "for" and anc.head.lemma_.lower() in ("call", "push", "plea", "appeal"):
            return True
        if anc.lower_ == "going" and any(c.dep_ == "xcomp" for c in anc.children):
            return True
    return False


def _threat(t: _Trigger) -> bool:
    """A threat is of something not (yet) done."""
    return t.etype == "threat"


_Rule = Callable[[_Trigger], bool]
# Tried in this order; the first rule that holds decides.
_NEGATED_RULES: tuple[_Rule, ...] = (_negated_on_trigger, _negated_above, _negated_evidence)
_PLANNED_RULES: tuple[_Rule, ...] = (_conditional, _planned_on_trigger, _planned_above, _threat)


def event_status(tok: Token, span_toks: list[Token], etype: str) -> EventStatus:
    """negated / planned / occurred from negation, modality and governing words."""
    trigger = _Trigger(tok, span_toks, etype, _path(tok))
    if any(rule(trigger) for rule in _NEGATED_RULES):
        return EventStatus.NEGATED
    if any(rule(trigger) for rule in _PLANNED_RULES):
        return EventStatus.PLANNED
    return EventStatus.OCCURRED
