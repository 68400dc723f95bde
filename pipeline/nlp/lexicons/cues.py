"""Claim vocabularies: reporting verbs and nouns, source heads, titles, pronouns.

Used by `pipeline.nlp.claims` (cues and content) and `pipeline.nlp.speakers` (who speaks).
Everything is keyed by lemma; matching code lower-cases. The reporting verbs and nouns come
from published resources through `pipeline.nlp.lexicons.derived` (PropBank/FrameNet frames,
VerbNet classes, WordNet nominalisations) with short hand lists on top; the speaker-side word
lists (sources, groups, organisations, titles) are general words kept by hand.
"""

from __future__ import annotations

from pipeline.nlp.lexicons import derived
from pipeline.nlp.lexicons.base import words

# Hand cues on top of the derived ones (`derived.cue_words`: PropBank/FrameNet Statement,
# Telling, Reporting, Judgment_communication, ... frames, VerbNet say-37.7, tell-37.2, ...
# classes and their WordNet nominalisations). Each is missing from those resources.
HAND_SPEECH_VERBS: frozenset[str] = words("""
stress emphasize highlight underscore
maintain recall estimate forecast
tweet post
appeal
""")  # stress and emphasis verbs (FrameNet Emphasizing has no PropBank link); holding a position
# and recalling (`maintained that`, `recalled that`); estimates and forecasts as statements;
# posting as publishing a statement; appealing as requesting

HAND_COGNITION_VERBS: frozenset[str] = words("consider agree rule establish show")
# judging and ruling that something is so (`the court ruled that`, `agreed that`, `considers
# that`), establishing or showing that: cues only with a clause

HAND_OBJECT_VERBS: frozenset[str] = words("""
announce confirm reiterate claim declare predict urge demand promise pledge express voice deny
call describe dub label brand cast portray frame characterize
defend dispute question challenge dismiss slam
""")  # speech verbs whose object is the statement (`announced the deal`); naming and
# describing verbs (`called it a sham`); contesting verbs (`disputed the figures`)

# Verbs whose clausal complement (ccomp/xcomp/that-clause) or quote is the content.
SPEECH_VERBS: frozenset[str] = derived.british(
    derived.cue_words("speech", "v")
    | derived.cue_words("cognition", "v")
    | HAND_SPEECH_VERBS
    | HAND_COGNITION_VERBS
)

# Verbs whose direct object (or "X as Y") can be the content: "condemned the move".
OBJECT_VERBS: frozenset[str] = derived.british(derived.cue_words("object", "v") | HAND_OBJECT_VERBS)

# Verbs that report speech only in the passive: "was seen as", "has been interpreted as".
PASSIVE_ONLY_VERBS: frozenset[str] = words("see view interpret regard deem")

# Complement-taking verbs that count only with a clause: "found that", "showed that". Besides
# the cognition verbs, speech verbs with a common non-speech object: `maintained the roads`,
# `admitted to hospital`, `revealed a plan`, `suggested a route`, `boasts a pool`.
CLAUSE_ONLY_VERBS: frozenset[str] = derived.british(
    derived.cue_words("cognition", "v")
    | HAND_COGNITION_VERBS
    | words("maintain estimate highlight underscore admit reveal suggest boast indicate")
)

# Verbs that need their particle: lemma -> particle.
PHRASAL_VERBS: dict[str, frozenset[str]] = {
    "point": frozenset({"out", "to"}),
    "rule": frozenset({"out"}),
    "lash": frozenset({"out"}),
    "cheer": frozenset({"on"}),
    "call": frozenset({"for", "on"}),
    "speak": frozenset({"out"}),
}

# Reporting verbs that make a claim without a speaker when passive with no agent.
PASSIVE_VERBS: frozenset[str] = words("""
interpret see portray describe view criticize criticise accuse report characterize characterise
regard frame deem
""")

# Documents that speak for their author: `a statement from the ministry said`.
_DOCUMENTS: frozenset[str] = words("""
statement memo report poll survey study document letter tweet post ruling analysis review
assessment audit filing complaint release communique declaration
""")

# Subject heads that can be a source although they are not people: documents, media.
SOURCE_NOUNS: frozenset[str] = _DOCUMENTS | words("""
court article newspaper paper publication data lawsuit indictment side camp family man woman
men women person mother father son daughter wife husband chief head director president minister
resident
""")

# Sources speaking through a document, named after `from`/`by`: `a report by Amnesty International`.
DOCUMENT_NOUNS: frozenset[str] = _DOCUMENTS | words("video message")

# Noun forms: "X's statement that", "accusations of", "criticism over": PropBank noun aliases
# of the cue frames and WordNet nominalisations of the cue verbs (noun.communication), plus
# the nouns of legal speech (`testimony`, a court's `finding`) and `pledge` (WordNet derives
# it only from `pledge` the deposit).
SPEECH_NOUNS: frozenset[str] = derived.british(
    derived.cue_words("speech", "n")
    | derived.cue_words("object", "n")
    | derived.cue_words("noun", "n")
    | words("testimony finding pledge")
)

# Heads that make an unnamed source a GROUP (type) when they are the speaker.
GROUP_NOUNS: frozenset[str] = words("""
official officials analyst analysts critic critics resident residents expert experts observer
observers diplomat diplomats source sources witness witnesses teacher teachers protester
protesters protestors activist activists lawmaker lawmakers legislator legislators leader leaders
voter voters settler settlers people supporter supporters opponent opponents authority
authorities spokesperson spokesman spokeswoman representative representatives investigator
investigators prosecutor prosecutors researcher researchers scientist scientists member members
some others many several independents allies ally team worker workers student students
parent parents doctor doctors economist economists soldier soldiers officer officers
""")

# Heads that make a source an ORG: ministries, forces, media, companies.
ORG_NOUNS: frozenset[str] = words("""
ministry ministries department government military army police court office agency union
unions campaign party council committee commission administration force forces embassy
company firm bank newspaper agency service spokesman pentagon kremlin parliament senate congress
legislature board association organization organisation group memo statement report poll
alliance bloc coalition institute institution university foundation centre center watchdog
regulator tribunal panel network broadcaster outlet charity laboratory observatory monitor
""")

PERSON_PRONOUNS: frozenset[str] = frozenset({"he", "she", "him", "her", "i"})
PLURAL_PRONOUNS: frozenset[str] = frozenset({"they", "them", "we"})

# Titles before names, used to resolve "the governor" -> "Eric Holcomb".
TITLE_NOUNS: frozenset[str] = words("""
president minister governor secretary senator ambassador spokesman spokeswoman spokesperson
chairman chair director commander general chief premier king queen prince mayor speaker
superintendent adviser advisor envoy lawyer attorney judge prosecutor leader chancellor
founder co-founder editor executive ceo chairwoman commissioner officer spokesperson
""")

# Verbs with a listener object before their that-clause: `told reporters that ...`.
LISTENER_VERBS: frozenset[str] = words("tell inform assure remind warn convince brief persuade")
# `the alliance said` -> the article's most frequent organisation when none contains the noun.
DEFINITE_ORG_FALLBACK: frozenset[str] = words("""
alliance organisation organization bloc agency company firm ministry department union party
council committee
""")
# Verbs whose bare right context can be the content when the parser missed the complement.
BARE_CONTENT_VERBS: frozenset[str] = words("""
say claim state add warn insist argue note explain write report announce acknowledge allege
assert contend suggest predict reply respond declare stress emphasize emphasise tweet post
concede admit deny confirm
""")
# `call X Y`, `describe X as Y`: these verbs report speech only with a predicate.
PREDICATE_VERBS: frozenset[str] = words("""
call describe dub label brand cast portray frame characterize characterise
""")
# `questioned the decision` is a claim, `questioned a suspect` is not.
NON_PERSON_OBJECT_VERBS: frozenset[str] = words("question defend praise hail applaud commend slam")
