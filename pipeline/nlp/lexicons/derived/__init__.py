"""Vocabularies derived from published lexical resources by `scripts/build_lexicons.py`.

The JSON files next to this module are generated (never edited by hand) from PropBank frames
(CC BY-SA 4.0), VerbNet 3.3 (cite VerbNet), Open English WordNet (CC BY 4.0) and the PETRARCH2
CAMEO verb dictionary (MIT); each file names them in its `header`, and README.md here says how
to rebuild. This module only reads the files (once, at import) and turns them into the shapes
`pipeline.nlp.lexicons.triggers` and `cues` use:

- `event_triggers()`: lemma -> (type, CAMEO root, pos), pos `n`, `v` or `nv`; a lemma whose
  noun and verb have different types keeps the verb under `lemma` and the noun under
  `lemma_n` (the key the event extractor tries first for nouns);
- `secondary_triggers()`: the keys whose event sense is not the word's main sense, by type;
- `phrase_triggers()`: lower-case phrase -> (type, CAMEO root);
- `cue_words(kind, pos)`: claim cues of a kind (`speech`, `object`, `cognition`, `noun`);
- `context_class(name)`: a noun class (`captive`, `person`, `weapon`, ...) for context rules;
- `entries(name)`: the raw entries with their sources, for tests and audits.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILES = ("triggers", "phrases", "cues", "classes")


@cache
def load(name: str) -> dict[str, Any]:
    """One derived file as parsed JSON (`header` and the vocabulary under `name`)."""
    if name not in FILES:
        raise ValueError(f"no derived vocabulary {name!r}")
    with open(HERE / f"{name}.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def entries(name: str) -> Any:
    """The entries of one derived vocabulary (a list, or a dict for `classes`)."""
    return load(name)[name]


def _keyed() -> dict[str, tuple[str, str, str, bool]]:
    """Trigger key -> (type, CAMEO root, pos, primary) with the keying of `event_triggers`."""
    by_lemma: dict[str, dict[str, tuple[str, str, bool]]] = {}
    for e in entries("triggers"):
        by_lemma.setdefault(e["lemma"], {})[e["pos"]] = (e["type"], e["cameo"], bool(e["primary"]))
    for lemma in sorted(british(frozenset(by_lemma)) - set(by_lemma)):
        if lemma.endswith("isation"):
            source = lemma[: -len("isation")] + "ization"
        else:
            source = lemma[:-3] + ("ize" if lemma.endswith("ise") else "yze")
        by_lemma[lemma] = by_lemma[source]
    out: dict[str, tuple[str, str, str, bool]] = {}
    for lemma, by_pos in sorted(by_lemma.items()):
        noun, verb = by_pos.get("n"), by_pos.get("v")
        if noun and verb and noun[:2] == verb[:2]:
            out[lemma] = (noun[0], noun[1], "nv", noun[2] and verb[2])
            continue
        if verb:
            out[lemma] = (verb[0], verb[1], "v", verb[2])
        if noun:
            out[lemma + "_n" if verb else lemma] = (noun[0], noun[1], "n", noun[2])
    return out


def event_triggers() -> dict[str, tuple[str, str, str]]:
    """Single-word triggers in the shape of `EVENT_TRIGGERS`: key -> (type, CAMEO root, pos)."""
    return {key: (etype, cameo, pos) for key, (etype, cameo, pos, _) in _keyed().items()}


def secondary_triggers() -> dict[str, str]:
    """Trigger key -> type for the triggers whose event sense is not their main sense (the
    builder's rule 7: `case`, `campaign`); they need context of their type."""
    return {key: etype for key, (etype, _, _, primary) in _keyed().items() if not primary}


def phrase_triggers() -> dict[str, tuple[str, str]]:
    """Multiword triggers in the shape of `PHRASE_TRIGGERS`."""
    return {e["phrase"]: (e["type"], e["cameo"]) for e in entries("phrases")}


def british(lemmas: frozenset[str]) -> frozenset[str]:
    """The lemmas and their British spellings (`criticize` -> `criticise`, `analyze` -> `analyse`);
    the resources spell American, news text both."""
    extra = {w[:-3] + "ise" for w in lemmas if w.endswith("ize")}
    extra |= {w[:-3] + "yse" for w in lemmas if w.endswith("yze")}
    extra |= {w[:-7] + "isation" for w in lemmas if w.endswith("ization")}
    return lemmas | extra


def cue_words(kind: str, pos: str | None = None) -> frozenset[str]:
    """Claim-cue lemmas of one kind (and part of speech, if given), with British spellings."""
    return british(
        frozenset(e["lemma"] for e in entries("cues") if e["kind"] == kind and pos in (None, e["pos"]))
    )


def context_class(name: str) -> frozenset[str]:
    """A noun class for context rules (single words, lower-case)."""
    return frozenset(entries("classes")[name]["words"])
