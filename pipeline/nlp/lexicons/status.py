"""Event status cues. Planned: modality and intention; negated: failure and refusal.

Used by `pipeline.nlp.event_status`; keyed by lemma (modals by form).
"""

from __future__ import annotations

from pipeline.nlp.lexicons.base import words

# Subject of these verbs -> planned: `the tariffs are set to`, `talks are expected`.
# `suppose`: the semi-modal `be supposed to` (`the vote was supposed to take place`).
SCHEDULED: frozenset[str] = words("set expect schedule slate plan due poise propose forecast suppose")
# Predicates that make their subject planned: `tornadoes are possible`.
LIKELY: frozenset[str] = words("possible likely expected imminent probable unlikely due set")
# Epistemic adverbs: the event they modify is expected or possible, not reported as done
# (`talks are likely resuming`, `a strike is probably coming`).
LIKELY_ADVERBS: frozenset[str] = words("likely probably possibly perhaps maybe")
# Light verbs whose modality passes to their subject: `early voting will be underway`.
# Verbs of coming into being (`storms will form`, `a crisis could emerge`) are among them: what
# they say is that their subject appears, so a modal on them is the subject's own.
INCHOATIVE: frozenset[str] = words(
    "be begin start take happen occur follow resume continue go come get remain"
    " form develop emerge materialize materialise arise"
)
# Modifiers that make an event planned. Ordinals are not among them: `the third hearing` counts
# hearings held, it does not announce one.
# `new` is not among them either: it marks novelty (`a new treaty was signed`), not the future.
PLANNED_MODIFIERS: frozenset[str] = words("""
potential possible planned proposed future upcoming next prospective expected further unofficial
""")
# Nouns whose complement is an event wished, intended, offered or only possible: `plans for
# talks`, `the chance of a ceasefire`, `an opportunity for talks`, `the risk of a strike`.
PLANNED_HEAD_NOUNS: frozenset[str] = words("""
plan proposal prospect hope demand call offer bid agreement deal possibility threat request push
effort attempt promise pledge vow chance opportunity likelihood risk danger fear expectation
goal aim objective target ambition task ability capacity incentive
""")
# (the last row: goals and tasks are what is still to be done, `the task of striking a deal`,
# `goals for a trade pact`; an ability or incentive is for an act not yet done, `the ability to
# get a deal`.)
# Nouns (and verbs) of advocacy: what they are `for` is sought, not done (`calls for talks`,
# `support for a referendum`, `pressure for a ceasefire`).
ADVOCACY_NOUNS: frozenset[str] = words("call push plea appeal support pressure")
# Prepositions that use an event as a time or circumstance anchor: `after the attack`, `since
# the vote`, `amid protests`, `despite the sanctions`, `within weeks of the ceasefire`
# presuppose that it took place, whatever the modality of the clause they modify (`will meet
# after the vote`). `before` and `during` are not among them: `before the vote` is often ahead.
ANCHOR_PREPS: frozenset[str] = words("after since following amid amidst despite within")
NEGATED_HEAD_NOUNS: frozenset[str] = words("""
failure rejection refusal absence lack collapse breakdown end hold freeze suspension halt
""")
# `reports do not indicate (that) X`: X is negated.
EVIDENCE_VERBS: frozenset[str] = words("indicate show suggest confirm find prove mean")
MODALS: frozenset[str] = words("will would could may might shall should 'll must")
NEGATING_VERBS: frozenset[str] = words("""
fail reject refuse halt cancel scrap scuttle deny block prevent abandon postpone suspend avoid
pause freeze withhold delay stall decline
""")
# (`decline` with an infinitive or object is a refusal: `declined to open an investigation`.)
# Verbs of attitude: negating them (`voters do not support the strike`, `the allies did not
# welcome the vote`) denies an attitude, not the event it is about.
ATTITUDE_VERBS: frozenset[str] = words("support back endorse favor favour like buy believe trust welcome")
# Conative verbs: their infinitive is attempted, not reported as achieved (`tried to hold talks`,
# `struggled to form a government`).
CONATIVE_VERBS: frozenset[str] = words("try attempt strive struggle endeavor endeavour battle scramble")
# Predicates of something not (yet) reached: `a deal remains elusive` (`out of reach` is a phrase,
# matched in `event_status`).
UNATTAINED: frozenset[str] = words("elusive")
# Intransitive verbs of failure: their subject event did not come about (`the talks collapsed`).
FAILURE_VERBS: frozenset[str] = words("fail collapse falter founder stall")
PLANNED_VERBS: frozenset[str] = words("""
plan propose expect threaten demand hope seek want aim intend schedule consider offer prepare
push urge ask promise pledge vow need order require press discuss set agree commit decide
announce pressure include weigh pursue encourage
""")
# (`encourage` is a weak `urge`: `encouraged both sides to agree on a ceasefire`.)

# An event named as the topic of something else keeps its own status: `offered no scenario
# for the origin of the fire`.
# Result nouns presuppose the event they are of: `the results of the inquiry`, `the
# aftermath of the attack`.
TOPIC_NOUNS: frozenset[str] = words("""
origin cause source detail aspect circumstance footage video image evidence account record
transcript content finding result outcome aftermath wake
""")

# Past participles that name an event as intended or expected, not done: in a reduced relative
# clause (`the tariffs planned for May`, `aid pledged by donors`) they keep their noun planned,
# whereas other participles (`the tariffs imposed in May`, `the deal announced on Monday`)
# state it as done.
PROSPECTIVE_PARTICIPLES: frozenset[str] = words("""
plan propose expect schedule slate threaten demand seek want intend consider request promise
pledge vow offer forecast predict envisage envision contemplate discuss urge
""")
# Verbs of communication whose `on` phrase is their topic (`declined to comment on the
# investigation`): the event is talked about, it keeps its own status.
COMMENT_VERBS: frozenset[str] = words("comment speak remark elaborate brief report testify")
# Verbs that, with one of these prepositions, are demands: the clause they take is sought, not
# done (`called on parliament to vote`, `called for workers to gather`).
CALL_VERBS: frozenset[str] = words("call appeal")
CALL_PREPS: frozenset[str] = words("for on upon")
