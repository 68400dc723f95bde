"""Claim vocabularies: reporting verbs and nouns, source heads, titles, pronouns.

Used by `pipeline.nlp.claims` (cues and content) and `pipeline.nlp.speakers` (who speaks).
Everything is keyed by lemma; matching code lower-cases.
"""

from __future__ import annotations

from pipeline.nlp.lexicons.base import words

# Verbs whose clausal complement (ccomp/xcomp/that-clause) or quote is the content.
SPEECH_VERBS: frozenset[str] = words("""
say tell state claim assert argue warn deny insist emphasize emphasise stress add note announce
write testify admit predict promise urge explain report confirm reveal suggest acknowledge allege
contend maintain observe remark reply reiterate declare estimate vow pledge complain
concede recall ask demand tweet post comment caution indicate highlight underscore
inform proclaim boast counter retort lament mention recount
hint speculate disclose forecast assure show establish beg plead implore appeal
""")

# Verbs whose direct object (or "X as Y") can be the content: "condemned the move".
OBJECT_VERBS: frozenset[str] = words("""
condemn denounce criticize criticise reject dispute question deny cite defend tout praise hail
dub portray describe cast frame call characterize characterise label brand blame accuse
chant slam decry applaud commend dismiss announce confirm reiterate claim declare predict urge
demand promise pledge express voice
""")

# Verbs that report speech only in the passive: "was seen as", "has been interpreted as".
PASSIVE_ONLY_VERBS: frozenset[str] = words("see view interpret regard deem")

# Complement-taking verbs that count only with a clause: "found that", "showed that".
CLAUSE_ONLY_VERBS: frozenset[str] = words("""
show establish find believe maintain admit reveal estimate suggest underscore boast highlight
indicate conclude
""")

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

# Noun forms: "X's statement that", "accusations of", "criticism over".
SPEECH_NOUNS: frozenset[str] = words("""
statement claim accusation assertion warning announcement criticism allegation remark comment
insistence denial pledge promise vow
""")

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
