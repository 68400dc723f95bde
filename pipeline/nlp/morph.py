"""Cheap morphology for the tagged candidates: POS and lemma by table, POS fixes after parsing.

`FastMorph` stands in for spaCy's attribute_ruler + lemmatizer with look-ups built from the
same rules (and makes the lemmatizer's word index sets); `fix_pos_after_parse` applies the
attribute_ruler's dependency-based POS rules once the parser has run. Both give the tokens
the attributes spaCy's own components would.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import AttributeRuler, Lemmatizer
    from spacy.tokens import Doc, MorphAnalysis


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
        ruler = cast("AttributeRuler", nlp.get_pipe("attribute_ruler"))
        for entry in cast("list[dict[str, Any]]", ruler.patterns):  # JSON-like pattern dicts
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
        self.lemmatizer = cast("Lemmatizer", nlp.get_pipe("lemmatizer"))
        _index_as_sets(self.lemmatizer)
        # (form, tag) -> (POS id, morph analysis or None, lemma id): the attributes are
        # stored as the ids the strings setters would produce, so a hit costs no look-ups
        self.cache: dict[tuple[int, int], tuple[int, MorphAnalysis | None, int]] = {}

    def __call__(self, doc: Doc) -> Doc:
        for tok in doc:
            key = (tok.orth, tok.tag)
            hit = self.cache.get(key)
            if hit is None:
                low, tag = tok.lower_, tok.tag_
                pos, morph = (
                    self.by_word_tag.get((low, tag))
                    or self.by_word.get(low)
                    or self.by_tag.get(tag, ("X", ""))
                )
                tok.pos_ = pos
                tok.set_morph(morph or None)  # type: ignore[attr-defined]  # missing from spaCy's token.pyi
                lemma = self.lemma_override.get((low, tag))
                if lemma is None:
                    # only open-class words need the rule tables; the rest lemmatise to the form
                    lemma = (
                        self.lemmatizer.rule_lemmatize(tok)[0]
                        if tag[:2] in _INFLECTED
                        else (tok.text if pos == "PROPN" else low)
                    )
                tok.lemma_ = lemma
                if len(self.cache) < 200_000:
                    self.cache[key] = (tok.pos, tok.morph if morph else None, tok.lemma)
            else:
                tok.pos = hit[0]
                if hit[1] is None:
                    tok.set_morph(None)  # type: ignore[attr-defined]  # missing from spaCy's token.pyi
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
        aux_deps=ids("aux", "auxpass"),
        to_or_none=ids("TO", ""),
        have_do=ids("do", "does", "did", "have", "has", "had"),
        verb_deps=ids("ROOT", "advcl", "ccomp", "conj", "relcl", "xcomp"),
        determiners=ids("DT", "WDT"),
        det_deps=ids("det", "quantmod"),
        aux=IDS["AUX"],
        verb=IDS["VERB"],
        pron=IDS["PRON"],
    )
