"""Syntax of reporting constructions: cue lemmas, sources and content spans read off a parse.

Pure functions over spaCy tokens (no document state): which lemma a token cues
(``cue_of``), its grammatical source (``subject_of``), and the token spans that can hold what
was said (complement, passive, object and right-hand content). ``pipeline.nlp.claims``
combines them with quote spans and the speaker resolver.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from pipeline.nlp import lexicons as lx

COMPLEMENT_DEPS = {"ccomp", "xcomp"}


TRIM_CHARS = " \t\n,;:.—–-"


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding punctuation, `that`, and dangling quote marks."""
    while start < end and text[start] in TRIM_CHARS:
        start += 1
    while end > start and text[end - 1] in TRIM_CHARS:
        end -= 1
    m = re.match(r"(?:that|whether|if)\s+", text[start:end], re.I)
    if m and end - start > m.end() + 3:
        start += m.end()
    return start, end


def is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def cue_of(tok: Token) -> str | None:
    """Reporting-cue lemma for a verb token (phrasal verbs keep their particle)."""
    if (
        tok.pos_ not in ("VERB", "AUX")
        and not tok.tag_.startswith("VB")
        and tok.lower_ not in ("says", "said", "warns", "claims")
    ):
        return None
    lemma = tok.lemma_.lower()
    particles = {c.lower_ for c in tok.children if c.dep_ in ("prt", "prep")}
    if lemma in lx.PHRASAL_VERBS:
        hit = lx.PHRASAL_VERBS[lemma] & particles
        if hit:
            return f"{lemma} {sorted(hit)[0]}"
    if lemma in lx.SPEECH_VERBS or lemma in lx.OBJECT_VERBS or lemma in lx.PASSIVE_ONLY_VERBS:
        return lemma
    return None


def subject_of(verb: Token) -> tuple[Token | None, bool]:
    """The verb's source token and whether the verb is passive; climbs conj/advcl/xcomp."""
    tok: Token | None = verb
    hops = 0
    while tok is not None and hops < 4:
        passive = is_passive(tok)
        if (
            passive
            and hops
            and tok.dep_ in ("ccomp", "conj", "advcl")
            and not any(c.dep_ == "agent" for c in tok.children)
        ):
            tok = tok.head  # participle misattached to a passive clause: use the matrix subject
            hops += 1
            continue
        if passive:
            for c in tok.children:
                if c.dep_ == "agent":
                    pobj = [g for g in c.children if g.dep_ == "pobj"]
                    if pobj:
                        return pobj[0], True
            return None, True
        subjects = [c for c in tok.children if c.dep_ == "nsubj"]
        if len(subjects) > 1:
            # a clause has one subject: two are a misparse of a pre-modified name (`Wikileaks
            # editor-in-chief Kristinn Hrafnsson said`), whose head is the one nearest the verb
            before = [c for c in subjects if c.i < tok.i]
            return (before[-1] if before else subjects[0]), False
        if subjects:
            return subjects[0], False
        for c in tok.children:  # misparse `Chief ... has (aux) warned`: subject on the aux
            if c.dep_ == "aux":
                subj = next((g for g in c.children if g.dep_ == "nsubj"), None)
                if subj is not None:
                    return subj, False
        if tok.dep_ == "pcomp" and tok.head.head.i != tok.head.i:
            tok = tok.head.head  # `said before pointing out that`: the matrix verb's subject
            hops += 1
            continue
        if tok.dep_ in ("conj", "advcl", "xcomp") and tok.head.i != tok.i:
            tok = tok.head
            hops += 1
            # `X said [the PM had accepted ...], adding ...`: a participle misattached to the
            # reported clause takes the reporting verb's subject
            if verb.tag_ == "VBG" and tok.dep_ == "ccomp" and cue_of(tok.head) and tok.head.i < verb.i:
                tok = tok.head
            continue
        break
    return None, False


def complement_of(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ in COMPLEMENT_DEPS and c.i > verb.i:
            return c
    for c in verb.children:
        if c.dep_ == "ccomp":
            return c
    return None


def passive_content(verb: Token) -> list[Token]:
    """`X was seen as Y` -> Y; `was criticized by some as Y` -> Y."""
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ == "as":
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if objs:
                return list(objs[0].subtree) + [
                    t for g in objs[0].children if g.dep_ == "acl" for t in g.subtree
                ]
        if c.dep_ in ("oprd", "xcomp"):
            return list(c.subtree)
    return []


def right_content(verb: Token) -> list[Token]:
    """Fallback content: what follows the verb in its subtree (misparsed complements)."""
    toks = [t for t in verb.subtree if t.i > verb.i]
    # skip leading time phrases and punctuation: `said Tuesday`, `claimed at the time that`
    while toks and (toks[0].is_punct or toks[0].ent_type_ in ("DATE", "TIME")):
        toks = toks[1:]
    return toks


def object_content(verb: Token, particle: str | None) -> list[Token]:
    """Object-type content: dobj (+ `as` phrase, predicate, purpose clause) or particle object."""
    toks: list[Token] = []
    for c in verb.children:
        if c.i < verb.i or c.is_punct:
            continue
        if c.dep_ in ("dobj", "oprd", "attr", "ccomp", "xcomp", "dative"):
            toks.extend(c.subtree)
        elif c.dep_ == "prep" and (toks or c.lower_ == particle):
            if c.lower_ == particle:
                toks.extend(list(c.subtree)[1:])
            else:
                toks.extend(c.subtree)
        elif c.dep_ in ("prt",) and c.lower_ == particle:
            continue
        elif toks and c.dep_ in ("advcl",) and c.tag_ != "VBG":
            toks.extend(c.subtree)
        elif toks:
            break
    return toks


def object_ok(verb: Token, lemma: str, particle: str | None) -> bool:
    """Whether an object-taking cue has the kind of object that makes it a speech act."""
    if particle:
        return True
    kids = list(verb.children)
    if lemma in lx.PREDICATE_VERBS:
        return any(c.dep_ in ("oprd", "xcomp", "ccomp") for c in kids) or any(
            t.lower_ == "as" and t.dep_ == "prep" and t.i > verb.i for t in verb.subtree
        )
    if lemma in lx.NON_PERSON_OBJECT_VERBS:
        objs = [c for c in kids if c.dep_ == "dobj"]
        return bool(objs) and all(o.ent_type_ != "PERSON" and o.pos_ != "PRON" for o in objs)
    return True
