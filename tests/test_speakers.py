"""Speaker resolution of claims (`pipeline.nlp.speakers`) on hand-written sentences.

Real spaCy parses through the whole analyzer, no mocks: each test names the rule it checks
(age descriptions, elegant variation, documents, appositions) and would fail with the rule
removed.
"""

from __future__ import annotations

from pipeline.nlp.analyzer import Analyzer
from pipeline.nlp.claims import Claim


def speaker_of(analyzer: Analyzer, text: str, content_start: str) -> tuple[str | None, str]:
    """(speaker, type) of the one claim whose content starts with `content_start`."""
    result = analyzer.analyze(text)
    assert result.status == "ok", result.reason
    found: list[Claim] = [c for c in result.claims if c.content.startswith(content_start)]
    assert len(found) == 1, [c.to_dict() for c in result.claims]
    return found[0].speaker, found[0].speaker_type


def test_an_age_description_is_the_person_given_that_age(analyzer: Analyzer) -> None:
    """`the 41-year-old` is the person the article gave that age, not the most named one."""
    text = (
        "Fans cheered Tom Rudd, 41, at the stadium. Anna Kowalski watched. Kowalski later left.\n\n"
        "The 41-year-old said he was proud to lead the team."
    )
    assert speaker_of(analyzer, text, "he was proud") == ("Tom Rudd", "PERSON")


def test_an_age_description_with_no_age_given_is_the_central_person(analyzer: Analyzer) -> None:
    text = "Tom Rudd joined the club in May.\n\nThe 41-year-old said he was proud to lead the team."
    assert speaker_of(analyzer, text, "he was proud") == ("Tom Rudd", "PERSON")


def test_a_new_description_of_the_previous_subject_is_that_person(analyzer: Analyzer) -> None:
    """Elegant variation: `X has defended ... The librarian said` -> X."""
    text = (
        "Mara Quist has defended the decision to close the library.\n\n"
        "The librarian said the building was no longer safe."
    )
    assert speaker_of(analyzer, text, "the building was no longer safe") == ("Mara Quist", "PERSON")


def test_a_noun_the_sentence_calls_she_is_a_person(analyzer: Analyzer) -> None:
    """`the estate agent said she ...`: a personal pronoun shows the noun is a person."""
    text = (
        "Mara Quist has defended the decision to close the library.\n\n"
        "The estate agent said she had warned the council."
    )
    assert speaker_of(analyzer, text, "she had warned the council") == ("Mara Quist", "PERSON")


def test_a_document_speaks_for_its_possessor(analyzer: Analyzer) -> None:
    """`The Greens' letter said` -> the Greens, and so does a later `the letter`."""
    text = (
        "The Greens' letter to the council said the plan was illegal.\n\n"
        "The letter also said that residents had not been consulted."
    )
    assert speaker_of(analyzer, text, "the plan was illegal")[0] == "Greens"
    assert speaker_of(analyzer, text, "residents had not been consulted")[0] == "Greens"


def test_a_persons_home_town_is_not_the_person(analyzer: Analyzer) -> None:
    """`Fellow campaigner, retired teacher X, 58, from A, B, said`: B is a place."""
    text = (
        "Fellow campaigner, retired teacher Alan Grey, 58, from Eastwick, South Yorkshire, said: "
        '"I started my career in the mines."'
    )
    assert speaker_of(analyzer, text, "I started my career") == ("Alan Grey", "PERSON")


def test_a_name_modifying_the_apposition_is_someone_else(analyzer: Analyzer) -> None:
    """`X, a longtime Y supporter,`: Y describes the supporter and is not the source."""
    text = "Bellamy Fargo, a longtime Jason Lang supporter, said the party must change."
    assert speaker_of(analyzer, text, "the party must change") == ("Bellamy Fargo", "PERSON")


def test_a_name_in_a_clause_on_the_apposition_is_someone_else(analyzer: Analyzer) -> None:
    text = (
        "Bellamy Fargo, a party member who broke with Jason Lang after the vote, said the party must change."
    )
    assert speaker_of(analyzer, text, "the party must change") == ("Bellamy Fargo", "PERSON")
