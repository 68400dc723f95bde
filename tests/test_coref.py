"""Coreference of claim speakers (`pipeline.nlp.coref`) on hand-written sentences.

Real spaCy parses through the whole analyzer, no mocks: each test names the rule it checks
(gender and number agreement, appositions, descriptions, titles, documents) and would fail
with the rule removed.
"""

from __future__ import annotations

import pytest

from pipeline.nlp.analyzer import Analyzer
from pipeline.nlp.claims import Claim
from pipeline.nlp.coref import guess_gender


def claims(analyzer: Analyzer, text: str) -> list[Claim]:
    result = analyzer.analyze(text)
    assert result.status == "ok", result.reason
    return result.claims


def speaker_of(found: list[Claim], content_start: str) -> tuple[str | None, str]:
    """(speaker, type) of the one claim whose content starts with `content_start`."""
    hits = [c for c in found if c.content.startswith(content_start)]
    assert len(hits) == 1, [c.to_dict() for c in found]
    return hits[0].speaker, hits[0].speaker_type


def test_she_skips_the_nearer_man(analyzer: Analyzer) -> None:
    """Gender agreement: `she` is the latest woman, not the latest person."""
    text = (
        "Chancellor Maria Keller met Finance Minister Tom Becker on Monday.\n\n"
        "Keller said she would present the budget herself. Becker said he doubted the figures.\n\n"
        '"We will not change course," she said.'
    )
    assert speaker_of(claims(analyzer, text), "We will not change course") == ("Maria Keller", "PERSON")


def test_he_skips_the_nearer_woman(analyzer: Analyzer) -> None:
    text = (
        "Mr Daniel Okafor, the harbour master, spoke after Ms Lena Varga, the port's lawyer.\n\n"
        "Varga said the contract was valid.\n\n"
        '"The cranes will be replaced next year," he said.'
    )
    assert speaker_of(claims(analyzer, text), "The cranes will be replaced") == ("Daniel Okafor", "PERSON")


def test_gender_comes_from_honorifics_and_pronouns_in_the_names_sentence() -> None:
    text = (
        "Ms Lena Varga arrived late. Peter Hall said he was pleased, and Hall added that his team "
        "had won. Anna Roth listened. She said nothing."
    )
    assert guess_gender(text, "Lena Varga") == "f"  # an honorific before the forename
    assert guess_gender(text, "Peter Hall") == "m"
    assert guess_gender(text, "Anna Roth") is None  # `She` opens the next sentence: no evidence
    assert guess_gender(text, "Nobody") is None


def test_main_clause_subject_outranks_a_nested_source(analyzer: Analyzer) -> None:
    """`X said that his deputy, Y, had told him ...`: a later `he` is X, the main clause's
    subject, not Y, who speaks only inside X's claim."""
    text = (
        "Mayor David Cole said that his deputy, Mark Stone, had told him that the budget was short.\n\n"
        "He also said that taxes would not rise this year."
    )
    assert speaker_of(claims(analyzer, text), "taxes would not rise") == ("David Cole", "PERSON")


def test_it_is_an_organisation_not_a_plural_group(analyzer: Analyzer) -> None:
    """Number agreement: `it` skips the nearer plural `local officials` for the council."""
    text = (
        "The Norwegian Refugee Council said aid convoys had been stopped at the border.\n\n"
        "Local officials said the roads were closed by snow.\n\n"
        "It said that more than 4,000 families were waiting for food."
    )
    found = claims(analyzer, text)
    assert speaker_of(found, "more than 4,000 families") == ("Norwegian Refugee Council", "ORG")


def test_they_is_never_a_single_person(analyzer: Analyzer) -> None:
    """Number agreement: `they` skips the nearer single person for the union."""
    text = (
        "The Transport Workers Union rejected the pay offer on Monday.\n\n"
        "Transport Secretary John Hale said the offer was final.\n\n"
        "They said they would strike in March."
    )
    assert speaker_of(claims(analyzer, text), "they would strike") == ("Transport Workers Union", "ORG")


def test_they_can_be_people_named_together(analyzer: Analyzer) -> None:
    """`Ruth Adler and Nina Brooks wrote ...` then `They said`: the coordinated subjects."""
    text = (
        "Ruth Adler and Nina Brooks wrote to the regulator on Monday.\n\n"
        "Agency chief Paul Grant said the letter had arrived.\n\n"
        "They said that the regulator had ignored the warnings for years."
    )
    assert speaker_of(claims(analyzer, text), "the regulator had ignored") == (
        "Ruth Adler and Nina Brooks",
        "PERSON",
    )


def test_apposition_names_a_described_source(analyzer: Analyzer) -> None:
    """`The company that owns the stadium, Northfield Holdings, says`: the name set off by
    commas at the end of the source phrase is the source, wherever the parser attached it."""
    text = "The company that owns the stadium, Northfield Holdings, says the match will go ahead."
    assert speaker_of(claims(analyzer, text), "the match will go ahead") == ("Northfield Holdings", "ORG")


def test_definite_description_takes_the_name_it_introduced(analyzer: Analyzer) -> None:
    """`The suspect, Daniel Marsh,` ... `the suspect told police`: the article's own link."""
    text = (
        "The suspect, Daniel Marsh, was arrested on Friday in a hotel near the airport.\n\n"
        "The suspect told police that he had acted alone."
    )
    assert speaker_of(claims(analyzer, text), "he had acted alone") == ("Daniel Marsh", "PERSON")


def test_role_noun_before_a_name_links_a_later_description(analyzer: Analyzer) -> None:
    text = (
        "Market analyst Priya Nair said the results were weaker than expected.\n\n"
        "The shares are now cheap, according to the analyst."
    )
    assert speaker_of(claims(analyzer, text), "The shares are now cheap") == ("Priya Nair", "PERSON")


def test_a_description_with_no_introduced_name_stays_a_description(analyzer: Analyzer) -> None:
    """No apposition or role before a name: `the analyst` is not given to some other person."""
    text = (
        "Priya Nair said the results were weaker than expected.\n\n"
        "The shares are now cheap, according to the analyst."
    )
    assert speaker_of(claims(analyzer, text), "The shares are now cheap") == ("analyst", "GROUP")


def test_a_countrys_title_is_the_person_named_with_it_later(analyzer: Analyzer) -> None:
    """Cataphora in a lead: `Austria's interior minister said` and, later, `Interior Minister
    Klaus Weber` (a title owned by a country or body, not by a person)."""
    text = (
        "Austria's interior minister said on Monday that the border would stay open.\n\n"
        "Interior Minister Klaus Weber, who took office in May, said the checks had ended."
    )
    assert speaker_of(claims(analyzer, text), "the border would stay open") == ("Klaus Weber", "PERSON")


def test_the_statement_speaks_for_whoever_issued_it(analyzer: Analyzer) -> None:
    text = (
        "Orion Airlines issued a statement on Sunday after the strike ended.\n\n"
        "The statement said that all flights would resume on Monday."
    )
    assert speaker_of(claims(analyzer, text), "all flights would resume") == ("Orion Airlines", "ORG")


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # `the bank`: the nearest organisation that spoke or was a subject
        (
            "Nordhaven Capital cut its growth forecast on Monday.\n\n"
            "The bank said that inflation would stay high until next year.",
            "Nordhaven Capital",
        ),
        # an organisation whose own name says it is another kind (`Agency`) is not `the
        # commission`: the description stays as it is
        (
            "The Baltic News Agency reported on the dispute over the ballots.\n\n"
            "The commission said that the vote would be held in June.",
            "commission",
        ),
    ],
)
def test_a_bare_organisation_noun_takes_a_compatible_organisation(
    analyzer: Analyzer, text: str, speaker: str
) -> None:
    found = claims(analyzer, text)
    assert speaker_of(found, "inflation" if "bank" in text else "the vote") == (speaker, "ORG")


def test_both_refers_to_the_pair_named_before(analyzer: Analyzer) -> None:
    """`Both women said`: `both` presupposes a pair, the two people last named together
    (here inside what the police said)."""
    text = (
        "Ruth Adler and Nina Brooks, both engineers at the plant, were arrested on Friday, police said. "
        "Both women said that they had done nothing wrong."
    )
    assert speaker_of(claims(analyzer, text), "they had done nothing wrong") == (
        "Ruth Adler and Nina Brooks",
        "PERSON",
    )


def test_a_name_opening_an_unparsed_sentence_is_its_subject(analyzer: Analyzer) -> None:
    """`Buser, however, is counting ...` has no cue, so it is never parsed; the name opening
    it is still the latest subject that a following `he says` refers to."""
    text = (
        "Jack Buser and Lewis Ward spoke on a panel on Monday.\n\n"
        "Ward said the service would grow slowly.\n\n"
        'Buser, however, is counting on the new service. "This is where you will see the next big jump," '
        "he says."
    )
    assert speaker_of(claims(analyzer, text), "This is where") == ("Jack Buser", "PERSON")


def test_two_subjects_of_one_verb_keep_the_one_next_to_it(analyzer: Analyzer) -> None:
    """The parser gives `said` two subjects in `Openleaks editor-in-chief Kristian Sorensen
    said`; a clause has one, the name next to the verb (`claim_syntax.subject_of`)."""
    text = 'Openleaks editor-in-chief Kristian Sorensen said: "Let us now focus on the trial."'
    assert speaker_of(claims(analyzer, text), "Let us now focus") == ("Kristian Sorensen", "PERSON")


def test_a_pronoun_after_a_fronted_clause_is_the_person_named_in_it(analyzer: Analyzer) -> None:
    """`While the campaign did not appeal to Julia Gray, ..., she said`: the person in the
    fronted clause (which has its own subject), not the latest speaker."""
    text = (
        "Maria Keller said the campaign had reached millions of viewers.\n\n"
        "While the new campaign did not appeal to Julia Gray, a health department spokesperson, "
        "she said she did not want to judge it."
    )
    assert speaker_of(claims(analyzer, text), "she did not want") == ("Julia Gray", "PERSON")


def test_a_pronoun_after_a_subjectless_fronted_clause_is_not_the_person_in_it(analyzer: Analyzer) -> None:
    """`After talking to Gray, he said`: `he` is the understood subject of `talking`, so not
    Gray (and a man in any case here): the latest speaker of that gender."""
    text = (
        "Tom Hale said the talks had gone well.\n\n"
        "After talking to Julia Gray on Monday, he said the plan was fine."
    )
    assert speaker_of(claims(analyzer, text), "the plan was fine") == ("Tom Hale", "PERSON")


def test_a_title_word_inside_an_organisations_name_makes_no_person(analyzer: Analyzer) -> None:
    """`General Motors`: `General` is a title only before a person's name; the company stays
    one organisation, which a later `it` refers to and a `he` never does (no person named)."""
    text = (
        "General Motors cut its sales forecast on Monday.\n\n"
        "It said that demand in Europe had fallen.\n\n"
        '"Prices will rise next year," he said.'
    )
    found = claims(analyzer, text)
    assert speaker_of(found, "demand in Europe") == ("General Motors", "ORG")
    assert speaker_of(found, "Prices will rise") == (None, "NONE")


def test_who_makes_a_mislabelled_name_a_person(analyzer: Analyzer) -> None:
    """`X, who represents ...`: English relativises people with `who`, so a name the
    recogniser called an organisation is a person, and a later `he` may refer to it."""
    text = (
        "Jason Lee, who represents the first driver, said the case was weak.\n\n"
        "Bellamy Fargo, who represents the second driver, said his client would plead not guilty.\n\n"
        '"The evidence is thin," he said.'
    )
    assert speaker_of(claims(analyzer, text), "The evidence is thin")[0] == "Bellamy Fargo"


def test_a_person_noun_in_apposition_makes_a_person(analyzer: Analyzer) -> None:
    """`X Y, a history professor,`: a noun for a kind of person after a forename and
    surname makes the name a person's, whatever the recogniser said."""
    text = (
        "Jason Lee said the case was weak.\n\n"
        "Bellamy Fargo, a history professor at Bramley, said the vote was a turning point.\n\n"
        '"Nobody expected such a swing," he said.'
    )
    assert speaker_of(claims(analyzer, text), "Nobody expected such a swing")[0] == "Bellamy Fargo"


def test_a_bare_title_prefers_the_holder_over_a_relative_role(analyzer: Analyzer) -> None:
    """`the president` is President X, not Y introduced as `the president of a chamber`."""
    text = (
        "President Mark Fenton arrived in the capital on Tuesday.\n\n"
        '"Trade is strong," said Nora Velde, the president of the Harbour Chamber of Commerce.\n\n'
        "The president said the new tariffs would be lifted soon."
    )
    assert speaker_of(claims(analyzer, text), "the new tariffs would be lifted") == ("Mark Fenton", "PERSON")


def test_an_indefinite_title_is_named_in_the_next_sentence(analyzer: Analyzer) -> None:
    """`A fire chief says ...` then `Fire Chief X told ...`: the role first, the name after."""
    text = (
        "A city fire chief says three homes were destroyed overnight.\n\n"
        "Fire Chief Lena Ortiz told reporters that no one was injured."
    )
    assert speaker_of(claims(analyzer, text), "three homes were destroyed") == ("Lena Ortiz", "PERSON")


def test_a_source_nested_in_a_clause_did_not_issue_the_document(analyzer: Analyzer) -> None:
    """`The letter came after X announced ...`: X is not who wrote the letter."""
    text = (
        "The city council said in a letter to the mayor on Monday that the closure was unlawful.\n\n"
        "The letter came a day after the Harbor Authority and federal prosecutors announced two arrests.\n\n"
        "The letter also said that the port had broken its lease."
    )
    assert speaker_of(claims(analyzer, text), "the port had broken its lease") == ("city council", "ORG")
