"""Date normalisation against a publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.nlp.dates import normalize_date, parse_published

PUB = dt.date(2025, 6, 5)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("June 2", "2025-06-02"),
        ("on June 2", "2025-06-02"),
        ("2 June", "2025-06-02"),
        ("Dec. 31", "2024-12-31"),
        ("March 3, 2024", "2024-03-03"),
        ("on Tuesday", "2025-06-03"),
        ("Thursday", "2025-06-05"),
        ("last Thursday", "2025-05-29"),
        ("yesterday", "2025-06-04"),
        ("today", "2025-06-05"),
        ("last week", "2025-05-26"),
        ("2024-02-29", "2024-02-29"),
        ("this year", None),
        ("", None),
        (None, None),
        ("February 30", None),
    ],
)
def test_normalize(text: str | None, expected: str | None) -> None:
    assert normalize_date(text, PUB) == expected


def test_relative_needs_publication_date() -> None:
    assert normalize_date("on Tuesday", None) is None
    assert normalize_date("June 2, 2025", None) == "2025-06-02"


def test_parse_published() -> None:
    assert parse_published("2026-05-24") == dt.date(2026, 5, 24)
    assert parse_published("2026-05-24T10:00:00+02:00") == dt.date(2026, 5, 24)
    assert parse_published(dt.datetime(2026, 5, 24, 3, 0)) == dt.date(2026, 5, 24)
    assert parse_published("garbage") is None
    assert parse_published(None) is None
