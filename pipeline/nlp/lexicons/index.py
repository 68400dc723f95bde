"""The pre-filter indices over the vocabularies, built in one place so that they agree.

A sentence reaches the extractors through cheap tests that must all know the same words:
the analyzer's stem regex before tagging (`candidate_stems`), its lemma test after tagging
(`cue_lemmas`, `phrase_heads`, the triggers), and the extractors' token skips (`claim_lemmas`
in claims, `trigger_forms` and `phrases` in events). `build_index` derives them all from the
vocabularies of `cues` and `triggers`; `INDEX` is its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.nlp.lexicons.base import words
from pipeline.nlp.lexicons.cues import (
    OBJECT_VERBS,
    PASSIVE_ONLY_VERBS,
    PHRASAL_VERBS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
)
from pipeline.nlp.lexicons.triggers import EVENT_TRIGGERS, PHRASE_TRIGGERS

# Word forms kept as they are: inflections that do not start with their lemma's stem
# (`said`, `met`), a few that do, and `according` (of `according to`).
IRREGULAR_FORMS = frozenset(
    {
        "said",
        "says",
        "told",
        "wrote",
        "written",
        "saw",
        "seen",
        "spoke",
        "struck",
        "shot",
        "met",
        "fought",
        "freed",
        "held",
        "sought",
        "took",
        "won",
        "lost",
        "left",
        "led",
        "hit",
        "sent",
        "according",
        "dubbed",
        "cast",
        "caught",
    }
)

# A multiword trigger as matched: its words, event type and CAMEO code.
Phrase = tuple[list[str], str, str]


@dataclass(frozen=True)
class PrefilterIndex:
    """The word sets the candidate tests look up."""

    # word stems whose presence makes a sentence worth tagging (the analyzer's regex)
    candidate_stems: frozenset[str]
    # lemmas a reporting-cue verb can have (`pipeline.nlp.claims._cue_of`)
    cue_lemmas: frozenset[str]
    # lemmas of cue verbs and speech nouns: other tokens cannot start a claim
    claim_lemmas: frozenset[str]
    # the surface forms of each phrase's key word, its last content word (`talks` of `hold
    # talks`, `assistance` of `public assistance`): the word a sentence must contain for the
    # phrase to match, and the rarest one, so that common first words (`take`, `public`) do not
    # make every sentence worth parsing
    phrase_heads: frozenset[str]
    # every form a token can match a trigger key by (noun keys without their `_n`)
    trigger_forms: frozenset[str]
    # phrase triggers by first word, in lexicon order
    phrases: Mapping[str, list[Phrase]]


def _stem(lemma: str) -> str:
    """The lemma without a final `e`/`y` that inflection drops (`argue` -> `argu`)."""
    stem = lemma[:-1] if lemma.endswith("e") and len(lemma) > 4 else lemma
    return stem[:-1] if stem.endswith("y") and len(stem) > 4 else stem


# Words that never key a phrase: a phrase keyed by its last content word.
_FUNCTION_WORDS = words("a an the of to in into on at by for from with against over off out up down back as")


def _key_forms(words: list[str]) -> set[str]:
    """Surface forms of a phrase's last content word (its first word if it has none)."""
    content = [w for w in words if w not in _FUNCTION_WORDS]
    key = content[-1] if content else words[0]
    forms = {key, key + "s", key + "es", key + "d", key + "ed", key + "ing"}
    if key.endswith("s"):
        forms.add(key[:-1])
    if key.endswith("e"):
        forms.add(key[:-1] + "ing")
    return forms


def build_index() -> PrefilterIndex:
    """Derive every pre-filter word set from the vocabularies."""
    phrases: dict[str, list[Phrase]] = {}
    for phrase, (etype, cameo) in PHRASE_TRIGGERS.items():
        phrase_words = phrase.split()
        phrases.setdefault(phrase_words[0], []).append((phrase_words, etype, cameo))
    phrase_heads = frozenset(form for phrase in PHRASE_TRIGGERS for form in _key_forms(phrase.split()))
    cue_lemmas = SPEECH_VERBS | OBJECT_VERBS | PASSIVE_ONLY_VERBS | frozenset(PHRASAL_VERBS)
    stem_lemmas = (
        SPEECH_VERBS
        | OBJECT_VERBS
        | SPEECH_NOUNS
        | frozenset(PHRASAL_VERBS)
        | {k for k in EVENT_TRIGGERS if "_" not in k}
    )
    return PrefilterIndex(
        candidate_stems=IRREGULAR_FORMS
        | {_stem(lemma) for lemma in stem_lemmas}
        | phrase_heads
        | frozenset(phrases),
        cue_lemmas=cue_lemmas,
        claim_lemmas=cue_lemmas | SPEECH_NOUNS,
        phrase_heads=phrase_heads,
        trigger_forms=frozenset(EVENT_TRIGGERS) | {k[:-2] for k in EVENT_TRIGGERS if k.endswith("_n")},
        phrases=phrases,
    )


INDEX = build_index()
