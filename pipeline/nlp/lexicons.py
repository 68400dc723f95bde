"""Word lists for claim and event extraction.

Kept as plain Python data so they load with the module (no file I/O) and are easy to
review. Everything is keyed by lemma; matching code lower-cases.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word set from a whitespace-separated block (keeps the lists readable)."""
    return frozenset(text.split())


# ---------------------------------------------------------------- claims

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

# Subject heads that can be a source although they are not people: documents, media.
SOURCE_NOUNS: frozenset[str] = words("""
statement memo report poll survey study document letter tweet post court ruling article
newspaper paper publication data analysis review assessment audit filing complaint lawsuit
indictment release communique declaration side camp family man woman men women person
mother father son daughter wife husband chief head director president minister resident
""")

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

# ---------------------------------------------------------------- events

# Single-word triggers: lemma -> (type, CAMEO root). pos "n", "v" or "nv" (both).
EVENT_TRIGGERS: dict[str, tuple[str, str, str]] = {
    # talks
    "talk": ("talks", "04", "n"), "negotiation": ("talks", "04", "n"),
    "negotiate": ("talks", "04", "v"), "meeting": ("talks", "04", "n"),
    "meet": ("talks", "04", "v"), "summit": ("talks", "04", "n"),
    "discussion": ("talks", "04", "n"), "consultation": ("talks", "04", "n"),
    "conference": ("talks", "04", "n"), "visit": ("talks", "04", "nv"),
    "debate": ("talks", "04", "n"), "discuss": ("talks", "04", "v"),
    "call_n": ("talks", "04", "n"),
    "mediate": ("talks", "04", "v"), "mediation": ("talks", "04", "n"),
    "conversation": ("talks", "04", "n"), "dialogue": ("talks", "04", "n"),
    # agreement
    "agreement": ("agreement", "05", "n"), "deal": ("agreement", "05", "n"),
    "treaty": ("agreement", "05", "n"), "accord": ("agreement", "05", "n"),
    "memorandum": ("agreement", "05", "n"), "pact": ("agreement", "05", "n"),
    "settlement": ("agreement", "05", "n"), "sign": ("agreement", "05", "v"),
    "agree": ("agreement", "05", "v"), "broker": ("agreement", "05", "v"),
    # ceasefire
    "ceasefire": ("ceasefire", "08", "n"), "cease-fire": ("ceasefire", "08", "n"),
    "truce": ("ceasefire", "08", "n"), "armistice": ("ceasefire", "08", "n"),
    # prisoner exchange
    "swap": ("prisoner_exchange", "0841", "nv"), "exchange": ("prisoner_exchange", "0841", "nv"),
    "release": ("prisoner_exchange", "0841", "nv"), "free": ("prisoner_exchange", "0841", "v"),
    # attack
    "attack": ("attack", "19", "nv"), "strike": ("attack", "19", "nv"),
    "airstrike": ("attack", "19", "n"), "bombing": ("attack", "19", "n"),
    "bomb": ("attack", "19", "v"), "shelling": ("attack", "19", "n"),
    "shell": ("attack", "19", "v"), "offensive": ("attack", "19", "n"),
    "assault": ("attack", "19", "n"), "invasion": ("attack", "19", "n"),
    "invade": ("attack", "19", "v"), "raid": ("attack", "19", "nv"),
    "explosion": ("attack", "19", "n"), "blast": ("attack", "19", "n"),
    "shooting": ("attack", "19", "n"), "kill": ("attack", "19", "v"),
    "fighting": ("attack", "19", "n"), "clash": ("attack", "19", "nv"),
    "advance": ("attack", "19", "n"), "occupation": ("attack", "19", "n"),
    "abduct": ("attack", "19", "v"), "kidnap": ("attack", "19", "v"),
    "hit": ("attack", "19", "v"), "damage": ("attack", "19", "nv"),
    "destroy": ("attack", "19", "v"), "intercept": ("attack", "19", "v"),
    "shoot": ("attack", "19", "v"), "seize": ("attack", "19", "v"),
    "bombard": ("attack", "19", "v"), "bombardment": ("attack", "19", "n"),
    "massacre": ("attack", "20", "n"), "operation": ("attack", "19", "n"),
    "ambush": ("attack", "19", "nv"), "assassinate": ("attack", "20", "v"),
    "assassination": ("attack", "20", "n"), "massacre_v": ("attack", "20", "v"),
    "gunfire": ("attack", "19", "n"), "stabbing": ("attack", "19", "n"),
    "incursion": ("attack", "19", "n"), "counteroffensive": ("attack", "19", "n"),
    "hijack": ("attack", "19", "v"), "hijacking": ("attack", "19", "n"),
    "wound": ("attack", "19", "v"), "shot_n": ("attack", "19", "n"),
    "target": ("attack", "19", "v"), "crackdown": ("attack", "17", "n"),
    "siege": ("attack", "19", "n"),
    "slaughter": ("attack", "20", "nv"),
    # threat
    "threat": ("threat", "13", "n"), "threaten": ("threat", "13", "v"),
    "retaliate": ("threat", "13", "v"), "revenge": ("threat", "13", "n"),
    "ultimatum": ("threat", "13", "n"),
    # sanction
    "sanction": ("sanction", "16", "nv"), "embargo": ("sanction", "16", "n"),
    "tariff": ("sanction", "16", "n"), "duty": ("sanction", "16", "n"),
    "punish": ("sanction", "16", "v"), "suspend": ("sanction", "16", "v"),
    "boycott": ("sanction", "16", "nv"), "blockade": ("sanction", "16", "n"),
    "expel": ("sanction", "16", "v"), "expulsion": ("sanction", "16", "n"),
    "blacklist": ("sanction", "16", "v"),
    # protest
    "protest": ("protest", "14", "nv"), "rally": ("protest", "14", "nv"),
    "demonstration": ("protest", "14", "n"), "demonstrate": ("protest", "14", "v"),
    "march": ("protest", "14", "n"), "walkout": ("protest", "14", "n"),
    "riot": ("protest", "14", "n"), "demonstrator": ("protest", "14", "n"),
    "picket": ("protest", "14", "nv"), "sit-in": ("protest", "14", "n"),
    # vote
    "election": ("vote", "vote", "n"), "referendum": ("vote", "vote", "n"),
    "vote": ("vote", "vote", "nv"), "voting": ("vote", "vote", "n"),
    "ballot": ("vote", "vote", "n"), "reelection": ("vote", "vote", "n"),
    "elect": ("vote", "vote", "v"), "primary": ("vote", "vote", "n"),
    "approve": ("vote", "vote", "v"), "pass": ("vote", "vote", "v"),
    "runoff": ("vote", "vote", "n"), "caucus": ("vote", "vote", "n"),
    "by-election": ("vote", "vote", "n"), "plebiscite": ("vote", "vote", "n"),
    # legal action
    "arrest": ("legal_action", "17", "nv"), "charge": ("legal_action", "17", "v"),
    "indict": ("legal_action", "17", "v"), "indictment": ("legal_action", "17", "n"),
    "lawsuit": ("legal_action", "17", "n"), "sue": ("legal_action", "17", "v"),
    "investigation": ("legal_action", "09", "n"), "investigate": ("legal_action", "09", "v"),
    "probe": ("legal_action", "09", "nv"), "trial": ("legal_action", "17", "n"),
    "ruling": ("legal_action", "17", "n"), "rule": ("legal_action", "17", "v"),
    "convict": ("legal_action", "17", "v"), "conviction": ("legal_action", "17", "n"),
    "sentence": ("legal_action", "17", "v"), "detain": ("legal_action", "17", "v"),
    "impeachment": ("legal_action", "17", "n"), "inquiry": ("legal_action", "09", "n"),
    "prosecute": ("legal_action", "17", "v"), "prosecution": ("legal_action", "17", "n"),
    "verdict": ("legal_action", "17", "n"), "acquit": ("legal_action", "17", "v"),
    "acquittal": ("legal_action", "17", "n"), "jail": ("legal_action", "17", "v"),
    "imprison": ("legal_action", "17", "v"), "extradite": ("legal_action", "17", "v"),
    "extradition": ("legal_action", "17", "n"), "impeach": ("legal_action", "17", "v"),
    "subpoena": ("legal_action", "17", "nv"), "indicted": ("legal_action", "17", "v"),
    "hearing": ("legal_action", "17", "n"),
    "sentencing": ("legal_action", "17", "n"), "evict": ("legal_action", "17", "v"),
    "eviction": ("legal_action", "17", "n"), "plead": ("legal_action", "17", "v"),
    "charge_n": ("legal_action", "17", "n"), "reopen": ("legal_action", "09", "v"),
    "re-open": ("legal_action", "09", "v"), "shelve": ("legal_action", "09", "v"),
    # leadership change
    "appoint": ("leadership_change", "leader", "v"), "appointment": ("leadership_change", "leader", "n"),
    "nominate": ("leadership_change", "leader", "v"), "nomination": ("leadership_change", "leader", "n"),
    "resign": ("leadership_change", "leader", "v"), "resignation": ("leadership_change", "leader", "n"),
    "dismiss": ("leadership_change", "leader", "v"), "fire": ("leadership_change", "leader", "v"),
    "oust": ("leadership_change", "leader", "v"), "sack": ("leadership_change", "leader", "v"),
    "inaugurate": ("leadership_change", "leader", "v"), "inauguration": ("leadership_change", "leader", "n"),
    "replace": ("leadership_change", "leader", "v"), "succeed": ("leadership_change", "leader", "v"),
    "coup": ("leadership_change", "leader", "n"), "step": ("leadership_change", "leader", "v"),
    "reshuffle": ("leadership_change", "leader", "nv"), "swear": ("leadership_change", "leader", "v"),
    "tap": ("leadership_change", "leader", "v"),
    "overthrow": ("leadership_change", "leader", "nv"), "removal": ("leadership_change", "leader", "n"),
    # accident
    "crash": ("accident", "accident", "nv"), "fire_n": ("accident", "accident", "n"),
    "blaze": ("accident", "accident", "n"), "explosion_n": ("attack", "19", "n"),
    "eruption": ("accident", "accident", "n"), "avalanche": ("accident", "accident", "n"),
    "drought": ("accident", "accident", "n"), "tsunami": ("accident", "accident", "n"),
    "typhoon": ("accident", "accident", "n"), "outbreak": ("accident", "accident", "n"),
    "spill": ("accident", "accident", "n"), "shipwreck": ("accident", "accident", "n"),
    "capsize": ("accident", "accident", "v"), "derail": ("accident", "accident", "v"),
    "earthquake": ("accident", "accident", "n"), "flood": ("accident", "accident", "nv"),
    "flooding": ("accident", "accident", "n"), "hurricane": ("accident", "accident", "n"),
    "wildfire": ("accident", "accident", "n"), "collapse": ("accident", "accident", "nv"),
    "derailment": ("accident", "accident", "n"), "accident": ("accident", "accident", "n"),
    "storm": ("accident", "accident", "n"), "tornado": ("accident", "accident", "n"),
    "landslide": ("accident", "accident", "n"), "cyclone": ("accident", "accident", "n"),
    # aid
    "aid": ("aid", "07", "n"), "assistance": ("aid", "07", "n"),
    "donate": ("aid", "07", "v"), "donation": ("aid", "07", "n"),
    "supply": ("aid", "07", "v"), "training": ("aid", "07", "n"),
    "relief": ("aid", "07", "n"), "funding": ("aid", "07", "n"),
    "deliver": ("aid", "07", "v"), "delivery": ("aid", "07", "n"),
    "ratify": ("agreement", "06", "v"), "ratification": ("agreement", "06", "n"),
    # policy
    "decision": ("policy", "policy", "n"), "policy": ("policy", "policy", "n"),
    "annexation": ("policy", "policy", "n"), "annex": ("policy", "policy", "v"),
    "lift": ("policy", "policy", "v"), "ban": ("policy", "policy", "nv"),
    "deploy": ("policy", "policy", "v"), "deployment": ("policy", "policy", "n"),
    "proclamation": ("sanction", "16", "n"), "recognise": ("policy", "policy", "v"),
    "recognize": ("policy", "policy", "v"), "withdraw": ("policy", "policy", "v"),
    "withdrawal": ("policy", "policy", "n"), "reform": ("policy", "policy", "n"),
    "measure": ("policy", "policy", "n"), "move": ("policy", "policy", "n"),
    "shift": ("policy", "policy", "n"), "change": ("policy", "policy", "n"),
    "join": ("agreement", "05", "v"), "leave": ("policy", "policy", "v"),
    "nationalise": ("policy", "policy", "v"), "nationalize": ("policy", "policy", "v"),
    "nationalisation": ("policy", "policy", "n"), "nationalization": ("policy", "policy", "n"),
    "expropriate": ("policy", "policy", "v"), "expropriation": ("policy", "policy", "n"),
    "legislation": ("policy", "policy", "n"), "bill": ("policy", "policy", "n"),
    "close": ("policy", "policy", "v"),
}

# Multiword triggers (lower-case token sequences, lemma of last token allowed to vary).
PHRASE_TRIGGERS: dict[str, tuple[str, str]] = {
    "prisoner exchange": ("prisoner_exchange", "0841"),
    "prisoner swap": ("prisoner_exchange", "0841"),
    "hostage swap": ("prisoner_exchange", "0841"),
    "hostage release": ("prisoner_exchange", "0841"),
    "round of talks": ("talks", "04"),
    "peace talks": ("talks", "04"),
    "phone call": ("talks", "04"),
    "negotiating table": ("talks", "04"),
    "emergency meeting": ("talks", "04"),
    "pause in hostilities": ("ceasefire", "08"),
    "cessation of hostilities": ("ceasefire", "08"),
    "peace deal": ("agreement", "05"),
    "peace agreement": ("agreement", "05"),
    "political settlement": ("agreement", "05"),
    "drone strike": ("attack", "19"),
    "air strike": ("attack", "19"),
    "missile strike": ("attack", "19"),
    "aerial assault": ("attack", "19"),
    "shot down": ("attack", "19"),
    "shoot down": ("attack", "19"),
    "enemy fire": ("attack", "19"),
    "open fire": ("attack", "19"),
    "fire at": ("attack", "19"),
    "fire on": ("attack", "19"),
    "fire upon": ("attack", "19"),
    "gun fire": ("attack", "19"),
    "tank fire": ("attack", "19"),
    "artillery fire": ("attack", "19"),
    "rocket fire": ("attack", "19"),
    "mortar fire": ("attack", "19"),
    "sniper fire": ("attack", "19"),
    "strike back": ("threat", "13"),
    "regime change": ("leadership_change", "leader"),
    "lay siege": ("attack", "19"),
    "from power": ("leadership_change", "leader"),
    "plead guilty": ("legal_action", "17"),
    "no-fly zone": ("attack", "19"),
    "rescue mission": ("attack", "19"),
    "military aid": ("aid", "07"),
    "humanitarian aid": ("aid", "07"),
    "security assistance": ("aid", "07"),
    "early voting": ("vote", "vote"),
    "absentee voting": ("vote", "vote"),
    "took over": ("leadership_change", "leader"),
    "hand over": ("prisoner_exchange", "0841"),
    "handed over": ("prisoner_exchange", "0841"),
    "step down": ("leadership_change", "leader"),
    "stepped down": ("leadership_change", "leader"),
    "caught fire": ("accident", "accident"),
    "helicopter crash": ("accident", "accident"),
    "plane crash": ("accident", "accident"),
}

# Only these single-word triggers count when used with a matching head or object.
# lemma -> words that must appear among the trigger's children/head (lower-case lemmas).
CONTEXT_REQUIRED: dict[str, frozenset[str]] = {
    "exchange": frozenset({"prisoner", "prisoners", "hostage", "hostages", "detainee", "detainees",
                           "captive", "body", "bodies", "pow", "soldier", "soldiers", "fire"}),
    "release": frozenset({"prisoner", "hostage", "detainee", "captive", "soldier", "individual",
                          "man", "woman", "men", "women", "militant", "member", "civilian",
                          "citizen", "professor", "journalist", "american", "national",
                          "insurgent", "fighter", "commander", "prison", "jail", "custody",
                          "detention"}),
    "free": frozenset({"prisoner", "hostage", "detainee", "captive", "militant", "man", "woman",
                       "professor", "journalist", "citizen", "soldier", "member", "prison",
                       "jail", "custody", "detention"}),
    "swap": frozenset(),
    "advance": frozenset({"military", "troop", "force", "army", "active", "russian", "battlefield"}),
    "operation": words("""military special combat ground air launch anti-terror counterterrorism
                          counter-terrorism security army"""),
    "duty": frozenset({"reciprocal", "import", "retaliatory", "customs", "punitive"}),
    "supply": frozenset({"arm", "weapon", "equipment", "ammunition", "missile", "tank"}),
    "deliver": frozenset({"aid", "weapon", "arm", "assistance", "supply", "humanitarian"}),
    "delivery": frozenset({"aid", "weapon", "arm", "assistance", "supply", "humanitarian"}),
    "assistance": words("""military humanitarian foreign economic financial security aid
                           provide send pledge approve pause halt package"""),
    "training": frozenset({"military", "troop", "force", "soldier", "pilot", "ukrainian"}),
    "funding": frozenset({"military", "aid", "humanitarian"}),
    "relief": frozenset({"humanitarian", "disaster", "food", "aid"}),
    "move": frozenset({"unilateral", "latest", "policy", "washington", "government", "us"}),
    "shift": frozenset({"policy"}),
    "change": frozenset({"policy"}),
    "measure": frozenset({"retaliatory", "punitive", "countermeasure"}),
    "decision": frozenset({"us", "government", "court", "administration", "policy"}),
    "policy": frozenset({"new", "announce", "change"}),
    "lift": frozenset({"tariff", "sanction", "ban", "embargo", "restriction"}),
    "close": frozenset({"border", "borders", "embassy", "airspace"}),
    "leave": frozenset({"nato", "union", "eu", "alliance", "treaty", "agreement", "organization"}),
    "join": frozenset({"nato", "union", "eu", "alliance", "treaty", "agreement", "organization"}),
    "deploy": frozenset({"troop", "soldier", "force", "guard", "missile", "weapon"}),
    "pass": frozenset({"bill", "law", "legislation", "budget", "resolution", "measure"}),
    "approve": frozenset({"bill", "law", "legislation", "budget", "resolution", "measure", "deal"}),
    "rule": frozenset({"court", "judge", "justice", "tribunal"}),
    "sentence": words("court judge prison jail year years month months week weeks death life"),
    "hit": frozenset({"missile", "drone", "strike", "attack", "shell", "rocket", "bomb", "building",
                      "residence", "target", "city", "kyiv", "school"}),
    "damage": frozenset({"attack", "strike", "missile", "drone", "explosion", "building", "record",
                         "school", "warehouse", "supermarket", "shelling"}),
    "destroy": frozenset({"drone", "missile", "helicopter", "tank", "building", "aircraft",
                          "completely"}),
    "shoot": frozenset({"down", "dead", "kill"}),
    "seize": frozenset({"control", "territory", "city", "town", "village", "ship", "vessel"}),
    "intercept": frozenset({"missile", "drone", "rocket"}),
    "kill": frozenset(),
    "suspend": frozenset({"membership", "aid", "talks", "member", "spain", "country", "ally",
                          "sanction", "nato", "participation"}),
    "punish": frozenset(),
    "charge": frozenset({"with", "murder", "crime", "fraud", "prosecutor", "police", "court"}),
    "fire": frozenset({"director", "minister", "chief", "official", "secretary", "adviser",
                       "coach", "ceo"}),
    "replace": frozenset({"nominee", "minister", "leader", "president", "chief", "candidate"}),
    "succeed": frozenset({"president", "minister", "leader", "chief", "as"}),
    "step": frozenset({"down", "aside"}),
    "swear": frozenset({"in", "oath"}),
    "ratify": words("treaty agreement deal accord convention pact protocol charter amendment"),
    "ratification": words("treaty agreement deal accord convention pact protocol charter"),
    "expel": words("diplomat diplomats ambassador envoy staff journalist journalists embassy"),
    "expulsion": words("diplomat diplomats ambassador envoy staff journalist journalists embassy"),
    "jail": frozenset({"year", "years", "month", "months", "life", "sentence", "court", "judge"}),
    "visit": frozenset({"state", "official", "president", "minister", "leader"}),
    "meet": frozenset(),
    "sign": frozenset({"deal", "agreement", "treaty", "accord", "memorandum", "pact", "law",
                       "bill", "order", "proclamation", "ceasefire", "truce"}),
    "agree": words("to on deal ceasefire pause terms target plan framework package budget"),
    "march": frozenset({"protester", "thousand", "demonstrator", "street", "rally"}),
    "primary": frozenset({"election", "democratic", "republican", "presidential"}),
    "recognize": frozenset({"capital", "state", "independence", "sovereignty"}),
    "recognise": frozenset({"capital", "state", "independence", "sovereignty"}),
    "withdraw": words("troop force from treaty agreement soldier bill legislation plan proposal"),
    "ban": words("""import export entry travel sale flight channel channels broadcast event
                    events party group rally mask website platform app book"""),
    "clash": frozenset({"troop", "force", "police", "protester", "militant", "soldier", "army"}),
    "collapse": frozenset({"building", "bridge", "roof", "mine", "tower", "dam"}),
    "flood": frozenset(),
    "conference": frozenset({"peace", "summit", "governors", "international", "donor",
                             "security", "association"}),
    "debate": frozenset({"council", "parliament", "presidential", "security", "senate"}),
    "crash": frozenset({"helicopter", "plane", "aircraft", "jet", "train", "car", "bus", "drone"}),
    "settlement": frozenset({"political", "peace", "negotiated", "diplomatic"}),
    "deal": frozenset(),
    "impeachment": words("""vote votes trial article articles launch launched open opened begin began
                            approve approved formal"""),
    "call_n": words("phone telephone video with"),
    "fire_n": words("""building buildings block tower house home apartment apartments residential
                       firefighter firefighters flame flames blaze forest wild bush factory
                       warehouse death toll kill killed destroy gut engulf break broke rage
                       raging spread"""),
    "outbreak": words("disease virus cholera ebola measles flu infection epidemic"),
    "threat": words("""military force nuclear attack strike retaliation war invasion violence
                       sanction sanctions tariff tariffs missile bomb kill death terror"""),
    "election": words("""win won lose lost hold held call called contest rig rigged postpone cancel
                         snap general parliamentary presidential midterm local regional runoff
                         upcoming next primary"""),
    "reelection": words("bid win won lose lost seek"),
    "discussion": words("round hold held peace direct bilateral trilateral begin began resume"),
    "exchange_v": frozenset(),
    "raid": frozenset(),
    "storm": frozenset({"tropical", "winter", "severe", "snow"}),
    "shot_n": words("fire gun bullet burst warning gunman rifle machine sniper"),
    "charge_n": words("""criminal face faces faced facing file filed bring brought drop dropped
                         guilty count counts murder fraud terrorism corruption"""),
    "reopen": words("investigation case probe inquiry"),
    "re-open": words("investigation case probe inquiry"),
    "shelve": words("investigation case probe inquiry"),
    "removal": words("power office presidency post"),
    "dialogue": words("political direct national peace hold resume engage"),
    "legislation": words("propose proposed pass passed introduce introduced withdraw withdrawn"),
    "bill": words("""propose proposed pass passed introduce introduced withdraw withdrawn
                     extradition veto vetoed sign signed law"""),
    "target": words("""journalist journalists civilian civilians deliberately intentionally missile
                       drone rocket strike hospital infrastructure"""),
    "conversation": words("between phone telephone"),
    "hearing": words("""court impeachment judge committee congressional senate house trial bail
                        extradition sentencing appeal public"""),
    "tap": frozenset({"as"}),
}

# Subjects that make `kill`, `wound` an attack: weapons and armed actors.
WEAPON_NOUNS: frozenset[str] = words("""
drone missile rocket strike airstrike shell bomb shelling attack bombing explosion blast gunfire
artillery mortar sniper gunman gunmen attacker militant soldier troop force police grenade
""")

# Ambiguous triggers that also count when the article as a whole is about their kind of event.
_CAPTIVES = words("prisoner hostage detainee captive pow abductee")
DOC_CONTEXT: dict[str, frozenset[str]] = {
    "exchange": _CAPTIVES, "swap": _CAPTIVES, "release": _CAPTIVES, "free": _CAPTIVES,
    "crash": words("helicopter plane aircraft jet train bus"),
}

# Words near a trigger that rule it out: `a big deal`, `electoral votes`.
CONTEXT_VETO: dict[str, frozenset[str]] = {
    "deal": frozenset({"big", "great", "huge", "good"}),
    "vote": frozenset({"electoral", "black", "latino", "white", "youth", "popular", "women"}),
    "attack": words("""verbal personal heart panic republican republicans democrat democrats
                       democratic political partisan rhetorical campaign"""),
    "strike": frozenset({"worker", "hunger", "general", "union", "lucky"}),
    "operation": frozenset({"surgery", "business", "rescue"}),
    "election": frozenset({"pay", "attention", "frame"}),
    "treaty": frozenset({"founding"}),
    "fire_n": words("attack attacks strike strikes blast blasts missile drone shelling bombing explosion"),
    "consultation": frozenset({"legal", "medical", "public"}),
    "meet": words("""end ends deadline demand demands need needs standard standards target targets
                     goal goals criteria requirement requirements expectation expectations
                     skepticism scepticism criticism resistance"""),
    "collapse": frozenset({"blast", "strike", "attack", "explosion", "shelling", "bombing"}),
    "threat": frozenset({"direct", "significant", "existential", "security", "biggest", "greatest",
                         "starvation", "posed", "pose"}),
}

# Status cues. Planned: modality and intention; negated: failure and refusal.
# Subject of these verbs -> planned: `the tariffs are set to`, `talks are expected`.
SCHEDULED: frozenset[str] = words("set expect schedule slate plan due poise propose forecast")
# Predicates that make their subject planned: `tornadoes are possible`.
LIKELY: frozenset[str] = words("possible likely expected imminent probable unlikely due set")
# Light verbs whose modality passes to their subject: `early voting will be underway`.
INCHOATIVE: frozenset[str] = words("be begin start take happen occur follow resume continue go "
                                   "come get remain")
PLANNED_MODIFIERS: frozenset[str] = words("""
potential possible planned proposed future upcoming next new prospective expected third fourth
further unofficial
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


# ---------------------------------------------------------------- gazetteer

# Demonyms and place names -> (country name, ISO alpha-2). Small, offline, curated.
COUNTRIES: dict[str, tuple[str, str]] = {}


def _add(code: str, name: str, *aliases: str) -> None:
    """Register a country under its name and aliases (lower-case keys)."""
    for key in (name, *aliases):
        COUNTRIES[key.lower()] = (name, code)


for _row in """
UA|Ukraine|lviv|dnipro|mariupol|bakhmut|kherson|mykolaiv|sumy|ukrainian|kyiv
UA|Ukraine|kiev|kharkiv|odesa|odessa|donbas|donetsk|luhansk|crimea|zaporizhzhia
RU|Russia|russian|russians|moscow|kremlin|russian federation|belgorod|kursk|st petersburg|saint petersburg
US|United States|new york|los angeles|chicago|houston|american|americans|u.s.
US|United States|u.s|us|usa|u.s.a.|america|washington|white house|pentagon
GB|United Kingdom|manchester|birmingham|edinburgh|glasgow|belfast|british|britain
GB|United Kingdom|uk|u.k.|london|england|scotland|wales|downing street|english
FR|France|marseille|lyon|french|paris
DE|Germany|munich|hamburg|frankfurt|german|berlin
IT|Italy|italian|rome
ES|Spain|spanish|madrid
CN|China|shanghai|wuhan|chinese|beijing
JP|Japan|japanese|tokyo
IN|India|mumbai|kolkata|chennai|bengaluru|indian|new delhi|delhi
PK|Pakistan|karachi|lahore|pakistani|islamabad
AF|Afghanistan|afghan|afghans|kabul|kandahar|herat|helmand
IR|Iran|iranian|tehran
IQ|Iraq|mosul|basra|erbil|iraqi|baghdad
SY|Syria|syrian|damascus|aleppo|idlib|homs
IL|Israel|haifa|israeli|israelis|jerusalem|tel aviv
PS|Palestine|rafah|khan younis|jenin|palestinian|palestinians|gaza|west bank|ramallah
JO|Jordan|jordanian|amman
EG|Egypt|egyptian|cairo
SA|Saudi Arabia|saudi|riyadh
TR|Turkey|turkish|turkiye|türkiye|ankara|istanbul
QA|Qatar|qatari|doha
LB|Lebanon|lebanese|beirut
YE|Yemen|aden|hodeidah|yemeni|sanaa
MX|Mexico|guadalajara|monterrey|tijuana|mexican|mexicans|mexico city
CA|Canada|toronto|montreal|vancouver|canadian|ottawa
AU|Australia|melbourne|perth|brisbane|australian|canberra|sydney
AL|Albania|albanian|tirana
PL|Poland|polish|warsaw
BY|Belarus|belarusian|minsk
GE|Georgia|georgian|tbilisi
BA|Bosnia and Herzegovina|bosnian|bosnia|sarajevo
KP|North Korea|north korean|pyongyang
KR|South Korea|south korean|korean|seoul
TW|Taiwan|taiwanese|taipei
HK|Hong Kong|hong kong
VE|Venezuela|venezuelan|caracas
BR|Brazil|sao paulo|rio de janeiro|brazilian|brasilia
AR|Argentina|argentine|argentinian|buenos aires|falkland islands|falklands
NG|Nigeria|nigerian|abuja|lagos
ZA|South Africa|cape town|durban|south african|pretoria|johannesburg
KE|Kenya|kenyan|nairobi
ET|Ethiopia|ethiopian|addis ababa
SD|Sudan|darfur|omdurman|sudanese|khartoum
LY|Libya|libyan|tripoli
AM|Armenia|armenian|yerevan
AZ|Azerbaijan|azerbaijani|baku
HU|Hungary|hungarian|budapest
NL|Netherlands|dutch|the hague|amsterdam
BE|Belgium|belgian|brussels
SE|Sweden|swedish|stockholm
FI|Finland|finnish|helsinki
NO|Norway|norwegian|oslo
IE|Ireland|irish|dublin
GR|Greece|greek|athens
RS|Serbia|serbian|belgrade
VN|Vietnam|vietnamese|hanoi
PH|Philippines|filipino|manila
ID|Indonesia|indonesian|jakarta
CH|Switzerland|swiss|geneva|zurich|bern
AT|Austria|austrian|vienna
DK|Denmark|danish|copenhagen
PT|Portugal|portuguese|lisbon
CZ|Czech Republic|czech|czechia|prague
RO|Romania|romanian|bucharest
BG|Bulgaria|bulgarian|sofia
MD|Moldova|moldovan|chisinau
LT|Lithuania|lithuanian|vilnius
LV|Latvia|latvian|riga
EE|Estonia|estonian|tallinn
TH|Thailand|thai|bangkok
MM|Myanmar|burmese|yangon|naypyidaw
BD|Bangladesh|bangladeshi|dhaka
LK|Sri Lanka|sri lankan|colombo
NP|Nepal|nepali|nepalese|kathmandu
SG|Singapore|singaporean
MY|Malaysia|malaysian|kuala lumpur
NZ|New Zealand|wellington|auckland
CL|Chile|chilean|santiago
CO|Colombia|colombian|bogota
PE|Peru|peruvian|lima
CU|Cuba|cuban|havana
HT|Haiti|haitian|port-au-prince
DZ|Algeria|algerian|algiers
MA|Morocco|moroccan|rabat|casablanca
TN|Tunisia|tunisian|tunis
SO|Somalia|somali|mogadishu
CD|Democratic Republic of the Congo|congolese|kinshasa|goma
UG|Uganda|ugandan|kampala
RW|Rwanda|rwandan|kigali
GH|Ghana|ghanaian|accra
SN|Senegal|senegalese|dakar
ML|Mali|malian|bamako
NE|Niger|nigerien|niamey
ZW|Zimbabwe|zimbabwean|harare
AE|United Arab Emirates|emirati|uae|abu dhabi|dubai
KW|Kuwait|kuwaiti
BH|Bahrain|bahraini|manama
OM|Oman|omani|muscat
KZ|Kazakhstan|kazakh|astana|almaty
UZ|Uzbekistan|uzbek|tashkent
CY|Cyprus|cypriot|nicosia
IS|Iceland|icelandic|reykjavik
HR|Croatia|croatian|zagreb
SK|Slovakia|slovak|bratislava
SI|Slovenia|slovenian|ljubljana
XK|Kosovo|kosovar|pristina
MK|North Macedonia|macedonian|skopje
ME|Montenegro|montenegrin|podgorica
EC|Ecuador|ecuadorian|quito
BO|Bolivia|bolivian|la paz
PY|Paraguay|paraguayan|asuncion
UY|Uruguay|uruguayan|montevideo
NI|Nicaragua|nicaraguan|managua
GT|Guatemala|guatemalan
HN|Honduras|honduran|tegucigalpa
SV|El Salvador|salvadoran|san salvador
PA|Panama|panamanian
""".strip().splitlines():
    _code, _name, *_aliases = _row.split("|")
    _add(_code, _name, *_aliases)


def country_of(name: str | None) -> str | None:
    """Country name for a place, demonym or capital; None when unknown."""
    if not name:
        return None
    key = name.lower().strip().removeprefix("the ")
    key = key.removesuffix("'s").removesuffix("’s")
    hit = COUNTRIES.get(key)
    if hit:
        return hit[0]
    for part in reversed(key.replace(",", " ").split()):
        hit = COUNTRIES.get(part)
        if hit:
            return hit[0]
    return None


_COUNTRY_SHORT = {"us", "u.s.", "u.s", "usa", "u.s.a.", "america", "uk", "u.k.", "britain",
                  "russian federation"}


def is_country(name: str | None) -> bool:
    """True for a country's own name (`Ukraine`, `US`), false for cities and regions."""
    if not name:
        return False
    key = name.lower().strip().removeprefix("the ")
    hit = COUNTRIES.get(key)
    return bool(hit) and (key == hit[0].lower() or key in _COUNTRY_SHORT)


def country_code(name: str | None) -> str | None:
    """ISO 3166 alpha-2 code for a place or demonym; None when unknown."""
    country = country_of(name)
    if country is None:
        return None
    return COUNTRIES[country.lower()][1]
