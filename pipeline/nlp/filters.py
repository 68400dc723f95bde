"""Cheap text pre-filters: a word-stem regex built as a trie, and an English-language check.

The parser and NER are the expensive parts of the pipeline, so the analyzer runs them only
on sentences that a regex built here marks as candidates (the stems come from
`pipeline.nlp.lexicons.INDEX`), and skips documents with too few English stopwords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias

# A character trie: each key a next character, "" marking the end of a word.
_Trie: TypeAlias = dict[str, "_Trie"]


def build_filter(words: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive alternation over word stems; cheap pre-filter.

    The alternation is written as a character trie (`accord(?:ing)?`): it matches the
    same strings as a flat longest-first alternation, but `re` tries a handful of
    branches per position instead of hundreds (about 10x faster on news text).
    """
    trie: _Trie = {}
    for word in words:
        if word:
            node = trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = {}  # a word ends here
    return re.compile(r"\b(?:" + _trie_pattern(trie) + r")", re.IGNORECASE)


def _trie_pattern(node: _Trie) -> str:
    """Regex for the words below `node`; optional tails are greedy, so the longest wins."""
    alts = [re.escape(ch) + _trie_pattern(node[ch]) for ch in sorted(node) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if "" in node:
        body = f"(?:{body})?"
    return body


_STOPWORDS = {
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "it",
    "was",
    "on",
    "with",
    "he",
    "as",
    "by",
    "at",
    "from",
    "his",
    "an",
    "are",
    "have",
    "has",
    "be",
    "this",
    "not",
    "but",
    "they",
    "said",
    "were",
    "will",
    "which",
    "their",
    "been",
    "who",
    "its",
    "or",
    "would",
}


def english_ratio(text: str, sample: int = 5000) -> float:
    """Share of English stopwords among the first words; a cheap language check."""
    words = re.findall(r"[^\W\d_]+", text[:sample].lower())
    if not words:
        return 0.0
    return sum(w in _STOPWORDS for w in words) / len(words)
