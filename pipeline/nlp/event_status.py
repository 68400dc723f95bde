"""Event status: whether a trigger reports an event that occurred, is planned, or is negated.

`event_status(tok, span_toks, etype)` reads the trigger's own modifiers and the words governing
it (its path up the parse to the clause verb): negation, refusal and failure (`declined to`,
`failed to materialize`) make it negated (but not a negated attitude: `do not support the
strike`); a past participle after the trigger noun (`the tariffs imposed in May`) then makes it
occurred; condition, modality, intention, demands (`called on X to`), dating ahead (`next
year's election`), goals and tasks (`the task of striking a deal`), attempts (`tried to`),
advocacy (`in favor of`), likelihood, schedules, unattained predicates (`remains elusive`),
free-choice `any`, planned-head nouns, a gerund subject of a simple
present (`lifting sanctions is a condition`), commands (`go out and vote`) and threats (unless
received) make it planned; otherwise it occurred. The rules are predicates tried in order, all
negation rules before the planned ones.

What the climb up the parse passes through, and where it stops (the status above is then not
the event's):
- it passes through non-finite clauses (infinitives, gerund subjects active or passive,
  `permit X to send aid`), which have no tense of their own;
- it stops at a clause that states its event as fact (tensed, own subject, no modal, no
  `if`/`while`; a temporal clause under a future, `once it has been signed`, is no fact):
  `could face charges after he attacked`, `announced that he was convicted`; a conjunct with
  a tensed auxiliary of its own (`would not pay and was negotiating`) is such a clause;
- it stops at an apposition, at a reduced relative clause (`a policy favoring sanctions`), at
  an event used as a time anchor (`after`, `since`, `amid`, `within weeks of`), at the topic
  of speech (`about the attack`, `comment on the inquiry`) and at results (`the results of the
  inquiry`).
`announce` plans its object unless the object is definite (`announced the arrests` reports
arrests made; `announced new talks` announces talks to come). A modal above the trigger's own
clause verb plans the trigger only if it is a passive or light-verb subject, or an indefinite
one (`storms will sweep in`; `the attack will lead to sanctions` keeps the attack a fact). A
scheduling verb (`set`, `expect`) plans its subject only in the passive (`are set to`), not as
an active agent (`the deal sets up a review`).
Ordinals (`the third hearing`) count occurrences and plan nothing; negation of `be` with a
place phrase (`was not at the meeting`) is about the subject, not the event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Token

from pipeline.nlp import lexicons as lx

# Not re-exported by `lexicons` (whose __init__ is outside this change): imported directly.
from pipeline.nlp.lexicons.status import (
    ADVOCACY_NOUNS,
    ANCHOR_PREPS,
    ATTITUDE_VERBS,
    CALL_PREPS,
    CALL_VERBS,
    COMMENT_VERBS,
    CONATIVE_VERBS,
    FAILURE_VERBS,
    LIKELY_ADVERBS,
    PROSPECTIVE_PARTICIPLES,
    UNATTAINED,
)
from pipeline.records import EventStatus

# An event named as the topic of something else keeps its own status: `did not comment
# about the attack`, `offered no scenario for the origin of the fire` (see lx.TOPIC_NOUNS).
TOPIC_PREPS = {"about", "regarding", "concerning"}


def _stated_by_participle(t: _Trigger) -> bool:
    """`the tariffs imposed in May`, `the deal announced on Monday`: a past participle after
    the noun is a reduced passive relative clause (`the tariffs that were imposed`) and states
    the event as done, whatever governs the noun (`wants relief from the tariffs imposed in May`).
    Participles of intention or expectation (`the tariffs planned for May`) are not."""
    return any(
        c.dep_ == "acl"
        and c.tag_ == "VBN"
        and c.i > w.i
        and c.lemma_.lower() not in PROSPECTIVE_PARTICIPLES
        and not any(g.dep_ in ("aux", "auxpass") for g in c.children)
        and w.dep_ != "dobj"
        for w in t.span_toks
        for c in w.children
    )


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
        if cur.dep_ in ("advcl", "relcl", "conj", "acl", "ccomp") and _states_fact(cur):
            # `was arrested after he fled` / `could face charges after he attacked`; reported
            # speech: `the court announced (that) he was convicted` is the embedded clause's
            # own tense, not the modality of `announced`.
            break
        if cur.dep_ == "appos":
            break  # an apposition describes a participant as background fact
        head = cur.head
        if cur.dep_ == "pobj" and (
            head.lower_ in TOPIC_PREPS
            or (head.lower_ == "of" and head.head.lemma_.lower() in lx.TOPIC_NOUNS)
            or (head.lower_ == "on" and head.head.lemma_.lower() in COMMENT_VERBS)
        ):
            break  # `could not comment on the investigation`: the topic of speech
        if cur.dep_ in ("pobj", "pcomp") and head.lower_ in ANCHOR_PREPS:
            break  # `will meet after the attack`: an event used as a time anchor is presupposed
        out.append((head, cur.dep_))
        cur = head
        if (
            cur.pos_ in ("VERB", "AUX")
            and cur.dep_ not in _CLIMB_DEPS
            and not (cur.dep_ == "ccomp" and _infinitive(cur))
        ):
            break  # a finite clause has its own tense; a to-infinitive takes the status above
        if cur.dep_ == "acl" and cur.tag_ == "VBG":
            # `pursued a policy favoring sanctions`: a present participle after a noun is a
            # reduced relative clause (`a policy that favors sanctions`), stated as fact.
            break
    return out


# Non-finite clauses (and clausal subjects: `imposing sanctions would be a mistake`) have no
# tense of their own: the climb goes on to the verb they depend on.
_CLIMB_DEPS = ("xcomp", "pcomp", "acl", "advcl", "csubj", "csubjpass")


def _infinitive(verb: Token) -> bool:
    """A to-infinitive (`permit the charity to send aid`): no tense of its own."""
    return verb.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def _states_fact(verb: Token) -> bool:
    """A clause that states its event on its own: a tensed verb (or tensed auxiliary), with
    a subject, no modal, no `if`/`unless`/`while` (`_OPEN_MARKS`) and not a temporal clause
    under a future (`_TEMPORAL_MARKS`). The modality of the clause it hangs from (`could face
    charges after he attacked`) is not its own."""
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    kids = list(verb.children)
    # A conjunct shares its subject with the first verb, but with a tensed auxiliary of its own
    # (`would not pay and was negotiating a loan`) it has its own tense and modality.
    own_aux = verb.dep_ == "conj" and any(c.dep_ in ("aux", "auxpass") and c.tag_ != "MD" for c in kids)
    if not own_aux and not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in kids):
        return False
    if any(c.tag_ == "MD" or (c.dep_ == "mark" and c.lower_ in _OPEN_MARKS) for c in kids):
        return False
    if any(c.dep_ == "mark" and c.lower_ in _TEMPORAL_MARKS for c in kids) and _future(verb.head):
        return False  # `will visit once the treaty has been ratified`
    tensed = ("VBD", "VBZ", "VBP")
    return verb.tag_ in tensed or any(c.dep_ in ("aux", "auxpass") and c.tag_ in tensed for c in kids)


# Subordinators of clauses that share the modality of the clause above: condition, purpose,
# simultaneity with a wish (`would like ... while the US maintains tariffs`).
_OPEN_MARKS = frozenset({"if", "unless", "while", "until", "so", "whether"})
# English puts a temporal clause about the future in the present or perfect tense (`when he
# arrives`, `once the deal has been signed`): under a future main clause it is not a fact.
_TEMPORAL_MARKS = frozenset({"when", "once", "before", "after", "as"})
_FUTURE_AUX = frozenset({"will", "shall", "'ll"})


def _future(verb: Token) -> bool:
    """A clause in the future tense (`will meet`, `'ll be able to`)."""
    return any(c.dep_ == "aux" and c.lower_ in _FUTURE_AUX for c in verb.children)


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
    """`no talks`, `talks did not`, `a deal that collapsed`, `no extradition request`.

    A relative clause negates its noun only when the negating verb is used without a
    complement: `a deal that collapsed` failed, but in `an agreement that fails to protect X`
    (or `talks with rebels who refused to disarm`) what fails is the complement.
    """
    for w in _nominal_words(t):
        for c in w.children:
            if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no"):
                return True
            if (
                c.dep_ == "relcl"
                and (c.lemma_.lower() in lx.NEGATING_VERBS or c.lemma_.lower() in FAILURE_VERBS)
                and not any(g.dep_ in _COMPLEMENTS and g.tag_ not in _RELATIVE_TAGS for g in c.children)
            ):
                return True
    return False


# Relative pronouns stand for the noun itself: `a deal that they rejected` (`that` = the deal).
_RELATIVE_TAGS = frozenset({"WDT", "WP"})


# Adjunct relations: a phrase or clause beside a predicate (`with protests spreading, the army
# is likely to intervene`) does not share the predicate's likelihood.
_ADJUNCTS = frozenset({"advcl", "prep", "npadvmod", "advmod"})
# Dependents that complete a verb: with one of them, a negating verb is about that complement.
_COMPLEMENTS = frozenset({"dobj", "xcomp", "ccomp"})


def _nominal_words(t: _Trigger) -> list[Token]:
    """The trigger's words plus the noun it is a compound modifier of: in `no extradition
    request` the determiner that negates the event sits on `request`."""
    out = list(t.span_toks)
    if t.tok.dep_ == "compound" and t.tok.head.pos_ in ("NOUN", "PROPN"):
        out.append(t.tok.head)
    return out


def _negated_above(t: _Trigger) -> bool:
    """A negated first verb above the trigger, `without`, a failure noun or verb, `rule out`."""
    first_verb = True
    for anc, via in t.path:
        low = anc.lemma_.lower()
        subject = via in ("nsubj", "nsubjpass", "csubj")
        copula = low in lx.INCHOATIVE or via == "nsubjpass"  # `tornadoes were not (seen)`
        # `the minister was not at the meeting`: a negated `be` with a place phrase says where
        # its subject was not; the event in that phrase still happened. A negated attitude
        # (`voters do not support the strike`) says nothing of whether its object took place.
        located = low == "be" and via == "prep"
        if (
            anc.pos_ in ("VERB", "AUX")
            and (not subject or copula)
            and first_verb
            and not located
            and low not in ATTITUDE_VERBS
            and any(c.dep_ == "neg" for c in anc.children)
        ):
            return True
        if low == "without" or (anc.pos_ == "NOUN" and low in lx.NEGATED_HEAD_NOUNS):
            return True
        # The passive subject is the verb's object: `talks were suspended` = `suspended talks`.
        if anc.pos_ == "VERB" and low in lx.NEGATING_VERBS and via in ("dobj", "xcomp", "ccomp", "nsubjpass"):
            return True
        # `the talks collapsed`, `the bid faltered`: an event that is the subject of an
        # intransitive verb of failure did not come about (with a complement, `the talks failed
        # to produce a deal`, the failure is the complement's).
        if anc.pos_ == "VERB" and via == "nsubj" and low in FAILURE_VERBS and _failed_itself(anc):
            return True
        if low == "rule" and any(c.lower_ == "out" for c in anc.children):
            return True
        if anc.pos_ in ("VERB", "AUX"):
            first_verb = False
    return False


def _failed_itself(verb: Token) -> bool:
    """A failure verb says its subject did not come about when it has no complement (`the talks
    collapsed`) or when its complement is a verb of occurrence (`the storms failed to
    materialize`, `the vote failed to take place`), which adds nothing but the event itself."""
    comps = [c for c in verb.children if c.dep_ in _COMPLEMENTS]
    return all(c.dep_ == "xcomp" and c.lemma_.lower() in lx.INCHOATIVE for c in comps)


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
    """`possible talks`, `will meet`, `any deal`.

    `any` as a noun's determiner picks no particular event (free choice: `any treaty requires
    approval`, `a precondition for any truce`); under negation (`did not reach any deal`)
    the negated rules have already decided.
    """
    for w in t.span_toks:
        for c in w.children:
            if c.lower_ in lx.PLANNED_MODIFIERS and c.i < w.i and not _ordinal(c):
                return True
            if w.pos_ == "VERB" and c.dep_ == "aux" and c.lower_ in lx.MODALS:
                return True
    if any(_future_possessor(c) for w in t.span_toks for c in w.children):
        return True
    return any(c.dep_ == "det" and c.lower_ == "any" for w in _nominal_words(t) for c in w.children)


# Time words that, after `next` or `coming`, name a period ahead: `next year's election`.
_TIME_NOUNS = frozenset(
    {"day", "week", "weekend", "month", "year", "season", "spring", "summer", "autumn", "fall", "winter"}
)


def _future_possessor(c: Token) -> bool:
    """`next year's election`, `next week's summit`: an event dated by a possessive time phrase
    that points ahead (`next`, `coming`) is still to come."""
    return (
        c.dep_ == "poss"
        and c.lemma_.lower() in _TIME_NOUNS
        and any(g.lower_ in ("next", "coming") for g in c.children)
    )


def _past(verb: Token) -> bool:
    """A verb in the past tense, by itself or by its auxiliaries (`attacked`, `was seen`)."""
    return verb.tag_ == "VBD" or any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in verb.children)


def _ordinal(tok: Token) -> bool:
    return tok.lower_ in _ORDINALS or tok.ent_type_ == "ORDINAL"


def _planned_above(t: _Trigger) -> bool:
    """Modality, intention, likelihood or a schedule in the words governing the trigger."""
    for anc, via in t.path:
        low = anc.lemma_.lower()
        subject = via in ("nsubj", "nsubjpass", "csubj", "csubjpass")
        modal_ok = not subject or via in ("nsubjpass", "csubjpass") or low in lx.INCHOATIVE
        new_subject = via == "nsubj" and _indefinite(t.tok, anc)  # `storms will sweep in`
        if anc.pos_ in ("VERB", "AUX") and (modal_ok or new_subject):
            if any(c.dep_ == "aux" and c.lower_ in lx.MODALS for c in anc.children):
                return True
            if (
                low in lx.PLANNED_VERBS
                and via in ("dobj", "xcomp", "ccomp", "pobj", "prep")
                and not _announced_known(anc, via, t)
            ):
                return True
            if low in CALL_VERBS and via in ("xcomp", "advcl", "ccomp") and _call_for(anc, t):
                # `called on parliament to vote`, `called for supporters to gather`: the clause a
                # demand asks for is not done (a bare object, `called for a strike`, is left to
                # the other rules: it often names a strike that then took place).
                return True
        if (
            anc.pos_ in ("VERB", "AUX")
            and via not in _ADJUNCTS
            and any(c.dep_ in ("acomp", "oprd") and c.lemma_.lower() in lx.LIKELY for c in anc.children)
        ):
            return True  # `tornadoes are possible`, `a strike is likely`; not a clause beside it
        if (
            anc.pos_ in ("VERB", "AUX")
            and modal_ok
            and not _past(anc)
            and any(c.dep_ == "advmod" and c.lower_ in LIKELY_ADVERBS for c in anc.children)
        ):
            return True  # `talks are likely resuming`; `was probably carried out` is past
        if anc.pos_ in ("VERB", "AUX") and subject and low in lx.SCHEDULED and not _active_finite(anc):
            # `the tariffs are set to take effect`, `talks are expected`; an active finite verb
            # has its subject as agent (`the deal sets up a reduction`), which schedules nothing.
            return True
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
        if low == "for" and anc.head.lemma_.lower() in ADVOCACY_NOUNS:
            return True
        if anc.pos_ == "NOUN" and low in ADVOCACY_NOUNS and via == "acl":
            return True  # `under pressure to back the bill`, `calls to resign`: the act urged
        if low == "of" and anc.head.lemma_.lower() in ("favor", "favour") and anc.head.head.lower_ == "in":
            return True  # `in favor of sanctions` = `support for sanctions`: advocated, not done
        if anc.pos_ in ("VERB", "AUX") and low in CONATIVE_VERBS and via == "xcomp":
            return True  # `tried to hold talks`: an attempt does not say the event came about
        if anc.pos_ in ("VERB", "AUX") and via == "nsubj" and _unattained(anc):
            return True  # `a deal remains elusive`, `a deal is out of reach`
        if anc.lower_ == "going" and any(c.dep_ == "xcomp" for c in anc.children):
            return True
    return False


def _announced_known(verb: Token, via: str, t: _Trigger) -> bool:
    """`announced the arrests`, `announced its deal`: a definite object of `announce` presupposes
    that its event exists (a definite description refers to something known), so announcing it
    reports it; `announced new talks` (indefinite) announces something to come."""
    if verb.lemma_.lower() != "announce" or via != "dobj":
        return False
    return _definite(_object_of(verb, t))


def _object_of(verb: Token, t: _Trigger) -> Token:
    """The word on the trigger's path just below `verb` (the trigger itself or an ancestor)."""
    chain = [t.tok, *(a for a, _ in t.path)]
    return chain[chain.index(verb) - 1]


def _definite(noun: Token) -> bool:
    """A noun with a definite determiner or a possessor (`the arrests`, `its deal`, `this deal`)."""
    return any(
        (c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these", "those")) or c.dep_ == "poss"
        for c in noun.children
    )


def _call_for(verb: Token, t: _Trigger) -> bool:
    """`call on X to`, `appeal for X to`: the verb has the preposition that makes it a demand,
    or the clause below it opens with `for` (`called for supporters to gather`, which the parser
    reads as a `for ... to` clause)."""
    if any(c.dep_ in ("prep", "prt") and c.lower_ in CALL_PREPS for c in verb.children):
        return True
    below = _object_of(verb, t)
    return any(c.dep_ == "mark" and c.lower_ in CALL_PREPS for c in below.children)


def _indefinite(noun: Token, verb: Token) -> bool:
    """The trigger is itself the (indefinite) subject of `verb`: `a strike could hit the port`,
    `storms will sweep in`. An indefinite subject introduces a new referent, so under a modal the
    event is only expected; a definite one (`the attack will lead to sanctions`) is known."""
    if noun.dep_ != "nsubj" or noun.head.i != verb.i:
        return False
    kids = list(noun.children)
    if any(c.dep_ in ("poss",) or (c.dep_ == "det" and c.lower_ not in ("a", "an")) for c in kids):
        return False
    return noun.tag_ == "NNS" or any(c.dep_ == "det" for c in kids)


def _active_finite(verb: Token) -> bool:
    """A finite verb in the active voice (`sets`, `planned`), not a passive or adjectival
    participle (`is set to`, `are expected`)."""
    return verb.tag_ in ("VBZ", "VBP", "VBD") and not any(c.dep_ == "auxpass" for c in verb.children)


def _unattained(verb: Token) -> bool:
    """A predicate saying its subject has not been reached (yet): `remains elusive`, `is out
    of reach`."""
    for c in verb.children:
        if c.dep_ in ("acomp", "oprd") and c.lemma_.lower() in UNATTAINED:
            return True
        if (
            c.dep_ == "prep"
            and c.lower_ == "out"
            and any(g.lower_ == "of" and any(p.lower_ == "reach" for p in g.children) for g in c.children)
        ):
            return True
    return False


def _gerund_subject(t: _Trigger) -> bool:
    """`removing tariffs is a condition for a deal`, `holding talks requires trust`.

    A gerund used as the subject of a verb in the simple present names an action in general
    (a requirement, an option, an evaluation), not an event reported as done; in the past or
    perfect (`imposing tariffs hurt farmers`, `has hurt`) it is one. The parser sometimes
    attaches such a gerund as an adverbial clause of a verb that then has no subject of its own
    (`that rolling back tariffs requires concessions`): that is counted too.
    """
    # The word each step of the path was reached from: the trigger, then each ancestor but the last.
    children = [t.tok, *(a for a, _ in t.path)][: len(t.path)]
    for child, (anc, via) in zip(children, t.path, strict=True):
        if child.tag_ != "VBG" or anc.pos_ not in ("VERB", "AUX"):
            continue
        kids = list(anc.children)
        subjectless = not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in kids)
        if not (via == "csubj" or (via == "advcl" and child.i < anc.i and subjectless)):
            continue
        if anc.tag_ in ("VBZ", "VBP") and not any(c.dep_ in ("aux", "auxpass") for c in kids):
            return True
    return False


def _imperative(t: _Trigger) -> bool:
    """`go out and vote on Tuesday`: a command asks for an event, it does not report one.

    The clause verb (the trigger or the first verb above it, through coordination to the
    first conjunct) is in the base form with no auxiliary (`to`, a modal, `do`) and no subject,
    or with a noun set off by a comma as subject: a noun subject takes the present form
    (`VBZ`, `VBP`), so a base form after `noun,` marks that noun as a vocative (`John, come
    here`, `friends, go and vote`) that the parser took for the subject.
    """
    verbs = [w for w in (t.tok, *(a for a, _ in t.path)) if w.pos_ in ("VERB", "AUX")]
    if not verbs:
        return False
    verb = verbs[0]
    while verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        verb = verb.head
    if verb.tag_ != "VB" or verb.dep_ not in ("ROOT", "ccomp", "parataxis"):
        return False
    kids = list(verb.children)
    if any(c.dep_ in ("aux", "auxpass", "mark") for c in kids):
        return False
    doc = verb.doc
    for c in kids:
        if c.dep_ in ("nsubj", "nsubjpass", "expl"):
            vocative = (
                c.tag_ in ("NN", "NNS", "NNP", "NNPS") and c.i + 1 < len(doc) and doc[c.i + 1].text == ","
            )
            if not vocative:
                return False
    return True


def _threat(t: _Trigger) -> bool:
    """A threat is of something not (yet) done; but threats someone has received (`she received
    threats`) were made: the object of a past verb of receiving is reported as a fact."""
    received = (
        t.tok.dep_ in ("dobj", "nsubjpass")
        and t.tok.head.lemma_.lower() in _RECEIVE_VERBS
        and _past(t.tok.head)
    )
    return t.etype == "threat" and not received


_RECEIVE_VERBS = frozenset({"receive", "get"})


_Rule = Callable[[_Trigger], bool]
# Tried in this order; the first rule that holds decides.
_NEGATED_RULES: tuple[_Rule, ...] = (_negated_on_trigger, _negated_above, _negated_evidence)
_PLANNED_RULES: tuple[_Rule, ...] = (
    _conditional,
    _planned_on_trigger,
    _planned_above,
    _gerund_subject,
    _imperative,
    _threat,
)


def event_status(tok: Token, span_toks: list[Token], etype: str) -> EventStatus:
    """negated / planned / occurred from negation, modality and governing words."""
    trigger = _Trigger(tok, span_toks, etype, _path(tok))
    if any(rule(trigger) for rule in _NEGATED_RULES):
        return EventStatus.NEGATED
    if _stated_by_participle(trigger):
        return EventStatus.OCCURRED
    if any(rule(trigger) for rule in _PLANNED_RULES):
        return EventStatus.PLANNED
    return EventStatus.OCCURRED
