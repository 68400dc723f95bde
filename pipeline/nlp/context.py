"""The document context the extractors read: sentences, quotes, entity mentions, name look-ups.

`Context` is the plain record passed from the analyzer to the claim and event extractors:
the text, its `Sentence` spans (with a spaCy `Doc` for each parsed candidate, read through a
cached `DocView`), its paired `Quote`s and its entity `Mention`s at absolute character
offsets, plus the name look-ups (fullest mention, acronyms, persons) both extractors share.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC")


class DocView:
    """A finished sentence doc's tokens, entities, lowercased forms and lemmas as lists.

    spaCy makes a new Token on every iteration and new Spans on every `doc.ents`;
    the rules read them many times per sentence, so they are materialised once.
    Build it only after tagging, parsing and NER are done.
    """

    __slots__ = ("_toks", "doc", "ents", "lemmas", "lowers")

    def __init__(self, doc: Doc) -> None:
        from spacy.attrs import LEMMA, LOWER

        self.doc = doc
        self._toks: list[Token] | None = None
        self.ents: Sequence[Span] = doc.ents
        strings = doc.vocab.strings
        if len(_LOWER_STR) + len(_LEMMA_LOWER) > 500_000:
            _LOWER_STR.clear()
            _LEMMA_LOWER.clear()
        self.lowers: list[str] = []
        self.lemmas: list[str] = []
        for low_id, lemma_id in doc.to_array([LOWER, LEMMA]).tolist():
            low = _LOWER_STR.get(low_id)
            if low is None:
                low = _LOWER_STR[low_id] = strings[low_id]
            self.lowers.append(low)
            lemma = _LEMMA_LOWER.get(lemma_id)
            if lemma is None:
                lemma = _LEMMA_LOWER[lemma_id] = strings[lemma_id].lower()
            self.lemmas.append(lemma)

    @property
    def toks(self) -> list[Token]:
        """All tokens, made on first use (most sentences only need a few: `doc[i]`)."""
        if self._toks is None:
            self._toks = list(self.doc)
        return self._toks


# String look-ups memoised by id (ids are hashes of the strings, the same in any vocab):
# `lower_` of a LOWER id and `lemma_.lower()` of a LEMMA id.
_LOWER_STR: dict[int, str] = {}
_LEMMA_LOWER: dict[int, str] = {}


@dataclass
class Sentence:
    """A sentence span of the text; `doc` is set only for parsed candidates."""

    start: int
    end: int
    para: int
    doc: Doc | None = None
    _view: DocView | None = field(default=None, repr=False, compare=False)

    def view(self) -> DocView:
        """The cached `DocView` of `doc` (rebuilt if `doc` was replaced)."""
        assert self.doc is not None
        if self._view is None or self._view.doc is not self.doc:
            self._view = DocView(self.doc)
        return self._view


@dataclass
class Quote:
    """A quotation: `open`/`close` are the mark positions, content lies between them."""

    open: int
    close: int

    @property
    def start(self) -> int:
        return self.open + 1

    @property
    def end(self) -> int:
        return self.close


@dataclass
class Mention:
    """A named-entity mention with absolute character offsets."""

    text: str
    label: str
    start: int
    end: int
    subject: bool = False
    propn: bool = True


@dataclass
class Context:
    """Everything the extractors need about one document."""

    text: str
    sentences: list[Sentence]
    quotes: list[Quote]
    published: date | None = None
    mentions: list[Mention] = field(default_factory=list)
    _cache: dict[tuple[str, str], object] = field(default_factory=dict, repr=False)

    def sentence_text(self, sent: Sentence) -> str:
        return self.text[sent.start : sent.end]

    def quote_at(self, pos: int) -> Quote | None:
        """The quote whose content holds `pos`, if any (quotes are sorted and disjoint)."""
        i = bisect.bisect_left(self._quote_opens(), pos) - 1
        if i >= 0 and self.quotes[i].open < pos < self.quotes[i].close:
            return self.quotes[i]
        return None

    def _quote_opens(self) -> list[int]:
        key = ("quote_opens", str(len(self.quotes)))
        if key not in self._cache:
            self._cache[key] = [q.open for q in self.quotes]
        opens = self._cache[key]
        assert isinstance(opens, list)
        return opens

    def sentence_at(self, pos: int) -> Sentence | None:
        """The sentence whose span holds offset `pos` (sentences are sorted and disjoint)."""
        i = bisect.bisect_right(self._sentence_starts(), pos) - 1
        if i >= 0 and self.sentences[i].start <= pos < self.sentences[i].end:
            return self.sentences[i]
        return None

    def _sentence_starts(self) -> list[int]:
        key = ("sentence_starts", str(len(self.sentences)))
        if key not in self._cache:
            self._cache[key] = [s.start for s in self.sentences]
        starts = self._cache[key]
        assert isinstance(starts, list)
        return starts

    def mentions_before(self, pos: int, labels: tuple[str, ...]) -> list[Mention]:
        return [m for m in self.mentions if m.start < pos and m.label in labels]

    def shared(self, name: str, make: Callable[[], object]) -> object:
        """One object per document under `name`, made on first use (so the claim and the
        event extractors share it) and forgotten with the mentions it was made from."""
        key = ("shared", name)
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def set_mentions(self, mentions: list[Mention]) -> None:
        """Replace the entity mentions (and forget name look-ups made on the old ones)."""
        self.mentions = mentions
        self._cache.clear()

    def is_person(self, name: str) -> bool:
        """True if some PERSON mention contains every word of `name`."""
        key = ("is_person", name)
        if key not in self._cache:
            self._cache[key] = self._is_person(name)
        return bool(self._cache[key])

    def _is_person(self, name: str) -> bool:
        words = _name_words(name)
        return bool(words) and any(
            m.label == "PERSON" and words <= _name_words(m.text) for m in self.mentions
        )

    def defined_acronym(self, name: str) -> str | None:
        """The full name an acronym was introduced with (`the National Grid Authority (NGA)`):
        the capitalised words just before the bracketed letters, when their initials hold the
        acronym's letters in order (so an unrelated bracket is not taken for a definition).
        Cached per document: every actor look-up would rescan the text."""
        key = ("defined_acronym", name)
        if key not in self._cache:
            self._cache[key] = self._defined_acronym(name)
        found = self._cache[key]
        return found if isinstance(found, str) else None

    def _defined_acronym(self, name: str) -> str | None:
        short = name.strip()
        if not (2 <= len(short) <= 8 and short.isalpha() and short.isupper()):
            return None
        found = re.search(
            r"((?:[A-Z][\w.&'’-]*\s+(?:(?:of|the|for|and)\s+)?)*[A-Z][\w.&'’-]*)\s*\(" + short + r"\)",
            self.text,
        )
        if found is None:
            return None
        full = re.sub(r"^(?:The|the)\s+", "", found.group(1))
        initials = iter(w[0] for w in full.split() if w[0].isupper())
        if not full.startswith(short[0]) or not all(ch in initials for ch in short):
            return None
        return clean_name(full)

    def expand_acronym(self, name: str) -> str:
        """`EU` -> `European Union` when the article spells it out somewhere."""
        letters = re.sub(r"[.\s]", "", name)
        if not (2 <= len(letters) <= 5 and letters.isupper()):
            return name
        for m in self.mentions:
            words = [w for w in re.findall(r"[A-Za-z][\w'-]*", clean_name(m.text)) if w[0].isupper()]
            if len(words) == len(letters) and "".join(w[0] for w in words) == letters:
                return clean_name(m.text)
        return name

    def fullest(self, name: str, labels: tuple[str, ...] = ("PERSON",)) -> str:
        """Longest mention of the given labels that contains every word of `name`."""
        key = ("fullest:" + ",".join(labels), name)
        if key not in self._cache:
            self._cache[key] = self._fullest(name, labels)
        return str(self._cache[key])

    def _fullest(self, name: str, labels: tuple[str, ...]) -> str:
        words = _name_words(name)
        if not words:
            return name
        best = None
        for m in self.mentions:
            if m.label not in labels:
                continue
            mwords = _name_words(m.text)
            if words <= mwords and (best is None or len(mwords) > len(_name_words(best))):
                best = m.text
        return clean_name(best) if best else name


@lru_cache(maxsize=8192)
def _name_words(name: str) -> frozenset[str]:
    """Lowercased words of a cleaned name; cached, as every look-up rescans all mentions."""
    return frozenset(w.lower() for w in re.findall(r"[^\W_][\w.\-]*", clean_name(name)))


@lru_cache(maxsize=8192)
def clean_name(name: str) -> str:
    """Strip possessive endings, leading articles and stray punctuation from a name.

    Cached: the same entity texts are cleaned again for every sentence and event.
    """
    name = re.sub(r"['’]s?$", "", name.strip())
    name = re.sub(r"^(?:the|The)\s+", "", name)
    return name.strip(" ,.;:\"“”'‘’")


def token_start(sent: Sentence, tok: Token) -> int:
    """Absolute character offset of a token of a parsed sentence."""
    return sent.start + tok.idx


def token_span(sent: Sentence, toks: list[Token]) -> tuple[int, int]:
    """Absolute character span from the first to the last of some tokens of a sentence."""
    first = min(toks, key=lambda t: t.i)
    last = max(toks, key=lambda t: t.i)
    return sent.start + first.idx, sent.start + last.idx + len(last.text)
