"""Sense checks for event triggers: which reading of an ambiguous word the parse supports.

Each function takes a spaCy token of a trigger candidate and answers one yes/no question
about its sentence's dependency parse, for `pipeline.nlp.events._rule_verdict` (and the
trigger retyping in `events._single_triggers`): is the accuser an authority, is the victim
an animal, is the capitalised word part of a title, is the event only a time reference,
does the verb have a human or armed agent... Every check states its linguistic reason;
none holds a word taken from an evaluated article. Pure functions of the parse: no state,
no I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace

from spacy.tokens import Doc, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.event_actors import is_person
from pipeline.nlp.features import Candidate
from pipeline.nlp.lexicons.triggers import COURTS

# Verbs of FrameNet's Notification_of_charges that are as often everyday accusations.
ACCUSING = frozenset({"accuse"})
# Subjects whose accusation is a charge: bodies that enforce the law.
AUTHORITIES = frozenset(
    {"prosecutor", "police", "attorney", "authority", "government", "ministry", "department", "investigator"}
    | {"regulator", "agency", "office", "official", "state", "commission", "inspector", "officer"}
)
# What a signature makes law (`signed the bill`).
LAW_NOUNS = frozenset({"bill", "law", "legislation", "budget", "act", "measure", "amendment"})
# Words that end the names of laws, treaties and meetings: such a name is the event's.
NAMED_ACTS = frozenset(
    {"bill", "act", "law", "treaty", "agreement", "accord", "accords", "convention", "pact", "summit"}
)
# Nouns of deciding that are a court ruling (FrameNet Legal_rulings) when a court makes them.
RULING_NOUNS = frozenset({"decision", "order", "judgment", "judgement"})
# Nouns of places that a trigger noun can name by their use (`detention center`).
PLACE_HEADS = lx.triggers.BUILDINGS | frozenset({"center", "centre", "facility", "camp", "site", "office"})


def private_accuser(tok: Token) -> bool:
    """An accusing verb whose named subject is not an authority: FrameNet's
    Notification_of_charges is a legal action when the law accuses (prosecutors, police,
    a court, a government); anyone else's accusation is a claim. A passive or subjectless
    `was accused of` stays."""
    subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    if subj is None and tok.dep_ in ("advcl", "xcomp", "conj"):  # `..., accusing X of`
        subj = next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
    if subj is None:  # `was accused by critics of ...`: the passive's agent accuses
        agents = (g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj")
        subj = next(agents, None)
    if subj is None:
        return False
    low = subj.lemma_.lower()
    return not (low in AUTHORITIES or low in COURTS or subj.ent_type_ in ("GPE", "NORP"))


def signs_a_law(verb: Token) -> bool:
    """`sign` whose object is a bill, law or budget: signing it into law ends a vote."""
    objs = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    return any(o.lemma_.lower() in LAW_NOUNS for o in objs)


def by_a_court(noun: Token) -> bool:
    """A decision or order whose maker is a court or judge: its possessor or compound
    (`the court's decision`, `the Supreme Court decision`) or the object of `by`/`from`."""
    makers = [c for c in noun.children if c.dep_ in ("poss", "compound", "nmod")]
    makers += [
        g
        for c in noun.children
        if c.dep_ == "prep" and c.lower_ in ("by", "from", "of")
        for g in c.children
        if g.dep_ == "pobj"
    ]
    return any(m.lemma_.lower() in COURTS or m.lower_ in COURTS for m in makers)


def in_a_title(tok: Token) -> bool:
    """A capitalised trigger inside a title-cased name, not at the start of its sentence:
    `Attack on Titan`, `The Forum`, `the annual Fan Vote` (a capitalised name before it, or
    one after it, possibly past one lower-case function word). Headlines in capitals and
    sentence-initial words are left alone."""
    if tok.pos_ != "PROPN" or not tok.text[:1].isupper() or tok.text.isupper() or tok.i == 0:
        return False
    if tok.lower_ in NAMED_ACTS:
        return False  # `the Employment Rights Bill`, `the Paris Agreement`: the named act itself
    doc = tok.doc
    before = doc[tok.i - 1]
    if before.text[:1].isupper() and before.pos_ in ("PROPN", "DET", "ADJ"):
        return True  # `The Forum`, `Fan Vote`
    for k in (tok.i + 1, tok.i + 2):  # `Trials Rising`, `Attack on Titan`
        if k >= len(doc):
            return False
        nxt = doc[k]
        if nxt.pos_ == "PROPN" and nxt.text[:1].isupper():
            return True
        if not (nxt.is_lower and nxt.pos_ in ("ADP", "DET", "CCONJ")):
            return False
    return False


def figurative_target(tok: Token) -> bool:
    """An attack word whose object is a social ill or an idea (`combat addiction`, `fight
    against corruption`, `attacked each other's policies`), or an attack verb with a
    to-infinitive (`battle to catch up`): a figurative fight, criticism or striving."""
    objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    preps = [c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("against", "on")]
    objs += [g for c in preps for g in c.children if g.dep_ == "pobj"]
    if tok.pos_ == "VERB" and any(c.dep_ == "xcomp" for c in tok.children):
        return True  # `battle to catch up`, `fight to keep the seat`: striving, not fighting
    return any(o.lemma_.lower() in lx.FIGURATIVE_TARGETS or o.lower_ in lx.FIGURATIVE_TARGETS for o in objs)


def threatened(verb: Token) -> bool:
    """An attack verb that is what someone threatens (`threatening to assault and murder an
    official`): the threat is the event, the attack has not happened."""
    cur = verb
    while cur.dep_ == "conj" and cur.head.i != cur.i:
        cur = cur.head
    return cur.dep_ == "xcomp" and cur.head.lemma_.lower() == "threaten"


def animal_victim(verb: Token) -> bool:
    """An attack verb whose victim is an animal (WordNet's animal class): hunting or
    slaughter. The object of a conjoined verb counts (`killed and ate a rabbit`)."""
    holders = [verb] + [c for c in verb.children if c.dep_ == "conj"]
    objs = [c for h in holders for c in h.children if c.dep_ in ("dobj", "nsubjpass")]
    return bool(objs) and all(o.lemma_.lower() in lx.ANIMALS and not is_person(o) for o in objs)


def thing_subject(verb: Token) -> bool:
    """The verb's subject (a relative pronoun's antecedent) is named and is neither a person
    nor a weapon or force: a disease, a storm, a price. Attacks are carried out by people."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subj is not None and subj.lower_ in ("that", "which") and verb.dep_ == "relcl":
        subj = verb.head
    if subj is None or is_person(subj) or subj.pos_ == "PROPN" or subj.ent_type_ in ("ORG", "GPE"):
        return False
    low = subj.lemma_.lower()
    return low not in lx.WEAPON_NOUNS and low not in lx.AMMUNITION_NOUNS


def names_a_person(noun: Token) -> bool:
    """A noun trigger with a person among its possessor, compound, `of`/`as`/`by` objects or
    apposition (`Smith's appointment`, `the appointment of Smith`), or the subject or object
    of the verb it depends on (`Smith announced his resignation`)."""
    near = [c for c in noun.children if c.dep_ in ("poss", "compound", "appos")]
    preps = [c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("of", "as", "by")]
    near += [g for c in preps for g in c.children]
    if noun.head.pos_ in ("VERB", "AUX"):
        near += [c for c in noun.head.children if c.dep_ in ("nsubj", "nsubjpass", "dobj") and c.i != noun.i]
    return any(is_person(t) or t.ent_type_ == "ORG" for t in near)


def releases_a_thing(tok: Token) -> bool:
    """A release whose released party is named and is not a person (`released the footage`,
    `the release of a new phone`); with no party named the trigger stays."""
    if tok.pos_ == "VERB":
        freed = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    else:
        freed = [
            g
            for c in tok.children
            if c.dep_ == "prep" and c.lower_ == "of"
            for g in c.children
            if g.dep_ == "pobj"
        ]
    return bool(freed) and not any(is_person(f) for f in freed)


def time_anchor(noun: Token) -> bool:
    """An election named as a time (`during the election`, `on the night of the election`):
    it dates what the sentence reports."""
    head = noun.head
    if head.lower_ in ("during", "before", "after", "until", "since") and noun.dep_ == "pobj":
        return True
    return head.lower_ == "of" and head.head.lower_ in ("night", "day", "eve", "week", "run-up", "time")


def background(tok: Token) -> bool:
    """Events named only by a date: `the 2014 annexation`, `since the invasion`, `years after`."""
    if tok.dep_ not in ("dobj", "nsubj", "nsubjpass", "ROOT"):
        for c in tok.children:
            if c.dep_ in ("nummod", "compound", "amod", "poss", "nmod") and re.fullmatch(
                r"(1[89]|20)\d\d|9/11|(1[89]|20)\d\d['’]s", c.text
            ):
                return True  # a year names a past event: `the 2014 annexation`
    cur = tok
    for _ in range(4):
        if cur.head.i == cur.i:
            break
        head = cur.head
        if head.lower_ == "since" and cur.dep_ in ("pobj", "pcomp"):
            return True
        if head.lower_ == "after" and any(t.lower_ in ("years", "decades") for t in head.lefts):
            return True
        if cur.dep_ == "advcl" and any(
            c.lower_ == "after" and any(t.lower_ in ("years", "decades") for t in c.lefts)
            for c in cur.children
        ):
            return True
        if head.pos_ == "VERB":
            break
        cur = head
    return False


def has_agent(verb: Token) -> bool:
    """A verb trigger with a person/organisation/state subject (or inherited one)."""
    cur = verb
    subjects: tuple[str, ...] = ("nsubj",)
    for _ in range(3):
        for c in cur.children:
            if c.dep_ in subjects:
                return (
                    c.pos_ in ("PRON", "PROPN")
                    or bool(c.ent_type_)
                    or (c.lemma_.lower() in lx.GROUP_NOUNS | lx.ORG_NOUNS)
                    or is_person(c)
                )
        if cur.dep_ not in ("xcomp", "conj", "advcl", "pcomp") or cur.head.i == cur.i:
            return False
        cur = cur.head
        if cur.dep_ == "prep" and cur.head.i != cur.i:  # `pleaded guilty to threatening`
            cur = cur.head
            # `was charged with threatening`: the passive's subject did the threatening
            subjects = ("nsubj", "nsubjpass")
    return False


def gunfire(tok: Token) -> bool:
    """`fire` as shooting: ammunition as object, a target after at/on, or `machine gun fire`."""
    kids = list(tok.children)
    if tok.pos_ == "VERB":
        return any(c.dep_ == "dobj" and c.lemma_.lower() in lx.AMMUNITION_NOUNS for c in kids) or any(
            c.dep_ == "prep" and c.lower_ in ("at", "on", "upon", "into") and _target(c) for c in kids
        )
    if tok.pos_ == "NOUN":
        return any(
            c.dep_ in ("compound", "amod", "nmod") and c.lemma_.lower() in lx.FIRE_MODIFIERS for c in kids
        ) or (tok.head.lower_ == "under" and _armed_source(tok))
    return False


def _armed_source(fire: Token) -> bool:
    """`came under fire from a tank` (shooting), not `from critics` (criticism)."""
    for holder in (fire, fire.head.head):
        for c in holder.children:
            if c.dep_ == "prep" and c.lower_ == "from":
                for g in c.children:
                    if g.dep_ == "pobj" and (
                        g.lemma_.lower() in lx.ARMED_NOUNS
                        or any(m.lemma_.lower() in lx.ARMED_NOUNS for m in g.children if m.dep_ == "compound")
                    ):
                        return True
    return False


def _target(prep: Token) -> bool:
    """`fired on the crowd`, not `fired on Monday`."""
    objs = [g for g in prep.children if g.dep_ == "pobj"]
    return bool(objs) and all(g.ent_type_ not in ("DATE", "TIME") for g in objs)


def weapon_subject(verb: Token) -> bool:
    """`a drone killed a civilian`: a weapon or armed force as the subject is an attacker."""
    return any(c.dep_ == "nsubj" and c.lemma_.lower() in lx.WEAPON_NOUNS for c in verb.children)


def modifies_a_noun(tok: Token) -> bool:
    """A noun modifying another noun (`aid groups`, `the humanitarian aid system`, `storm
    fuel`, `flood watches`): the phrase names a body, a system or a thing, not the event."""
    return tok.dep_ in ("compound", "nmod") and tok.head.pos_ in ("NOUN", "PROPN") and tok.head.i > tok.i


# Verbs and nouns of stopping another's aid: blocked aid is a sanction (CAMEO 16), not aid
# given. Suspending or withholding one's own aid stays aid that did not happen.
BLOCKING = frozenset({"block", "halt", "blockade", "obstruct"})


def retyped(cand: Candidate, doc: Doc) -> Candidate:
    """An aid candidate governed by a word of blocking (`block aid from entering`, `the
    blockade on aid`) names a sanction: CAMEO files stopping aid under 16."""
    if cand.etype != "aid":
        return cand
    head = doc[cand.end - 1].head
    if head.lemma_.lower() == "on" or head.dep_ == "prep":  # `blockade on aid`
        head = head.head
    if head.lemma_.lower() not in BLOCKING:
        return cand
    return replace(cand, etype="sanction", cameo="162")
