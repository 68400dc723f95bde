"""Event extraction: trigger lexicon + dependency context for status, actors, place, date."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import DATELINE, Context, DocView, Sentence, clean_name
from pipeline.nlp.dates import normalize_date


@dataclass
class Event:
    """One event mention; `start`/`end` are absolute offsets of the trigger."""

    type: str
    trigger: str
    sentence: str
    actors: list[str] = field(default_factory=list)
    location: str | None = None
    date_text: str | None = None
    date: str | None = None
    status: str = "occurred"
    cameo: str = ""
    country: str | None = None
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


LOCATION_PREPS = {"in", "at", "near", "outside", "inside", "across", "over", "into", "throughout",
                  "around", "through", "along"}
TARGET_PREPS = {"of", "on", "against"}
SENTENCE_VETO = {"fire_n", "collapse"}

PLACE_NOUNS = {"town", "city", "village", "region", "province", "area", "district", "capital",
               "state", "county", "camp", "border", "center", "centre", "outskirts", "part",
               "heart", "suburb", "port", "island", "coast", "neighborhood", "neighbourhood",
               "oblast", "governorate", "municipality", "territory", "south", "north", "east",
               "west"}
# Nouns that make a proper-name compound a place: `Logar province`, `Rukban camp`.
NAMED_PLACE_NOUNS = {"province", "region", "district", "camp", "crossing", "county", "oblast",
                     "governorate", "valley", "square", "airport", "prison", "base", "port",
                     "island", "village", "town", "city", "state", "street", "bridge", "point"}
# Motion verbs whose `to X` is where the event ends up: `sent them to Qatar`.
DESTINATION_VERBS = {"send", "travel", "fly", "go", "come", "return", "transfer", "move",
                     "deport", "flee", "head", "arrive", "bring", "take", "evacuate", "march"}
# Event types whose possessive place is their venue: `Indiana's biggest teacher protest`.
VENUE_POSSESSIVE_TYPES = {"protest", "vote", "accident"}
PLACE_LABELS = ("GPE", "LOC", "FAC")
ACTOR_LABELS = ("PERSON", "ORG", "GPE", "NORP")
# Longer lists name everyone in the passage, not the participants: agents come first,
# then the sentence's own names, the type's remembered agents, the passage's names.
MAX_ACTORS = 8
# Verbs whose subject performs their object event: `Russia launched an attack`, not
# `Putin condemned the attack`.
SUPPORT_VERBS = {"launch", "carry", "conduct", "stage", "mount", "wage", "begin", "start",
                 "order", "unleash", "execute", "hold", "sign", "impose", "reach", "open",
                 "file", "announce", "lead", "organize", "organise", "resume", "continue"}


# ---------------------------------------------------------------- triggers

_PHRASES: dict[str, list[tuple[list[str], str, str]]] = {}
for _phrase, (_etype, _cameo) in lx.PHRASE_TRIGGERS.items():
    _words = _phrase.split()
    _PHRASES.setdefault(_words[0], []).append((_words, _etype, _cameo))


def _phrase_matches(view: DocView) -> list[tuple[int, int, str, str]]:
    """(start token, end token, type, cameo) for multiword triggers, indexed by first word."""
    out = []
    lowers, lemmas = view.lowers, view.lemmas
    n_doc = len(lowers)
    for i, low in enumerate(lowers):
        cands = _PHRASES.get(low) or _PHRASES.get(lemmas[i])
        if not cands:
            continue
        for words, etype, cameo in cands:
            n = len(words)
            if i + n > n_doc:
                continue
            if all(_word_ok(lowers[i + k], lemmas[i + k], w) for k, w in enumerate(words)):
                out.append((i, i + n, etype, cameo))
    return out


def _word_ok(low: str, lemma: str, word: str) -> bool:
    return low == word or lemma == word or lemma == word.rstrip("s")


def _context_words(view: DocView, tok: Token) -> set[str]:
    """Lemmas near a trigger: its children, head, siblings and a ±3-token window."""
    lemmas, lowers = view.lemmas, view.lowers
    kids = [c.i for c in tok.children]
    head = tok.head
    words = {lemmas[i] for i in kids}
    words |= {lowers[i] for i in kids}
    words.add(lemmas[head.i])
    words |= {lemmas[c.i] for c in head.children}
    for c in tok.children:
        words |= {lemmas[g.i] for g in c.children}
    lo, hi = max(0, tok.i - 3), min(len(lemmas), tok.i + 4)
    words.update(lemmas[lo:hi])
    words.update(lowers[lo:hi])
    return words


# Every form a token can match a trigger key by (noun keys without their `_n`): a cheap
# test that skips the many tokens that cannot be triggers.
_TRIGGER_FORMS = frozenset(lx.EVENT_TRIGGERS) | {k[:-2] for k in lx.EVENT_TRIGGERS
                                                  if k.endswith("_n")}


def _single_triggers(view: DocView, taken: set[int],
                     doc_words: frozenset[str] = frozenset()) -> list[tuple[int, int, str, str]]:
    """Lexicon triggers with the right part of speech that pass the context filters."""
    out = []
    doc, lowers = view.doc, view.lowers
    for i, lemma0 in enumerate(view.lemmas):
        low = lowers[i]
        stem = low[:-1] if low.endswith("s") else ""
        if lemma0 not in _TRIGGER_FORMS and low not in _TRIGGER_FORMS and stem not in _TRIGGER_FORMS:
            continue
        if i in taken:
            continue
        tok = doc[i]
        entry, lemma = None, ""
        plain = (lemma0, low, stem)
        # nouns first try their noun-only sense (`fire_n` vs the verb `fire` = dismiss)
        cands = [c + "_n" for c in plain[:1]] + list(plain) if tok.pos_ == "NOUN" else list(plain)
        if lemma0 == "fire" and _gunfire(tok):  # `fired two rounds`, not `fired the coach`
            out.append((i, i + 1, "attack", "19"))
            continue
        for cand in cands:
            if cand in lx.EVENT_TRIGGERS:
                entry, lemma = lx.EVENT_TRIGGERS[cand], cand
                break
        if entry is None:
            continue
        etype, cameo, pos = entry
        is_noun = tok.pos_ in ("NOUN", "PROPN")
        is_verb = tok.pos_ == "VERB"
        if not ((is_noun and "n" in pos) or (is_verb and "v" in pos)):
            continue
        if tok.ent_type_ in ("PERSON", "ORG", "GPE", "WORK_OF_ART", "LAW", "FAC", "DATE"):
            continue
        need = lx.CONTEXT_REQUIRED.get(lemma)
        words = _context_words(view, tok) if need or lemma in lx.CONTEXT_VETO else set()
        if need and not (words & need):
            doc_need = lx.DOC_CONTEXT.get(lemma) if is_noun else None
            if not (doc_need and doc_words & doc_need):
                continue
        if any(c.lower_ == "such" for c in tok.children):
            continue  # `such exchanges`: generic
        if lemma == "meet" and any(c.dep_ in ("auxpass", "nsubjpass") for c in tok.children):
            continue  # `was met with skepticism`
        if lemma == "demonstrate" and any(c.dep_ in ("ccomp", "dobj") for c in tok.children):
            continue  # `the case demonstrates that ...`: showing, not protesting
        if _background(tok):
            continue
        if (lemma == "kill" and not (_has_agent(tok) or _weapon_subject(tok))
                and tok.dep_ != "ROOT"):
            continue  # `those killed`, `were killed in a crash`: the cause is the event
        if lemma in SENTENCE_VETO:  # damage caused by an attack is part of the attack
            words = words | set(view.lemmas)
        if words & lx.CONTEXT_VETO.get(lemma, frozenset()):
            continue
        if etype in ("threat",) and is_verb and not _has_agent(tok):
            continue
        if lemma == "attack" and tok.dep_ == "compound" and tok.head.lemma_ == "helicopter":
            continue
        out.append((tok.i, tok.i + 1, etype, cameo))
    return out


def _background(tok: Token) -> bool:
    """Events named only by a date: `the 2014 annexation`, `since the invasion`, `years after`."""
    if tok.dep_ not in ("dobj", "nsubj", "nsubjpass", "ROOT"):
        for c in tok.children:
            if c.dep_ in ("nummod", "compound", "amod", "poss", "nmod") and re.fullmatch(
                    r"(1[89]|20)\d\d|9/11|(1[89]|20)\d\d['’]s", c.text):
                return True  # a year names a past event: `the 2014 annexation`
    cur = tok
    for _ in range(4):
        if cur.head is cur:
            break
        head = cur.head
        if head.lower_ == "since" and cur.dep_ in ("pobj", "pcomp"):
            return True
        if head.lower_ == "after" and any(t.lower_ in ("years", "decades") for t in head.lefts):
            return True
        if cur.dep_ == "advcl" and any(c.lower_ == "after" and any(
                t.lower_ in ("years", "decades") for t in c.lefts) for c in cur.children):
            return True
        if head.pos_ == "VERB":
            break
        cur = head
    return False


def _is_question(ctx: Context, sent: Sentence) -> bool:
    """Headline-style questions (`What was the investigation about?`) report no event."""
    text = ctx.text[sent.start:sent.end].rstrip()
    return text.endswith("?") and ctx.quote_at(sent.end - 1) is None


def _clause_head(tok: Token) -> int:
    """Index of the verb that heads the trigger's clause."""
    cur = tok
    for _ in range(8):
        if cur.pos_ in ("VERB", "AUX") or cur.head is cur:
            return cur.i
        cur = cur.head
    return cur.i


def _own_clause(tok: Token) -> bool:
    """A verb trigger with its own subject: `the government freed three prisoners`."""
    return tok.pos_ == "VERB" and any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children)


def _has_agent(verb: Token) -> bool:
    """A verb trigger with a person/organisation/state subject (or inherited one)."""
    cur = verb
    for _ in range(3):
        for c in cur.children:
            if c.dep_ == "nsubj":
                return c.pos_ in ("PRON", "PROPN") or bool(c.ent_type_) or (
                    c.lemma_.lower() in lx.GROUP_NOUNS | lx.ORG_NOUNS)
        if cur.dep_ not in ("xcomp", "conj", "advcl") or cur.head is cur:
            return False
        cur = cur.head
    return False


_AMMUNITION = {"round", "shot", "missile", "rocket", "shell", "weapon", "bullet", "gun", "salvo",
               "mortar", "drone", "volley", "grenade", "torpedo", "projectile", "barrage"}
_FIRE_MODIFIERS = {"gun", "machine", "tank", "artillery", "rocket", "mortar", "sniper", "heavy",
                   "automatic", "enemy", "live", "cross", "small-arms", "naval", "anti-aircraft"}


def _gunfire(tok: Token) -> bool:
    """`fire` as shooting: ammunition as object, a target after at/on, or `machine gun fire`."""
    kids = list(tok.children)
    if tok.pos_ == "VERB":
        return any(c.dep_ == "dobj" and c.lemma_.lower() in _AMMUNITION for c in kids) or any(
            c.dep_ == "prep" and c.lower_ in ("at", "on", "upon", "into") and _target(c)
            for c in kids)
    if tok.pos_ == "NOUN":
        return any(c.dep_ in ("compound", "amod", "nmod") and c.lemma_.lower() in _FIRE_MODIFIERS
                   for c in kids) or (tok.head.lower_ == "under" and _armed_source(tok))
    return False


_ARMED = _AMMUNITION | lx.WEAPON_NOUNS | {"tank", "troop", "army", "soldier", "militant",
                                          "fighter", "jet", "warship", "helicopter"}


def _armed_source(fire: Token) -> bool:
    """`came under fire from a tank` (shooting), not `from critics` (criticism)."""
    for holder in (fire, fire.head.head):
        for c in holder.children:
            if c.dep_ == "prep" and c.lower_ == "from":
                for g in c.children:
                    if g.dep_ == "pobj" and (g.lemma_.lower() in _ARMED or any(
                            m.lemma_.lower() in _ARMED for m in g.children if m.dep_ == "compound")):
                        return True
    return False


def _target(prep: Token) -> bool:
    """`fired on the crowd`, not `fired on Monday`."""
    objs = [g for g in prep.children if g.dep_ == "pobj"]
    return bool(objs) and all(g.ent_type_ not in ("DATE", "TIME") for g in objs)


def _same_type(tok: Token, etype: str) -> bool:
    """True if the word is itself a trigger of `etype` (`the rally was Indiana's protest`)."""
    entry = lx.EVENT_TRIGGERS.get(tok.lemma_.lower())
    return entry is not None and entry[0] == etype


def _weapon_subject(verb: Token) -> bool:
    """`a drone killed a civilian`: a weapon or armed force as the subject is an attacker."""
    return any(c.dep_ == "nsubj" and c.lemma_.lower() in lx.WEAPON_NOUNS for c in verb.children)


# ---------------------------------------------------------------- attributes



# An event named as the topic of something else keeps its own status: `did not comment
# about the attack`, `offered no scenario for the origin of the fire`.
TOPIC_PREPS = {"about", "regarding", "concerning"}
TOPIC_NOUNS = {"origin", "cause", "source", "detail", "aspect", "circumstance", "footage",
               "video", "image", "evidence", "account", "record", "transcript", "content"}


def _path(tok: Token) -> list[tuple[Token, str]]:
    """Ancestors of the trigger with the dependency through which each was reached.

    The climb stops where the trigger becomes the topic of another phrase, so that the
    negation or modality of the verb above does not pass to it.
    """
    out = []
    cur = tok
    for _ in range(6):
        if cur.head is cur:
            break
        head = cur.head
        if cur.dep_ == "pobj" and (head.lower_ in TOPIC_PREPS or (
                head.lower_ == "of" and head.head.lemma_.lower() in TOPIC_NOUNS)):
            break
        out.append((head, cur.dep_))
        cur = head
        if cur.pos_ in ("VERB", "AUX") and cur.dep_ not in ("xcomp", "pcomp", "acl", "advcl"):
            break
    return out


def _status(tok: Token, span_toks: list[Token], etype: str) -> str:
    """negated / planned / occurred from negation, modality and governing words."""
    path = _path(tok)
    for t in span_toks:
        for c in t.children:
            if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no"):
                return "negated"
            if c.dep_ == "relcl" and c.lemma_.lower() in lx.NEGATING_VERBS:
                return "negated"
    first_verb = True
    for anc, via in path:
        low = anc.lemma_.lower()
        subject = via in ("nsubj", "nsubjpass", "csubj")
        copula = low in lx.INCHOATIVE or via == "nsubjpass"  # `tornadoes were not (seen)`
        if (anc.pos_ in ("VERB", "AUX") and (not subject or copula) and first_verb
                and any(c.dep_ == "neg" for c in anc.children)):
            return "negated"
        if low == "without" or (anc.pos_ == "NOUN" and low in lx.NEGATED_HEAD_NOUNS):
            return "negated"
        if anc.pos_ == "VERB" and low in lx.NEGATING_VERBS and via in ("dobj", "xcomp", "ccomp"):
            return "negated"
        if low == "rule" and any(c.lower_ == "out" for c in anc.children):
            return "negated"
        if anc.pos_ in ("VERB", "AUX"):
            first_verb = False
    if path and path[-1][0].dep_ == "ccomp":
        matrix = path[-1][0].head  # `reports do not indicate it was caused by enemy fire`
        if matrix.lemma_.lower() in lx.EVIDENCE_VERBS and any(
                c.dep_ == "neg" for c in matrix.children):
            return "negated"
    for anc, _ in path:
        if anc.pos_ in ("VERB", "AUX") and any(
                c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in anc.children):
            return "planned"  # `if peace talks are ever revived`
    for t in span_toks:
        for c in t.children:
            if c.lower_ in lx.PLANNED_MODIFIERS and c.i < t.i:
                return "planned"
            if t.pos_ == "VERB" and c.dep_ == "aux" and c.lower_ in lx.MODALS:
                return "planned"
    for anc, via in path:
        low = anc.lemma_.lower()
        subject = via in ("nsubj", "nsubjpass", "csubj")
        modal_ok = not subject or via == "nsubjpass" or low in lx.INCHOATIVE
        if anc.pos_ in ("VERB", "AUX") and modal_ok:
            if any(c.dep_ == "aux" and c.lower_ in lx.MODALS for c in anc.children):
                return "planned"
            if low in lx.PLANNED_VERBS and via in ("dobj", "xcomp", "ccomp", "pobj", "prep"):
                return "planned"
        if anc.pos_ in ("VERB", "AUX") and any(
                c.dep_ in ("acomp", "oprd") and c.lemma_.lower() in lx.LIKELY for c in anc.children):
            return "planned"  # `tornadoes are possible`, `a strike is likely`
        if anc.pos_ in ("VERB", "AUX") and subject and low in lx.SCHEDULED:
            return "planned"  # `the tariffs are set to take effect`, `talks are expected`
        if anc.pos_ in ("VERB", "AUX") and subject:
            subj_heads = [c for c in anc.children if c.dep_ in ("nsubj", "nsubjpass")]
            if any(h.lemma_.lower() in lx.PLANNED_HEAD_NOUNS for h in subj_heads if h is not tok):
                return "planned"
        if anc.pos_ == "NOUN" and low in lx.PLANNED_HEAD_NOUNS and not (
                low in ("agreement", "deal") and etype == "agreement"):
            return "planned"
        if low == "for" and anc.head.lemma_.lower() in ("call", "push", "plea", "appeal"):
            return "planned"
        if anc.lower_ == "going" and any(c.dep_ == "xcomp" for c in anc.children):
            return "planned"
    if etype == "threat":
        return "planned"
    return "occurred"


def _city_reference(ctx: Context, view: DocView, toks: list[Token], start: int) -> str | None:
    """`across the city`, `the Ukrainian capital` -> the last city named before."""
    trig = {t.i for t in toks}
    doc = view.doc
    for i, lemma in enumerate(view.lemmas):
        if lemma not in ("city", "capital"):
            continue
        tok = doc[i]
        if tok.ent_type_:
            continue
        nation = next((lx.country_of(c.text) for c in tok.children
                       if c.dep_ == "amod" and lx.country_of(c.text)), None)
        if not (nation or any(c.lower_ == "the" for c in tok.children)):
            continue
        cur = tok  # `the city center`, `districts of the capital`: climb to the phrase head
        for _ in range(3):
            if cur.dep_ == "compound":
                cur = cur.head
            elif cur.dep_ == "pobj" and cur.head.lower_ == "of" and cur.head.head is not cur:
                cur = cur.head.head
            else:
                break
        head = cur.head
        located = (cur.dep_ == "pobj" and head.lower_ in LOCATION_PREPS | {"across"}) or (
            cur.dep_ == "dobj" and head.i in trig)
        if not located:
            continue
        for c in tok.children:  # `the city of Bila Tserkva`
            if c.dep_ == "prep" and c.lower_ == "of":
                named = [g for g in c.children if g.dep_ == "pobj" and g.pos_ == "PROPN"]
                if named:
                    return clean_name(doc[named[0].left_edge.i:named[0].i + 1].text)
        for m in reversed(ctx.mentions_before(start, ("GPE",))):
            if (m.propn and not lx.is_country(m.text) and lx.country_of(m.text)
                    and nation in (None, lx.country_of(m.text))):
                return clean_name(m.text)
    return None


def _place_spans(view: DocView) -> list[Span]:
    """GPE/LOC/FAC entities, plus places the entity recogniser missed or mislabelled:
    gazetteer words (`Kyiv`) and proper names headed by a place noun (`Logar province`,
    `the Rukban camp`)."""
    doc = view.doc
    spans = [e for e in view.ents if e.label_ in PLACE_LABELS]
    covered = {i for e in spans for i in range(e.start, e.end)}
    for i, (low, lemma) in enumerate(zip(view.lowers, view.lemmas, strict=True)):
        if low in lx.COUNTRIES:  # `lower_` is `text.lower()`: the cheap test first
            tok = doc[i]
            if (tok.pos_ == "PROPN" and i not in covered and tok.ent_type_ not in ("ORG", "NORP")
                    and lx.country_of(tok.text)):
                spans.append(doc[i:i + 1])
        elif lemma in NAMED_PLACE_NOUNS and i not in covered:
            tok = doc[i]
            if tok.pos_ != "NOUN":
                continue
            names = [c for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN"
                     and c.i < i and c.ent_type_ != "NORP"]
            if names and not any(j in covered for j in range(names[0].i, i + 1)):
                spans.append(doc[names[0].i:i + 1])
                covered.update(range(names[0].i, i + 1))
    return spans


def _location(places: list[Span], toks: list[Token], etype: str) -> str | None:
    """A place in a locative phrase near the trigger: `talks in Istanbul`, `Istanbul talks`.

    `places` is the sentence's `_place_spans`, computed once for all its triggers.
    """
    anchors = {t.i for t in toks}
    for t in toks:
        cur = t
        for _ in range(5):
            if cur.head is cur:
                break
            cur = cur.head
            anchors.add(cur.i)
    trig = {t.i for t in toks}
    best: tuple[float, str] | None = None
    for ent in places:
        if ent.root.i in trig:
            continue
        root = ent.root
        dist = min(abs(root.i - t.i) for t in toks)
        score: float | None = None
        cur = root
        for _ in range(4):  # climb compound/appos/of-chains to a locative preposition
            if cur.dep_ == "pobj" and cur.head.lower_ in LOCATION_PREPS:
                attach = cur.head.head
                score = dist if attach.i in anchors else dist + 20
                break
            verb = cur.head.head
            if (cur.dep_ == "pobj" and cur.head.lower_ == "to"
                    and verb.lemma_.lower() in DESTINATION_VERBS
                    and (verb.i in anchors or (verb.dep_ == "conj" and verb.head.i in anchors))):
                score = dist + 10  # `sent them to Qatar`, `traveling to Florida for talks`
                break
            if (etype in VENUE_POSSESSIVE_TYPES and cur.dep_ == "poss" and cur.head.pos_ == "NOUN"
                    and (cur.head.i in trig or _same_type(cur.head, etype))):
                score = dist  # `Indiana's biggest teacher protest`
                break
            if (etype == "attack" and cur.dep_ == "pobj" and cur.head.lower_ in TARGET_PREPS
                    and cur.head.head.i in trig):
                score = dist + 5  # `invasion of Ukraine`, `strikes on Kyiv`
                break
            if (etype == "attack" and cur.dep_ == "dobj" and cur.head.i in trig
                    and cur.head.pos_ == "VERB"):
                score = dist + 5  # `invaded Ukraine`, `struck the city of Bila Tserkva`
                break
            if (cur.dep_ == "pobj" and cur.head.lower_ == "of"
                    and cur.head.head.lemma_.lower() in PLACE_NOUNS):
                cur = cur.head.head
                continue
            if cur.dep_ in ("compound", "appos", "conj", "poss") and cur.head is not cur:
                cur = cur.head
                continue
            if cur.dep_ == "amod" and cur.head.lemma_.lower() in PLACE_NOUNS:
                cur = cur.head  # `in Logar province` parsed with `Logar` as a modifier
                continue
            break
        if (score is None and root.dep_ in ("compound", "nmod") and root.head.i in trig
                and (etype in VENUE_POSSESSIVE_TYPES or not lx.is_country(ent.text))):
            score = dist  # `Istanbul talks`; `Hong Kong protests` (not `Russia sanctions`)
        if score is not None and (best is None or score < best[0]):
            best = (score, ent.text)
    return clean_name(best[1]) if best else None


def _actors(ctx: Context, view: DocView, text: str) -> list[str]:
    """Named participants in the sentence, resolved to the fullest mention.

    `text` is the sentence's text (equal to `doc.text`, which spaCy rebuilds per access).
    """
    out: list[str] = []
    doc = view.doc
    m = DATELINE.match(text)  # `WASHINGTON (AP) —` names no participant
    dateline_end = m.end() if m else 0
    for ent in view.ents:
        if ent.label_ not in ACTOR_LABELS or ent.start_char < dateline_end:
            continue
        name = _actor_name(ctx, ent)
        if ent.label_ == "NORP":
            root = ent.root
            if root.head.pos_ in ("NOUN", "PROPN") and root.dep_ in ("amod", "compound"):
                phrase = clean_name(doc[root.i:root.head.i + 1].text)
                if phrase not in out and len(phrase) < 60:
                    out.append(phrase)
            for part in ent.text.replace("–", "-").split("-"):
                c = lx.country_of(part)
                if c and c not in out:
                    out.append(c)
        if name and name not in out:
            out.append(name)
    return out


def _date_text(view: DocView, toks: list[Token]) -> str | None:
    best: tuple[int, str] | None = None
    for ent in view.ents:
        if ent.label_ not in ("DATE", "TIME"):
            continue
        dist = min(abs(ent.root.i - t.i) for t in toks)
        if best is None or dist < best[0]:
            best = (dist, ent.text)
    return best[1] if best else None


# ---------------------------------------------------------------- extraction

def _agent_tokens(toks: list[Token]) -> list[Token]:
    """Who carries the event out: the subject of a verb trigger (or of the verb it is
    conjoined to), a passive `by` agent, or a noun trigger's possessor or nationality."""
    out: list[Token] = []
    for t in toks:
        if t.pos_ == "VERB":
            subj = [c for c in t.children if c.dep_ == "nsubj"]
            if not subj and t.dep_ == "conj":
                subj = [c for c in t.head.children if c.dep_ == "nsubj"]
            out += subj
            out += [g for c in t.children if c.dep_ == "agent" for g in c.children
                    if g.dep_ == "pobj"]
        elif t.pos_ == "NOUN":
            out += [c for c in t.children if c.dep_ == "poss" or (
                c.dep_ in ("amod", "compound") and c.ent_type_ in ("NORP", "GPE"))]
            if t.dep_ == "dobj" and t.head.lemma_.lower() in SUPPORT_VERBS:
                out += [c for c in t.head.children if c.dep_ == "nsubj"]  # `X launched an attack`
            out += [g for c in t.children if c.dep_ == "prep" and c.lower_ == "by"
                    for g in c.children if g.dep_ == "pobj"]
    return out


def _actor_name(ctx: Context, ent: Span) -> str:
    """How an entity is listed as an actor: a person by the fullest mention, a
    nationality by its country (`Russian` -> Russia), anything else by its clean name."""
    if ent.label_ == "PERSON":
        return ctx.fullest(ent.text)
    if ent.label_ == "NORP":
        return lx.country_of(ent.text) or clean_name(ent.text)
    return clean_name(ent.text)


def _agents(ctx: Context, view: DocView, toks: list[Token]) -> list[str]:
    """Names of the event's agents: entities, or `Israeli tank crew`-style phrases."""
    names: list[str] = []
    for a in _agent_tokens(toks):
        ent = next((e for e in view.ents if e.start <= a.i < e.end), None)
        if ent is not None and ent.label_ in ACTOR_LABELS:
            name = _actor_name(ctx, ent)
        elif a.pos_ == "NOUN" and any(c.ent_type_ in ("NORP", "GPE") and c.dep_ in (
                "amod", "compound") for c in a.children):
            left = min(c.i for c in a.children if c.dep_ in ("amod", "compound"))
            name = clean_name(view.doc[left:a.i + 1].text)
        else:
            continue
        if name and name not in names and len(name) < 60:
            names.append(name)
    return names


def extract_events(ctx: Context) -> list[Event]:
    """All events of a parsed document context, at most one per type per sentence.

    A re-mention with no agent of its own (`the attack damaged a school`) takes the
    agents last named for an event of its type in the article (`Russia's attack`).
    """
    events: list[Event] = []
    type_agents: dict[str, list[str]] = {}
    prev_actors: list[str] = []
    recent: list[list[str]] = []
    prev_para = -10
    doc_words = frozenset(lemma for s in ctx.sentences if s.doc is not None
                          for lemma in s.view().lemmas)
    for sent in ctx.sentences:
        if sent.doc is None:
            continue
        if sent.para - prev_para > 2:
            prev_actors, recent = [], []
        own = _actors(ctx, sent.view(), ctx.sentence_text(sent))
        for ev in _sentence_events(ctx, sent, own, prev_actors, doc_words, type_agents):
            events.append(ev)
        if own:
            # The participants of the passage's last two naming sentences carry on; older
            # ones drop out, so lists stay short.
            recent = (recent + [own[:6]])[-2:]
            prev_actors = list(dict.fromkeys(a for names in recent for a in names))
            prev_para = sent.para
    return events


def _sentence_events(ctx: Context, sent: Sentence, actors: list[str], prev_actors: list[str],
                     doc_words: frozenset[str],
                     type_agents: dict[str, list[str]] | None = None) -> list[Event]:
    """Events of one sentence; `actors` are its own participants (see `_actors`).

    `type_agents` (event type -> agents last named for it) is read and updated.
    """
    type_agents = {} if type_agents is None else type_agents
    if _is_question(ctx, sent):
        return []
    view = sent.view()
    doc = view.doc
    phrases = _phrase_matches(view)
    taken = {i for s, e, _, _ in phrases for i in range(s, e)}
    found = sorted(phrases + _single_triggers(view, taken, doc_words))
    if not found:
        return []
    seen_types: set[str] = set()
    out: list[Event] = []
    stext = ctx.sentence_text(sent)
    places = _place_spans(view)
    clause_of: dict[str, int] = {}
    for s, e, etype, cameo in found:
        clause = _clause_head(doc[s])
        if etype in seen_types and (clause_of.get(etype) == clause or not (
                _own_clause(doc[s]) or (doc[s].pos_ == "VERB" and doc[s].dep_ == "conj"))):
            continue
        if etype in seen_types and sum(ev.type == etype for ev in out) >= 2:
            continue
        seen_types.add(etype)
        clause_of[etype] = clause
        span_toks = list(doc[s:e])
        head = max(span_toks, key=lambda t: t.i if t.pos_ in ("NOUN", "VERB", "PROPN") else -1)
        location = _location(places, span_toks, etype) or _city_reference(
            ctx, view, span_toks, sent.start)
        # Participants are often named a sentence earlier ("The meeting ... brought together
        # both sides"): those of the passage's previous naming sentence join this one's.
        # The place an event happens in is not a participant.
        agents = _agents(ctx, view, span_toks)
        if agents:
            type_agents[etype] = agents[:2]
        ev_actors = [a for a in dict.fromkeys(agents + actors + type_agents.get(etype, [])
                                              + prev_actors)
                     if a != location][:MAX_ACTORS]
        date_text = _date_text(view, span_toks)
        start = sent.start + doc[s].idx
        end = sent.start + doc[e - 1].idx + len(doc[e - 1].text)
        country = lx.country_of(location) or next(
            (c for c in (lx.country_of(a) for a in actors) if c), None)
        out.append(Event(
            type=etype, trigger=ctx.text[start:end], sentence=stext, actors=ev_actors,
            location=location, date_text=date_text,
            date=normalize_date(date_text, ctx.published), status=_status(head, span_toks, etype),
            cameo=cameo, country=country, start=start, end=end,
        ))
    return out
