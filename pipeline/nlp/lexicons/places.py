"""Places: a small offline gazetteer (countries, capitals, cities, demonyms) and place words.

`country_of`, `is_country` and `country_code` answer from the gazetteer; the place-word sets
serve `pipeline.nlp.event_location`. Keys are lower-case.
"""

from __future__ import annotations

from pipeline.nlp.lexicons.base import words

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


_COUNTRY_SHORT = {
    "us",
    "u.s.",
    "u.s",
    "usa",
    "u.s.a.",
    "america",
    "uk",
    "u.k.",
    "britain",
    "russian federation",
}


def is_country(name: str | None) -> bool:
    """True for a country's own name (`Ukraine`, `US`), false for cities and regions."""
    if not name:
        return False
    key = name.lower().strip().removeprefix("the ")
    hit = COUNTRIES.get(key)
    return hit is not None and (key == hit[0].lower() or key in _COUNTRY_SHORT)


# Countries that are one city (ISO alpha-2), which English also calls `the city`.
CITY_STATES: frozenset[str] = frozenset({"HK", "SG", "MO", "MC", "VA"})


def is_city_state(name: str | None) -> bool:
    """True for the name of a country that is a single city (`the city` may refer to it)."""
    return is_country(name) and country_code(name) in CITY_STATES


def country_code(name: str | None) -> str | None:
    """ISO 3166 alpha-2 code for a place or demonym; None when unknown."""
    country = country_of(name)
    if country is None:
        return None
    return COUNTRIES[country.lower()][1]


# ---------------------------------------------------------------- place words

# Heads of place phrases: `the city of Bila Tserkva`, `in Logar province`.
PLACE_NOUNS: frozenset[str] = words("""
town city village region province area district capital state county camp border center centre
outskirts part heart suburb port island coast neighborhood neighbourhood oblast governorate
municipality territory south north east west
""")
# Nouns that make a proper-name compound a place: `Logar province`, `Rukban camp`.
NAMED_PLACE_NOUNS: frozenset[str] = words("""
province region district camp crossing county oblast governorate valley square airport prison
base port island village town city state street bridge point facility
""")
# Last words that make a multi-word proper name a building, room or grounds, whatever label
# the recogniser gave it (it often calls `the Oval Office` or `X University` an ORG and
# `X Gardens` a PERSON): in a locative phrase such a name is where something happened.
FACILITY_NAME_NOUNS: frozenset[str] = words("""
office room hall gardens garden park university college school hospital stadium arena
facility palace embassy consulate courthouse court airport station prison jail square
cathedral church mosque temple museum
""")
# Motion verbs whose `to X` is where the event ends up: `sent them to Qatar`.
DESTINATION_VERBS: frozenset[str] = words("""
send travel fly go come return transfer move deport flee head arrive bring take evacuate march
""")
# Verbs of removal whose `from X` is where the event happens: the person is taken out of
# the place they were in (`deported from X`, `evacuated from X`, `rescued from X`).
REMOVAL_VERBS: frozenset[str] = words("""
deport expel extradite evacuate rescue remove banish
""")
# Vehicles and surfaces: `on` one of them names where something happened (`on a train`, `on
# the street`), where after other nouns `on` names a topic or a target (`talks on trade`).
ON_PLACE_NOUNS: frozenset[str] = words("""
train bus plane aircraft flight ship boat ferry subway tram street road highway avenue
border island campus platform
""")
# Compass words that locate relative to a place (`west of X`, `north of X`).
DIRECTION_WORDS: frozenset[str] = words("""
north south east west northeast northwest southeast southwest
""")
# Common nouns for settlements and administrative areas that name a place in `the N of X`
# (`the town of X`, `the province of X`): X is then a place whatever label the recogniser
# gave it. Nouns whose `of` also takes non-places (`part of`, `center of`, `state of
# emergency`) are left out.
OF_NAME_PLACE_NOUNS: frozenset[str] = words("""
town city village hamlet suburb region province district county oblast governorate
municipality island port
""")

# Prepositions of place: a name they take may be where an event happened.
LOCATION_PREPS: frozenset[str] = words("""
in at near outside inside across over into throughout around through along
""")
# `into`/`over` name a place only for movement and force (`an incursion into X`, `drones
# shot down over X`); after other nouns and verbs they name a topic or a goal
# (`an investigation into X`, `talks over X`, `invest money into X`).
MOTION_ONLY_PREPS: frozenset[str] = frozenset({"into", "over"})
# Prepositions whose object is a venue or an event that a locative phrase can place, and
# through which that place passes to the event the phrase hangs from (`talks at a hotel in
# X`, `announced during a meeting in X`: an event during another shares its place).
VENUE_CLIMB_PREPS: frozenset[str] = (LOCATION_PREPS - MOTION_ONLY_PREPS) | {"during"}
# Words whose `of` place is where they point: place nouns (`the outskirts of X`), compass
# words and locative adverbs (`west of X`, `outside of X`; `near or west of X`, where the
# parser hangs `of` on `near`).
OF_PLACE_HEADS: frozenset[str] = PLACE_NOUNS | DIRECTION_WORDS | {"near", "outside", "inside"}
# Conjunctions of a time clause that tells another event than the main one (`charged ...
# before he died in X`): a place inside it is that event's.
TIME_MARKS: frozenset[str] = words("""
before after until since
""")
