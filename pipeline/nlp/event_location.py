"""Where an event happened: the place phrase attached to its trigger, or the city an article means.

`place_spans` lists a sentence's places: GPE/LOC/FAC entities, plus
gazetteer words (`Kyiv`), `X province`-style names, `the town of X` names and building names
(`X University`, `the X Office`, `X Gardens`, often labelled ORG or PERSON) the recogniser
missed or mislabelled. `event_location` returns the place of one event, else None:

- a place in a locative phrase (`in`, `at`, `near` ...) attached to the trigger or to the
  words it hangs from up to the head of its own clause (`talks in Istanbul`, `talks were held
  in Istanbul`); a reporting verb, a main clause or a subordinate clause the trigger sits in
  is another clause, so `the mayor said at a briefing in X that ...` does not place what
  was said (coordinated verbs and a `by`-gerund share the clause; a modifier of an earlier
  coordinated noun is not shared; `at a tribunal in X` places the tribunal's event);
- else one attached inside the trigger's own phrase (or the object of a verb of its
  clause: `searched a house near X and arrested`), at most three links down, and not
  inside its subject or the other side of a deal (`a drone strike on a hospital in X`;
  not `soldiers stationed in X fired`, `a deal with a manufacturer in X`: those places
  locate a participant; nor inside a `before`/`after` clause, another event);
- a place compound naming the venue, on the trigger or on the noun it modifies (`Istanbul
  talks`, `a kidnapped Denver boy`; never `Russia sanctions`, nor a hyphenated pair of
  names, `Japan-Korea deal`, which names the sides);
- `to X` after a motion verb of the trigger, the target of an attack (object or passive
  subject), a possessive venue, a place naming the voters of a vote (`Ohio voters
  approved`, `Oregon begins voting`, `X, which holds a primary`); `from X` only for
  removals and weather, `on X` only for vehicles and surfaces (`on a train`), `west of X`;
- parser slips are read through (`nmod`, `as planned in X`, `rotating storms` as a
  gerund, `dozens of houses in X`); an event `during` another takes that one's place;
- of two places where the second only locates the first (`the village of A, in the B
  region`, `A in the B region`), the first, smaller one;
- else, for a trigger inside a `where` relative clause, the place naming the noun the
  clause modifies (`in Ohio counties where lawmakers legalized it`);
- else `the city` / `the capital` resolved to the last city (or city-state) named before
  it, in an earlier sentence or earlier in its own;
- else a bare common noun of a locative phrase of the event (`held in jail`, `at the
  airport`) resolved to the last place name headed by it earlier in the article (`the
  County Jail`, `Heathrow Airport`).

A trigger is read with the prefix it is hyphenated to (`re-elected`: the parser may hang the
verb's subject on `re`).

Nothing else reaches across sentences: on train and train2, giving a placeless event the
dateline's place or the last place of an earlier event of its type cost far more than it
gained (the annotators give such events no place).

`into`/`over` locate only attacks, accidents and motion verbs. Nothing in this module names a
place: the gazetteer, place nouns and prepositions are in `pipeline.nlp.lexicons.places`.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, DocView, clean_name
from pipeline.nlp.lexicons import places as pl

MOTION_TYPES = {"attack", "accident"}
TARGET_PREPS = {"of", "on", "against"}
OF_HEADS = pl.OF_PLACE_HEADS
LOCATIVE_ADVERBS = pl.DIRECTION_WORDS | {"near", "outside"}  # `west of X` as an adverb
RELATIVE_PRONOUNS = {"which", "that", "who"}  # stand for the noun their clause modifies

# Event types whose possessive place is their venue: `Indiana's biggest teacher protest`.
VENUE_POSSESSIVE_TYPES = {"protest", "vote", "accident"}
PLACE_LABELS = ("GPE", "LOC", "FAC")
# Votes are held by the people of a place, so a place naming the subject is the venue
# (`Ohio voters approved the measure`, `Ohio begins voting`); a country as the subject
# itself votes as a member of some body (`France voted against the resolution`).
VENUE_SUBJECT_TYPES = {"vote"}
# Links that leave a trigger's clause when climbed (the trigger is a reported, subordinate,
# relative or parenthetical clause of the word above); a verb reached by any other link
# (`conj`, `xcomp`) shares the clause's modifiers (`officers searched X and arrested two men`).
SAME_CLAUSE_VERB_LINKS = {"conj", "xcomp"}
# Places under the trigger are read at most this many links down: deeper ones sit in
# clauses about something else (`an investigation that covers payments to officials in X`).
MAX_DEPTH = 3
# Links into a participant phrase: its place says where the participant is, not the event.
PARTICIPANT_LINKS = {"nsubj", "agent", "csubj"}
# Prepositions that introduce the other side of a talk or deal (`a deal with a firm in X`).
PARTICIPANT_PREPS = {"with", "between", "among"}
# A trigger that modifies a noun (`extradition hearing`) names the event with that noun.
NOMINAL_MODIFIER_LINKS = {"compound", "amod", "nmod"}

# Score penalties (lower wins; the base is the token distance to the trigger).
TARGET_PENALTY = 5  # `struck the city of X`: the target, unless a locative phrase says more
DESTINATION_PENALTY = 10  # `flew them to Oman`
SOURCE_PENALTY = 15  # `deported from X`: only when no locative phrase or destination places it
INNER_PENALTY = 20  # a place inside the trigger's phrase, after any attached to it


def _same_type(tok: Token, etype: str) -> bool:
    """True if the word is itself a trigger of `etype` (`the rally was Indiana's protest`)."""
    entry = lx.EVENT_TRIGGERS.get(tok.lemma_.lower())
    return entry is not None and entry[0] == etype


def _city_reference(ctx: Context, view: DocView, toks: list[Token], start: int) -> str | None:
    """`across the city`, `near the city center`, `the Ukrainian capital` -> the last city named."""
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
        cur = tok  # `the city center`, `districts of the capital`: climb to the phrase head
        for _ in range(3):
            if cur.dep_ == "compound":
                cur = cur.head
            elif cur.dep_ == "pobj" and cur.head.lower_ == "of" and cur.head.head.i != cur.i:
                cur = cur.head.head
            else:
                break
        # `the city` is definite, so it refers back; in `the city center` the article
        # hangs from the phrase head
        definite = any(c.lower_ == "the" for c in tok.children) or (
            tok.dep_ == "compound" and any(c.lower_ == "the" for c in tok.head.children)
        )
        if not (nation or definite):
            continue
        head = cur.head
        located = (cur.dep_ == "pobj" and head.lower_ in pl.LOCATION_PREPS | {"across"}) or (
            cur.dep_ == "dobj" and head.i in trig
        )
        if not located:
            continue
        for c in tok.children:  # `the city of Bila Tserkva`
            if c.dep_ == "prep" and c.lower_ == "of":
                named = [g for g in c.children if g.dep_ == "pobj" and g.pos_ == "PROPN"]
                if named:
                    return clean_name(doc[named[0].left_edge.i : named[0].i + 1].text)
        for m in reversed(ctx.mentions_before(start + tok.idx, ("GPE",))):
            if (
                m.propn
                and (not lx.is_country(m.text) or pl.is_city_state(m.text))
                and lx.country_of(m.text)
                and nation in (None, lx.country_of(m.text))
            ):
                return clean_name(m.text)
    return None


def _where_clause(places: list[Span], toks: list[Token]) -> str | None:
    """`Ohio counties where lawmakers banned it` -> `Ohio`: a `where` relative clause says
    its event happened at the noun it modifies, so a place naming that noun (`Ohio
    counties`, `Ohio, where ...`) or listed beside it (`counties where it was banned --
    A, B and C`: the parser hangs the list on the clause's last word) is the event's place."""
    for t in toks:
        clause = t
        while clause.dep_ == "conj" and clause.head.i != clause.i:
            clause = clause.head
        if clause.dep_ != "relcl" or not any(
            c.dep_ == "advmod" and c.lower_ == "where" for c in clause.children
        ):
            continue
        noun = clause.head
        inside = {w.i for w in clause.subtree}
        for ent in places:
            root = ent.root
            if root.i == noun.i or (root.head.i == noun.i and root.dep_ in ("compound", "nmod", "appos")):
                return clean_name(ent.text)
            if root.dep_ == "appos" and root.head.i in inside:
                return clean_name(ent.text)
    return None


def _named_venue(ctx: Context, toks: list[Token], anchors: dict[int, int], start: int) -> str | None:
    """`held in jail` after `taken to the County Jail` -> `County Jail`.

    A bare common noun in a locative phrase of the event (or in its trigger) that is the
    head word of a proper name the article used before is a short re-mention of that name:
    English drops the name's modifiers once the referent is known (`the Maple Street
    bridge` ... `on the bridge`). The latest such name before the noun wins.
    """
    trig = {t.i for t in toks}
    for tok in sorted({c for a in anchors for c in toks[0].doc[a].children} | set(toks), key=lambda t: t.i):
        if tok.dep_ != "prep" or tok.lower_ not in pl.LOCATION_PREPS - pl.MOTION_ONLY_PREPS:
            continue
        if tok.head.i not in anchors and tok.i not in trig:
            continue
        for noun in tok.children:
            if noun.dep_ != "pobj" or noun.pos_ != "NOUN" or noun.ent_type_:
                continue
            if any(c.dep_ in ("compound", "poss", "amod") or c.lower_ in ("a", "an") for c in noun.children):
                continue  # `in a jail`, `in a county jail`, `in Ohio's jails`: another one
            lemma = noun.lemma_.lower()
            if lemma in ("city", "capital"):
                continue  # see `_city_reference`
            pos = start + noun.idx
            for m in reversed(ctx.mentions_before(pos, PLACE_LABELS)):
                words = m.text.split()
                if len(words) >= 2 and words[-1].lower() == lemma:
                    return clean_name(m.text)
    return None


def place_spans(view: DocView) -> list[Span]:
    """GPE/LOC/FAC entities, plus places the entity recogniser missed or mislabelled:
    gazetteer words (`Kyiv`), proper names headed by a place noun (`Logar province`,
    `the Rukban camp`) and names after `the town of`-style phrases (`the town of Merefa`,
    whatever label the name got: the phrase itself says it is a place)."""
    doc = view.doc
    spans = [e for e in view.ents if e.label_ in PLACE_LABELS or _facility_name(e)]
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
                covered.add(i)
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
        if lemma == "of" and i > 0:
            named = _of_name(doc[i])
            if named is not None and not any(j in covered for j in range(named.start, named.end)):
                spans.append(named)
                covered.update(range(named.start, named.end))
    return spans


def _facility_name(ent: Span) -> bool:
    """`X University`, `the X Office`: a proper name of two or more words ending in a
    building, room or grounds noun is a place, whatever label the recogniser gave it."""
    last = ent[-1]
    return (
        ent.label_ in ("ORG", "PERSON", "NORP")
        and len(ent) >= 2
        and last.pos_ == "PROPN"
        and (last.lower_ in pl.FACILITY_NAME_NOUNS)
    )


def _of_name(of: Token) -> Span | None:
    """`the town of Merefa` -> `Merefa`: a proper name after a common place noun."""
    head = of.head
    if of.dep_ != "prep" or head.pos_ != "NOUN" or head.lemma_.lower() not in pl.OF_NAME_PLACE_NOUNS:
        return None
    for g in of.children:
        if g.dep_ == "pobj" and g.pos_ == "PROPN":
            left = g.left_edge.i
            while left < g.i and g.doc[left].pos_ != "PROPN":
                left += 1  # `the city of the Hague`: the name, not its article
            return g.doc[left : g.i + 1]
    return None


def _anchors(toks: list[Token]) -> dict[int, int]:
    """The trigger and the words it hangs from, up to the head of its own clause, each
    with the first token index from which a preposition attached to it counts.

    A noun trigger climbs to its verb (`talks were held`); a verb stops at itself unless
    it is coordinated with or controlled by the verb above (`conj`, `xcomp`), which share
    its clause's modifiers, as does a `by`-gerund (`_in_clause`). Reporting, main and
    subordinate clauses above are not climbed. A noun coordinated after another shares
    only the modifiers after it: in `the embassy's role in X and the sanctions`, `in X`
    belongs to the first noun alone.
    """
    anchors = {t.i: 0 for t in toks}
    for t in toks:
        cur = t
        for _ in range(6):
            if cur.head.i == cur.i:
                break
            if cur.pos_ in ("VERB", "AUX") and cur.dep_ not in SAME_CLAUSE_VERB_LINKS and not _in_clause(cur):
                break
            after = t.i if cur.dep_ == "conj" and cur.pos_ in ("NOUN", "PROPN") else 0
            cur = cur.head
            anchors[cur.i] = min(anchors.get(cur.i, after), after)
    return anchors


def _participle_modifier(verb: Token) -> bool:
    """`rotating storms`: an `-ing` word right before a bare noun, with no other dependent,
    in a noun's place (a subject, a preposition's object) is its adjective, though the
    parser reads a gerund taking an object: the phrase belongs to the clause above."""
    kids = list(verb.children)
    return (
        verb.tag_ == "VBG"
        and verb.dep_ in ("csubj", "csubjpass", "pcomp", "nsubj")
        and len(kids) == 1
        and kids[0].dep_ == "dobj"
        and kids[0].i == verb.i + 1
        and not any(c.dep_ == "det" for c in kids[0].children)
    )


def _in_clause(verb: Token) -> bool:
    """A verb that is no clause of its own: a `by`-gerund names how the act above was done,
    one act in one place (`created a crisis in X by blocking aid`); `_participle_modifier`."""
    return (verb.dep_ == "pcomp" and verb.head.lower_ == "by") or _participle_modifier(verb)


def _phrase(toks: list[Token]) -> set[int]:
    """The trigger and the nouns it modifies: `extradition` -> `extradition hearing`."""
    out = {t.i for t in toks}
    for t in toks:
        cur = t
        while (
            cur.dep_ in NOMINAL_MODIFIER_LINKS and cur.head.i != cur.i and cur.head.pos_ in ("NOUN", "PROPN")
        ):
            cur = cur.head
            out.add(cur.i)
    return out


def _depth_below(tok: Token, trig: set[int]) -> int | None:
    """Links from a trigger word down to `tok` (0 for the trigger itself), or None when
    `tok` is not inside the trigger's phrase within `MAX_DEPTH` links or the path passes
    through a participant (`soldiers stationed in X fired`: the subject's place)."""
    cur = tok
    for depth in range(MAX_DEPTH + 1):
        if cur.i in trig:
            return depth
        if cur.head.i == cur.i or cur.dep_ in PARTICIPANT_LINKS:
            return None
        if cur.dep_ == "pobj" and cur.head.lower_ in PARTICIPANT_PREPS:
            return None
        if cur.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in pl.TIME_MARKS for c in cur.children):
            return None  # `charged ... before he died in X`: another event, at another time
        cur = cur.head
    return None


def _clause_object(tok: Token, toks: list[Token], anchors: dict[int, int]) -> bool:
    """`tok` is the direct object of a verb of the trigger's clause (`searched a house near
    X and arrested two men`), and not a second `dobj` beside a trigger that is that verb's
    object (a verb has one direct object: a second one is a misparse of an adjunct)."""
    verb = tok.head
    return (
        tok.dep_ == "dobj"
        and verb.i in anchors
        and verb.pos_ == "VERB"
        and not any(t.dep_ == "dobj" and t.head.i == verb.i for t in toks)
    )


def _of_whole(tok: Token) -> Token:
    """`dozens of houses`: the quantity the parser makes a verb's object for the noun acted on."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.dep_ == "prep":
        return tok.head.head
    return tok


def _hyphen_joined(left: Token, right: Token) -> bool:
    """Two adjacent tokens written as one word through a hyphen (`Japan` + `-Korea`)."""
    return not left.whitespace_ and (left.text[-1] in "-–" or right.text[0] in "-–")


def _hyphen_pair(ent: Span) -> bool:
    """`Japan-Korea`, `Brazil-Chile`: a name joined by a hyphen (no spaces) to
    another capitalised name names the two sides of a relation, never one venue (`US-led`
    is no pair: the other side is no name)."""
    doc = ent.doc
    lo, hi = ent.start, ent.end  # widen over `-` joined without spaces: `Japan` `-Korea`
    while lo > 0 and _hyphen_joined(doc[lo - 1], doc[lo]):
        lo -= 1
    while hi < len(doc) and _hyphen_joined(doc[hi - 1], doc[hi]):
        hi += 1
    parts = [p for p in doc[lo:hi].text.replace("–", "-").split("-") if p]
    return len(parts) >= 2 and all(p[0].isupper() for p in parts)


def _locative_prep(prep: Token, etype: str, anchors: dict[int, int]) -> bool:
    """A preposition that can give an event's place (see `pl.MOTION_ONLY_PREPS`, `_source`)."""
    low = prep.lower_
    if low == "from":
        return _source(prep, etype, anchors)
    if low == "on":  # `on a train`, `on the street`: see `pl.ON_PLACE_NOUNS`
        return any(c.dep_ == "pobj" and c.lemma_.lower() in pl.ON_PLACE_NOUNS for c in prep.children)
    if low not in pl.LOCATION_PREPS:
        return False
    if low in pl.MOTION_ONLY_PREPS:
        head = prep.head
        return etype in MOTION_TYPES or (head.i in anchors and head.lemma_.lower() in lx.DESTINATION_VERBS)
    return True


def _source(prep: Token, etype: str, anchors: dict[int, int]) -> bool:
    """`from X` places a removal (`deported from X`: it happens where it starts) and weather
    (`from X to Y` spans its area); elsewhere it names an origin (`aid from X`)."""
    head = prep.head
    if etype == "accident":
        return head.i in anchors
    return head.i in anchors and head.lemma_.lower() in pl.REMOVAL_VERBS


def _elided_as_clause(verb: Token) -> bool:
    """`went ahead as planned in X`: a subjectless `as`-clause only compares the main event
    with what was said of it; the adjuncts the parser hangs on it are the main verb's."""
    return (
        verb.dep_ == "advcl"
        and verb.tag_ == "VBN"
        and any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children)
        and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)
    )


def _venue_attachment(prep: Token, anchors: dict[int, int]) -> tuple[Token, Token]:
    """The preposition and word a locative phrase hangs from, climbing from a venue to the
    phrase that holds it (`talks at a hotel in Geneva`: `in Geneva` locates the hotel, the
    hotel the talks; `announced it during a meeting in X`: an event during another shares
    its place), up to an anchor or two venues up."""
    attach = prep.head
    for _ in range(2):
        if attach.i not in anchors and _elided_as_clause(attach):
            attach = attach.head
        if attach.i in anchors or attach.dep_ != "pobj":
            break
        if attach.head.lower_ not in pl.VENUE_CLIMB_PREPS:
            break
        prep, attach = attach.head, attach.head.head
    return prep, attach


def _score(
    ent: Span, toks: list[Token], trig: set[int], anchors: dict[int, int], phrase: set[int], etype: str
) -> float | None:
    """How well `ent` places the event (lower is better), or None when it does not."""
    root = ent.root
    dist = min(abs(root.i - t.i) for t in toks)
    cur = root
    for _ in range(4):  # climb compound/appos/of-chains to a locative preposition
        if cur.i in trig:
            break  # `Istanbul talks`: a modifier of the trigger itself, see below
        if cur.dep_ == "pobj" and _locative_prep(cur.head, etype, anchors):
            prep, attach = _venue_attachment(cur.head, anchors)
            if cur.head.lower_ == "from":
                dist += SOURCE_PENALTY
            if attach.i in anchors:  # not when it modifies an earlier conjunct only
                return dist if prep.i >= anchors[attach.i] else None
            objs = (attach, _of_whole(attach))
            inner = _depth_below(attach, phrase) is not None or any(
                _clause_object(o, toks, anchors) for o in objs
            )
            return dist + INNER_PENALTY if inner else None
        verb = cur.head.head
        if (
            cur.dep_ == "pobj"
            and cur.head.lower_ == "to"
            and verb.lemma_.lower() in lx.DESTINATION_VERBS
            and (verb.i in anchors or (verb.dep_ == "conj" and verb.head.i in anchors))
        ):
            return dist + DESTINATION_PENALTY  # `sent them to Qatar`, `traveling to Florida for talks`
        if (
            etype in VENUE_POSSESSIVE_TYPES
            and cur.dep_ == "poss"
            and cur.head.pos_ == "NOUN"
            and (cur.head.i in trig or _same_type(cur.head, etype))
        ):
            return dist  # `Indiana's biggest teacher protest`
        if (
            etype == "attack"
            and cur.dep_ == "pobj"
            and cur.head.lower_ in TARGET_PREPS
            and cur.head.head.i in trig
        ):
            return dist + TARGET_PENALTY  # `invasion of Ukraine`, `strikes on Kyiv`
        if etype == "attack" and cur.dep_ == "dobj" and cur.head.i in trig and cur.head.pos_ == "VERB":
            return dist + TARGET_PENALTY  # `invaded Ukraine`, `struck the city of Bila Tserkva`
        if etype == "attack" and (
            (cur.dep_ == "nsubjpass" and cur.head.i in trig and cur.head.pos_ == "VERB")
            or _misattached_target(cur, toks)
        ):
            return dist + TARGET_PENALTY  # `X was shelled`: the passive's subject is the target
        if etype in VENUE_SUBJECT_TYPES and cur.dep_ != "nsubj" and _relative_subject(cur, toks, anchors):
            return dist + TARGET_PENALTY  # `X, which holds an early primary`: X holds it
        if cur.lower_ in LOCATIVE_ADVERBS and cur.dep_ in ("advmod", "npadvmod") and cur.head.i in anchors:
            return dist  # `form near or west of X`: a locative adverb with its `of` place
        if (
            etype in VENUE_SUBJECT_TYPES
            and cur.dep_ in ("nsubj", "nsubjpass")
            and cur.head.i in anchors
            and ent.label_ in PLACE_LABELS
            and (cur.i != root.i or not lx.is_country(ent.text))
        ):
            return dist + TARGET_PENALTY  # `Ohio voters approved ...`, `the state begins voting`
        if cur.dep_ == "pobj" and cur.head.lower_ == "of" and cur.head.head.lemma_.lower() in OF_HEADS:
            cur = cur.head.head  # `the outskirts of X`, `west of X`, `near or west of X`
            continue
        if cur.dep_ in ("compound", "nmod", "appos", "conj", "poss") and cur.head.i != cur.i:
            cur = cur.head  # `nmod`: a modifier apart from its noun (`in X federal court`)
            continue
        if cur.dep_ == "amod" and cur.head.lemma_.lower() in lx.PLACE_NOUNS:
            cur = cur.head  # `in Logar province` parsed with `Logar` as a modifier
            continue
        break
    if (
        root.dep_ in ("compound", "nmod")
        and root.head.i in phrase
        and (etype in VENUE_POSSESSIVE_TYPES or not lx.is_country(ent.text))
        and not _hyphen_pair(ent)
    ):
        # `Istanbul talks`; `Hong Kong protests` (not `Russia sanctions`); on the noun a
        # trigger modifies, the same venue: `a kidnapped Denver boy`, `a Belfast extradition hearing`
        return dist
    return None


def _relative_subject(noun: Token, toks: list[Token], anchors: dict[int, int]) -> bool:
    """`noun` is the subject of a verb of the trigger's clause through a relative pronoun:
    the clause modifies it and its subject is `which`/`that`/`who` (`X, which holds ...`)."""
    doc = toks[0].doc
    return any(
        doc[i].head.i == noun.i
        and doc[i].dep_ == "relcl"
        and any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in RELATIVE_PRONOUNS for c in doc[i].children)
        for i in anchors
    )


def _misattached_target(tok: Token, toks: list[Token]) -> bool:
    """`to condemn the war on X`: an `on`/`against` phrase right after an attack noun that
    is a verb's object is the noun's target, though the parser may hang it on the verb."""
    prep = tok.head
    if tok.dep_ != "pobj" or prep.lower_ not in ("on", "against"):
        return False
    return any(
        t.dep_ == "dobj" and t.pos_ == "NOUN" and t.head.i == prep.head.i and prep.i == t.right_edge.i + 1
        for t in toks
    )


def _locates(first: Span, second: Span) -> bool:
    """True when `second` only says where `first` is: `A, in the B region`, `A in B`,
    `A, B` (English names nested places from the smallest outward)."""
    gap = first.doc[first.end : second.start]
    if len(gap) > 3:
        return False
    return all(t.lower_ in (",", "in") or t.pos_ == "DET" for t in gap)


def _location(places: list[Span], toks: list[Token], etype: str) -> str | None:
    """The best-placed of the sentence's places for this trigger, else None.

    `places` is the sentence's `place_spans`, computed once for all its triggers.
    """
    trig = {t.i for t in toks}
    anchors = _anchors(toks)
    phrase = _phrase(toks)
    scored: list[tuple[float, Span]] = []
    for ent in places:
        if ent.root.i in trig:
            continue
        score = _score(ent, toks, trig, anchors, phrase, etype)
        if score is not None:
            scored.append((score, ent))
    if not scored:
        return None
    scored.sort(key=lambda se: se[1].start)
    for k in range(len(scored) - 1, 0, -1):  # a place located by the next one takes its score
        (s1, a), (s2, b) = scored[k - 1], scored[k]
        if s2 < s1 and _locates(a, b):
            scored[k - 1] = (s2, a)
    best = min(scored, key=lambda se: (se[0], se[1].start))
    return clean_name(best[1].text)


def _whole_word(toks: list[Token]) -> list[Token]:
    """The trigger with the prefix its first word is hyphenated to (`re` `-` `elected`):
    the tokenizer splits `re-elected` but it is one verb, and the parser often hangs the
    verb's subject and modifiers on the prefix (`Ohio Democrats re-elected ...`)."""
    doc = toks[0].doc
    i = toks[0].i
    while i >= 2 and doc[i - 1].text in ("-", "–") and _hyphen_joined(doc[i - 2], doc[i - 1]):
        if doc[i - 1].whitespace_ or not doc[i - 2].is_alpha or not doc[i - 2].is_lower:
            break
        i -= 2
    return list(doc[i : toks[0].i]) + toks if i < toks[0].i else toks


def event_location(
    ctx: Context, view: DocView, places: list[Span], toks: list[Token], etype: str, start: int
) -> str | None:
    """The place of the event whose trigger words are `toks` (`start`: the sentence's offset)."""
    toks = _whole_word(toks)
    return (
        _location(places, toks, etype)
        or _where_clause(places, toks)
        or _city_reference(ctx, view, toks, start)
        or _named_venue(ctx, toks, _anchors(toks), start)
    )
