"""Speaker resolution for claims: a source token -> the speaker's fullest name and type.

`SpeakerResolver` turns the subject (or agent, possessor, `according to` object) of a
reporting cue into a name and a type (PERSON, ORG, GPE, GROUP or NONE): entity mentions are
widened to the article's fullest form, bare titles (`the minister`) and definite nouns (`the
ministry`) resolve to the person or organisation named so earlier, and pronouns to the latest
speaker or subject of the right gender (guessed from honorifics and the pronouns that follow
a name). One resolver serves one document, in text order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import Context, Sentence, clean_name, token_span, token_start

SEARCH_WINDOW = 20_000  # chars looked back for titles and salience; keeps long texts linear
NAME_DEPS_DROP = {"relcl", "appos", "acl", "punct", "parataxis", "advcl", "cc"}


def _name_tokens(head: Token, depth: int = 0) -> list[Token]:
    """Tokens of the noun phrase headed by `head`, without clauses or appositions.

    Keeps a contiguous run around the head and at most one level of `of`/`for`/`in`
    phrases, so sources stay short (`spokesperson for the British Foreign Office`).
    """
    out = [head]
    for c in head.children:
        if c.dep_ in NAME_DEPS_DROP or c.is_punct:
            continue
        if c.i > head.i and c.dep_ not in ("prep", "conj", "pobj", "compound"):
            continue
        if c.dep_ == "prep" and (c.lower_ not in ("of", "for", "in", "at", "from") or depth > 1):
            continue
        out.extend(_name_tokens(c, depth + 1))
    out.sort(key=lambda t: t.i)
    run = [t for t in out if t.i <= head.i]
    for t in out:
        if t.i > head.i and t.i == run[-1].i + 1:
            run.append(t)
    return run


def _bare_title(tok: Token) -> bool:
    """`the minister`, `the Prime Minister`: a title used as an anaphor, with no name,
    apposition or `of`/`for` phrase that would make it a description of its own."""
    if tok.lower_ not in lx.TITLE_NOUNS:
        return False
    kids = list(tok.children)
    if not any(c.lower_ == "the" for c in kids):
        return False
    if any(c.dep_ in ("appos", "prep", "relcl", "acl") for c in kids):
        return False
    return all(
        c.dep_ in ("det", "amod", "compound", "punct") and not c.ent_type_ or c.lower_ == "prime"
        for c in kids
    )


def _entity_of(tok: Token, ents: Sequence[Span]) -> Span | None:
    """The entity of `ents` (the sentence's `doc.ents`, read once) that holds `tok`."""
    for ent in ents:
        if ent.start <= tok.i < ent.end:
            return ent
    return None


def plausible_source(tok: Token) -> bool:
    """Sources are people, organisations, places, documents: not `the deal` or `hopes`."""
    if tok.pos_ == "PRON":
        return tok.lower_ not in ("that", "which", "what", "this", "these", "those", "you")
    if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or tok.pos_ == "PROPN":
        return True
    lemma = tok.lemma_.lower()
    if lemma in lx.GROUP_NOUNS or lemma in lx.ORG_NOUNS or lemma in lx.TITLE_NOUNS:
        return True
    if tok.lower_ in lx.GROUP_NOUNS or lemma in lx.SOURCE_NOUNS:
        return True
    if tok.pos_ == "NUM" or tok.lower_ in ("some", "others", "many", "both", "most", "few"):
        return True
    return any(c.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for c in tok.children)


# -------------------------------------------------------------- speaker text


class SpeakerResolver:
    """Turns a subject token into the fullest mention and a speaker type."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.last_person: tuple[int, str] | None = None
        self.last_group: tuple[int, str, str] | None = None
        self.speakers: list[tuple[int, str]] = []
        self._pwords: set[str] | None = None
        self._genders: dict[str, str | None] = {}

    def note(self, pos: int, speaker: str | None, stype: str) -> None:
        """Remember the latest speakers for pronoun resolution."""
        if speaker is None:
            return
        if stype == "PERSON":
            self.last_person = (pos, speaker)
            self.speakers.append((pos, speaker))
        else:
            self.last_group = (pos, speaker, stype)

    def resolve(self, sent: Sentence, tok: Token | None) -> tuple[str | None, str]:
        if tok is None:
            return None, "NONE"
        low = tok.lower_
        if low in ("who", "that", "which") and tok.head.dep_ == "relcl":
            tok = tok.head.head  # `a lawyer who said` -> the lawyer
            low = tok.lower_
        if low in lx.PERSON_PRONOUNS | lx.PLURAL_PRONOUNS | {"it"}:
            return self._pronoun(sent, tok)
        parts = [tok] + [c for c in tok.children if c.dep_ == "conj"]
        for c in list(parts[1:]):
            parts.extend(g for g in c.children if g.dep_ == "conj")
        parts = [parts[0]] + [p for p in parts[1:] if plausible_source(p)]
        names: list[str] = []
        types: list[str] = []
        covered: set[int] = set()
        for p in parts:
            if p.i in covered:
                continue
            ent = _entity_of(p, sent.view().ents)
            if ent is not None:
                covered.update(range(ent.start, ent.end))
            name, stype = self._one(sent, p)
            if name and not any(name in n for n in names):
                names.append(name)
                types.append(stype)
        if not names:
            return None, "NONE"
        stype = types[0] if len(set(types)) == 1 else "GROUP"
        return " and ".join(names), stype

    def _one(self, sent: Sentence, tok: Token) -> tuple[str, str]:
        if _bare_title(tok):
            # `the Prime Minister` -> the person titled so earlier; with none, the title stays
            # (naming the article's most frequent person instead misattributed speech to people
            # never given that title, and changed no gold figure)
            resolved = self._definite(tok, token_start(sent, tok))
            if resolved:
                return resolved
        ents = sent.view().ents
        ent = _entity_of(tok, ents)
        if ent is None or ent.label_ != "PERSON":
            for c in tok.children:  # `his predecessor, Fiona Hill,` -> the named person
                if c.dep_ != "appos":
                    continue
                # `Another diplomat, former special envoy to Ukraine Kurt Volker,`
                for g in (c, *(t for t in c.subtree if t.i != c.i)):
                    cent = _entity_of(g, ents)
                    if cent is not None and cent.label_ == "PERSON":
                        return self.ctx.fullest(cent.text), "PERSON"
        if ent is not None and ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
            if ent.label_ == "PERSON":
                return self.ctx.fullest(ent.text), "PERSON"
            if ent.label_ == "NORP" and tok.ent_type_ == "NORP" and tok.i == ent.end - 1:
                return clean_name(ent.text), "GROUP"
            person = self.ctx.fullest(ent.text)
            if person != ent.text or self.ctx.is_person(ent.text):
                return person, "PERSON"  # NER called a known person's surname ORG/GPE
            if ent.end - 1 >= tok.i and tok.ent_type_:
                label = "GPE" if ent.label_ in ("GPE", "LOC", "FAC") else "ORG"
                name = clean_name(self._with_modifiers(sent, tok, ent))
                return self.ctx.expand_acronym(name), label
        if tok.lemma_.lower() in lx.DOCUMENT_NOUNS:  # `a report by Amnesty International`
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in ("from", "by"):
                    for g in c.children:
                        if g.dep_ != "pobj":
                            continue
                        gent = _entity_of(g, ents)
                        if (
                            gent is not None
                            and gent.label_ in ("PERSON", "ORG", "GPE", "NORP")
                            or g.pos_ == "PROPN"
                            or g.lemma_.lower() in lx.ORG_NOUNS | lx.GROUP_NOUNS
                        ):
                            return self._one(sent, g)
        toks = _name_tokens(tok)
        # drop everything before a comma-separated block to keep a compact phrase
        start, end = token_span(sent, toks)
        phrase = clean_name(self.ctx.text[start:end])
        head = tok.lemma_.lower()
        if tok.pos_ == "PROPN" and self.ctx.is_person(phrase):
            return self.ctx.fullest(phrase), "PERSON"
        if tok.tag_ in ("NN", "NNP") and any(c.lower_ == "the" for c in tok.children):
            resolved = self._definite(tok, start)
            if resolved:
                return resolved
        if any(t.ent_type_ == "PERSON" for t in toks):
            person_toks = [t for t in toks if t.ent_type_ == "PERSON"]
            ent = _entity_of(person_toks[-1], ents)
            if ent is not None:
                return self.ctx.fullest(ent.text), "PERSON"
        if tok.lower_ in lx.GROUP_NOUNS or head in lx.GROUP_NOUNS or tok.tag_ in ("NNS", "NNPS"):
            if head in lx.ORG_NOUNS and tok.tag_ not in ("NNS", "NNPS"):
                return phrase, "ORG"
            return phrase, "GROUP"
        if head in lx.ORG_NOUNS or tok.pos_ == "PROPN":
            if head == "government" and any(t.ent_type_ in ("NORP", "GPE") for t in toks):
                return phrase, "GPE"
            return phrase, "ORG"
        return phrase, "GROUP"

    def _with_modifiers(self, sent: Sentence, tok: Token, ent: Span) -> str:
        """Entity text, widened to its noun phrase when the entity is a modifier."""
        toks = _name_tokens(tok)
        start, end = token_span(sent, toks)
        return self.ctx.text[start:end] if end - start < 80 else ent.text

    def _definite(self, tok: Token, pos: int) -> tuple[str, str] | None:
        """`the minister` -> the person titled so earlier; `the ministry` -> the fullest org."""
        head = tok.lower_
        if head in lx.TITLE_NOUNS:
            alt = {
                "governor": "gov",
                "senator": "sen",
                "general": "gen",
                "president": "pres",
                "representative": "rep",
            }.get(head)
            title = re.escape(head) + (rf"|{alt}\." if alt else "")
            rx = re.compile(
                rf"\b(?i:{title})(?![a-z])[\w\s.’'-]{{0,40}}?((?:[A-Z][\w’'.-]+\s+){{0,2}}[A-Z][\w’'-]+)"
            )
            cands = []
            person_words = self._person_words()
            window = max(0, pos - SEARCH_WINDOW)
            for m in rx.finditer(self.ctx.text, window, pos):
                cand = m.group(1)
                if set(cand.split()) & person_words:
                    surname = cand.split()[-1]
                    salience = len(re.findall(rf"\b{re.escape(surname)}\b", self.ctx.text[window:pos]))
                    cands.append((salience, m.start(), cand))
            if cands:
                return self.ctx.fullest(max(cands)[2]), "PERSON"
        if head in lx.ORG_NOUNS:
            best = None
            for men in self.ctx.mentions_before(pos, ("ORG",)):
                if head in men.text.lower() and (best is None or len(men.text) > len(best)):
                    best = men.text
            if best:
                return clean_name(best), "ORG"
            if head in lx.DEFINITE_ORG_FALLBACK:
                counts: dict[str, int] = {}
                for men in self.ctx.mentions_before(pos, ("ORG",)):
                    key = clean_name(men.text)
                    counts[key] = counts.get(key, 0) + 1
                if counts:
                    return max(counts.items(), key=lambda kv: kv[1])[0], "ORG"
        return None

    def _person_words(self) -> set[str]:
        """Words of all PERSON mentions (computed once per document)."""
        if self._pwords is None:
            self._pwords = {w for m in self.ctx.mentions if m.label == "PERSON" for w in m.text.split()}
        return self._pwords

    def _pronoun(self, sent: Sentence, tok: Token) -> tuple[str | None, str]:
        """he/she -> the most recent person that was a speaker or a subject; they/it -> group."""
        low = tok.lower_
        pos = token_start(sent, tok)
        if low in ("he", "she", "i", "him", "her"):
            wanted = {"he": "m", "him": "m", "she": "f", "her": "f"}.get(low)
            cands = [(p, n) for p, n in self.speakers if p < pos]
            cands += [
                (m.start, self.ctx.fullest(m.text))
                for m in self.ctx.mentions_before(pos, ("PERSON", "ORG", "GPE", "NORP"))
                if m.subject
                and self.ctx.quote_at(m.start) is None
                and (m.label == "PERSON" or self.ctx.is_person(m.text))
            ]
            for _, name in sorted(cands, reverse=True):
                if wanted is None or self.gender(name) in (None, wanted):
                    return name, "PERSON"
            for m in reversed(self.ctx.mentions_before(pos, ("PERSON",))):
                name = self.ctx.fullest(m.text)
                if wanted is None or self.gender(name) in (None, wanted):
                    return name, "PERSON"
            return None, "NONE"
        if self.last_group:
            return self.last_group[1], self.last_group[2]
        orgs = self.ctx.mentions_before(pos, ("ORG", "GPE"))
        if orgs:
            return clean_name(orgs[-1].text), "ORG" if orgs[-1].label == "ORG" else "GPE"
        return None, "NONE"

    def gender(self, name: str) -> str | None:
        """'m'/'f' from honorifics or the pronouns that follow the name; None when unsure."""
        if name not in self._genders:
            self._genders[name] = _guess_gender(self.ctx.text, name)
        return self._genders[name]


_MALE_TITLES = ("Mr", "Sir", "Lord")
_FEMALE_TITLES = ("Ms", "Mrs", "Miss", "Dame", "Lady")
_TITLE_TAIL = re.compile(r"\.?\s+")
_MALE_PRONOUN = re.compile(r"\b(?:he|his|him)\b", re.I)
_FEMALE_PRONOUN = re.compile(r"\b(?:she|her|hers)\b", re.I)


def _guess_gender(text: str, name: str) -> str | None:
    surname = name.split()[-1] if name.split() else name
    if not surname[:1].isupper():
        return None
    if _titled(text, _title_ends(text, _MALE_TITLES), surname):  # `Mr. Smith`
        return "m"
    if _titled(text, _title_ends(text, _FEMALE_TITLES), surname):
        return "f"
    male = female = 0
    for end in _word_ends(text, surname):
        window = text[end : end + 160]
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
    r"""Whether some honorific (ending in whitespace) is directly followed by `word` and a `\b`."""
    return any(text.startswith(word, pos) and _boundary(text, pos + len(word)) for pos in title_ends)


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
