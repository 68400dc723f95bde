"""`FastMorph`'s per-word cache gives every token the lemma of its own spelling.

The cache lets the analyzer skip spaCy's attribute_ruler and lemmatizer; it was keyed by the
lowercased form, so a word's lemma depended on how the same word was spelled the first time
the process saw it (`APPLE` after `Apple` got the lemma `Apple`, `more` after `More` got
`More`). Keyed by the spelling itself, a document's lemmas no longer depend on what was
analysed before it.
"""

from __future__ import annotations

from typing import Any

from pipeline.nlp.model import load_model
from pipeline.nlp.morph import FastMorph

EARLIER = "More Apple stores opened, the Foreign Minister said."
LATER = "Officials want more talks on foreign aid, and APPLE shares rose."
TAGGING_ONLY = ["parser", "ner", "attribute_ruler", "lemmatizer"]


def lemmas(morph: FastMorph, nlp: Any, text: str) -> list[tuple[str, str, str]]:
    return [(t.text, t.tag_, t.lemma_) for t in morph(nlp(text, disable=TAGGING_ONLY))]


def test_lemmas_do_not_depend_on_earlier_documents() -> None:
    nlp = load_model()
    fresh = lemmas(FastMorph(nlp), nlp, LATER)
    primed = FastMorph(nlp)
    lemmas(primed, nlp, EARLIER)  # the same words, capitalised, seen first
    assert lemmas(primed, nlp, LATER) == fresh
    by_word = {text: lemma for text, _, lemma in fresh}
    assert by_word["more"] == "more"
    assert by_word["APPLE"] != "Apple"


def test_cached_lemmas_equal_spacys_lemmatizer_on_case_variants() -> None:
    nlp = load_model()
    morph = FastMorph(nlp)
    for text in (EARLIER, LATER):  # the second sentence is read from the cache
        ours = lemmas(morph, nlp, text)
        spacys = [(t.text, t.tag_, t.lemma_) for t in nlp(text, disable=["parser", "ner"])]
        assert ours == spacys
