"""Deterministic coreference for claim speakers: descriptions, titles and pronouns -> names.

`Coref` reads one parsed document `Context` once (lazily, on first use) and answers the
look-ups of `pipeline.nlp.speakers.SpeakerResolver`. It never changes the context, so the
event extractor sees the same mentions as before. No word list is fitted to any article:
the links come from the article's own grammar (appositions, compounds, subjects, titles).

- **Descriptions** (`described`). Every name the parser links to a common noun is recorded
  with that noun: an apposition either way round (`The suspect, Michael Webb,`; `Michael
  Webb, the suspect,`) or a noun or title compound before the name (`analyst Jane Roe`,
  `Interior Minister Klaus Weber`). A definite description (`the suspect said`) names the
  latest name introduced with that noun before it; a title owned by a country (`Austria's
  interior minister said`, often in a lead) may also name the first one after it, and an
  indefinite title (`a police chief said`) names only one introduced with it in the next
  two sentences (`Police Chief Jane Roe told ...`). A bare description (`the president`)
  prefers a name given the role outright (`President X`) to one given it relative to
  something else (`Y, the president of the bank`).
- **Persons** (`person`). The fullest person name that a name refers to: a PERSON mention,
  or a name the article puts after a title or honorific or gives a title in apposition
  (`Economy Minister Marcelo Ebrard`, `Mr Ebrard`, `Brent Sherwood, vice president`), a
  forename and surname given a noun for a kind of person in apposition (`Jane Roe, a
  professor,`), or a name relativised with `who` (`Jane Roe, who represents ...`): a person
  even where the entity recogniser called it an organisation.
- **Gender** (`gender`, `guess_gender`): from `Mr`/`Ms`-style honorifics before the name
  (forenames may stand between), else from the he/she pronouns after the surname in its own
  sentence; None when unsure, and None agrees with both.
- **Candidates** (`candidates`): the claims' speakers so far, the main-clause subjects of
  the parsed sentences outside quotations, a name opening an unparsed sentence (its subject),
  and people named together as a subject (`X and Y`, plural). Ordered by sentence, nearest
  first, and within a sentence the main clause's subject before a source nested in a
  reported clause.
- **Pronouns** (`antecedent`): the first candidate that agrees: `he`/`she` a single person of
  that gender, `it` a single organisation or place (never a person or a plural group),
  `they` an organisation, a place, a group or several people (never one person).
- **Pairs** (`pair`): `both men said` -> the nearest two people named together.
- **Documents** (`issuer`): `the statement said` -> the nearest main-clause subject (then
  speaker) whose own sentence mentions a statement (`X issued a statement`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from spacy.attrs import DEP, POS
from spacy.tokens import Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, Sentence, clean_name
from pipeline.nlp.lexicons.triggers import PERSONS

# Courtesy titles before a person's name (general English usage, not from any article).
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "rev"})
# Determiners of a description that refers back: `a diplomat` introduces someone new, so
# only `the`/`this`/`that` descriptions look for a name introduced earlier.
DEFINITE = frozenset({"the", "this", "that"})
NAME_LABELS = ("PERSON", "ORG", "GPE", "NORP")
# Possessive and object pronouns as the subject form `Coref.antecedent` expects (`his claim`,
# `charged him`); shared by the speaker resolver and the event participants.
SUBJECT_FORM = {
    "his": "he",
    "him": "he",
    "her": "she",
    "hers": "she",
    "its": "it",
    "their": "they",
    "them": "they",
}
# Relative pronouns that stand for people (`X, who said ...`), never for things.
WHO = frozenset({"who", "whom"})


@dataclass(frozen=True)
class Described:
    """A name the text introduces with a common noun (`the suspect, Michael Webb`)."""

    pos: int  # absolute offset of the name
    noun: str  # lowercased lemma of the describing noun
    name: str
    label: str  # the name's entity label: PERSON, ORG, GPE, NORP
    relative: bool = False  # the noun has its own complement: `the president of the bank`


@dataclass(frozen=True)
class Candidate:
    """A possible antecedent: a speaker so far or a sentence subject."""

    pos: int
    name: str
    stype: str  # PERSON, ORG, GPE, GROUP
    plural: bool  # `officials`, `X and Y`: only `they` may refer to it
    main: bool = True  # the subject of its sentence's main clause, not of a reported clause


def _name_tokens(
    tok: Token, kids: list[Token] | None = None, known: Callable[[str], bool] | None = None
) -> list[Token]:
    """A proper name around its head token: the head with its PROPN compounds before it,
    without a leading title when the rest is a person's name (`known`: a name the article
    gives a person elsewhere, `President Trump` after `Donald Trump`)."""
    toks = [tok]
    for c in tok.children if kids is None else kids:
        if c.dep_ in ("compound", "flat") and c.pos_ == "PROPN" and c.i < tok.i:
            toks.append(c)
    toks.sort(key=lambda t: t.i)
    while len(toks) > 1 and toks[0].ent_type_ in ("GPE", "NORP") and tok.ent_type_ not in ("GPE", "NORP"):
        toks = toks[1:]  # `Australian Timothy Weeks` -> the name
    start = 0
    while start < len(toks) - 1 and toks[start].lower_.rstrip(".") in lx.TITLE_NOUNS | HONORIFICS:
        start += 1
    rest = toks[start:]
    if start and (_personal_name(rest) or known is not None and known(" ".join(t.text for t in rest))):
        return toks[start:]  # `President Donald Trump` -> Donald Trump
    return toks  # `General Motors`, `President Hotel`: the title word is part of the name


def _personal_name(toks: list[Token]) -> bool:
    """Whether the words after a title can be a person's name: recognised as a person, or a
    forename and surname that hold no organisation word (`General Electric Company`)."""
    if any(t.ent_type_ == "PERSON" for t in toks):
        return True
    return len(toks) >= 2 and not any(t.lower_ in lx.ORG_NOUNS or t.ent_type_ == "GPE" for t in toks)


def proper_name(tok: Token) -> str:
    """The proper name a token belongs to (`Julia` -> `Julia Gray`): up the compound chain
    to the name's head, then the head with its compounds."""
    while tok.dep_ in ("compound", "flat") and tok.head.pos_ == "PROPN" and tok.head.i > tok.i:
        tok = tok.head
    return clean_name(" ".join(t.text for t in _name_tokens(tok)))


def main_subject(tok: Token) -> bool:
    """The subject of the sentence's main clause (its root or a verb coordinated with it):
    main-clause subjects are the salient antecedents; a subject inside a reported clause
    (`X said that Y ...`) is not what a later `he said` refers to."""
    if tok.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = tok.head
    while verb.dep_ == "conj" and verb.head.i != verb.i:
        verb = verb.head
    return verb.dep_ == "ROOT"


def _relative(noun: Token) -> bool:
    """Whether a describing noun is relative to something it names (`the president of the
    bank`, `the bank's president`): such a role is not what a bare `the president` means."""
    return any(
        c.dep_ == "poss" or c.dep_ == "prep" and c.lower_ in ("of", "at", "for") for c in noun.children
    )


def _is_common_noun(tok: Token) -> bool:
    return tok.pos_ == "NOUN" and not tok.ent_type_ and tok.text[:1].islower()


class Coref:
    """The coreference look-ups of one document (see the module docstring)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._described: list[Described] | None = None
        self._titled: list[str] | None = None
        self._subjects: list[tuple[int, str, str]] = []  # (offset, name, entity label)
        self._groups: list[tuple[int, list[tuple[str, str]]]] = []  # (offset, [(name, label)])
        self._genders: dict[str, str | None] = {}
        self._persons: dict[str, str | None] = {}

    @classmethod
    def of(cls, ctx: Context) -> Coref:
        """The document's coreference, scanned once for claims and events together."""
        found = ctx.shared("coref", lambda: cls(ctx))
        assert isinstance(found, cls)
        return found

    # ---------------------------------------------------------------- scanning

    def _scan(self) -> None:
        described: list[Described] = []
        titled: list[str] = []
        for sent in self.ctx.sentences:
            if sent.doc is None:
                # an unparsed sentence (no cue, no trigger) still says who it is about: a name
                # opening an English sentence is its subject (`Buser, however, is counting ...`)
                m = _OPENING_NAME.match(self.ctx.text, sent.start, sent.end)
                if m is not None and self.ctx.quote_at(m.start(1)) is None:
                    self._subjects.append((m.start(1), m.group(1), ""))
                continue
            doc = sent.doc
            strings = doc.vocab.strings  # symbols and labels by id: PROPN, compound, flat
            propn, inner = strings["PROPN"], {strings["compound"], strings["flat"]}
            # proper-name heads read off arrays: making a Token for every word costs more
            # than everything else here
            for i, (pos_id, dep_id) in enumerate(doc.to_array([POS, DEP]).tolist()):
                if pos_id == propn and dep_id not in inner:  # a name's head, not a word inside
                    self._scan_name(sent, doc[i], described, titled)
        self._described, self._titled = described, titled

    def _scan_name(self, sent: Sentence, tok: Token, described: list[Described], titled: list[str]) -> None:
        """Descriptions and titles around one proper-name head."""
        kids = list(tok.children)
        toks = _name_tokens(tok, kids, self.ctx.is_person)
        label = tok.ent_type_
        name = clean_name(" ".join(t.text for t in toks))
        if not name:
            return
        pos = sent.start + toks[0].idx
        if main_subject(tok) and self.ctx.quote_at(pos) is None:
            # unlabelled names too: `person()` later accepts those the article names as people
            self._subjects.append((pos, name, label))
        others = [c for c in kids if c.dep_ == "conj" and c.pos_ == "PROPN"]
        if others and tok.dep_ in ("nsubj", "nsubjpass") and self.ctx.quote_at(pos) is None:
            # `Warren and Ocasio-Cortez criticised ...`: a later `they` or `both`; people
            # named together stay salient as a pair even in a reported clause
            names = [(name, label)] + [
                (clean_name(" ".join(t.text for t in _name_tokens(c))), c.ent_type_) for c in others
            ]
            self._groups.append((pos, names))
        if any(
            c.dep_ == "relcl"
            and any(g.dep_ in ("nsubj", "nsubjpass") and g.lower_ in WHO for g in c.children)
            for c in kids
        ):
            # `Jane Roe, who represents the firm, said`: English relativises people with
            # `who`, things and organisations with `which`, so the name is a person's
            titled.append(name)
        if label not in NAME_LABELS:
            return
        # a title or honorific right before the name makes it a person's name (`_name_tokens`
        # keeps a title that is part of an organisation's name: `General Motors`)
        prev = tok.doc[toks[0].i - 1] if toks[0].i > 0 else None
        titles = lx.TITLE_NOUNS | HONORIFICS
        if (
            prev is not None
            and prev.lower_.rstrip(".") in titles
            and prev.text[:1].isupper()
            and (_personal_name(toks) or self.ctx.is_person(name))
        ):
            titled.append(name)
        nouns: list[Token] = []
        # `coach Bruce Boudreau`: a common noun compound before the name describes it
        nouns += [
            c
            for c in kids
            if c.dep_ == "compound" and c.i < tok.i and (_is_common_noun(c) or c.lower_ in lx.TITLE_NOUNS)
        ]
        # `Michael Webb, the suspect,`: an apposition after the name
        nouns += [c for c in kids if c.dep_ == "appos" and _is_common_noun(c)]
        # `The suspect, Michael Webb,`: the name is the apposition of a noun
        if tok.dep_ == "appos" and _is_common_noun(tok.head):
            nouns.append(tok.head)
        for noun in nouns:
            described.append(Described(pos, noun.lemma_.lower(), name, label, _relative(noun)))
        # `Brent Sherwood, vice president of ...`: a title in apposition makes a person too, and
        # so does a noun for a kind of person after a forename and surname (`Jane Roe, a trade
        # professor at ...`; a one-word company can be `the contractor` or `the supplier`)
        appos = [n.lemma_.lower() for n in nouns if n.dep_ == "appos"]
        if any(n in lx.TITLE_NOUNS or n in PERSONS and _personal_name(toks) for n in appos):
            titled.append(name)

    # ---------------------------------------------------------------- look-ups

    def described(
        self,
        noun: str,
        pos: int,
        labels: tuple[str, ...] = NAME_LABELS,
        cataphora: bool = False,
        bare: bool = False,
    ) -> Described | None:
        """The latest name introduced with `noun` before `pos`; with `cataphora`, when there
        is none before, the first one after (a lead sentence often gives the role first,
        `Austria's interior minister said`, and the name later: `Interior Minister X`). A
        `bare` description (`the president`, with no complement of its own) prefers a name
        given the role outright (`President X`) to one given it relative to something else
        (`Y, the president of the bank`)."""
        if self._described is None:
            self._scan()
        assert self._described is not None
        found = [d for d in self._described if d.noun == noun and d.label in labels]
        before = [d for d in found if d.pos < pos]
        if bare and any(not d.relative for d in before):
            before = [d for d in before if not d.relative]
        if before:
            return max(before, key=lambda d: d.pos)
        after = [d for d in found if d.pos > pos]
        return min(after, key=lambda d: d.pos) if cataphora and after else None

    def introduced_after(self, noun: str, pos: int, sentences: int) -> Described | None:
        """The first name introduced with `noun` after `pos` within the rest of its sentence
        and the next `sentences` sentences (`A police chief said ... Police Chief X told`)."""
        if self._described is None:
            self._scan()
        assert self._described is not None
        ends = [s.end for s in self.ctx.sentences if s.end > pos][: sentences + 1]
        until = ends[-1] if ends else pos
        found = [d for d in self._described if d.noun == noun and pos < d.pos < until]
        return min(found, key=lambda d: d.pos) if found else None

    def person(self, name: str) -> str | None:
        """The fullest person name that `name` refers to, or None when it names no person."""
        if name not in self._persons:
            self._persons[name] = self._person(name)
        return self._persons[name]

    def _person(self, name: str) -> str | None:
        if self._titled is None:
            self._scan()
        assert self._titled is not None
        full = self.ctx.fullest(name) if self.ctx.is_person(name) else None
        words = _words(name)
        if not words:
            return full
        for t in self._titled:
            if words <= _words(t) and (full is None or len(_words(t)) > len(_words(full))):
                full = t
        return full

    def gender(self, name: str) -> str | None:
        """'m'/'f' from honorifics or the pronouns that follow the name; None when unsure."""
        if name not in self._genders:
            self._genders[name] = guess_gender(self.ctx.text, name)
        return self._genders[name]

    def candidates(self, pos: int, speakers: list[Candidate]) -> list[Candidate]:
        """Speakers so far and the parsed sentences' subjects before `pos`, nearest first."""
        if self._described is None:
            self._scan()
        out = [c for c in speakers if c.pos < pos]
        for start, name, label in self._subjects:
            if start >= pos:
                break
            person = self.person(name)
            if person is not None:
                out.append(Candidate(start, person, "PERSON", False))
            elif label in ("ORG", "GPE"):
                out.append(Candidate(start, self.ctx.expand_acronym(name), label, False))
        for start, names in self._groups:
            if start >= pos:
                break
            people = [self.person(n) or (n if label == "PERSON" else None) for n, label in names]
            if all(people):
                out.append(Candidate(start, " and ".join(p for p in people if p), "PERSON", True))
        # nearest sentence first; within a sentence the main clause's subject first (`X said
        # that Y had told him ...`: a later `he` is X), then the nearest
        out.sort(key=lambda c: (self._sentence_start(c.pos), c.main, c.pos), reverse=True)
        return out

    def _sentence_start(self, pos: int) -> int:
        sent = self.ctx.sentence_at(pos)
        return sent.start if sent is not None else pos

    def issuer(self, noun: str, pos: int, speakers: list[Candidate]) -> Candidate | None:
        """The latest main-clause source or subject before `pos` whose own sentence mentions
        `noun` (`X issued a statement`): who issued the document `the statement` refers to."""
        word = re.compile(rf"\b{re.escape(noun)}s?\b", re.IGNORECASE)
        subjects = self.candidates(pos, [])  # main-clause subjects first: `X issued a statement`
        for c in subjects + [c for c in self.candidates(pos, speakers) if c not in subjects]:
            if word.search(c.name) or not c.main:
                continue  # a source nested in a clause (`The letter came after X said`) issued nothing
            sent = self.ctx.sentence_at(c.pos)
            if sent is not None and word.search(self.ctx.text, sent.start, sent.end):
                return c
        return None

    def pair(self, pos: int, speakers: list[Candidate]) -> Candidate | None:
        """The nearest candidate before `pos` that is exactly two people (`X and Y`)."""
        for c in self.candidates(pos, speakers):
            if c.stype == "PERSON" and c.name.count(" and ") == 1:
                return c
        return None

    def antecedent(self, pronoun: str, pos: int, speakers: list[Candidate]) -> Candidate | None:
        """The nearest compatible antecedent of a subject pronoun (see the module docstring)."""
        low = pronoun.lower()
        for c in self.candidates(pos, speakers):
            if low in ("he", "she", "him", "her"):
                if c.stype != "PERSON" or c.plural:
                    continue
                wanted = "m" if low in ("he", "him") else "f"
                if self.gender(c.name) in (None, wanted):
                    return c
            elif low == "i":
                if c.stype == "PERSON" and not c.plural:
                    return c
            elif low == "it":
                if c.stype in ("ORG", "GPE") and not c.plural:
                    return c
            elif c.stype != "PERSON" or c.plural:  # they, them, we
                return c
        return None


# A capitalised name of one to three words opening a sentence, followed by a comma or a
# lower-case word (`Buser, however,`, `Hall added`), not by another capitalised word.
_OPENING_NAME = re.compile(r"\s*([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})(?=,|\s+[a-z])")
_WORD = re.compile(r"[^\W_][\w.\-]*")


def _words(name: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(clean_name(name)))


_MALE_TITLES = ("Mr", "Sir", "Lord")
_FEMALE_TITLES = ("Ms", "Mrs", "Miss", "Dame", "Lady")
_TITLE_TAIL = re.compile(r"\.?\s+")
_FORENAME = re.compile(r"[A-Z][\w'’.-]*\s+")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s")
_MALE_PRONOUN = re.compile(r"\b(?:he|his|him)\b", re.I)
_FEMALE_PRONOUN = re.compile(r"\b(?:she|her|hers)\b", re.I)


def guess_gender(text: str, name: str) -> str | None:
    """'m'/'f' from `Mr`/`Ms`-style honorifics before the name, else from the he/she pronouns
    after each mention of the surname in its sentence; None when unsure."""
    surname = name.split()[-1] if name.split() else name
    if not surname[:1].isupper():
        return None
    if _titled(text, _title_ends(text, _MALE_TITLES), surname):  # `Mr. Smith`
        return "m"
    if _titled(text, _title_ends(text, _FEMALE_TITLES), surname):
        return "f"
    male = female = 0
    for end in _word_ends(text, surname):
        # the rest of the name's own sentence (at most 160 characters): `Becker said he
        # doubted it` tells Becker's gender; the next sentence may be about someone else
        window = text[end : end + 160]
        stop = _SENTENCE_END.search(window)
        window = window[: stop.start() + 1] if stop else window
        male += len(_MALE_PRONOUN.findall(window))
        female += len(_FEMALE_PRONOUN.findall(window))
    if male >= 2 * female + 1:
        return "m"
    if female >= 2 * male + 1:
        return "f"
    return None


# The helpers below stand in for `re.search(rf"\b(?:Mr|Sir|Lord)\.?\s+{word}\b")` and
# `re.finditer(rf"\b{word}\b")`, which compiled new patterns for every name and
# scanned the whole text position by position.


def _is_word_char(ch: str) -> bool:
    r"""`re`'s `\w` for str patterns."""
    return ch.isalnum() or ch == "_"


def _boundary(text: str, pos: int) -> bool:
    r"""`re`'s `\b` at `pos`: word-character status differs on the two sides."""
    before = pos > 0 and _is_word_char(text[pos - 1])
    after = pos < len(text) and _is_word_char(text[pos])
    return before != after


@lru_cache(maxsize=8)
def _title_ends(text: str, titles: tuple[str, ...]) -> tuple[int, ...]:
    r"""Where a name may start after `{title}\.?\s+`: found once per document, not per name.

    No title is a prefix of another, so at most one matches at any position.
    """
    ends = []
    for title in titles:
        i = text.find(title)
        while i >= 0:
            if _boundary(text, i):
                m = _TITLE_TAIL.match(text, i + len(title))
                if m:
                    ends.append(m.end())
            i = text.find(title, i + 1)
    return tuple(sorted(ends))


def _titled(text: str, title_ends: tuple[int, ...], word: str) -> bool:
    r"""Whether some honorific (ending in whitespace) is followed by `word` and a `\b`, directly
    or after at most two capitalised words (`Mr Daniel Okafor` for `Okafor`)."""
    for pos in title_ends:
        for _ in range(3):
            if text.startswith(word, pos) and _boundary(text, pos + len(word)):
                return True
            m = _FORENAME.match(text, pos)
            if m is None:
                break
            pos = m.end()
    return False


def _word_ends(text: str, word: str) -> list[int]:
    r"""End offsets of the non-overlapping matches of `\b{word}\b`, left to right."""
    ends = []
    i = text.find(word)
    while i >= 0:
        end = i + len(word)
        if _boundary(text, i) and _boundary(text, end):
            ends.append(end)
            i = text.find(word, end)
        else:
            i = text.find(word, i + 1)
    return ends
