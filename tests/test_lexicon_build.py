"""The derived vocabularies (`pipeline/nlp/lexicons/derived/`) and their builder.

- the committed files load, are in the builder's canonical form (what `write_outputs` writes),
  and every entry names at least one known source;
- every type is a type of `tests/eval/GUIDELINES.md`, for derived and hand triggers alike;
- no trigger, phrase, cue or context word is a place name or nationality (the gazetteer of
  `lexicons/places.py` and a demonym rule);
- every hand trigger and hand phrase carries its reason on its line;
- the builder's functions, run on the tiny resource sample in `tests/fixtures/lexical/`, give
  the expected entries with their sources, apply the filter rules, and are deterministic.
Tests never read `../shared/lexical`.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pipeline.nlp import lexicons as lx
from pipeline.nlp.lexicons import derived, triggers

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "lexical"
SOURCE_PREFIXES = ("propbank:", "verbnet:", "oewn:", "cameo:")


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_lexicons", ROOT / "scripts" / "build_lexicons.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_lexicons"] = module
    spec.loader.exec_module(module)
    return module


B = _builder()


def _guideline_types() -> set[str]:
    text = (ROOT / "tests" / "eval" / "GUIDELINES.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))


def _demonyms() -> set[str]:
    """Country names and aliases of the gazetteer and the demonyms formed from them."""
    out = set(lx.COUNTRIES)
    for key in list(lx.COUNTRIES):
        if " " in key or len(key) < 4:
            continue
        for stem in (key, key[:-1]):  # `kenya` -> `kenyan`, `italy` -> `italian`, `china` -> `chinese`
            out |= {stem + end for end in ("n", "an", "ian", "ese", "i", "ish", "ic") if len(stem + end) >= 6}
    return out


def _is_place(word: str) -> bool:
    return any(w in _DEMONYMS or lx.country_of(w) is not None for w in word.split())


_DEMONYMS = _demonyms()


# ------------------------------------------------------------------ committed files


def test_guideline_types_parsed() -> None:
    types = _guideline_types()
    assert {"talks", "attack", "legal_action", "leadership_change", "aid", "policy"} <= types
    assert len(types) == 14


@pytest.mark.parametrize("name", derived.FILES)
def test_committed_files_load_in_canonical_form(name: str, tmp_path: Path) -> None:
    data = derived.load(name)
    assert set(data) == {"header", name}
    header = data["header"]
    assert set(header["licences"]) == {"propbank", "verbnet", "oewn", "cameo"}
    assert "CC BY-SA 4.0" in header["licences"]["propbank"] and "CC BY 4.0" in header["licences"]["oewn"]
    assert "MIT" in header["licences"]["cameo"]
    # the file is exactly what the builder writes for its content: sorted, no hand edits
    B.write_outputs({n: derived.load(n)[n] for n in derived.FILES}, tmp_path)
    assert (tmp_path / f"{name}.json").read_bytes() == (derived.HERE / f"{name}.json").read_bytes()


def test_every_entry_names_a_source() -> None:
    lists: list[list[dict[str, Any]]] = [
        derived.entries("triggers"),
        derived.entries("phrases"),
        derived.entries("cues"),
    ]
    for entries in lists:
        assert entries
        for e in entries:
            assert e["sources"], e
            assert all(s.startswith(SOURCE_PREFIXES) for s in e["sources"]), e
    for name, cls in derived.entries("classes").items():
        assert cls["words"] and all(s.startswith("oewn:") for s in cls["sources"]), name


def test_sources_back_the_rules() -> None:
    """Rule 6: a single-word trigger always has a semantic source (FrameNet link, typed
    roleset or WordNet), never VerbNet or CAMEO alone."""
    for e in derived.entries("triggers"):
        kinds = {B.resource_of(s) for s in e["sources"]}
        assert kinds & B.SEMANTIC_RESOURCES, e


def test_types_are_guideline_types() -> None:
    types = _guideline_types()
    assert {e["type"] for e in derived.entries("triggers")} <= types
    assert {e["type"] for e in derived.entries("phrases")} <= types
    assert {etype for etype, _, _ in lx.EVENT_TRIGGERS.values()} <= types
    assert {etype for etype, _ in lx.PHRASE_TRIGGERS.values()} <= types
    assert set(triggers.TYPE_CONTEXT) == types
    assert {e["kind"] for e in derived.entries("cues")} <= {"speech", "object", "cognition", "noun"}


def test_no_place_names_or_nationalities() -> None:
    assert _is_place("ukrainian") and _is_place("kyiv") and _is_place("chinese")  # the rule works
    words: set[str] = set()
    words |= {e["lemma"] for e in derived.entries("triggers")} | set(lx.EVENT_TRIGGERS)
    words |= {e["phrase"] for e in derived.entries("phrases")} | set(lx.PHRASE_TRIGGERS)
    words |= {e["lemma"] for e in derived.entries("cues")}
    words |= lx.SPEECH_VERBS | lx.OBJECT_VERBS | lx.SPEECH_NOUNS | lx.CLAUSE_ONLY_VERBS
    for table in (lx.CONTEXT_REQUIRED, lx.CONTEXT_VETO, lx.DOC_CONTEXT):
        for need in table.values():
            words |= need
    places = sorted(w for w in words if _is_place(w.removesuffix("_n")))
    assert places == []


def test_hand_entries_give_their_reason() -> None:
    text = (ROOT / "pipeline" / "nlp" / "lexicons" / "triggers.py").read_text(encoding="utf-8")
    for block in ("HAND_TRIGGERS: dict", "HAND_PHRASES: dict"):
        body = text[text.index(block) : text.index("\n}\n", text.index(block))]
        entries = [line for line in body.splitlines()[1:] if line.strip().startswith('"')]
        assert entries
        assert all("  # " in line and len(line.split("  # ", 1)[1]) > 10 for line in entries), block
    assert len(triggers.HAND_TRIGGERS) < 0.15 * len(lx.EVENT_TRIGGERS)  # a short list on top


def test_derived_vocabulary_is_in_use() -> None:
    """The extractors' structures are built from the derived files."""
    for key, (etype, cameo, _pos) in derived.event_triggers().items():
        if key in triggers.NOT_TRIGGERS:
            assert key not in lx.EVENT_TRIGGERS  # excluded, with a reason
        elif key not in triggers.HAND_TRIGGERS:
            assert lx.EVENT_TRIGGERS[key][:2] == (etype, cameo)
    assert derived.cue_words("speech", "v") <= lx.SPEECH_VERBS
    assert derived.cue_words("object", "v") <= lx.OBJECT_VERBS
    assert derived.cue_words("cognition", "v") <= lx.CLAUSE_ONLY_VERBS
    for key, etype in derived.secondary_triggers().items():
        if key not in triggers.HAND_TRIGGERS and key not in triggers.HAND_CONTEXT:
            assert lx.CONTEXT_REQUIRED[key] == triggers.TYPE_CONTEXT[etype]
    kept = {k for k in derived.event_triggers() if not k.endswith("_n") and k not in triggers.NOT_TRIGGERS}
    assert lx.INDEX.trigger_forms >= kept


# ------------------------------------------------------------------ the builder on the sample


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    rolesets = B.read_propbank(SAMPLE / "propbank")
    verbnet: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((SAMPLE / "verbnet").glob("*.xml")):
        verbnet.update(B.parse_verbnet_file(path))
    wn = B.load_oewn(SAMPLE / "oewn")
    cameo = B.parse_cameo(SAMPLE / "cameo" / "CAMEO.sample.txt")
    out: dict[str, Any] = B.derive(rolesets, verbnet, wn, cameo)
    return out


def _trigger(sample: dict[str, Any], lemma: str, pos: str) -> dict[str, Any] | None:
    return next((e for e in sample["triggers"] if (e["lemma"], e["pos"]) == (lemma, pos)), None)


def test_parsers_read_the_sample() -> None:
    kill = B.parse_propbank_file(SAMPLE / "propbank" / "kill.xml")
    assert kill[0].id == "kill.01" and ("killing", "n") in kill[0].aliases and "Killing" in kill[0].frames
    classes = B.parse_verbnet_file(SAMPLE / "verbnet" / "appoint-29.1.xml")
    assert "appoint" in {name for name, _ in classes["appoint-29.1"]}
    cameo = B.parse_cameo(SAMPLE / "cameo" / "CAMEO.sample.txt")
    assert B.CameoEntry(("stop", "attack"), "0871") in cameo
    assert B.CameoEntry(("call", "off"), "160") in cameo
    assert B.cameo_type("0871") == ("ceasefire", "0871") and B.cameo_type("190") == ("attack", "19")
    assert B.cameo_type("080") is None


def test_framenet_link_types_verbs_and_nouns(sample: dict[str, Any]) -> None:
    kill = _trigger(sample, "kill", "v")
    assert kill and kill["type"] == "attack" and kill["cameo"] == "19"
    assert "propbank:kill.01 -> FrameNet:Killing" in kill["sources"] and kill["primary"]
    killing = _trigger(sample, "killing", "n")
    assert killing and killing["type"] == "attack"
    assert {"propbank:kill.01 -> FrameNet:Killing", "oewn:killing", "oewn:derivation of kill"} <= set(
        killing["sources"]
    )
    appoint = _trigger(sample, "appoint", "v")
    assert appoint and appoint["type"] == "leadership_change"
    assert (
        "propbank:appoint.01 -> FrameNet:Appointing" in appoint["sources"]
        and "verbnet:appoint-29.1" in appoint["sources"]
    )


def test_wordnet_hyponyms_and_typed_rolesets(sample: dict[str, Any]) -> None:
    hearing = _trigger(sample, "hearing", "n")
    assert (
        hearing and hearing["type"] == "legal_action" and hearing["sources"] == ["oewn:hyponym of proceeding"]
    )
    testify = _trigger(sample, "testify", "v")
    assert testify and testify["type"] == "legal_action" and testify["sources"] == ["propbank:testify.01"]
    assert not testify["primary"]  # its first WordNet sense is not in a legal lexicographer file


def test_rules_filter_the_sample(sample: dict[str, Any]) -> None:
    lemmas = {e["lemma"] for e in sample["triggers"]}
    # rule 6: `want` and `mark` are in VerbNet's appoint-29.1 only
    assert "want" not in lemmas and "mark" not in lemmas
    phrases = {e["phrase"]: e for e in sample["phrases"]}
    assert phrases["stop attack"]["type"] == "ceasefire" and phrases["stop attack"]["sources"] == [
        "cameo:0871"
    ]
    # rule 5: `violence` is no word of the sample's WordNet; rule 8: `call off` has one content word
    assert "halt violence" not in phrases and "call off" not in phrases
    # CAMEO codes without a type (080: yield) give nothing
    assert "halt operation" not in phrases
    assert all(e["lemma"] == e["lemma"].lower() for e in sample["triggers"])


def test_cues_from_frames(sample: dict[str, Any]) -> None:
    cues = {(e["lemma"], e["pos"]): e for e in sample["cues"]}
    assert cues[("testify", "v")]["kind"] == "cognition"
    assert cues[("testify", "v")]["sources"] == ["propbank:testify.01 -> FrameNet:Evidence"]
    assert ("kill", "v") not in cues


def test_filter_rules_on_made_up_candidates() -> None:
    cands = B.Candidates()
    for etype in ("attack", "talks", "aid"):  # rule 1: three types
        cands.add_trigger("zzgeneral", "v", etype, "19", f"oewn:{etype}")
    cands.add_trigger("zztie", "v", "attack", "19", "oewn:x")  # rule 1: a tie between two
    cands.add_trigger("zztie", "v", "talks", "04", "oewn:y")
    cands.add_trigger("zzwin", "v", "attack", "19", "oewn:x")  # two resources beat one
    cands.add_trigger("zzwin", "v", "attack", "19", "cameo:190")
    cands.add_trigger("zzwin", "v", "talks", "04", "oewn:y")
    cands.add_trigger("zzcameo", "v", "attack", "19", "cameo:190")  # rule 6
    kept = {e["lemma"]: e for e in B.filter_triggers(cands, None)}
    assert set(kept) == {"zzwin"} and kept["zzwin"]["type"] == "attack"
    assert kept["zzwin"]["sources"] == ["cameo:190", "oewn:x"]
    assert B.norm_lemma("Ukrainian") is None and B.norm_lemma("legal_proceeding") == "legal proceeding"


def test_builder_is_deterministic(sample: dict[str, Any], tmp_path: Path) -> None:
    again = B.derive(
        B.read_propbank(SAMPLE / "propbank"),
        B.parse_verbnet_file(SAMPLE / "verbnet" / "appoint-29.1.xml"),
        B.load_oewn(SAMPLE / "oewn"),
        B.parse_cameo(SAMPLE / "cameo" / "CAMEO.sample.txt"),
    )
    first, second = tmp_path / "a", tmp_path / "b"
    B.write_outputs(sample, first)
    B.write_outputs(again, second)
    for name in derived.FILES:
        assert (first / f"{name}.json").read_bytes() == (second / f"{name}.json").read_bytes()
    data = json.loads((first / "triggers.json").read_text(encoding="utf-8"))
    keys = [(e["lemma"], e["pos"]) for e in data["triggers"]]
    assert keys == sorted(keys)


def test_phrase_prefilter_keys_on_the_last_content_word() -> None:
    """A sentence is worth parsing for a phrase when it holds the phrase's last content word;
    first words that never end a phrase (`public` of `public assistance`) do not count."""
    lasts, firsts = set(), set()
    for phrase in lx.PHRASE_TRIGGERS:
        content = [w for w in phrase.split() if w not in B.FUNCTION_WORDS] or phrase.split()[:1]
        lasts.add(content[-1])
        firsts |= set(content[:-1])
    assert lasts <= lx.INDEX.phrase_heads
    inflected = {w + end for w in lasts for end in ("", "s", "es", "d", "ed", "ing")}
    inflected |= {w[:-1] for w in lasts} | {w[:-1] + "ing" for w in lasts}
    only_first = firsts - inflected
    assert len(only_first) > 20 and not (only_first & lx.INDEX.phrase_heads)
    assert {"talks", "attacks", "assistance"} <= lx.INDEX.phrase_heads
