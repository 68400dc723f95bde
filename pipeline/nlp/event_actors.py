"""Event actors: the participants the syntax ties to a trigger, not every name nearby.

`participants(ctx, view, sent_start, toks)` reads the dependency parse around a trigger's
tokens and returns the names of who takes part, each resolved to its fullest mention:

- a verb trigger's subject, passive agent (`by X`), object, dative, and the objects of
  participant prepositions (`with`, `against`, `between`, `among`, `on`, `from`, `into`,
  `to`, `for`), with their conjuncts (`X and Y`); a verb without its own subject takes the
  subject of the verb it is conjoined to (up a chain: `X found, rescued and arrested Y`) or
  is the infinitive of (`X agreed to inject`); a relative pronoun subject stands for the
  noun its clause modifies (`the airman who set himself on fire to protest`);
- a noun trigger's possessor, entity modifiers (`China-US trade deal`, `Russian strike`),
  the objects of the same prepositions plus `of` and `by`, the subject of the verb it is the
  object of (`X reached an agreement`), and the agent of a participle on it (`tariffs
  imposed by China`);
- a pronoun (`he`, `his`, `she`) names the last person mentioned before it; a definite
  organisation noun (`the company`) the last organisation; a noun for a group of people or
  an organisation (`officers`, `federal prosecutors`, `police`) stays a participant in its
  own words, unless it says whom it is from (`officers from the X Police Department` -> X);
  a definite court noun (`the justices`, `the court`) names the last court of the article;
- the named members of a participating group (`talks with partners including X and Y`);
  a noun in apposition to a name (`X, the suspect,`) is that name.

Names are listed as fully as the article gives them: a country by its full name for a short
form or its capital (`US`, `Beijing` as a party -> United States, China), an organisation by
its fullest mention or the name an acronym was introduced with (`the Grid Authority (GA)`).

Places (the event's location, and GPE/LOC/FAC names reached only through `in`/`at`/`near`)
are not participants, and neither are names outside the sentence. `sentence_names` (the
caller's fill) also leaves out places modifying another noun (`a Fort Worth girl`) and names
that only report the event (`said X`, `told X`, `according to X`, a person saying something
about it) and adds nothing for accidents and protests (`UNFILLED_TYPES`). The contract is
precision: an empty list means the syntax named nobody, and the caller decides what to
fall back to (see `pipeline.nlp.events`).
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, DocView, clean_name
from pipeline.nlp.coref import SUBJECT_FORM, Coref
from pipeline.nlp.lexicons.triggers import COURTS, MILITARY, PARTICIPANT_NOUNS, WEAPONS

ACTOR_LABELS = ("PERSON", "ORG", "GPE", "NORP")
MALE = frozenset({"he", "him", "his", "himself"})
FEMALE = frozenset({"she", "her", "hers", "herself"})
# Prepositions whose object takes part in the event (`talks with X`, `sanctions against X`,
# `a deal between X and Y`, `imposed on X`, `aid to X`); `in`/`at`/`near` give places and
# `during`/`after` times, so they are not followed.
PARTICIPANT_PREPS = frozenset({"with", "against", "between", "among", "on", "from", "into", "to", "for"})
# Prepositions naming the other side of a verb-object pair (`reached a deal with X`).
PARTNER_PREPS = frozenset({"with", "against", "between", "on"})
# A noun trigger's `of`/`by` object is its patient or agent (`the arrest of X`, `an attack by X`).
NOUN_PREPS = PARTICIPANT_PREPS | {"of", "by"}
# Prepositions of place: a name reached through them is where something is, not who.
PLACE_PREPS = frozenset({"in", "at", "near", "across", "throughout", "outside", "inside"})
# A name that reports or obtains the news (`X reported`, `obtained by X`) is the source.
SOURCE_VERBS = frozenset({"report", "reveal", "obtain", "publish", "see"})
# Verbs that only report what somebody says (not commit, demand or threaten, whose subject
# acts): their subject is the source of a claim about the event, not a participant.
REPORTING_VERBS = frozenset(
    {"say", "tell", "add", "note", "explain", "state", "write", "comment", "remark", "reply", "respond"}
    | {"argue", "insist", "acknowledge", "confirm", "describe", "recall", "suggest", "predict", "estimate"}
)
# Heads naming people or organisations when no name is given (`officers arrested X`).
PARTY_NOUNS = lx.GROUP_NOUNS | lx.ORG_NOUNS | lx.TITLE_NOUNS | PARTICIPANT_NOUNS | MILITARY | COURTS
# Nouns for people in general, on top of the party nouns: who can be freed or detained.
PERSON_NOUNS = PARTY_NOUNS | frozenset(
    {"man", "men", "woman", "women", "child", "children", "boy", "boys", "girl", "girls", "person", "people"}
    | {"family", "families", "national", "nationals", "woman", "teenager", "teenagers", "member", "members"}
)


def is_person(tok: Token) -> bool:
    """A token that names people: a person or nationality entity, a personal pronoun, a
    noun for people (`prisoners`, `six people`, `the commander`) or a nation's people.
    Organisations and products are not people (`released the iPad Pro`)."""
    if tok.ent_type_ in ("PERSON", "NORP"):
        return True
    if tok.pos_ == "PRON":
        return tok.lower_ not in ("it", "this", "that", "which", "what")
    if any(c.dep_ in ("amod", "compound") and c.ent_type_ in ("NORP", "GPE", "ORG") for c in tok.children):
        return True  # `an Israeli tank crew`, `Hamas gunmen`: a nation's or a group's people
    return tok.lemma_.lower() in PERSON_NOUNS or tok.lower_ in PERSON_NOUNS


# Pronouns that point at a particular party: an event they take part in is specific even
# when the pronoun cannot be resolved (`he faces charges`). `you`/`we`/`it` are left out:
# they are as often generic (`you can sign up for a trial`).
PARTY_PRONOUNS = MALE | FEMALE | frozenset({"they", "them", "their", "theirs"})
MAX_PARTICIPANTS = 6
# Pronouns opening a relative clause (`the man who ...`).
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
# Event types whose participants are only those the syntax ties to the trigger: the fill
# (`sentence_names`) assumes that the parties a sentence names take part in its event, which
# holds for events between parties (talks, deals, sanctions, charges, votes), newsworthy by
# who does them. Events newsworthy by what happens (a storm, a crash, a fire, an outbreak)
# or carried by a crowd rarely named (a protest) name around their trigger where it happened,
# whom it hit or targets, and who reports it; who takes part in them is named in the syntax
# (`crashes of its jet`, `X's supporters protested`) or not at all. (Policies were measured
# too: their fill is as poor, but dropping it cost recall as well as gaining precision.)
UNFILLED_TYPES = frozenset({"accident", "protest"})
# Labels an organisation's fuller mention may carry (`Democrats` as NORP, `House Democrats`
# as ORG).
GROUP_LABELS = ("ORG", "NORP")


def participants(
    ctx: Context, view: DocView, sent_start: int, toks: list[Token], coref: Coref | None = None
) -> tuple[list[str], bool]:
    """Names of the participants of the event whose trigger is `toks` (see module doc), and
    whether any argument points at a particular party (a name, a party noun, or a personal
    pronoun even if unresolved): False marks a mention with no participant at all."""
    names: list[str] = []
    seen: set[int] = set()
    specific = False
    for tok in _argument_tokens(toks):
        if tok.i in seen or any(tok.i == t.i for t in toks):
            continue
        seen.add(tok.i)
        specific = specific or tok.lower_ in PARTY_PRONOUNS
        name = _name_of(ctx, view, sent_start, tok, coref)
        for n in (_countries(name) or [name]) if name else []:
            n = ctx.defined_acronym(n) or n
            if n and n not in names and len(n) < 80:
                names.append(n)
    return names[:MAX_PARTICIPANTS], specific or bool(names)


def _argument_tokens(toks: list[Token]) -> list[Token]:
    """Argument heads of the trigger tokens, in order of importance, with conjuncts."""
    out: list[Token] = []
    for t in toks:
        if t.pos_ in ("VERB", "AUX"):
            out += _verb_args(t)
        elif t.pos_ in ("NOUN", "PROPN"):
            out += _noun_args(t)
    expanded: list[Token] = []
    for a in out + [m for g in out for m in _members(g)]:
        expanded.append(a)
        expanded += [c for c in a.conjuncts if c.i > a.i]
    return expanded


# Prepositions listing the members of a group (`partners including X and Y`, `countries
# such as X`).
MEMBER_PREPS = frozenset({"including", "like"})


def _members(arg: Token) -> list[Token]:
    """The named members of a group that takes part (`talks with partners including X,
    Y and Z`, `representatives of countries such as X`): each member takes part too.
    The group may be the argument or the `of` object of it."""
    groups = [arg] + [g for c in arg.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children]
    out: list[Token] = []
    for g in groups:
        for c in g.children:
            if c.dep_ != "prep":
                continue
            such_as = c.lower_ == "as" and any(x.lower_ == "such" for x in c.children)
            if c.lower_ in MEMBER_PREPS or such_as:
                out += [x for x in c.children if x.dep_ == "pobj"]
    return out


def _verb_args(verb: Token) -> list[Token]:
    out: list[Token] = []
    kids = list(verb.children)
    subj = [c for c in kids if c.dep_ in ("nsubj", "nsubjpass")]
    if not any(c.dep_ == "nsubj" for c in kids) and verb.dep_ in ("xcomp", "conj", "advcl", "pcomp"):
        # `X agreed to inject` / `X was arrested and charged` / `X pleaded guilty to
        # threatening`: the governing verb's subject.
        gov = verb.head.head if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" else verb.head
        # `X found, rescued her and arrested Y`: a chain of conjoined verbs shares the first
        # one's subject, so climb the chain until a verb has one.
        while gov.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in gov.children):
            gov = gov.head
        subj += [c for c in gov.children if c.dep_ in ("nsubj", "nsubjpass")]
    if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("NOUN", "PROPN"):
        subj.append(verb.head)  # `the man who attacked`, `a girl kidnapped by`
    # `the airman who set himself on fire to protest`: a relative pronoun stands for the
    # noun its clause modifies.
    subj = [s.head.head if s.lower_ in RELATIVE_PRONOUNS and s.head.dep_ == "relcl" else s for s in subj]
    out += subj
    out += [g for c in kids if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    out += [c for c in kids if c.dep_ in ("dobj", "dative")]
    preps = [c for c in kids if c.dep_ == "prep" and c.lower_ in PARTICIPANT_PREPS]
    # `signed an agreement with X`: the object's partner takes part in the verb's event.
    preps += [
        p
        for c in kids
        if c.dep_ == "dobj"
        for p in c.children
        if p.dep_ == "prep" and p.lower_ in PARTNER_PREPS
    ]
    out += [g for c in preps for g in c.children if g.dep_ == "pobj"]
    return out


def _noun_args(noun: Token) -> list[Token]:
    out: list[Token] = []
    kids = list(noun.children)
    out += [c for c in kids if c.dep_ == "poss"]
    out += [c for c in kids if c.dep_ in ("amod", "compound", "nmod") and c.ent_type_ in ACTOR_LABELS]
    if noun.dep_ in ("dobj", "attr") and noun.head.pos_ in ("VERB", "AUX"):
        # `X reached an agreement`, `X imposed tariffs`: the verb's subject carries it out.
        verb = noun.head
        subj = [c for c in verb.children if c.dep_ == "nsubj"]
        if not subj and verb.dep_ in ("xcomp", "conj"):
            subj = [c for c in verb.head.children if c.dep_ == "nsubj"]
        out += subj
        out += [
            g
            for c in verb.children
            if c.dep_ == "prep" and c.lower_ in PARTNER_PREPS
            for g in c.children
            if g.dep_ == "pobj"
        ]
    if noun.dep_ == "pobj" and noun.head.dep_ == "prep" and noun.head.head.pos_ in ("VERB", "AUX"):
        # `came to terms on an agreement`, `said at a rally`: the verb's subject takes part.
        verb = noun.head.head
        out += [c for c in verb.children if c.dep_ == "nsubj"]
    for c in kids:
        if c.dep_ == "prep" and c.lower_ in NOUN_PREPS:
            out += [g for g in c.children if g.dep_ == "pobj"]
        elif c.dep_ == "acl":  # `tariffs imposed by China`
            out += [g for a in c.children if a.dep_ == "agent" for g in a.children if g.dep_ == "pobj"]
    return out


def _entity_at(view: DocView, tok: Token) -> Span | None:
    return next((e for e in view.ents if e.start <= tok.i < e.end), None)


def _name_of(ctx: Context, view: DocView, sent_start: int, tok: Token, coref: Coref | None) -> str | None:
    """The participant a token names, or None (places, times, things); pronouns and
    definite descriptions (`the suspect`) are resolved by `coref` when given."""
    ent = _entity_at(view, tok)
    if ent is not None:
        if ent.label_ not in ACTOR_LABELS:
            return None
        if ent.label_ == "GPE" and tok.dep_ == "pobj" and tok.head.lower_ in PLACE_PREPS:
            return None
        return actor_name(ctx, ent)
    low = tok.lower_
    pos = sent_start + tok.idx
    if tok.pos_ == "PRON":
        if coref is not None and low in PARTY_PRONOUNS:
            # `his`/`her`/`their` refer as `he`/`she`/`they` do.
            found = coref.antecedent(SUBJECT_FORM.get(low, low), pos, [])
            if found is not None:
                return ctx.fullest(found.name) if found.stype == "PERSON" else found.name
            return None
        if low in MALE or low in FEMALE:
            people = ctx.mentions_before(pos, ("PERSON",))
            return ctx.fullest(people[-1].text) if people else None
        return None
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    for c in tok.children:  # `the suspect, Michael Webb,`: the name in apposition
        if c.dep_ == "appos":
            ent = _entity_at(view, c)
            if ent is not None and ent.label_ in ACTOR_LABELS:
                return actor_name(ctx, ent)
    if tok.dep_ == "appos":  # `Michael Webb, the suspect,`: the name it stands beside
        ent = _entity_at(view, tok.head)
        if ent is not None and ent.label_ in ACTOR_LABELS:
            return actor_name(ctx, ent)
    if tok.pos_ == "PROPN":
        # A proper name the recogniser left untagged (`Coty acquired`): its name phrase.
        left = min([c.i for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN"] + [tok.i])
        return clean_name(view.doc[left : tok.i + 1].text)
    lemma = tok.lemma_.lower()
    # A noun whose modifier names a nation (`Russian forces`, `Israeli tank crew`): the
    # nation when the modifier is one, else the phrase.
    ents = [c for c in tok.children if c.dep_ in ("amod", "compound") and c.ent_type_ in ("NORP", "GPE")]
    if ents:
        left = min(c.i for c in ents)
        nation = lx.country_of(view.doc[left].text) if len(ents) == 1 else None
        return nation or clean_name(view.doc[left : tok.i + 1].text)
    # A weapon is a participant as the subject (`the tank fired`), not as the instrument.
    weapon = tok.dep_ == "nsubj" and (lemma in WEAPONS or low in WEAPONS)
    if coref is not None and any(c.dep_ == "det" and c.lower_ == "the" for c in tok.children):
        known = coref.described(lemma, pos)  # `the suspect` -> the name introduced as one
        if known is not None:
            return ctx.fullest(known.name) if known.label == "PERSON" else known.name
    if lemma not in PARTY_NOUNS and low not in PARTY_NOUNS and not weapon:
        return None
    for c in tok.children:  # `officers from the Columbus Police Department`
        if c.dep_ == "prep" and c.lower_ in ("from", "of", "at"):
            for g in c.children:
                ent = _entity_at(view, g) if g.dep_ == "pobj" else None
                if ent is not None and ent.label_ in ("ORG", "GPE", "NORP"):
                    return actor_name(ctx, ent)
    definite = any(c.lower_ == "the" for c in tok.children)
    if definite and (lemma in COURTS or low in COURTS) and lemma not in BENCH_PERSONS:
        # `the court`, `the justices`: a bench is the court the article named last (`the
        # Supreme Court ... the justices ruled`); the court acts through its members.
        court = _last_court(ctx, sent_start + tok.idx)
        if court:
            return court
    if lemma in lx.DEFINITE_ORG_FALLBACK and definite:
        orgs = ctx.mentions_before(sent_start + tok.idx, ("ORG",))
        if orgs:
            return clean_name(orgs[-1].text)
    left = min([c.i for c in tok.children if c.dep_ in ("amod", "compound") and c.i < tok.i] + [tok.i])
    return clean_name(view.doc[left : tok.i + 1].text)


# Court words naming one person, who is named by their own name (`Judge Ann Lee`).
BENCH_PERSONS = frozenset({"judge", "magistrate"})


def _last_court(ctx: Context, pos: int) -> str | None:
    """The fullest name of the last court (an organisation whose name has a court word)
    mentioned before `pos`."""
    for m in reversed(ctx.mentions_before(pos, ("ORG",))):
        if any(w in COURTS for w in re.findall(r"[a-z-]+", m.text.lower())):
            return ctx.defined_acronym(m.text) or ctx.fullest(m.text, GROUP_LABELS)
    return None


def actor_name(ctx: Context, ent: Span) -> str:
    """How an entity is listed as an actor: a person by the fullest mention, a
    nationality by its country (`Russian` -> Russia), anything else by its clean name."""
    if ent.label_ == "PERSON":
        return ctx.fullest(ent.text)
    if ent.label_ == "NORP":
        country = lx.country_of(ent.text)
        if country:
            return country
        return ctx.fullest(ent.text, GROUP_LABELS)
    if ent.label_ == "GPE":
        return country_name(ctx, clean_name(ent.text))
    # An organisation by its fullest mention in the article (`Democrats` -> `House
    # Democrats`, `SoftBank` -> `SoftBank Group Corp`): a later mention shortens the name.
    return ctx.defined_acronym(ent.text) or ctx.fullest(ent.text, GROUP_LABELS)


def country_name(ctx: Context, name: str) -> str:
    """A country's full name for its abbreviation or its capital (`US` -> United States,
    `Beijing` -> China): an actor is the state, named as fully as the language allows, and
    a capital that takes part in an event stands for its government (metonymy; a capital
    reached as a place, `in Beijing`, never gets here). A short name that is a word of its
    own (`Britain`) is the fullest mention unless the article also uses the full name.
    Only a whole-name gazetteer hit counts, so `New Mexico` stays itself."""
    key = name.lower().strip().removeprefix("the ").removesuffix("'s").removesuffix("’s")
    hit = lx.COUNTRIES.get(key)
    if not hit:
        return name
    full = hit[0]
    own_word = lx.is_country(name) and any(ch.islower() for ch in name)
    return name if own_word and full not in ctx.text else full


def _countries(name: str) -> list[str]:
    """`Russian-Ukrainian` -> [Russia, Ukraine]: each nation of a joint adjective."""
    parts = name.replace("–", "-").split("-")
    found = [c for c in (lx.country_of(p) for p in parts) if c]
    return found if len(parts) > 1 and len(found) == len(parts) else []


def sentence_names(
    ctx: Context,
    view: DocView,
    toks: list[Token],
    dateline_end: int,
    etype: str | None = None,
    parts: list[str] | None = None,
    least: int | None = None,
) -> list[str]:
    """The sentence's other named parties, nearest the trigger first, leaving out places
    (`in X`), news sources (`according to X`, `X reported`, `obtained by X`), people
    commenting on the event (`X said the charges are overdue`), the dateline; none for an
    event of the `UNFILLED_TYPES`.

    With `least`, only the fill of the participants `parts`: the nearest names not among
    them, up to `least` names in all, and the names coordinated with a name taken (`officials
    from X, Y and Z`): a coordination lists parties in one role, so cutting it after its
    first names would be arbitrary."""
    near = _named_parties(ctx, view, toks, dateline_end, etype)
    if least is None:
        return [name for name, _ in near]
    known = parts or []
    fill = [name for name, _ in near if name not in known]
    fill = list(dict.fromkeys(fill))[: max(0, least - len(known))]
    taken = {group for name, group in near if name in fill}
    fill += [name for name, group in near if group in taken and name not in fill and name not in known]
    return fill


def _named_parties(
    ctx: Context, view: DocView, toks: list[Token], dateline_end: int, etype: str | None
) -> list[tuple[str, int]]:
    """`sentence_names` with, for each name, its coordination (the index of the first
    conjunct of `X, Y and Z`)."""
    if etype in UNFILLED_TYPES:
        return []
    pos = toks[0].i
    scored: list[tuple[int, str, int]] = []
    for ent in view.ents:
        if ent.label_ not in ACTOR_LABELS or ent.start_char < dateline_end:
            continue
        root = ent.root
        head = root.head
        if root.dep_ == "pobj" and head.lower_ in PLACE_PREPS:
            continue
        if root.dep_ == "pobj" and head.lower_ == "to" and head.head.lower_ == "according":
            continue
        if root.dep_ == "nsubj" and head.lemma_.lower() in SOURCE_VERBS:
            continue
        if _speaker(root, toks) or (ent.label_ == "PERSON" and _commentator(root, toks)):
            continue
        if (
            ent.label_ == "GPE"
            and root.dep_ in ("compound", "nmod", "amod")
            and head.pos_ in ("NOUN", "PROPN")
            and not _modifies(root, toks)
        ):
            # `a Fort Worth girl`, `a hotel room in a Forest Hill hotel`: a place name
            # modifying another noun says where that person or thing is from, not who acts.
            continue
        if root.dep_ == "pobj" and head.dep_ == "agent" and head.head.lemma_.lower() in SOURCE_VERBS:
            continue
        first = root
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head
        scored.append((min(abs(root.i - pos), abs(root.i - toks[-1].i)), actor_name(ctx, ent), first.i))
    return [(name, group) for _, name, group in sorted(scored, key=lambda x: x[0])]


def _speaker(root: Token, toks: list[Token]) -> bool:
    """A name that only reports the event: the inverted speaker of a reporting verb (`...,
    said X, an analyst`) or its addressee (`told X`). A speaker before the verb (`X said`)
    is kept, as such a speaker is often the actor too (`X said it would impose tariffs`);
    a reporting verb that is the trigger or governs it directly is left to `participants`."""
    head = root.head
    if root.dep_ not in ("nsubj", "dative", "dobj") or head.lemma_.lower() not in REPORTING_VERBS:
        return False
    if root.dep_ == "dobj" and head.lemma_.lower() != "tell":
        return False
    if root.dep_ == "nsubj" and root.i < head.i:
        return False  # `X said`: kept, as X is often also the actor; `said X` is a source
    return not any(t.i == head.i or t.head.i == head.i for t in toks)


def _commentator(root: Token, toks: list[Token]) -> bool:
    """A person who says something about the event (`X said the charges are overdue`):
    the subject of a reporting verb whose clause holds the trigger. A person commenting on
    an event is a source; one taking part is named in the clause itself (`X said he would
    impose tariffs`: `he` is a participant)."""
    head = root.head
    if root.dep_ != "nsubj" or head.lemma_.lower() not in REPORTING_VERBS:
        return False
    if any(t.i == head.i for t in toks):
        return False
    return all(head in t.ancestors for t in toks)


def _modifies(tok: Token, toks: list[Token]) -> bool:
    """`tok` is a trigger token or sits in the trigger's chain of noun modifiers
    (`US` in `US-China trade talks`)."""
    ids = {t.i for t in toks}
    cur = tok
    for _ in range(6):
        if cur.i in ids:
            return True
        if cur.dep_ not in ("compound", "nmod", "amod", "npadvmod") or cur.head.i == cur.i:
            return False
        cur = cur.head
    return False
