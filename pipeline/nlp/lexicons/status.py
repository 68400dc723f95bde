"""Event status cues. Planned: modality and intention; negated: failure and refusal.

Used by `pipeline.nlp.event_status`; keyed by lemma (modals by form).
"""

from __future__ import annotations

from pipeline.nlp.lexicons.base import words

# Subject of these verbs -> planned: `the tariffs are set to`, `talks are expected`.
SCHEDULED: frozenset[str] = words("set expect schedule slate plan due poise propose forecast")
# Predicates that make their subject planned: `tornadoes are possible`.
LIKELY: frozenset[str] = words("possible likely expected imminent probable unlikely due set")
# Light verbs whose modality passes to their subject: `early voting will be underway`.
INCHOATIVE: frozenset[str] = words(
    "be begin start take happen occur follow resume continue go come get remain"
)
# Modifiers that make an event planned. Ordinals are not among them: `the third hearing` counts
# hearings held, it does not announce one.
PLANNED_MODIFIERS: frozenset[str] = words("""
potential possible planned proposed future upcoming next new prospective expected further unofficial
""")
PLANNED_HEAD_NOUNS: frozenset[str] = words("""
plan proposal prospect hope demand call offer bid agreement deal possibility threat request push
effort attempt promise pledge vow
""")
NEGATED_HEAD_NOUNS: frozenset[str] = words("""
failure rejection refusal absence lack collapse breakdown end hold freeze suspension halt
""")
# `reports do not indicate (that) X`: X is negated.
EVIDENCE_VERBS: frozenset[str] = words("indicate show suggest confirm find prove mean")
MODALS: frozenset[str] = words("will would could may might shall should 'll must")
NEGATING_VERBS: frozenset[str] = words("""
fail reject refuse halt cancel scrap scuttle deny block prevent abandon postpone suspend avoid
pause freeze withhold delay
""")
PLANNED_VERBS: frozenset[str] = words("""
plan propose expect threaten demand hope seek want aim intend schedule consider offer prepare
push urge ask promise pledge vow need order require press discuss set agree commit decide
announce pressure include weigh pursue
""")

# An event named as the topic of something else keeps its own status: `offered no scenario
# for the origin of the fire`.
TOPIC_NOUNS: frozenset[str] = words("""
origin cause source detail aspect circumstance footage video image evidence account record
transcript content
""")
