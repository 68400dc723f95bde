"""Event status rules (`pipeline.nlp.event_status`) on hand-written sentences.

Every sentence is parsed by the pipeline's own spaCy model (the analyzer's), the trigger word
is looked up in the parse and `event_status` decides. Each rule is tested with a sentence
where it must fire and a near twin where it must not, so a rule that stops firing and a rule
that fires everywhere both fail. The sentences are written for these tests (none comes from an
evaluated article).
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.nlp.analyzer import Analyzer
from pipeline.nlp.event_status import event_status


@pytest.fixture(scope="module")
def nlp(analyzer: Analyzer) -> Language:
    return analyzer.nlp


def status(nlp: Language, sentence: str, word: str, etype: str = "talks") -> str:
    """The status of the first token spelled `word` in the parse of `sentence`."""
    doc = nlp(sentence)
    hits = [t for t in doc if t.text == word]
    assert hits, f"{word!r} not in {[t.text for t in doc]}"
    tok = hits[0]
    return event_status(tok, [tok], etype).value


Case = tuple[str, str, str, str]  # sentence, trigger word, event type, expected status


def check(nlp: Language, cases: list[Case]) -> None:
    got = [(sentence, word, status(nlp, sentence, word, etype)) for sentence, word, etype, _ in cases]
    assert got == [(sentence, word, want) for sentence, word, _, want in cases]


def test_reported_clause_keeps_its_own_tense(nlp: Language) -> None:
    """Reported speech: a tensed clause under `announce` (a planning verb too) is a fact."""
    check(
        nlp,
        [
            (
                "The court announced on Monday that the driver was convicted of manslaughter.",
                "convicted",
                "legal_action",
                "occurred",
            ),
            ("The ministry announced that talks will resume in March.", "talks", "talks", "planned"),
            ("The ministry announced new talks with the rebels.", "talks", "talks", "planned"),
        ],
    )


def test_apposition_is_background(nlp: Language) -> None:
    """The likelihood of the main clause is not that of an event named inside an apposition."""
    check(
        nlp,
        [
            (
                "The mayor, a defendant in the fraud trial, is expected to resign next week.",
                "trial",
                "legal_action",
                "occurred",
            ),
            ("The fraud trial is expected to open next week.", "trial", "legal_action", "planned"),
        ],
    )


def test_time_anchor_is_presupposed(nlp: Language) -> None:
    """`after`/`within weeks of`/`amid` X: X took place, whatever the clause's modality."""
    check(
        nlp,
        [
            (
                "The government expects to reopen the border within weeks of the ceasefire.",
                "ceasefire",
                "ceasefire",
                "occurred",
            ),
            ("The government expects a ceasefire within weeks.", "ceasefire", "ceasefire", "planned"),
            (
                "The minister is expected to resign amid protests in the capital.",
                "protests",
                "protest",
                "occurred",
            ),
            ("Protests are expected in the capital on Friday.", "Protests", "protest", "planned"),
        ],
    )


def test_negating_relative_clause_without_complement(nlp: Language) -> None:
    """`a deal that failed` did not come about; `an agreement that fails to protect X` is one."""
    check(
        nlp,
        [
            ("The unions studied a deal that failed last year.", "deal", "agreement", "negated"),
            ("The unions studied a deal that collapsed in March.", "deal", "agreement", "negated"),
            (
                "The unions studied a deal that the government rejected last year.",
                "deal",
                "agreement",
                "negated",
            ),
            (
                "The unions studied an agreement that fails to protect pension rights.",
                "agreement",
                "agreement",
                "occurred",
            ),
        ],
    )


def test_failure_verb_with_the_event_as_subject(nlp: Language) -> None:
    """`the talks collapsed`: negated; `the talks failed to produce a deal`: the deal is."""
    check(
        nlp,
        [
            ("The talks collapsed on Tuesday.", "talks", "talks", "negated"),
            ("The talks failed to produce a deal.", "talks", "talks", "occurred"),
            ("The talks failed to produce a deal.", "deal", "agreement", "negated"),
            ("The talks ended on Tuesday.", "talks", "talks", "occurred"),
        ],
    )


def test_negation_on_the_compound_head(nlp: Language) -> None:
    """In `no extradition request` the determiner that negates the event sits on `request`."""
    check(
        nlp,
        [
            (
                "There will be no extradition request from the United States.",
                "extradition",
                "legal_action",
                "negated",
            ),
            (
                "There will be an extradition request from the United States.",
                "extradition",
                "legal_action",
                "planned",
            ),
        ],
    )


def test_free_choice_any(nlp: Language) -> None:
    """`any treaty` is no particular treaty; under negation `any` is negated."""
    check(
        nlp,
        [
            ("Any treaty requires the approval of parliament.", "treaty", "agreement", "planned"),
            ("The treaty requires the approval of parliament.", "treaty", "agreement", "occurred"),
            ("A prisoner release is a precondition for any truce.", "truce", "ceasefire", "planned"),
            ("The two sides did not reach any agreement.", "agreement", "agreement", "negated"),
        ],
    )


def test_negated_be_with_a_place_phrase(nlp: Language) -> None:
    """`was not at the meeting` says who was absent, not that the meeting did not happen."""
    check(
        nlp,
        [
            ("The foreign minister was not at the meeting in Brussels.", "meeting", "talks", "occurred"),
            ("The meeting in Brussels did not take place.", "meeting", "talks", "negated"),
        ],
    )


def test_passive_subject_of_a_negating_verb(nlp: Language) -> None:
    """`the talks had been suspended` = `suspended the talks`; `stall` halts like `halt`."""
    check(
        nlp,
        [
            ("Officials said the peace talks had been suspended for weeks.", "talks", "talks", "negated"),
            ("The talks were being stalled by the government.", "talks", "talks", "negated"),
            ("Officials said the peace talks had been held for weeks.", "talks", "talks", "occurred"),
        ],
    )


def test_clausal_subject_of_a_modal_predicate(nlp: Language) -> None:
    """`Imposing sanctions would be a mistake`: hypothetical; with `was`, it happened."""
    check(
        nlp,
        [
            (
                "Imposing sanctions on the company would be a serious mistake.",
                "sanctions",
                "sanction",
                "planned",
            ),
            ("Imposing sanctions on the company was a serious mistake.", "sanctions", "sanction", "occurred"),
        ],
    )


def test_infinitive_clause_takes_the_status_above(nlp: Language) -> None:
    """A to-infinitive has no tense: `want X to permit Y to send aid` plans the sending."""
    check(
        nlp,
        [
            ("The government will permit the charity to send aid.", "aid", "aid", "planned"),
            ("Donors want the government to permit the charity to send aid.", "aid", "aid", "planned"),
            ("The government permitted the charity to send aid.", "aid", "aid", "occurred"),
        ],
    )


def test_participle_after_a_noun_is_a_relative_clause(nlp: Language) -> None:
    """`pursued a policy favoring sanctions`: what is pursued is the policy, not the sanctions."""
    check(
        nlp,
        [
            ("The minister has pursued a policy favoring sanctions.", "sanctions", "sanction", "occurred"),
            ("The minister has pursued sanctions.", "sanctions", "sanction", "planned"),
        ],
    )


def test_temporal_clause_under_a_future(nlp: Language) -> None:
    """`will visit once the treaty has been ratified`: English uses the perfect for it."""
    check(
        nlp,
        [
            (
                "The envoy will visit the capital once the treaty has been ratified.",
                "treaty",
                "agreement",
                "planned",
            ),
            (
                "The envoy visited the capital once the treaty had been ratified.",
                "treaty",
                "agreement",
                "occurred",
            ),
        ],
    )


def test_likelihood_is_the_subject_s_not_an_adjunct_s(nlp: Language) -> None:
    """`A strike is likely` plans the strike; `with strikes spreading, X is likely to` does not."""
    check(
        nlp,
        [
            ("A strike is likely.", "strike", "protest", "planned"),
            (
                "With strikes spreading to the ports, the government is likely to negotiate.",
                "strikes",
                "protest",
                "occurred",
            ),
        ],
    )


def test_epistemic_adverb(nlp: Language) -> None:
    """`are likely resuming` is expected; `was probably carried out` happened (past tense)."""
    check(
        nlp,
        [
            ("Talks are likely resuming next month.", "Talks", "talks", "planned"),
            ("Talks are resuming next month.", "Talks", "talks", "occurred"),
            ("The attack was probably carried out by rebels.", "attack", "attack", "occurred"),
        ],
    )


def test_status_vocabularies(nlp: Language) -> None:
    """`be supposed to`; nouns of chance and advocacy; result nouns; `new` is not `future`."""
    check(
        nlp,
        [
            ("The vote was supposed to take place in May.", "vote", "vote", "planned"),
            ("There is a real chance of a ceasefire.", "ceasefire", "ceasefire", "planned"),
            (
                "Diplomats see an opportunity for talks.",
                "talks",
                "talks",
                "planned",
            ),
            ("Most members voiced support for a referendum.", "referendum", "vote", "planned"),
            (
                "Reporters asked the ministry to publish the results of the inquiry.",
                "inquiry",
                "legal_action",
                "occurred",
            ),
            ("The city has a new agreement with its bus drivers.", "agreement", "agreement", "occurred"),
        ],
    )


def test_analyzer_reports_the_status(analyzer: Analyzer) -> None:
    """End to end: the extractor's events carry these statuses."""
    text = (
        "The talks between the two governments collapsed on Tuesday. "
        "Any treaty with Iran requires the approval of parliament. "
        "The foreign minister was not at the meeting in Brussels."
    )
    result = analyzer.analyze(text)
    got = {(e.type, e.trigger): e.status for e in result.events}
    assert got.get(("talks", "talks")) == "negated", got
    assert got.get(("agreement", "treaty")) == "planned", got
    assert got.get(("talks", "meeting")) == "occurred", got


def test_gerund_subject_in_the_present(nlp: Language) -> None:
    """A gerund subject of a simple present names an action in general, not a reported event."""
    check(
        nlp,
        [
            ("Lifting the sanctions is a precondition for a settlement.", "sanctions", "sanction", "planned"),
            ("Lifting the sanctions was a relief for exporters.", "sanctions", "sanction", "occurred"),
            ("Lifting the sanctions has helped exporters.", "sanctions", "sanction", "occurred"),
        ],
    )


def test_gerund_subject_parsed_as_an_adverbial_clause(nlp: Language) -> None:
    """The same gerund subject, attached by the parser as an adverbial clause of a verb that has
    no subject of its own."""
    check(
        nlp,
        [
            (
                "The mayor has decided that rolling back existing fees, in addition to cancelling "
                "a planned increase of fares, requires new taxes.",
                "fees",
                "sanction",
                "planned",
            ),
            (
                "The mayor decided that rolling back existing fees, in addition to cancelling "
                "a planned increase of fares, required new taxes.",
                "fees",
                "sanction",
                "occurred",
            ),
        ],
    )


def test_imperative_asks_for_the_event(nlp: Language) -> None:
    """A command (`go and vote`) asks for an event; a vocative is not the verb's subject."""
    check(
        nlp,
        [
            ('"Go out and vote on Tuesday," the mayor said.', "vote", "vote", "planned"),
            ('"Friends, go out and vote on Tuesday," the mayor said.', "vote", "vote", "planned"),
            ('"We go out and vote every year," the farmer said.', "vote", "vote", "occurred"),
        ],
    )


def test_negated_attitude_does_not_negate_the_event(nlp: Language) -> None:
    """`do not support the strike` denies an attitude; `did not hold the talks` denies the event."""
    check(
        nlp,
        [
            ("Most residents do not support the strike.", "strike", "protest", "occurred"),
            ("Most residents do not join the strike.", "strike", "protest", "negated"),
        ],
    )


def test_conative_verb_attempts_its_complement(nlp: Language) -> None:
    """`tried to hold talks`: an attempt does not report the event as achieved."""
    check(
        nlp,
        [
            ("The envoys tried to hold talks with the rebels.", "talks", "talks", "planned"),
            ("The envoys went on to hold talks with the rebels.", "talks", "talks", "occurred"),
        ],
    )


def test_in_favor_of_is_advocacy(nlp: Language) -> None:
    """`in favor of sanctions` = `support for sanctions`: advocated, not done."""
    check(
        nlp,
        [
            ("Several senators spoke in favor of sanctions.", "sanctions", "sanction", "planned"),
            ("Several senators spoke in the wake of sanctions.", "sanctions", "sanction", "occurred"),
        ],
    )


def test_unattained_predicate(nlp: Language) -> None:
    """`a deal remains elusive` / `out of reach`: not reached yet."""
    check(
        nlp,
        [
            ("A trade agreement remains elusive.", "agreement", "agreement", "planned"),
            ("A trade agreement has remained out of reach for months.", "agreement", "agreement", "planned"),
            ("A trade agreement remains in force.", "agreement", "agreement", "occurred"),
        ],
    )


def test_received_threats_were_made(nlp: Language) -> None:
    """Threats someone received were made; a threat otherwise is of something not done."""
    check(
        nlp,
        [
            ("The judge received threats after the verdict.", "threats", "threat", "occurred"),
            ("The judge fears threats after the verdict.", "threats", "threat", "planned"),
        ],
    )


def test_past_participle_after_the_noun_states_the_event(nlp: Language) -> None:
    """`the tariffs imposed in May` is a reduced passive relative clause: the tariffs were
    imposed, whatever governs the noun; a participle of intention (`planned`) is no fact, and an
    object of a verb (`lift the tariffs imposed`) stays with what is done to it."""
    check(
        nlp,
        [
            ("Farmers want relief from the tariffs imposed in May.", "tariffs", "sanction", "occurred"),
            ("Farmers want relief from the tariffs planned for May.", "tariffs", "sanction", "planned"),
            (
                "The union wants the government to lift the tariffs imposed in May.",
                "tariffs",
                "sanction",
                "planned",
            ),
        ],
    )


def test_topic_of_a_comment(nlp: Language) -> None:
    """`would not comment on the investigation`: the event is what is (not) talked about."""
    check(
        nlp,
        [
            (
                "The minister would not comment on the investigation into the crash.",
                "investigation",
                "legal_action",
                "occurred",
            ),
            (
                "The minister would not open an investigation into the crash.",
                "investigation",
                "legal_action",
                "negated",
            ),
        ],
    )


def test_conjunct_with_its_own_auxiliary(nlp: Language) -> None:
    """`would not pay and was negotiating`: a conjunct with a tensed auxiliary of its own has its
    own tense; without one (`would not pay or negotiate`) it shares the first verb's negation."""
    check(
        nlp,
        [
            (
                "The company said it would not pay the fine and was negotiating with the regulators.",
                "negotiating",
                "talks",
                "occurred",
            ),
            (
                "The company said it would not pay the fine or negotiate with the regulators.",
                "negotiate",
                "talks",
                "negated",
            ),
        ],
    )


def test_announcing_a_definite_event_reports_it(nlp: Language) -> None:
    """A definite object of `announce` presupposes its event: `announced the arrests` reports
    arrests made; `announced new talks` announces talks to come."""
    check(
        nlp,
        [
            (
                "The police announced the arrests of three men on Friday.",
                "arrests",
                "legal_action",
                "occurred",
            ),
            ("The police announced new arrests for the coming days.", "arrests", "legal_action", "planned"),
        ],
    )


def test_call_on_someone_to_act(nlp: Language) -> None:
    """`called on parliament to pass the bill`, `called for workers to gather in protest`: the
    clause a demand asks for is not done; `called` naming something (`called the vote a farce`)
    demands nothing."""
    check(
        nlp,
        [
            ("The senator called on parliament to pass the bill.", "pass", "vote", "planned"),
            (
                "The union called for workers to gather outside the factory in protest.",
                "protest",
                "protest",
                "planned",
            ),
            ("The senator called the vote a farce.", "vote", "vote", "occurred"),
        ],
    )


def test_next_year_s_event(nlp: Language) -> None:
    """`next year's election` is dated ahead by its possessive time phrase; `last year's` is not."""
    check(
        nlp,
        [
            ("The governor faces next year's election with low ratings.", "election", "vote", "planned"),
            ("The governor won last year's election with a wide margin.", "election", "vote", "occurred"),
        ],
    )


def test_failure_to_occur(nlp: Language) -> None:
    """`storms failed to materialize`: failing to come about negates the subject event; failing
    to produce something else (`the talks failed to produce a deal`) does not."""
    check(
        nlp,
        [
            ("The storms failed to materialize over the weekend.", "storms", "accident", "negated"),
            ("The talks failed to produce a deal.", "talks", "talks", "occurred"),
        ],
    )


def test_news_status_vocabularies(nlp: Language) -> None:
    """Goals and tasks (`the task of striking a deal`), refusal (`declined to open`),
    encouragement (`encourage ... to agree on a ceasefire`) and verbs of coming into being
    (`storms will form`) make the event planned or negated."""
    check(
        nlp,
        [
            ("Negotiators face the difficult task of striking a deal.", "deal", "agreement", "planned"),
            ("The leaders shared ambitious goals for a trade pact.", "pact", "agreement", "planned"),
            (
                "The prosecutor declined to open an investigation into the mayor.",
                "investigation",
                "legal_action",
                "negated",
            ),
            ("We encourage both sides to focus on a ceasefire.", "ceasefire", "ceasefire", "planned"),
            ("A band of storms will form near the coast.", "storms", "accident", "planned"),
            ("The storms that formed near the coast flooded the town.", "storms", "accident", "occurred"),
        ],
    )


def test_clausal_passive_subject(nlp: Language) -> None:
    """A gerund clause as the subject of a passive (`lifting the sanctions is expected`) has no
    tense of its own, like an active clausal subject: it takes the status of the verb above."""
    check(
        nlp,
        [
            ("Lifting the sanctions is expected by most diplomats.", "sanctions", "sanction", "planned"),
            ("Lifting the sanctions was welcomed by most diplomats.", "sanctions", "sanction", "occurred"),
        ],
    )


def test_scheduling_verb_in_the_active_schedules_nothing(nlp: Language) -> None:
    """`the tariffs are set to take effect` schedules its subject; in the active (`the deal sets
    up a review`) the subject is the agent of `set`, not something scheduled."""
    check(
        nlp,
        [
            ("The tariffs are set to take effect in June.", "tariffs", "sanction", "planned"),
            ("The deal sets up a review of the fishing quotas.", "deal", "agreement", "occurred"),
        ],
    )


def test_act_urged_by_an_advocacy_noun(nlp: Language) -> None:
    """`under pressure to back the bill in the vote`: the act a pressure or a call is to is
    urged, not done; the noun with no infinitive (`pressure from the vote`) urges nothing."""
    check(
        nlp,
        [
            ("The senator was under pressure to back the bill in the vote.", "vote", "vote", "planned"),
            ("The senator felt the pressure of the vote.", "vote", "vote", "occurred"),
        ],
    )


def test_indefinite_subject_of_a_modal(nlp: Language) -> None:
    """`storms will sweep in`, `a strike could shut the port`: an indefinite subject introduces a
    new referent, expected only; a definite one (`the attack will lead to sanctions`) is known."""
    check(
        nlp,
        [
            ("Storms will sweep across the plains in the afternoon.", "Storms", "accident", "planned"),
            ("A strike could shut the port next week.", "strike", "protest", "planned"),
            ("The attack will lead to new sanctions.", "attack", "attack", "occurred"),
        ],
    )
