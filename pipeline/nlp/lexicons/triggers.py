"""Event vocabularies: single-word and phrase triggers, their required and vetoing context.

Used by `pipeline.nlp.events`. Triggers are keyed by lemma (`_n`: the noun sense only);
matching code lower-cases. The vocabularies come from published lexical resources through
`pipeline.nlp.lexicons.derived` (built by `scripts/build_lexicons.py` from PropBank, VerbNet,
Open English WordNet and CAMEO); the short hand lists here go on top, each entry with a
general reason. Context words are general classes (WordNet noun classes from `derived`, or
words whose meaning is the reason), never place names, nationalities or words taken from an
evaluated article.
"""

from __future__ import annotations

from pipeline.nlp.lexicons import derived
from pipeline.nlp.lexicons.base import words

# Hand triggers on top of the derived ones: lemma -> (type, CAMEO root, pos "n", "v" or "nv").
# Each is missing from the resources in this sense or typed differently there; reason given.
HAND_TRIGGERS: dict[str, tuple[str, str, str]] = {
    "talk": ("talks", "04", "n"),  # plural `talks` is the type's own name
    "visit": ("talks", "04", "nv"),  # CAMEO 042/043 official visits (travel verbs not taken)
    "call_n": ("talks", "04", "n"),  # CAMEO 041 discuss by telephone (needs `phone`, `with`)
    "mediate": ("talks", "04", "v"),  # CAMEO 045 mediate
    "conversation": ("talks", "04", "n"),  # CAMEO 041 discuss by telephone, needs a phone
    "ceasefire": ("ceasefire", "08", "n"),  # WordNet spells it `cease-fire` only
    "swap": ("prisoner_exchange", "0841", "nv"),  # CAMEO 0841, needs a captive in context
    "exchange": ("prisoner_exchange", "0841", "nv"),  # CAMEO 0841, needs a captive in context
    "release": ("prisoner_exchange", "0841", "nv"),  # CAMEO 0841, needs a person or custody
    "free": ("prisoner_exchange", "0841", "v"),  # CAMEO 0841, needs a person or custody
    "strike": ("attack", "19", "nv"),  # CAMEO 19 / FrameNet Attack; polysemous, 2+ types
    "airstrike": ("attack", "19", "n"),  # closed compound of `air strike`
    "blast": ("attack", "19", "n"),  # an explosion as an attack (FrameNet Explosion)
    "explosion": ("attack", "19", "n"),  # FrameNet Detonate_explosive; vetoed as part of an attack
    "shot_n": ("attack", "19", "n"),  # gunshots (CAMEO GUNFIRE), needs a weapon or firing
    "shooting": ("attack", "19", "n"),  # nominal of FrameNet Use_firearm
    "gunfire": ("attack", "19", "n"),  # CAMEO GUNFIRE block (190)
    "seize": ("attack", "19", "v"),  # CAMEO 1711 seize, needs territory or a vessel
    "damage": ("attack", "19", "nv"),  # needs a weapon in context (harm done by an attack)
    "intercept": ("attack", "19", "v"),  # interception of weapons, needs a weapon
    "wound": ("attack", "19", "v"),  # FrameNet Cause_harm, needs an armed subject
    "fighting": ("attack", "19", "n"),  # nominal of FrameNet Hostile_encounter
    "hijack": ("attack", "18", "v"),  # CAMEO 181 abduct, hijack
    "threat": ("threat", "13", "n"),  # CAMEO 13, needs force or punishment in context
    "retaliate": ("threat", "13", "v"),  # FrameNet Revenge; CAMEO also files it under fight
    "ultimatum": ("threat", "13", "n"),  # CAMEO 139 give ultimatum
    "sanction": ("sanction", "16", "nv"),  # CAMEO 163; WordNet ranks `approval` first
    "boycott": ("sanction", "16", "nv"),  # CAMEO 163 impose embargo, boycott
    "blockade": ("sanction", "16", "n"),  # CAMEO 1622 / 191 blockade
    "expel": ("sanction", "16", "v"),  # CAMEO 166 expel, needs a diplomat
    "expulsion": ("sanction", "16", "n"),  # CAMEO 166 expel, needs a diplomat
    "suspend": ("sanction", "16", "v"),  # CAMEO 16 reduce relations, needs what is suspended
    "protest": ("protest", "14", "nv"),  # CAMEO 14; also a speech noun in WordNet
    "referendum": ("vote", "vote", "n"),  # GUIDELINES: referendums
    "election": ("vote", "vote", "n"),  # GUIDELINES: elections (WordNet also: state of being elected)
    "reelection": ("vote", "vote", "n"),  # as `election`
    "elect": ("vote", "vote", "v"),  # GUIDELINES: elections
    "approve": ("vote", "vote", "v"),  # legislative approval, needs a bill or law
    "pass": ("vote", "vote", "v"),  # PropBank pass.01 `bill becomes law`, needs a bill or law
    "sue": ("legal_action", "17", "v"),  # lawsuits (PropBank sue.01)
    "trial": ("legal_action", "17", "n"),  # GUIDELINES: court cases; WordNet ranks `test` first
    "probe": ("legal_action", "09", "nv"),  # CAMEO 09 investigate
    "impeach": ("legal_action", "17", "v"),  # formal charge against an official
    "impeachment": ("legal_action", "17", "n"),  # as `impeach`
    "charge_n": ("legal_action", "17", "n"),  # FrameNet Notification_of_charges (noun)
    "nominate": ("leadership_change", "leader", "v"),  # FrameNet Appointing
    "tap": ("leadership_change", "leader", "v"),  # `tapped X as chief`: appointing, needs `as`
    "removal": ("leadership_change", "leader", "n"),  # removal from office, needs the office
    "dismiss": ("leadership_change", "leader", "v"),  # FrameNet Firing, needs an office holder
    "fire": ("leadership_change", "leader", "v"),  # FrameNet Firing; gunfire is told apart in code
    "fire_n": ("accident", "accident", "n"),  # WordNet fire.n.01, needs a building or a fire word
    "resign": ("leadership_change", "leader", "v"),  # FrameNet Quitting
    "overthrow": ("leadership_change", "leader", "nv"),  # FrameNet Change_of_leadership
    "crash": ("accident", "accident", "nv"),  # needs a vehicle
    "collapse": ("accident", "accident", "nv"),  # needs a structure
    "outbreak": ("accident", "accident", "n"),  # of a disease
    "donate": ("aid", "07", "v"),  # CAMEO 07 provide aid
    "supply": ("aid", "07", "v"),  # CAMEO 072 military aid, needs weapons
    "deliver": ("aid", "07", "v"),  # CAMEO 07, needs aid or weapons
    "delivery": ("aid", "07", "n"),  # CAMEO 07, needs aid or weapons
    "decision": ("policy", "policy", "n"),  # GUIDELINES: a government's announced decision
    "policy": ("policy", "policy", "n"),  # GUIDELINES: policy changes
    "ban": ("policy", "policy", "nv"),  # FrameNet Prohibiting_or_licensing
    "annex": ("policy", "policy", "v"),  # change of sovereignty decided by a government
    "nationalize": ("policy", "policy", "v"),  # a government takes a sector into public ownership
    "nationalise": ("policy", "policy", "v"),  # British spelling of the above
    "annexation": ("policy", "policy", "n"),  # the noun of `annex`
    "withdraw": ("policy", "policy", "v"),  # needs troops or a treaty
    "withdrawal": ("policy", "policy", "n"),  # as `withdraw`
    "bill": ("policy", "policy", "n"),  # proposed legislation
    "join": ("agreement", "05", "v"),  # joining an alliance or treaty, needs one
    "acquisition": ("agreement", "05", "n"),  # a takeover is a deal agreed between companies
    "merger": ("agreement", "05", "n"),  # as `acquisition`
    "takeover": ("agreement", "05", "n"),  # as `acquisition`
    "acquire": ("agreement", "05", "v"),  # as `acquisition`, needs a company or a stake
    "contract_n": ("agreement", "05", "n"),  # a contract awarded or signed, needs one of those
    "legalize": ("policy", "policy", "v"),  # making a thing legal is a change of law by definition
    "legalise": ("policy", "policy", "v"),  # British spelling of the above
    "win": ("vote", "vote", "v"),  # the outcome of an election, needs an election word
    "defeat": ("vote", "vote", "v"),  # as `win`: an election lost by the other side
    "beat": ("vote", "vote", "v"),  # as `defeat`
    "sack": ("leadership_change", "leader", "v"),  # FrameNet Firing: British `sacked` = dismissed
    "reassign": ("leadership_change", "leader", "v"),  # moving an office holder to another post
    "deport": ("legal_action", "17", "v"),  # CAMEO 174 expel or deport individuals (root 17)
    "deportation": ("legal_action", "17", "n"),  # as `deport`
    "stab": ("attack", "18", "v"),  # CAMEO 18 assault; FrameNet Cause_harm with a blade
    "stabbing": ("attack", "18", "n"),  # the noun of `stab`, an assault with a blade
    "uphold": ("legal_action", "17", "v"),  # a court upholding a ruling or a law, needs a court
    "pardon": ("legal_action", "17", "nv"),  # an executive act of clemency in a criminal case
    "passage": ("vote", "vote", "n"),  # passage of a law (PropBank pass.01), needs a law word
    "suspension": ("sanction", "16", "n"),  # a punitive suspension (CAMEO 16), needs its kind
    "contract": ("accident", "accident", "v"),  # contracting a disease (an outbreak case)
    "catch": ("accident", "accident", "v"),  # as `contract`
    "ratify": ("agreement", "06", "v"),  # FrameNet Ratification
    "deal": ("agreement", "05", "n"),  # FrameNet Make_agreement_on_action (noun)
}


# Derived triggers that name no event of their type, each with its reason.
NOT_TRIGGERS: dict[str, str] = {
    "suicide": "a killing of oneself (OEWN: a hyponym of killing) is no attack on anyone",
    "immolation": "burning oneself is a protest or a suicide, not an attack",
    "interview": "an interview with the press is speech to reporters, not talks between parties",
    "entitle": "being entitled to something is a state of right, or a title (`a work entitled`)",
    "caucus": "a party's internal meeting or nominating vote, not talks between parties",
    "overcome": "overcoming difficulties is its common sense; conquest is `conquer`, `seize`",
    "turmoil": "a state of disorder (in markets, in a party), not an act of force",
}


def _merge() -> dict[str, tuple[str, str, str]]:
    """Derived triggers less `NOT_TRIGGERS`, with the hand entries taking precedence."""
    merged = {key: entry for key, entry in derived.event_triggers().items() if key not in NOT_TRIGGERS}
    merged.update(HAND_TRIGGERS)
    return merged


# Single-word triggers: lemma -> (type, CAMEO root, pos "n", "v" or "nv").
EVENT_TRIGGERS: dict[str, tuple[str, str, str]] = _merge()

# Hand phrases on top of the derived ones; each a fixed expression of its type.
HAND_PHRASES: dict[str, tuple[str, str]] = {
    "prisoner exchange": ("prisoner_exchange", "0841"),  # GUIDELINES: the type's name
    "prisoner swap": ("prisoner_exchange", "0841"),  # synonym of the above
    "peace talks": ("talks", "04"),  # talks named by their aim
    "round of talks": ("talks", "04"),  # talks counted in rounds
    "phone call": ("talks", "04"),  # CAMEO 041 discuss by telephone
    "cessation of hostilities": ("ceasefire", "08"),  # a ceasefire in treaty language
    "peace deal": ("agreement", "05"),  # an agreement named by its aim
    "air strike": ("attack", "19"),  # open compound of `airstrike`
    "drone strike": ("attack", "19"),  # a strike named by its weapon
    "missile strike": ("attack", "19"),  # a strike named by its weapon
    "open fire": ("attack", "19"),  # CAMEO 190 fire; `fire` alone is dismissal
    "aerial assault": ("attack", "19"),  # an assault named by its means
    "strike back": ("threat", "13"),  # CAMEO 138 threaten with military force (retaliation)
    "shoot down": ("attack", "19"),  # CAMEO 190 `shoot down`
    "shot down": ("attack", "19"),  # its past form (phrase words match forms)
    "plead guilty": ("legal_action", "17"),  # FrameNet Entering_of_plea
    "step down": ("leadership_change", "leader"),  # FrameNet Quitting (phrasal)
    "stepped down": ("leadership_change", "leader"),  # its past form
    "sign into law": ("vote", "vote"),  # passage of a law by signature
    "hold in jail": ("legal_action", "17"),  # detention (FrameNet Detaining)
    "hold in custody": ("legal_action", "17"),  # detention (FrameNet Detaining)
    "strike down": ("legal_action", "17"),  # a court annulling a law or an order
    "struck down": ("legal_action", "17"),  # its past form
    "take into custody": ("legal_action", "17"),  # arrest (FrameNet Arrest)
    "humanitarian aid": ("aid", "07"),  # CAMEO 073 humanitarian aid
    "military aid": ("aid", "07"),  # CAMEO 072 military aid
}

# Multiword triggers (lower-case token sequences, lemma of last token allowed to vary).
# Derived phrases that name no event of their type, each with its reason.
NOT_PHRASES: dict[str, str] = {
    "health care": "a public service and a policy topic (OEWN files it under aid), not aid given",
}
PHRASE_TRIGGERS: dict[str, tuple[str, str]] = {
    key: entry
    for key, entry in {**derived.phrase_triggers(), **HAND_PHRASES}.items()
    if key not in NOT_PHRASES
}

# General noun classes from WordNet (see `derived`), used as required context.
CAPTIVES = derived.context_class("captive") | derived.context_class("custody")
PERSONS = derived.context_class("person")
WEAPONS = derived.context_class("weapon")
MILITARY = derived.context_class("military")
BUILDINGS = derived.context_class("building")
# Courts and judges (WordNet), and `justice`: the judges of a supreme court are its
# justices, a sense WordNet ranks after fairness.
COURTS = derived.context_class("court") | words("justice justices")
DISEASES = derived.context_class("disease")
# Words of a destructive fire: what fights it, burns, spreads, and what it does.
_FIRE_WORDS = words(
    "firefighter flame blaze forest wild bush death toll kill destroy gut engulf break rage spread"
)
# Words of legislation: what is passed, approved, signed or withdrawn.
_LAWS = words("bill law legislation budget resolution measure amendment act ban")
# Agreements as the object of `sign`, `ratify`, `join`, `withdraw from`.
_AGREEMENTS = words(
    "deal agreement treaty accord memorandum pact convention protocol charter alliance contract"
)
# Office holders, for `dismiss`, `fire`, `replace`: the heads of the office titles.
_OFFICES = words("""director minister chief official secretary adviser advisor commander general
                    president leader head coach ceo chairman chairwoman ambassador envoy nominee
                    manager warden""")

# Words of each type's events, required near a derived trigger whose event sense is not its
# main sense (`derived.secondary_triggers`: `case` needs a court, `campaign` an army). General
# words of the type and WordNet classes; aid verbs (`help`, `fund`) always need them.
TYPE_CONTEXT: dict[str, frozenset[str]] = {
    "attack": WEAPONS | MILITARY | words("attack strike kill killed dead wound wounded civilian war"),
    "legal_action": COURTS | words("court judge prosecutor police charge crime law lawyer attorney jury"),
    # leaving a race or a candidacy changes who may lead (GUIDELINES: nominations)
    "leadership_change": _OFFICES | words("post office position role job power bid race campaign nomination"),
    "aid": WEAPONS | words("aid humanitarian military food medical financial economic assistance relief"),
    "talks": words("talks leader minister president official diplomat delegation summit peace"),
    "protest": words("protester demonstrator crowd thousand street police rally"),
    "sanction": words("sanction tariff trade import export embargo"),
    "vote": _LAWS | words("voter election ballot poll"),
    "accident": BUILDINGS | words("fire flood storm crash death dead kill killed injured"),
    "agreement": _AGREEMENTS,
    "threat": words("attack force war nuclear retaliation strike punish kill murder assault harm hurt bomb"),
    "policy": _LAWS | words("government policy"),
    "prisoner_exchange": CAPTIVES,
    "ceasefire": words("fighting war hostilities"),
}


def _secondary_context() -> dict[str, frozenset[str]]:
    """Required context for derived triggers that are not primary, and for every aid trigger."""
    out = {key: TYPE_CONTEXT[etype] for key, etype in derived.secondary_triggers().items()}
    for key, (etype, _, _) in derived.event_triggers().items():
        if etype == "aid" and key != "aid":
            out[key] = TYPE_CONTEXT["aid"]  # `help`, `fund`: everyday verbs
    return {key: need for key, need in out.items() if key not in HAND_TRIGGERS}


# Only these triggers count when used with a matching word among their children, head and
# neighbours (lower-case lemmas); the reason is the word's other, non-event senses.
HAND_CONTEXT: dict[str, frozenset[str]] = {
    # exchange of goods, release of a product, free speech: only captives or people
    "exchange": CAPTIVES | words("body bodies"),
    "swap": CAPTIVES | words("body bodies"),
    "release": CAPTIVES | PERSONS,
    "free": CAPTIVES | PERSONS,
    # advance in prices, operations in business, duties at work, training at school
    "advance": MILITARY,
    "operation": MILITARY | words("military combat ground air special launch counterterrorism"),
    "duty": words("import export customs reciprocal retaliatory punitive"),
    "training": MILITARY,
    # supplying goods, delivering speeches: only weapons or aid
    "supply": WEAPONS | words("aid assistance"),
    "deliver": WEAPONS | words("aid assistance supply humanitarian"),
    "delivery": WEAPONS | words("aid assistance supply humanitarian"),
    "assistance": words("military humanitarian foreign economic financial security package"),
    "funding": words("military humanitarian aid"),
    "relief": words("humanitarian disaster food aid"),
    # hits, damage and seizures happen in sport, markets and law too
    "hit": WEAPONS | BUILDINGS | words("strike attack drone missile"),
    "damage": WEAPONS | words("strike attack explosion shelling"),
    "destroy": WEAPONS | BUILDINGS,
    "intercept": WEAPONS,
    "seize": words("control territory city town village ship vessel"),
    # shooting people or with weapons, not a film or a goal
    "shoot": WEAPONS
    | MILITARY
    | words("down dead kill wound crowd crowds protester protesters civilian civilians"),
    # policy words need the policy sense
    "decision": words("government court administration policy"),
    "policy": words("new announce change"),
    "lift": words("tariff sanction ban embargo restriction"),
    "close": words("border embassy airspace"),
    "withdraw": MILITARY | _AGREEMENTS | _LAWS | words("from plan proposal"),
    "join": _AGREEMENTS,
    "deploy": MILITARY | WEAPONS,
    "suspend": _AGREEMENTS | words("membership aid talks sanction participation"),
    "bill": words("propose pass introduce withdraw veto sign law"),
    # legislative and judicial senses
    "pass": _LAWS,
    "approve": _LAWS | _AGREEMENTS,
    "rule": COURTS,
    "sentence": COURTS | words("prison jail year month week death life"),
    "charge": words("with murder crime fraud prosecutor police") | COURTS,
    "charge_n": words("""criminal face file bring drop guilty count murder fraud terrorism corruption
                         against deny fight dismiss"""),
    "uphold": COURTS,
    "passage": _LAWS | words("final"),
    "hearing": COURTS | words("impeachment committee congressional senate trial bail appeal"),
    # leaving a post, firing a person, signing a deal
    "fire": _OFFICES,
    "dismiss": _OFFICES,
    "replace": _OFFICES | words("candidate"),
    "succeed": _OFFICES | words("as"),
    "sign": _AGREEMENTS | _LAWS | words("order proclamation ceasefire truce"),
    "ratify": _AGREEMENTS | _LAWS,
    "expel": words("diplomat ambassador envoy staff journalist embassy"),
    "expulsion": words("diplomat ambassador envoy staff journalist embassy"),
    "visit": words("state official president minister leader"),
    "conversation": words("phone telephone between"),
    "shot_n": WEAPONS | words("fire burst warning gunman sniper"),
    "tap": words("as"),
    "removal": words("power office presidency post"),
    "call_n": words("phone telephone video with"),
    "threat": words("""military force nuclear attack strike retaliation war invasion violence
                       sanction tariff missile bomb kill death terror"""),
    # accidents: vehicles crash, structures collapse, fires burn buildings
    "crash": words("helicopter plane aircraft jet train car bus drone ship"),
    "collapse": BUILDINGS | words("bridge roof mine tower dam"),
    "fire_n": BUILDINGS | _FIRE_WORDS,
    "outbreak": words("disease virus cholera ebola measles flu infection epidemic"),
    # agreeing, marching, clashing, recognising, banning in their everyday senses
    "agree": words("to on deal ceasefire truce pause terms target plan framework package budget"),
    "march": words("protester thousand demonstrator street rally"),
    "clash": MILITARY | words("police protester militant"),
    "recognize": words("capital state independence sovereignty"),
    "recognise": words("capital state independence sovereignty"),
    "ban": words("""import export entry travel sale flight channel broadcast event party group
                    rally mask website platform app book"""),
    "storm": words("tropical winter severe snow"),
    # takeovers need a company or a stake; contracts need awarding or signing
    "acquire": words("company firm stake share business percent maker group brand"),
    "contract_n": words("award sign win signed awarded"),
    # winning or losing is an election's outcome only near an election word
    "win": words("election race vote ballot seat majority primary landslide runoff reelection"),
    "defeat": words("election race vote ballot seat majority primary landslide runoff reelection"),
    "beat": words("election race vote ballot seat majority primary landslide runoff reelection incumbent"),
    "suspension": words("game games season match league player pay indefinite membership"),
    # contracting and catching are outbreaks only of a disease
    "contract": DISEASES,
    "catch": DISEASES,
    "settlement": words("political peace negotiated diplomatic"),
    "dialogue": words("political direct national peace hold resume engage"),
    "discussion": words("round hold peace direct bilateral trilateral begin resume"),
}
# All required context: the type rule for secondary derived triggers, then the hand rules.
CONTEXT_REQUIRED: dict[str, frozenset[str]] = {**_secondary_context(), **HAND_CONTEXT}

# Subjects that make `kill`, `wound` an attack: weapons and armed actors.
# People and bodies that take part in events when no name is given (`troops laid siege`,
# `the judge ruled`, `reporters came under fire`): role nouns of news, on top of the
# speaker nouns (`lexicons.cues`: GROUP_NOUNS, ORG_NOUNS, TITLE_NOUNS) and the derived
# military, weapon and court classes. General English roles, none taken from an article.
PARTICIPANT_NOUNS: frozenset[str] = words("""
troop troops militant militants gunman gunmen rebel rebels fighter fighters insurgent insurgents
reporter reporters journalist journalists opposition victim victims suspect suspects defendant
defendants plaintiff plaintiffs judge judges jury crowd crowds civilian civilians citizen
citizens villager villagers demonstrator demonstrators striker strikers employee employees
candidate candidates incumbent delegation delegations negotiator negotiators mediator mediators
regime junta cabinet ministers minister government governments state states nation nations
country countries side sides hostage hostages prisoner prisoners detainee detainees captive
captives refugee refugees attacker attackers assailant assailants police policeman policemen
guard guards patrol patrols captain lieutenant sergeant colonel major admiral marshal
""")

# Words that make a sentence about public affairs (`pipeline.nlp.public_affairs`): courts and
# judges, armed forces, weapons and the role nouns of news events above.
PUBLIC_WORDS: frozenset[str] = COURTS | MILITARY | WEAPONS | PARTICIPANT_NOUNS

# Animals (WordNet): killing one is hunting or slaughter, not an attack.
ANIMALS = derived.context_class("animal")

WEAPON_NOUNS: frozenset[str] = (
    WEAPONS
    | MILITARY
    | words("""
drone strike airstrike shelling attack bombing explosion blast gunfire gunman gunmen attacker
militant police
""")
)

# Ambiguous triggers that also count when the article as a whole is about their kind of event.
DOC_CONTEXT: dict[str, frozenset[str]] = {
    "appeal": COURTS,  # in an article about a court case, `the appeal` is the legal one
    "hearing": COURTS,  # as `appeal`
    "exchange": CAPTIVES,
    "swap": CAPTIVES,
    "release": CAPTIVES,
    "free": CAPTIVES,
}

# Words near a trigger that rule it out: the word's idiomatic, non-event senses.
CONTEXT_VETO: dict[str, frozenset[str]] = {
    # `a big deal`; bargains (`the best deals`, `a sponsored deal`, `a price deal`)
    "deal": words("big great huge good better best sponsored bargain price discount sale"),
    "vote": words("electoral popular"),  # vote counts, not a vote held
    "attack": words("verbal personal heart panic political partisan rhetorical"),  # criticism, illness
    "strike": words("worker hunger general union lucky"),  # labour strikes, idioms
    "operation": words("surgery business rescue"),  # medical and business operations
    "fire_n": words("attack strike blast missile drone shelling bombing explosion"),  # part of an attack
    "consultation": words("legal medical public"),  # professional consultations
    "meet": words("""deadline demand need standard target goal criteria requirement expectation
                     criticism resistance"""),  # `meet a target`, `was met with criticism`
    "collapse": words("blast strike attack explosion shelling bombing"),  # part of an attack
    "threat": words("direct significant existential security pose"),  # `poses a threat`: a risk
    "trial": words("free clinical day week month period version"),  # product and medical trials
    "nominate": words("award prize induction hall fame category"),  # award nominations
    "war": words("trade price tariff currency culture"),  # figurative wars (`the trade war`)
    "rally": words("stock share market price index bond dollar currency"),  # market rallies
    "probe": words("space spacecraft moon lunar mars planet orbit"),  # space probes
    "investigation": words("science scientific research epidemiological"),  # scientific studies
    "conference": words("press news"),  # a press conference is speech to reporters, not talks
    "sack": words("quarterback yard yards times"),  # the sack of a quarterback (US football)
}

# Things fought only figuratively: `combat addiction`, `fight corruption`, `attacked his
# policies` (criticism). General English nouns of social ills and of ideas.
FIGURATIVE_TARGETS: frozenset[str] = words("""
addiction corruption crime poverty disease cancer virus inflation misinformation disinformation
hunger climate hate racism terrorism extremism drug drugs
policy policies idea ideas plan plans record comment comments remark remarks claim claims
statement proposal proposals view views position argument decision
""")

# Verbs whose subject performs their object event: `Russia launched an attack`, not
# `Putin condemned the attack`.
SUPPORT_VERBS: frozenset[str] = words("""
launch carry conduct stage mount wage begin start order unleash execute hold sign impose reach
open file announce lead organize organise resume continue
""")

# `fire` as shooting: what is fired (`fired two rounds`) and what fire is made of (`tank fire`).
AMMUNITION_NOUNS: frozenset[str] = words("""
round shot missile rocket shell weapon bullet gun salvo mortar drone volley grenade torpedo
projectile barrage
""")
FIRE_MODIFIERS: frozenset[str] = words("""
gun machine tank artillery rocket mortar sniper heavy automatic enemy live cross small-arms naval
anti-aircraft
""")
# Sources of `under fire from X` that make it shooting (not criticism).
ARMED_NOUNS: frozenset[str] = (
    AMMUNITION_NOUNS
    | WEAPON_NOUNS
    | words("""
tank troop army soldier militant fighter jet warship helicopter
""")
)
