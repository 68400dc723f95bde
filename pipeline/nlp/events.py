"""Event extraction: trigger lexicon + dependency context for status, actors, place, date.

Every trigger-lexicon word and phrase of a parsed sentence is a `Candidate`, carrying the
hand rules' verdict (part of speech, required or vetoing context, generic or background
mention) and the reason when they drop it. Which candidates become events is decided by an
`EventChooser` (`pipeline.nlp.decide`, learned) or, without one, by that verdict;
`decide.select_events` then keeps at most one event per type per clause. Each kept candidate
becomes an `Event` with its actors and date found here, its place from
`pipeline.nlp.event_location` and its status from `pipeline.nlp.event_status`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.tokens import Span, Token

from pipeline.nlp import event_senses as senses
from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, DocView, Sentence, clean_name
from pipeline.nlp.coref import Coref
from pipeline.nlp.dates import normalize_date
from pipeline.nlp.decide import EventChooser, select_events
from pipeline.nlp.event_actors import ACTOR_LABELS, actor_name, participants, sentence_names
from pipeline.nlp.event_location import event_location, place_spans
from pipeline.nlp.event_status import event_status
from pipeline.nlp.features import Candidate
from pipeline.nlp.public_affairs import PUBLIC_FLOOR, public_share
from pipeline.nlp.segment import DATELINE
from pipeline.records import EventStatus


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
    status: EventStatus = EventStatus.OCCURRED
    cameo: str = ""
    country: str | None = None
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Triggers whose veto words count anywhere in the sentence (see lx.CONTEXT_VETO).
SENTENCE_VETO = {"fire_n", "collapse"}
# Types whose trigger nouns, modifying another noun, name something else (`aid groups`).
MODIFIER_TYPES = frozenset({"aid"})
# At most this many actors; when the syntax names fewer participants than NEAR_FILL, the
# sentence's nearest other named parties fill the list up to NEAR_FILL.
MAX_ACTORS = 8
NEAR_FILL = 2


# ---------------------------------------------------------------- triggers


def _phrase_matches(view: DocView) -> list[tuple[int, int, str, str]]:
    """(start token, end token, type, cameo) for multiword triggers, indexed by first word."""
    out = []
    lowers, lemmas = view.lowers, view.lemmas
    n_doc = len(lowers)
    phrases = lx.INDEX.phrases
    for i, low in enumerate(lowers):
        cands = phrases.get(low) or phrases.get(lemmas[i])
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


def _single_triggers(
    view: DocView, taken: set[int], doc_words: frozenset[str] = frozenset()
) -> list[Candidate]:
    """Every lexicon trigger word, each with the hand rules' verdict (`rule_ok`, `reason`).

    The rules keep a word with the right part of speech that passes the context filters;
    the learned layer (`pipeline.nlp.decide`) sees the dropped ones too.
    """
    out = []
    doc, lowers = view.doc, view.lowers
    forms = lx.INDEX.trigger_forms  # a cheap test that skips tokens that cannot be triggers
    for i, lemma0 in enumerate(view.lemmas):
        low = lowers[i]
        stem = low[:-1] if low.endswith("s") else ""
        if lemma0 not in forms and low not in forms and stem not in forms:
            continue
        if i in taken:
            continue
        tok = doc[i]
        entry, lemma = None, ""
        plain = (lemma0, low, stem)
        # nouns first try their noun-only sense (`fire_n` vs the verb `fire` = dismiss)
        cands = [c + "_n" for c in plain[:1]] + list(plain) if tok.pos_ == "NOUN" else list(plain)
        if lemma0 == "fire" and senses.gunfire(tok):  # `fired two rounds`, not `fired the coach`
            out.append(Candidate(i, i + 1, "attack", "19", True, "ok", "fire"))
            continue
        if lemma0 in senses.RULING_NOUNS and tok.pos_ == "NOUN" and senses.by_a_court(tok):
            out.append(Candidate(i, i + 1, "legal_action", "17", True, "ok", lemma0))
            continue  # `the Supreme Court decision`: a court's decision is a ruling
        for cand in cands:
            if cand in lx.EVENT_TRIGGERS:
                entry, lemma = lx.EVENT_TRIGGERS[cand], cand
                break
        if entry is None:
            continue
        etype, cameo, _ = entry
        if lemma == "sign" and senses.signs_a_law(tok):
            etype, cameo = "vote", "vote"  # `signed the bill`: passage of a law, not a deal
            entry = (etype, cameo, entry[2])
        reason = _rule_verdict(view, tok, lemma, entry, doc_words)
        out.append(senses.retyped(Candidate(i, i + 1, etype, cameo, reason == "ok", reason, lemma), doc))
    return out


def _rule_verdict(
    view: DocView, tok: Token, lemma: str, entry: tuple[str, str, str], doc_words: frozenset[str]
) -> str:
    """`ok` when the hand rules keep the trigger, else the first filter that drops it."""
    etype, _, pos = entry
    is_noun = tok.pos_ in ("NOUN", "PROPN")
    is_verb = tok.pos_ == "VERB"
    if not ((is_noun and "n" in pos) or (is_verb and "v" in pos)):
        return "pos"
    if tok.ent_type_ in ("PERSON", "ORG", "GPE", "WORK_OF_ART", "LAW", "FAC", "DATE"):
        return "entity"
    need = lx.CONTEXT_REQUIRED.get(lemma)
    words = _context_words(view, tok) if need or lemma in lx.CONTEXT_VETO else set()
    if need and not (words & need):
        doc_need = lx.DOC_CONTEXT.get(lemma) if is_noun else None
        if not (doc_need and doc_words & doc_need):
            return "context"
    if lemma in senses.ACCUSING and senses.private_accuser(tok):
        return "context"  # `Swift accused the label of ...`: an accusation, a claim, not a charge
    if etype == "leadership_change" and is_noun and not senses.names_a_person(tok):
        return "context"  # `the installation of the engines`: a change of leader needs a person
    if etype == "prisoner_exchange" and senses.releases_a_thing(tok):
        return "context"  # `released a video`, `the release of the report`: no captive freed
    if etype in MODIFIER_TYPES and is_noun and senses.modifies_a_noun(tok):
        return "modifier"  # `aid groups`, `storm fuel`: bodies, systems, things named by the event
    if is_noun and tok.dep_ == "compound" and tok.head.lemma_.lower() in senses.PLACE_HEADS:
        return "place"  # `a detention center`, `election offices`: a place named by its use
    if senses.in_a_title(tok):
        return "name"  # `Attack on Titan`, `The Forum`, `Fan Vote`: a title, not an event
    if lemma == "sign" and any(c.dep_ == "prt" and c.lower_ == "up" for c in tok.children):
        return "idiom"  # `sign up for a trial`: enrolling, not signing an agreement
    if lemma == "win" and any(c.dep_ == "prt" and c.lower_ == "over" for c in tok.children):
        return "idiom"  # `winning over the black vote`: persuading, not an election result
    if lemma == "talk" and tok.lower_ == "talk":
        return "singular"  # `that kind of talk`: speech; negotiations are the plural `talks`
    if etype == "attack" and senses.figurative_target(tok):
        return "figurative"  # `combat addiction`, `attacked his policies`
    if etype == "attack" and is_verb and senses.threatened(tok):
        return "threatened"  # `threatening to kill X`: the threat is the event
    if etype == "attack" and is_verb and senses.animal_victim(tok):
        return "hunt"  # `killed and ate a wild rabbit`
    if any(c.lower_ == "such" for c in tok.children):
        return "generic"  # `such exchanges`
    if lemma == "meet" and any(c.dep_ in ("auxpass", "nsubjpass") for c in tok.children):
        return "idiom"  # `was met with skepticism`
    if lemma == "demonstrate" and any(c.dep_ in ("ccomp", "dobj") for c in tok.children):
        return "idiom"  # `the case demonstrates that ...`: showing, not protesting
    if senses.background(tok) or (etype == "vote" and is_noun and senses.time_anchor(tok)):
        return "background"
    if lemma == "kill" and not (senses.has_agent(tok) or senses.weapon_subject(tok)) and tok.dep_ != "ROOT":
        return "no_cause"  # `those killed`, `were killed in a crash`: the cause is the event
    if etype == "attack" and tok.pos_ == "VERB" and senses.thing_subject(tok):
        return "no_cause"  # `the plague killed millions`, `a storm struck the coast`
    if lemma in SENTENCE_VETO:  # damage caused by an attack is part of the attack
        words = words | set(view.lemmas)
    if words & lx.CONTEXT_VETO.get(lemma, frozenset()):
        return "veto"
    if etype in ("threat",) and is_verb and not senses.has_agent(tok):
        return "no_agent"
    if lemma == "attack" and tok.dep_ == "compound" and tok.head.lemma_ == "helicopter":
        return "idiom"
    return "ok"


def _is_question(ctx: Context, sent: Sentence) -> bool:
    """Headline-style questions (`What was the investigation about?`) report no event."""
    text = ctx.text[sent.start : sent.end].rstrip()
    return text.endswith("?") and ctx.quote_at(sent.end - 1) is None


def _clause_head(tok: Token) -> int:
    """Index of the verb that heads the trigger's clause."""
    cur = tok
    for _ in range(8):
        if cur.pos_ in ("VERB", "AUX") or cur.head.i == cur.i:
            return cur.i
        cur = cur.head
    return cur.i


def _slot(tok: Token) -> tuple[int, bool]:
    """Where a candidate sits for `select_events`: its clause head, and whether it has a
    clause of its own (a verb with its own subject, or a conjoined verb)."""
    return _clause_head(tok), _own_clause(tok) or (tok.pos_ == "VERB" and tok.dep_ == "conj")


def _own_clause(tok: Token) -> bool:
    """A verb trigger with its own subject: `the government freed three prisoners`."""
    return tok.pos_ == "VERB" and any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children)


# ---------------------------------------------------------------- attributes


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
        name = actor_name(ctx, ent)
        if ent.label_ == "NORP":
            root = ent.root
            if root.head.pos_ in ("NOUN", "PROPN") and root.dep_ in ("amod", "compound"):
                phrase = clean_name(doc[root.i : root.head.i + 1].text)
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


def extract_events(ctx: Context, decider: EventChooser | None = None) -> list[Event]:
    """All events of a parsed document context, at most one per type per clause.

    Actors are the trigger's participants (`pipeline.nlp.event_actors`), filled up to two
    from the sentence's nearest named parties; a trigger with neither, and with no place or
    date, is a generic mention and dropped. An article below the public-affairs floor
    (`pipeline.nlp.public_affairs`) reports no events. `decider` (see `pipeline.nlp.decide`)
    decides which trigger candidates are events and of which type; without one the hand
    rules decide.
    """
    if public_share(ctx) < PUBLIC_FLOOR:
        return []  # shopping, games, sport, arts: trigger words in their everyday senses
    events: list[Event] = []
    coref = Coref.of(ctx)
    doc_words = frozenset(lemma for s in ctx.sentences if s.doc is not None for lemma in s.view().lemmas)
    for idx, sent in enumerate(ctx.sentences):
        if sent.doc is None:
            continue
        own = _actors(ctx, sent.view(), ctx.sentence_text(sent))
        state = _SentenceState(own, doc_words, idx, coref)
        events.extend(_sentence_events(ctx, sent, state, decider))
    return events


@dataclass
class _SentenceState:
    """What one sentence's events read from the article: the sentence's named parties
    (`actors`, see `_actors`), the document's lemmas and the sentence's index."""

    actors: list[str]
    doc_words: frozenset[str]
    index: int = 0
    coref: Coref | None = None


def candidates(view: DocView, doc_words: frozenset[str] = frozenset()) -> list[Candidate]:
    """Every trigger candidate of a sentence, phrases first claiming their words, in order."""
    doc = view.doc
    phrases = []
    for s, e, etype, cameo in _phrase_matches(view):
        modifier = etype in MODIFIER_TYPES and senses.modifies_a_noun(doc[e - 1])  # `aid system`
        words = " ".join(t.lower_ for t in doc[s:e])
        cand = Candidate(s, e, etype, cameo, not modifier, "modifier" if modifier else "phrase", words)
        phrases.append(senses.retyped(cand, doc))
    taken = {i for c in phrases for i in range(c.start, c.end)}
    return sorted(phrases + _single_triggers(view, taken, doc_words), key=lambda c: (c.start, c.end))


def _sentence_events(
    ctx: Context, sent: Sentence, state: _SentenceState, decider: EventChooser | None = None
) -> list[Event]:
    """Events of one sentence: candidates, the decision (learned or rules), one per clause."""
    if _is_question(ctx, sent):
        return []
    view = sent.view()
    doc = view.doc
    found = candidates(view, state.doc_words)
    if not found:
        return []
    quoted = [False] * len(found)
    if decider is None:
        types: list[str | None] = [c.etype if c.rule_ok else None for c in found]
    else:
        quoted = [ctx.quote_at(sent.start + doc[c.start].idx) is not None for c in found]
        types = decider.choose(view, found, quoted)
    recording = decider is not None and decider.recording
    slots = [
        _slot(doc[c.start]) if t is not None or recording else (-1, False)
        for c, t in zip(found, types, strict=True)
    ]
    keep = select_events([(t, *slot) for t, slot in zip(types, slots, strict=True)])
    if not keep and not recording:
        return []
    stext = ctx.sentence_text(sent)
    places = place_spans(view)
    made = [_event(ctx, view, sent, stext, places, found[k], state) for k in keep]
    out = [ev for ev, named in made if named]
    if recording:
        assert decider is not None
        for k, cand in enumerate(found):
            ev, _ = _event(ctx, view, sent, stext, places, cand, state)
            decider.record(state.index, cand, quoted[k], slots[k], ev.to_dict())
    return out


def _event(
    ctx: Context,
    view: DocView,
    sent: Sentence,
    stext: str,
    places: list[Span],
    cand: Candidate,
    state: _SentenceState,
) -> tuple[Event, bool]:
    """The event a kept candidate names, with its actors, place, date and status, and
    whether it names a party (False: a generic mention, dropped by the caller)."""
    doc = view.doc
    etype = cand.etype
    s, e = cand.start, cand.end
    span_toks = list(doc[s:e])
    head = max(span_toks, key=lambda t: t.i if t.pos_ in ("NOUN", "VERB", "PROPN") else -1)
    location = event_location(ctx, view, places, span_toks, etype, sent.start)
    # Participants are often named a sentence earlier ("The meeting ... brought together
    # both sides"): those of the passage's previous naming sentence join this one's.
    # The place an event happens in is not a participant.
    # Actors are the participants the syntax ties to the trigger (`event_actors`); when it
    # names fewer than two, the sentence's nearest other named parties fill up to two.
    # The old list (every name of the passage, up to eight) was right 29% of the time.
    parts, specific = participants(ctx, view, sent.start, span_toks, state.coref)
    m = DATELINE.match(stext)
    # The fill brings the names coordinated with a name it takes; some types take no fill
    # (`event_actors.UNFILLED_TYPES`): their nearby names are places, targets and sources.
    near = sentence_names(ctx, view, span_toks, m.end() if m else 0, etype, parts, NEAR_FILL)
    pool = list(dict.fromkeys(parts + near))
    ev_actors = [a for a in pool if a != location][:MAX_ACTORS]
    date_text = _date_text(view, span_toks)
    start = sent.start + doc[s].idx
    end = sent.start + doc[e - 1].idx + len(doc[e - 1].text)
    country = lx.country_of(location) or next(
        (c for c in (lx.country_of(a) for a in state.actors) if c), None
    )
    event = Event(
        type=etype,
        trigger=ctx.text[start:end],
        sentence=stext,
        actors=ev_actors,
        location=location,
        date_text=date_text,
        date=normalize_date(date_text, ctx.published),
        status=event_status(head, span_toks, etype),
        cameo=cand.cameo,
        country=country,
        start=start,
        end=end,
    )
    # A trigger with no participant of its own in a sentence that names no party at all is
    # a generic mention (`parrying an attack in action games`, `a free trial`), not an event.
    # Measured on train and train2, remembering the type's last actors for re-mentions, or
    # keeping definite mentions (`the attack`), cost more precision than it gained recall.
    # A place or a date of its own makes a mention particular even with no party named
    # (`storms battered the central states on Friday`, `sentencing is set for Feb. 14`).
    placed = bool(location or date_text)
    return event, specific or bool(state.actors) or placed
