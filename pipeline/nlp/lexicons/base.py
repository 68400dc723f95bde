"""The helper the vocabularies are written with: word sets from readable text blocks.

Vocabularies are plain Python data so they load with the module (no file I/O) and are easy
to review.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word set from a whitespace-separated block (keeps the lists readable)."""
    return frozenset(text.split())
