"""Event sense checks and the third-round triggers, on hand-written sentences (real model).

Each case is a general sense distinction with the reason written in `pipeline.nlp.events`
or `pipeline.nlp.lexicons.triggers`; none is a sentence of an evaluated article. Every
negative case is paired with a positive one, so a rule that dropped the whole type would
fail here.
"""

from __future__ import annotations

import pytest

from pipeline.nlp.analyzer import Analyzer


def types_of(analyzer: Analyzer, text: str) -> list[str]:
    result = analyzer.analyze(text)
    assert result.status == "ok", result.reason
    return [e.type for e in result.events]


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # titles are names, not events
        ("Fans of Attack on Titan in Japan queued for the new release.", "attack"),
        ("Oct. 2 -- The Forum, Inglewood, California", "talks"),
        # enrolling is not signing an agreement
        ("Customers in Canada can sign up for the order tracking service.", "agreement"),
        # figurative fights and criticism
        ("The governor of Ohio vowed to combat addiction in the state.", "attack"),
        ("Senator Smith of Texas attacked the policies of the governor.", "attack"),
        # a threatened act is the threat's content, not an attack
        ("A man from Ohio threatened to kill Senator Smith in March.", "attack"),
        # animals are hunted, not attacked
        ("A hunter who killed and ate a wild rabbit in Mongolia fell ill.", "attack"),
        # an accusation by critics is a claim, not a charge
        ("Smith, the governor of Ohio, was accused by critics of ignoring the report.", "legal_action"),
        # vetoed senses
        ("Walmart in Texas listed the best deals on laptops.", "agreement"),
        ("Users in Canada can start a free trial of the app.", "legal_action"),
        ("The band from Ohio was nominated for induction into the Hall of Fame.", "leadership_change"),
        ("China and the United States have been locked in a trade war.", "attack"),
        ("Stocks in India rallied on Monday as the market rose.", "protest"),
        ("The space probe from Japan reached Mars in March.", "legal_action"),
        ("The scientific investigation in Chile found water.", "legal_action"),
    ],
)
def test_non_event_senses_are_dropped(analyzer: Analyzer, text: str, etype: str) -> None:
    assert etype not in types_of(analyzer, text)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # the same words in their event senses
        ("Russian troops launched an attack on the town of Bakhmut.", "attack"),
        ("Israel and Hamas signed a deal on the release of hostages in Cairo.", "agreement"),
        ("A man from Ohio was charged with threatening to kill Senator Smith.", "threat"),
        ("Federal prosecutors in Texas accused Smith of fraud.", "legal_action"),
        ("The trial of Smith opened in a federal court in Texas.", "legal_action"),
        ("Rebels in Syria attacked an army convoy near Aleppo.", "attack"),
        # third-round triggers
        ("Acme Corp of Ohio completed its acquisition of Beta Corp in March.", "agreement"),
        ("Colorado legalized recreational cannabis in 2012.", "policy"),
        ("Democrats in Virginia won the election for the state legislature.", "vote"),
        ("Smith was held in jail in Texas in lieu of a $70,000 bond.", "legal_action"),
        ("A man in Inner Mongolia contracted bubonic plague, officials in China said.", "accident"),
        ("NASA awarded a contract to SpaceX for a lunar lander in April.", "agreement"),
        ("The league in New York handed Garrett an indefinite suspension for the season.", "sanction"),
        ("Banks in India rose after the Supreme Court decision on the steel case.", "legal_action"),
        ("Republicans in Ohio beat the incumbent governor in the election.", "vote"),
    ],
)
def test_event_senses_are_kept(analyzer: Analyzer, text: str, etype: str) -> None:
    assert etype in types_of(analyzer, text)


def test_winning_over_voters_is_no_election(analyzer: Analyzer) -> None:
    assert "vote" not in types_of(analyzer, "Senator Smith of Texas is winning over voters in Ohio.")


def test_excluded_derived_phrase_is_no_trigger(analyzer: Analyzer) -> None:
    from pipeline.nlp import lexicons as lx
    from pipeline.nlp.lexicons import derived

    assert "health care" in derived.phrase_triggers()  # OEWN files it under aid
    assert "health care" not in lx.PHRASE_TRIGGERS
    assert "aid" not in types_of(analyzer, "Senators in Ohio debated health care on Monday.")


def test_a_government_decision_stays_a_policy(analyzer: Analyzer) -> None:
    found = types_of(analyzer, "The government of India announced its decision to ban imports of steel.")
    assert "policy" in found and "legal_action" not in found


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("His suicide in a jail in New York prompted an inquiry.", "attack"),
        (
            "The minister of France told reporters at a press conference in Paris that prices would fall.",
            "talks",
        ),
        ("In an interview with the BBC, the president of Iran denied the report.", "talks"),
        ("Migrants were held at a detention center in Texas.", "legal_action"),
        ("Candidates from Ohio toured Iowa before the caucuses in January.", "talks"),
        ("The campaign of the senator from Texas could not overcome his rival.", "attack"),
        ("That kind of talk in Washington worried the minister.", "talks"),
        ("As they battle to catch up with the governor, the senators from Ohio spend heavily.", "attack"),
    ],
)
def test_excluded_and_vetoed_words(analyzer: Analyzer, text: str, etype: str) -> None:
    assert etype not in types_of(analyzer, text)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The Supreme Court struck down the executive order of the president in Washington.", "legal_action"),
        ("Pochettino was sacked by Tottenham in London last night.", "leadership_change"),
        ("Attorney General Barr reassigned the warden of the jail in New York.", "leadership_change"),
        ("Chris Christie of New Jersey quit his bid for the nomination on Wednesday.", "leadership_change"),
        ("Police in Iran shot into crowds of protesters on Saturday.", "attack"),
        ("An Employment Rights Bill will be introduced in Britain, the government said.", "policy"),
        ("More than 300 Indians were deported by Mexican immigration authorities.", "legal_action"),
        ("A passenger was stabbed on a train in Oakland on Tuesday.", "attack"),
        ("The Supreme Court in Washington upheld the law on Tuesday.", "legal_action"),
        ("The governor of Indiana signed the budget bill on Friday.", "vote"),
        ("The ban, passed by the parliament of Israel last October, took effect.", "vote"),
        ("The senator from Nebraska said the charges against the two guards are overdue.", "legal_action"),
    ],
)
def test_third_round_news_triggers(analyzer: Analyzer, text: str, etype: str) -> None:
    assert etype in types_of(analyzer, text)


def test_a_date_makes_a_mention_particular_without_a_party(analyzer: Analyzer) -> None:
    """Storms have no parties: a place or a date of its own makes a mention particular."""
    assert "accident" in types_of(analyzer, "Severe storms battered the central states on Friday.")
    assert "accident" not in types_of(analyzer, "Severe storms can be frightening.")


def test_blocked_aid_is_a_sanction_and_aid_groups_are_no_aid(analyzer: Analyzer) -> None:
    found = types_of(analyzer, "Israel continued to block aid from entering Gaza on Monday.")
    assert "sanction" in found and "aid" not in found
    assert "aid" in types_of(analyzer, "The United States sent humanitarian aid to Gaza on Monday.")
    assert "aid" not in types_of(analyzer, "The humanitarian aid system in Gaza is collapsing.")


def test_an_election_named_as_a_time_is_background(analyzer: Analyzer) -> None:
    text = "The peer lent Starmer his house in London during the election, the newspaper said."
    assert "vote" not in types_of(analyzer, text)
    assert "vote" in types_of(analyzer, "Britain held a general election on July 4.")
