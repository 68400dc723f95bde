"""Where an event happened: the place phrase near its trigger, or the city an article means.

`place_spans` lists a sentence's places (entities plus gazetteer words and `X province`-style
names the recognizer missed); `event_location` picks the one in a locative phrase near a
trigger, else resolves `the city`/`the capital` to the last city named before.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, DocView, clean_name

LOCATION_PREPS = {
    "in",
    "at",
    "near",
    "outside",
    "inside",
    "across",
    "over",
    "into",
    "throughout",
    "around",
    "through",
    "along",
}
TARGET_PREPS = {"of", "on", "against"}

# Event types whose possessive place is their venue: `Indiana's biggest teacher protest`.
VENUE_POSSESSIVE_TYPES = {"protest", "vote", "accident"}
PLACE_LABELS = ("GPE", "LOC", "FAC")


def _same_type(tok: Token, etype: str) -> bool:
    """True if the word is itself a trigger of `etype` (`the rally was Indiana's protest`)."""
    entry = lx.EVENT_TRIGGERS.get(tok.lemma_.lower())
    return entry is not None and entry[0] == etype


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
        nation = next(
            (lx.country_of(c.text) for c in tok.children if c.dep_ == "amod" and lx.country_of(c.text)), None
        )
        if not (nation or any(c.lower_ == "the" for c in tok.children)):
            continue
        cur = tok  # `the city center`, `districts of the capital`: climb to the phrase head
        for _ in range(3):
            if cur.dep_ == "compound":
                cur = cur.head
            elif cur.dep_ == "pobj" and cur.head.lower_ == "of" and cur.head.head.i != cur.i:
                cur = cur.head.head
            else:
                break
        head = cur.head
        located = (cur.dep_ == "pobj" and head.lower_ in LOCATION_PREPS | {"across"}) or (
            cur.dep_ == "dobj" and head.i in trig
        )
        if not located:
            continue
        for c in tok.children:  # `the city of Bila Tserkva`
            if c.dep_ == "prep" and c.lower_ == "of":
                named = [g for g in c.children if g.dep_ == "pobj" and g.pos_ == "PROPN"]
                if named:
                    return clean_name(doc[named[0].left_edge.i : named[0].i + 1].text)
        for m in reversed(ctx.mentions_before(start, ("GPE",))):
            if (
                m.propn
                and not lx.is_country(m.text)
                and lx.country_of(m.text)
                and nation in (None, lx.country_of(m.text))
            ):
                return clean_name(m.text)
    return None


def place_spans(view: DocView) -> list[Span]:
    """GPE/LOC/FAC entities, plus places the entity recogniser missed or mislabelled:
    gazetteer words (`Kyiv`) and proper names headed by a place noun (`Logar province`,
    `the Rukban camp`)."""
    doc = view.doc
    spans = [e for e in view.ents if e.label_ in PLACE_LABELS]
    covered = {i for e in spans for i in range(e.start, e.end)}
    for i, (low, lemma) in enumerate(zip(view.lowers, view.lemmas, strict=True)):
        if low in lx.COUNTRIES:  # `lower_` is `text.lower()`: the cheap test first
            tok = doc[i]
            if (
                tok.pos_ == "PROPN"
                and i not in covered
                and tok.ent_type_ not in ("ORG", "NORP")
                and lx.country_of(tok.text)
            ):
                spans.append(doc[i : i + 1])
        elif lemma in lx.NAMED_PLACE_NOUNS and i not in covered:
            tok = doc[i]
            if tok.pos_ != "NOUN":
                continue
            names = [
                c
                for c in tok.children
                if c.dep_ == "compound" and c.pos_ == "PROPN" and c.i < i and c.ent_type_ != "NORP"
            ]
            if names and not any(j in covered for j in range(names[0].i, i + 1)):
                spans.append(doc[names[0].i : i + 1])
                covered.update(range(names[0].i, i + 1))
    return spans


def _location(places: list[Span], toks: list[Token], etype: str) -> str | None:
    """A place in a locative phrase near the trigger: `talks in Istanbul`, `Istanbul talks`.

    `places` is the sentence's `place_spans`, computed once for all its triggers.
    """
    anchors = {t.i for t in toks}
    for t in toks:
        cur = t
        for _ in range(5):
            if cur.head.i == cur.i:
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
            if (
                cur.dep_ == "pobj"
                and cur.head.lower_ == "to"
                and verb.lemma_.lower() in lx.DESTINATION_VERBS
                and (verb.i in anchors or (verb.dep_ == "conj" and verb.head.i in anchors))
            ):
                score = dist + 10  # `sent them to Qatar`, `traveling to Florida for talks`
                break
            if (
                etype in VENUE_POSSESSIVE_TYPES
                and cur.dep_ == "poss"
                and cur.head.pos_ == "NOUN"
                and (cur.head.i in trig or _same_type(cur.head, etype))
            ):
                score = dist  # `Indiana's biggest teacher protest`
                break
            if (
                etype == "attack"
                and cur.dep_ == "pobj"
                and cur.head.lower_ in TARGET_PREPS
                and cur.head.head.i in trig
            ):
                score = dist + 5  # `invasion of Ukraine`, `strikes on Kyiv`
                break
            if etype == "attack" and cur.dep_ == "dobj" and cur.head.i in trig and cur.head.pos_ == "VERB":
                score = dist + 5  # `invaded Ukraine`, `struck the city of Bila Tserkva`
                break
            if (
                cur.dep_ == "pobj"
                and cur.head.lower_ == "of"
                and cur.head.head.lemma_.lower() in lx.PLACE_NOUNS
            ):
                cur = cur.head.head
                continue
            if cur.dep_ in ("compound", "appos", "conj", "poss") and cur.head.i != cur.i:
                cur = cur.head
                continue
            if cur.dep_ == "amod" and cur.head.lemma_.lower() in lx.PLACE_NOUNS:
                cur = cur.head  # `in Logar province` parsed with `Logar` as a modifier
                continue
            break
        if (
            score is None
            and root.dep_ in ("compound", "nmod")
            and root.head.i in trig
            and (etype in VENUE_POSSESSIVE_TYPES or not lx.is_country(ent.text))
        ):
            score = dist  # `Istanbul talks`; `Hong Kong protests` (not `Russia sanctions`)
        if score is not None and (best is None or score < best[0]):
            best = (score, ent.text)
    return clean_name(best[1]) if best else None


def event_location(
    ctx: Context, view: DocView, places: list[Span], toks: list[Token], etype: str, start: int
) -> str | None:
    """The place of the event whose trigger words are `toks` (`start`: the sentence's offset)."""
    return _location(places, toks, etype) or _city_reference(ctx, view, toks, start)
