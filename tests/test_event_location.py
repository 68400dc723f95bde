"""Event location (`pipeline.nlp.event_location`) on hand-written sentences, one test per rule.

Every sentence is parsed by the pipeline's own model through the `Analyzer` (no mocks), and
each test fails when its rule is taken out of the module (the sentences were checked that
way). Place names here are test data only; the rules name no place.
"""

from __future__ import annotations

import pytest

from pipeline.nlp.analyzer import Analyzer
from pipeline.nlp.events import Event


def event(analyzer: Analyzer, text: str, etype: str, trigger: str | None = None) -> Event:
    """The first event of `etype` (whose trigger contains `trigger`, if given) in `text`."""
    result = analyzer.analyze(text)
    assert result.status == "ok", result.reason
    hits = [e for e in result.events if e.type == etype and (trigger is None or trigger in e.trigger)]
    assert hits, [e.to_dict() for e in result.events]
    return hits[0]


# ------------------------------------------------------------ clause boundaries


@pytest.mark.parametrize(
    "text",
    [
        "The mayor said at a briefing in Denver that the company had signed an agreement with the union.",
        "The minister said at a news conference in Geneva that Russia had launched an attack on Kharkiv.",
    ],
)
def test_reporting_clause_place_does_not_locate_the_reported_event(analyzer: Analyzer, text: str) -> None:
    # the briefing happened in Denver/Geneva; the reported event is not placed by it
    etype = "agreement" if "agreement" in text else "attack"
    e = event(analyzer, text, etype)
    assert e.location not in ("Denver", "Geneva"), e


def test_place_of_another_event_in_an_adjunct(analyzer: Analyzer) -> None:
    # `at Leeds` locates the loss, an adjunct of `received`, not the threats
    e = event(analyzer, "The coach received death threats after Saturday's loss at Leeds.", "threat")
    assert e.location is None, e


def test_place_of_the_subject_locates_a_participant(analyzer: Analyzer) -> None:
    e = event(analyzer, "Soldiers stationed in Poland fired at the protesters.", "attack")
    assert e.location is None, e


def test_gerund_after_a_time_preposition_is_another_clause(analyzer: Analyzer) -> None:
    e = event(analyzer, "The regime was condemned in Geneva after blocking the delivery of aid.", "aid")
    assert e.location is None, e


def test_by_gerund_shares_the_place_of_the_act_it_explains(analyzer: Analyzer) -> None:
    e = event(analyzer, "The regime created a crisis in Aleppo by blocking the delivery of aid.", "aid")
    assert e.location == "Aleppo", e


# ------------------------------------------------------------ inside the event's phrase


def test_place_attached_inside_the_trigger_phrase(analyzer: Analyzer) -> None:
    e = event(analyzer, "A drone strike on a hospital in Sudan killed nine people.", "attack")
    assert e.location == "Sudan", e


def test_place_of_the_venue_in_a_relative_clause(analyzer: Analyzer) -> None:
    text = "The appeal hearing, which is expected to take place at a tribunal in Dublin, was postponed."
    assert event(analyzer, text, "legal_action").location == "Dublin"


def test_place_near_the_object_of_a_coordinated_verb(analyzer: Analyzer) -> None:
    # `near ...` hangs from `house`, the object of `searched`, which `arrested` is joined to
    text = "Officers searched a house near Victoria Station and arrested two men."
    e = event(analyzer, text, "legal_action", "arrested")
    assert e.location is not None and "Station" in e.location, e


def test_place_of_a_relative_clause_on_the_noun_the_trigger_modifies(analyzer: Analyzer) -> None:
    text = "The judge postponed the extradition hearing, which will be held in Belfast next month."
    assert event(analyzer, text, "legal_action", "extradition").location == "Belfast"


def test_place_deep_in_a_relative_clause_is_about_something_else(analyzer: Analyzer) -> None:
    text = "Prosecutors opened an investigation that covers everything from payments to officials in Panama."
    assert event(analyzer, text, "legal_action").location is None


def test_modifier_of_an_earlier_conjunct_is_not_shared(analyzer: Analyzer) -> None:
    text = "Lawmakers discussed the embassy's role in Kenya and the sanctions on three banks."
    e = event(analyzer, text, "sanction")
    assert e.location is None, e


def test_place_of_the_other_side_is_not_the_venue(analyzer: Analyzer) -> None:
    e = event(analyzer, "The company signed a deal with a manufacturer in Vietnam.", "agreement")
    assert e.location is None, e


# ------------------------------------------------------------ prepositions and compounds


def test_into_names_a_topic_unless_the_event_moves(analyzer: Analyzer) -> None:
    e = event(analyzer, "Lawmakers called for an investigation into China over the hacking.", "legal_action")
    assert e.location is None, e
    e = event(analyzer, "Ukrainian troops launched an incursion into Kursk in August.", "attack")
    assert e.location == "Kursk", e


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The Germany-France talks resumed on Monday.", "talks"),
        ("Stocks rallied after the Japan-Korea trade agreement was announced.", "agreement"),
    ],
)
def test_hyphenated_pair_names_the_sides_not_a_venue(analyzer: Analyzer, text: str, etype: str) -> None:
    assert event(analyzer, text, etype).location is None


def test_compound_place_is_still_a_venue(analyzer: Analyzer) -> None:
    e = event(analyzer, "The Istanbul talks ended without a deal on Friday.", "talks")
    assert e.location == "Istanbul", e


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Ohio voters approved the measure in a referendum on Tuesday.", "Ohio"),
        ("Oregon begins early voting next week.", "Oregon"),
        # a country voting is a member of some body voting, not a venue
        ("France voted against the resolution on Tuesday.", None),
    ],
)
def test_place_of_the_voters_is_the_venue_of_a_vote(analyzer: Analyzer, text: str, place: str | None) -> None:
    assert event(analyzer, text, "vote").location == place


# ------------------------------------------------------------ which place


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # the recogniser labels these names ORG; `the town of` says they are places
        ("Shelling killed a woman in the town of Kupiansk on Monday.", "Kupiansk"),
        ("A missile struck the town of Merefa in the Kharkiv region.", "Merefa"),
    ],
)
def test_name_after_the_town_of_is_a_place(analyzer: Analyzer, text: str, place: str) -> None:
    assert event(analyzer, text, "attack").location == place


def test_smaller_of_two_nested_places(analyzer: Analyzer) -> None:
    text = "In the village of Zolochiv, in the Kharkiv region, a missile killed two people."
    assert event(analyzer, text, "attack").location == "Zolochiv"


def test_city_centre_refers_to_the_city_named_before(analyzer: Analyzer) -> None:
    text = "Missiles hit Kharkiv overnight.\n\nResidents reported blasts near the city centre on Monday."
    assert event(analyzer, text, "attack", "blasts").location == "Kharkiv"


def test_compound_place_on_the_noun_the_trigger_modifies(analyzer: Analyzer) -> None:
    # `kidnapped` modifies `boy`; the place compound on `boy` is the venue
    e = event(analyzer, "Police found a kidnapped Denver boy on Tuesday.", "attack")
    assert e.location == "Denver", e


def test_where_clause_places_its_event_at_the_noun_it_modifies(analyzer: Analyzer) -> None:
    e = event(analyzer, "Sales have risen in Ohio counties where lawmakers legalized the drug.", "policy")
    assert e.location == "Ohio", e


def test_the_city_refers_to_the_nearest_city_named_before_it(analyzer: Analyzer) -> None:
    # the nearest antecedent is earlier in the same sentence, not in the sentence before
    text = (
        "Police in Lyon were on alert.\n\n"
        "After a speech by the mayor of Marseille on Sunday, protests spread across the city."
    )
    assert event(analyzer, text, "protest", "protests").location == "Marseille"


def test_the_city_may_be_a_city_state(analyzer: Analyzer) -> None:
    e = event(analyzer, "Singapore shares fell on Monday amid protests in the city.", "protest")
    assert e.location == "Singapore", e


def test_bare_place_noun_re_mentions_the_place_named_before(analyzer: Analyzer) -> None:
    # `the airport` is the airport the article named a sentence before
    text = (
        "Flights were delayed at Heathrow Airport on Monday.\n\nPolice arrested two activists at the airport."
    )
    e = event(analyzer, text, "legal_action", "arrested")
    assert e.location == "Heathrow Airport", e


def test_hyphenated_prefix_is_part_of_the_trigger(analyzer: Analyzer) -> None:
    # the parser hangs the subject (`Ohio Democrats`) on `re`, not on `elected`
    e = event(analyzer, "Ohio Democrats re-elected the governor on Tuesday.", "vote")
    assert e.location == "Ohio", e


# ------------------------------------------------------------ news: venues, sources, misparses


@pytest.mark.parametrize(
    ("text", "etype", "place"),
    [
        # a building name the recogniser files under ORG
        ("The summit took place at Westbrook University last week.", "talks", "Westbrook University"),
        # `facility` makes a proper-name compound a place
        ("Two inmates were arrested at the Dalton facility on Monday.", "legal_action", "Dalton facility"),
    ],
)
def test_building_names_are_places(analyzer: Analyzer, text: str, etype: str, place: str) -> None:
    e = event(analyzer, text, etype)
    assert e.location == place, e


def test_place_modifier_apart_from_its_noun(analyzer: Analyzer) -> None:
    # the parser makes `Denver` an `nmod` of `court`, with `federal` in between
    e = event(analyzer, "The two men pleaded guilty in Denver federal court on Monday.", "legal_action")
    assert e.location == "Denver", e


@pytest.mark.parametrize(
    ("text", "etype", "place"),
    [
        ("The family was deported from Texas last week.", "legal_action", "Texas"),
        ("Heavy storms are expected from Kansas to Iowa on Friday.", "accident", "Kansas"),
    ],
)
def test_from_places_removals_and_weather(analyzer: Analyzer, text: str, etype: str, place: str) -> None:
    e = event(analyzer, text, etype)
    assert e.location == place, e


def test_from_after_other_verbs_is_an_origin(analyzer: Analyzer) -> None:
    e = event(analyzer, "The president returned from Texas and signed the agreement.", "agreement")
    assert e.location is None, e


def test_as_planned_clause_does_not_take_the_main_verbs_place(analyzer: Analyzer) -> None:
    # `in central Lisbon` hangs on `planned`, but places the protest
    e = event(analyzer, "The protest went ahead as planned in central Lisbon on Saturday.", "protest")
    assert e.location == "Lisbon", e


def test_event_during_another_shares_its_place(analyzer: Analyzer) -> None:
    text = "The minister announced a new agreement during a visit in Lisbon."
    e = event(analyzer, text, "agreement")
    assert e.location == "Lisbon", e


def test_place_of_the_noun_after_a_quantity(analyzer: Analyzer) -> None:
    # `dozens` is the parsed object, `houses in Lima` what was destroyed
    e = event(analyzer, "The earthquake destroyed dozens of houses in Lima on Monday.", "accident")
    assert e.location == "Lima", e


def test_passive_subject_of_an_attack_is_its_target(analyzer: Analyzer) -> None:
    e = event(analyzer, "Kharkiv was shelled by artillery overnight.", "attack")
    assert e.location == "Kharkiv", e


def test_target_of_an_attack_noun_misattached_to_the_verb(analyzer: Analyzer) -> None:
    e = event(analyzer, "Demonstrators gathered to condemn Russia's war on Georgia.", "attack")
    assert e.location == "Georgia", e


def test_relative_pronoun_subject_of_a_vote_is_its_antecedent(analyzer: Analyzer) -> None:
    text = "To win Nevada, which holds an early primary, she needs strong support."
    e = event(analyzer, text, "vote")
    assert e.location == "Nevada", e


@pytest.mark.parametrize(
    "text",
    [
        "A cluster of rotating storms will form in eastern Iowa on Friday.",
        "Rotating storms or squalls are expected in western Iowa on Friday.",
    ],
)
def test_participle_before_a_noun_is_its_adjective(analyzer: Analyzer, text: str) -> None:
    e = event(analyzer, text, "accident")
    assert e.location == "Iowa", e


def test_on_a_vehicle_is_a_place(analyzer: Analyzer) -> None:
    e = event(analyzer, "Police arrested a man on a Chicago commuter train on Monday.", "legal_action")
    assert e.location == "Chicago", e


def test_on_a_topic_is_no_place(analyzer: Analyzer) -> None:
    e = event(analyzer, "The two sides held talks on Chicago trade rules.", "talks")
    assert e.location is None, e


def test_compass_word_with_its_of_place(analyzer: Analyzer) -> None:
    e = event(analyzer, "Storms will form near or west of Denver on Friday.", "accident")
    assert e.location == "Denver", e


@pytest.mark.parametrize(
    "text",
    [
        "Prosecutors charged John Smith on Friday, saying he had lied in the hours before the prisoner died "
        "in his Denver cell.",
        "Police arrested John Smith on Friday, saying he had fled hours before the fire broke out "
        "in a Denver warehouse.",
    ],
)
def test_place_in_a_before_clause_is_another_events(analyzer: Analyzer, text: str) -> None:
    e = event(analyzer, text, "legal_action")
    assert e.location is None, e
