"""Rule vocabularies of the NLP stage, in one package: `from pipeline.nlp import lexicons as lx`.

- `cues`: claim vocabularies (reporting verbs and nouns, source heads, titles, pronouns);
- `triggers`: event triggers, phrase triggers, the context they require or are vetoed by;
- `status`: the words that make an event planned or negated;
- `places`: the country gazetteer (`country_of`, `is_country`, `country_code`) and place words;
- `index`: `INDEX`, the pre-filter word sets derived from the above in one place;
- `derived`: the vocabularies built from PropBank, VerbNet, Open English WordNet and CAMEO by
  `scripts/build_lexicons.py` (JSON files with their sources), which `cues` and `triggers`
  take as their base under short hand lists.

Everything is keyed by lemma; matching code lower-cases. This package re-exports the public
names of its modules, so code reads `lx.SPEECH_VERBS` wherever a list lives.
"""

from __future__ import annotations

from pipeline.nlp.lexicons.base import words
from pipeline.nlp.lexicons.cues import (
    BARE_CONTENT_VERBS,
    CLAUSE_ONLY_VERBS,
    DEFINITE_ORG_FALLBACK,
    DOCUMENT_NOUNS,
    GROUP_NOUNS,
    LISTENER_VERBS,
    NON_PERSON_OBJECT_VERBS,
    OBJECT_VERBS,
    ORG_NOUNS,
    PASSIVE_ONLY_VERBS,
    PASSIVE_VERBS,
    PERSON_PRONOUNS,
    PHRASAL_VERBS,
    PLURAL_PRONOUNS,
    PREDICATE_VERBS,
    SOURCE_NOUNS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    TITLE_NOUNS,
)
from pipeline.nlp.lexicons.index import INDEX, IRREGULAR_FORMS, Phrase, PrefilterIndex, build_index
from pipeline.nlp.lexicons.places import (
    COUNTRIES,
    DESTINATION_VERBS,
    NAMED_PLACE_NOUNS,
    PLACE_NOUNS,
    country_code,
    country_of,
    is_country,
)
from pipeline.nlp.lexicons.status import (
    EVIDENCE_VERBS,
    INCHOATIVE,
    LIKELY,
    MODALS,
    NEGATED_HEAD_NOUNS,
    NEGATING_VERBS,
    PLANNED_HEAD_NOUNS,
    PLANNED_MODIFIERS,
    PLANNED_VERBS,
    SCHEDULED,
    TOPIC_NOUNS,
)
from pipeline.nlp.lexicons.triggers import (
    AMMUNITION_NOUNS,
    ANIMALS,
    ARMED_NOUNS,
    CONTEXT_REQUIRED,
    CONTEXT_VETO,
    DOC_CONTEXT,
    EVENT_TRIGGERS,
    FIGURATIVE_TARGETS,
    FIRE_MODIFIERS,
    PARTICIPANT_NOUNS,
    PHRASE_TRIGGERS,
    PUBLIC_WORDS,
    SUPPORT_VERBS,
    WEAPON_NOUNS,
)

__all__ = [
    "AMMUNITION_NOUNS",
    "ANIMALS",
    "ARMED_NOUNS",
    "BARE_CONTENT_VERBS",
    "CLAUSE_ONLY_VERBS",
    "CONTEXT_REQUIRED",
    "CONTEXT_VETO",
    "COUNTRIES",
    "DEFINITE_ORG_FALLBACK",
    "DESTINATION_VERBS",
    "DOCUMENT_NOUNS",
    "DOC_CONTEXT",
    "EVENT_TRIGGERS",
    "EVIDENCE_VERBS",
    "FIGURATIVE_TARGETS",
    "FIRE_MODIFIERS",
    "GROUP_NOUNS",
    "INCHOATIVE",
    "INDEX",
    "IRREGULAR_FORMS",
    "LIKELY",
    "LISTENER_VERBS",
    "MODALS",
    "NAMED_PLACE_NOUNS",
    "NEGATED_HEAD_NOUNS",
    "NEGATING_VERBS",
    "NON_PERSON_OBJECT_VERBS",
    "OBJECT_VERBS",
    "ORG_NOUNS",
    "PASSIVE_ONLY_VERBS",
    "PASSIVE_VERBS",
    "PERSON_PRONOUNS",
    "PHRASAL_VERBS",
    "PHRASE_TRIGGERS",
    "PUBLIC_WORDS",
    "PLACE_NOUNS",
    "PLANNED_HEAD_NOUNS",
    "PLANNED_MODIFIERS",
    "PLANNED_VERBS",
    "PLURAL_PRONOUNS",
    "PREDICATE_VERBS",
    "SCHEDULED",
    "SOURCE_NOUNS",
    "SPEECH_NOUNS",
    "SPEECH_VERBS",
    "SUPPORT_VERBS",
    "TITLE_NOUNS",
    "TOPIC_NOUNS",
    "WEAPON_NOUNS",
    "PARTICIPANT_NOUNS",
    "Phrase",
    "PrefilterIndex",
    "build_index",
    "country_code",
    "country_of",
    "is_country",
    "words",
]
