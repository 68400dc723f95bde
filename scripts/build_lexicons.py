#!/usr/bin/env python3
"""Derive the event triggers, phrase triggers, claim cues and context classes from published
lexical resources, into `pipeline/nlp/lexicons/derived/*.json`.

Usage: python scripts/build_lexicons.py [LEXICAL_DIR] [--out DIR]

LEXICAL_DIR (default `/work/shared/lexical`) holds, as copied verbatim from upstream:
- `propbank-frames/frames/*.xml`: PropBank 3.4 framesets (CC BY-SA 4.0): rolesets, their verb
  and noun aliases, and their links (`lexlink`) to FrameNet 1.7 frames and VerbNet classes;
- `verbnet3/*.xml`: VerbNet 3.3 classes with members (cite: Kipper-Schuler, VerbNet);
- `oewn/src/yaml/`: Open English WordNet (CC BY 4.0): synsets by lexicographer file with
  hypernyms; `entries-*.yaml` with sense order and verb<->noun derivational links;
- `cameo/CAMEO.2.0.txt`: PETRARCH2's CAMEO verb dictionary (MIT): verbs, multiword verbs and
  phrase patterns with CAMEO codes.

The contract:
- Every type, frame, class, synset and CAMEO code that feeds a vocabulary is named in one of
  the explicit tables below (`FRAME_TYPES`, `ROLESET_TYPES`, `VERBNET_TYPES`, `SYNSET_TYPES`,
  `CAMEO_TYPES`, `CUE_FRAMES`, `CUE_CLASSES`, `CONTEXT_SYNSETS`), each line with its reason.
  Types are the event types of `tests/eval/GUIDELINES.md`.
- Every output entry lists the source(s) that put it there (`propbank:kill.01 ->
  FrameNet:Killing`, `verbnet:murder-42.1`, `oewn:hyponym of proceeding`, `cameo:190`,
  `oewn:derivation of promote`).
- Over-general words are filtered by rules, not by hand (see `filter_triggers`):
  (1) a lemma that the resources put under 3 or more event types is dropped as too general;
  with 2 types, the type backed by more resources wins and a tie drops it;
  (2) a lemma with more than `MAX_SENSES` WordNet senses for its part of speech (a light or
  very polysemous word: `take`, `run`, `make`) is kept only if two resources agree on its type;
  (3) WordNet hyponyms count only when the synset is among the lemma's first
  `MAX_SENSE_RANK` senses (the lemma's common meaning, not a rare technical one);
  (4) capitalised lemmas (proper names, nationalities), lemmas that WordNet also has
  capitalised (`cyprian`) and lemmas with digits are never taken;
  (5) CAMEO phrase patterns are taken only when every word is an English word (an OEWN lemma
  or a function word), the pattern has no placeholder other than the verb, and the verb is the
  one the pattern was written for (its comment), not every synonym of its block;
  (6) a single-word trigger needs a semantic resource: a FrameNet frame (through PropBank), a
  typed PropBank roleset or a WordNet synset. VerbNet classes group verbs by syntax (`want`
  and `grade` share `appoint-29.1`) and CAMEO's synonym sets were bulk-added from WordNet (its
  own header says so), so these two only corroborate.
  (7) every trigger carries `primary`: true when the event sense is the word's main sense
  (a FrameNet-typed word with at most `FEW_SENSES` WordNet senses; a noun whose first
  WordNet sense lies under the type's synsets; a verb whose PropBank `.01` roleset has the
  type and whose first WordNet sense is in a lexicographer file of the type). A trigger that
  is not primary (`case`, `campaign`) counts at run time only near a word of its type
  (`pipeline.nlp.lexicons.triggers.TYPE_CONTEXT`);
  (8) a multiword trigger needs two content words: a verb with only particles or
  prepositions (`go to`, `write in`) is too ambiguous as a token sequence.
  Claim cues follow rules (2) and (6) with FrameNet and VerbNet as their two resources
  (`cue_ok`); frames of private mental states (`think`, `believe`) are not cue frames.
- The output is deterministic: sorted keys and lists, no randomness, no timestamps, so a
  re-run on the same resources reproduces the files byte for byte.

The functions (`parse_propbank_file`, `parse_verbnet_file`, `load_oewn`, `parse_cameo`,
`derive`) work on any subset of the resources, which is how the tests run them on the small
sample in `tests/fixtures/lexical/`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_LEXICAL = Path("/work/shared/lexical")
OUT_DIR = Path(__file__).resolve().parent.parent / "pipeline" / "nlp" / "lexicons" / "derived"

MAX_SENSES = 8  # rule (2): more senses than this make a word too polysemous for one resource
MAX_SENSE_RANK = 3  # rule (3): a hyponym synset must be among the lemma's first 3 senses
FEW_SENSES = 3  # rule (7): this few senses leave little room for a non-event main sense
MAX_TYPES = 3  # rule (1): this many event types for one lemma -> dropped

# ------------------------------------------------------------------ mapping tables

# FrameNet frame (reached through PropBank lexlinks) -> (event type, CAMEO root), with reason.
FRAME_TYPES: dict[str, tuple[str, str, str]] = {
    "Attack": ("attack", "19", "armed attack on a target"),
    "Killing": ("attack", "19", "killing by force (GUIDELINES: killings by force)"),
    "Shoot_projectiles": ("attack", "19", "firing missiles, rockets, shells"),
    "Use_firearm": ("attack", "19", "shooting"),
    "Invading": ("attack", "19", "invasion of a territory"),
    "Besieging": ("attack", "19", "siege"),
    "Hostile_encounter": ("attack", "19", "fighting, clashes between parties"),
    "Detonate_explosive": ("attack", "19", "bombing"),
    "Kidnapping": ("attack", "18", "abduction (CAMEO 181)"),
    "Military_operation": ("attack", "19", "military operations"),
    "Terrorism": ("attack", "19", "terrorist attack"),
    "Conquering": ("attack", "19", "taking territory by force"),
    "Discussion": ("talks", "04", "negotiations and discussions between parties"),
    "Make_agreement_on_action": ("agreement", "05", "parties agree on a course of action"),
    "Sign_agreement": ("agreement", "05", "signing an agreement"),
    "Ratification": ("agreement", "06", "ratifying a treaty"),
    "Releasing": ("prisoner_exchange", "0841", "releasing captives (CAMEO 0841)"),
    "Revenge": ("threat", "13", "retaliation, threatened or carried out (CAMEO 13)"),
    "Protest": ("protest", "14", "protest by a group"),
    "Fining": ("sanction", "16", "a fine as a punitive measure"),
    "Exclude_member": ("sanction", "16", "expulsion from a body"),
    "Arrest": ("legal_action", "17", "arrest"),
    "Notification_of_charges": ("legal_action", "17", "charges, indictment"),
    "Trial": ("legal_action", "17", "trial"),
    "Verdict": ("legal_action", "17", "conviction, acquittal"),
    "Legal_rulings": ("legal_action", "17", "court rulings"),
    "Criminal_investigation": ("legal_action", "09", "investigation (CAMEO 09)"),
    "Sentencing": ("legal_action", "17", "sentencing"),
    "Imprisonment": ("legal_action", "17", "jailing"),
    "Detaining": ("legal_action", "17", "detention (CAMEO 173)"),
    "Extradition": ("legal_action", "17", "extradition"),
    "Arraignment": ("legal_action", "17", "arraignment"),
    "Court_examination": ("legal_action", "17", "questioning in court"),
    "Entering_of_plea": ("legal_action", "17", "pleading guilty or not guilty"),
    "Bail_decision": ("legal_action", "17", "bail decisions"),
    "Jury_deliberation": ("legal_action", "17", "jury deliberation"),
    "Change_of_leadership": ("leadership_change", "leader", "overthrow, installation of leaders"),
    "Appointing": ("leadership_change", "leader", "appointment to an office"),
    "Quitting": ("leadership_change", "leader", "resignation"),
    "Firing": ("leadership_change", "leader", "dismissal from office"),
    "Take_place_of": ("leadership_change", "leader", "replacement, succession"),
    "Catastrophe": ("accident", "accident", "disasters"),
    "Fire_burning": ("accident", "accident", "fires"),
    "Assistance": ("aid", "07", "assistance given (CAMEO 07)"),
    "Funding": ("aid", "07", "funding given (CAMEO 071 economic aid)"),
    "Prohibiting_or_licensing": ("policy", "policy", "bans and permissions decided by authority"),
}

# PropBank rolesets with no (or a too general) FrameNet link, typed by their own definition.
ROLESET_TYPES: dict[str, tuple[str, str, str]] = {
    "pass.01": ("vote", "vote", "roleset 'bill becomes law': passage of legislation"),
    "elect.01": ("vote", "vote", "roleset 'choose in an election'"),
    "vote.01": ("vote", "vote", "roleset 'cast a vote'"),
    "sanction.02": ("sanction", "16", "roleset 'penalize'"),
    "indict.01": ("legal_action", "17", "roleset 'formally accuse of a crime'"),
    "sue.01": ("legal_action", "17", "roleset 'take legal action against'"),
    "testify.01": ("legal_action", "17", "roleset 'give testimony' (in court)"),
    "promote.02": ("leadership_change", "leader", "roleset 'raise in rank'"),
    "negotiate.01": ("talks", "04", "roleset 'talk to reach an agreement'"),
    "meet.03": ("talks", "04", "roleset 'come together, gather'"),
    "threaten.01": ("threat", "13", "roleset 'threaten'"),
    "allocate.01": ("policy", "policy", "roleset 'set aside resources' by a government"),
}

# VerbNet class (with its subclasses) -> type, with reason.
VERBNET_TYPES: dict[str, tuple[str, str, str]] = {
    "murder-42.1": ("attack", "19", "killing verbs (murder, assassinate, slaughter)"),
    "subjugate-42.3": ("attack", "19", "subduing by force"),
    "meet-36.3": ("talks", "04", "meeting verbs (meet, confer)"),
    "appoint-29.1": ("leadership_change", "leader", "appointing to a role"),
    "resign-10.11": ("leadership_change", "leader", "leaving an office"),
    "prosecute-33.2": ("legal_action", "17", "prosecuting, suing"),
    "banish-10.2": ("legal_action", "17", "deportation, expulsion, extradition"),
    "confine-92": ("legal_action", "17", "confining: jail, imprison, detain"),
}

# OEWN synset -> type: its members and (rule 3) its hyponyms' members, with reason.
SYNSET_TYPES: dict[str, tuple[str, str, str, str]] = {
    "01187304-n": ("legal_action", "17", "proceeding", "legal proceedings: hearings, trials"),
    "01185144-n": ("legal_action", "17", "lawsuit", "lawsuits"),
    "00089545-n": ("legal_action", "17", "arrest", "arrests"),
    "00974725-n": ("attack", "19", "attack", "military attacks"),
    "00219879-n": ("attack", "19", "killing", "acts of killing"),
    "07315954-n": ("accident", "accident", "accident", "accidents"),
    "07329438-n": ("accident", "accident", "disaster", "disasters"),
    "07317454-n": ("accident", "accident", "fire", "destructive fires"),
    "13994359-n": ("ceasefire", "08", "truce", "truces, ceasefires, armistices"),
    "00182630-n": ("vote", "vote", "election", "elections"),
    "00184354-n": ("vote", "vote", "vote", "votes, ballots"),
    "02466737-v": ("vote", "vote", "vote", "voting"),
    "01180193-n": ("protest", "14", "demonstration", "public demonstrations"),
    "01179523-n": ("protest", "14", "protest", "acts of protest"),
    "13286803-n": ("aid", "07", "aid", "economic and material aid"),
    "00164600-n": ("leadership_change", "leader", "appointment", "appointments to positions"),
    "00199300-n": ("leadership_change", "leader", "promotion", "promotion in rank"),
    "07162900-n": ("talks", "04", "negotiation", "negotiations, talks"),
    "08324519-n": ("talks", "04", "meeting", "formally arranged meetings"),
    "08329289-n": ("talks", "04", "summit", "meetings of heads of government"),
    "06786235-n": ("agreement", "05", "treaty", "treaties, pacts, accords between states"),
    "06672969-n": ("sanction", "16", "trade barrier", "embargoes and other trade barriers"),
    "13337021-n": ("sanction", "16", "tariff", "duties on imports or exports"),
    "01126567-n": ("sanction", "16", "sanction", "sanctions as a means of enforcement"),
    "11437786-n": ("accident", "accident", "geological phenomenon", "earthquakes, floods, eruptions"),
    "11463817-n": ("accident", "accident", "cyclone", "cyclones, hurricanes, typhoons"),
    "11482925-n": ("accident", "accident", "storm", "violent storms"),
    "00183062-n": ("vote", "vote", "vote", "votes as the opinion of a group: referendums"),
    "01172992-n": ("protest", "14", "riot", "riots"),
    "00957171-n": ("attack", "19", "military operation", "offensives and other operations"),
    "01150677-n": ("attack", "17", "crackdown", "severely repressive actions (CAMEO 175)"),
    "01128014-n": ("policy", "policy", "legislation", "making of laws"),
    "06547213-n": ("policy", "policy", "legislation", "laws enacted"),
    "01145922-n": ("policy", "policy", "deployment", "deployment of forces"),
    "00244240-n": ("leadership_change", "leader", "inauguration", "induction into a position"),
    # Policy (GUIDELINES: a government's announced decision that changes a policy): the
    # synsets of decisions only an authority makes.
    "00261465-n": ("policy", "policy", "reform", "reforms correcting abuses"),
    "01197870-n": ("policy", "policy", "legalization", "making something lawful"),
    "02487025-v": ("policy", "policy", "legalize", "making lawful, decriminalizing"),
    "06554038-n": ("policy", "policy", "prohibition", "decrees that prohibit something"),
    "07270069-n": ("policy", "policy", "ban", "official prohibitions"),
    "00798054-v": ("policy", "policy", "ban", "prohibiting by legal means"),
    "06676796-n": ("policy", "policy", "regulation", "authoritative rules, ordinances"),
    "02432181-v": ("policy", "policy", "abolish", "doing away with (a law, an institution)"),
    "01154283-n": ("policy", "policy", "nationalization", "bringing under state ownership"),
    "00412472-v": ("policy", "policy", "nationalize", "putting under state control"),
    "01154528-n": ("policy", "policy", "privatization", "moving from state to private ownership"),
    "00412973-v": ("policy", "policy", "privatize", "moving from state to private control"),
    "00353926-n": ("policy", "policy", "tax cut", "reducing taxation"),
    "00806998-n": ("policy", "policy", "deregulation", "freeing from government regulation"),
    "06552518-n": ("policy", "policy", "curfew", "curfew orders"),
    "01204135-n": ("policy", "policy", "quarantine", "isolation imposed to stop a disease"),
    "01091702-n": ("aid", "07", "donation", "donations"),
}

# CAMEO code prefix (longest match wins) -> type, with reason. Codes not listed give no type.
CAMEO_TYPES: dict[str, tuple[str, str]] = {
    "036": ("talks", "express intent to meet or negotiate"),
    "040": ("talks", "consult"),
    "041": ("talks", "discuss by telephone"),
    "043": ("talks", "host a visit (042, make a visit, is travel verbs: not taken)"),
    "044": ("talks", "meet at a third location"),
    "045": ("talks", "mediate"),
    "046": ("talks", "engage in negotiation"),
    "057": ("agreement", "sign formal agreement"),
    "07": ("aid", "provide aid"),
    "0841": ("prisoner_exchange", "return, release persons"),
    "0871": ("ceasefire", "declare truce, ceasefire"),
    "09": ("legal_action", "investigate"),
    "13": ("threat", "threaten"),
    "14": ("protest", "protest"),
    "162": ("sanction", "reduce or stop aid"),
    "163": ("sanction", "impose embargo, boycott or sanctions"),
    "166": ("sanction", "expel or withdraw"),
    "173": ("legal_action", "arrest, detain or charge with legal action"),
    "175": ("attack", "use tactics of violent repression"),
    "18": ("attack", "assault"),
    "19": ("attack", "fight"),
    "20": ("attack", "use unconventional mass violence"),
}

# FrameNet frames whose words are claim cues (private mental states, FrameNet Awareness and
# Opinion, VerbNet conjecture-29.5: `think`, `believe`, `assume`, are not taken: GUIDELINES
# annotates reporting constructions, and a belief is not reported speech). Kinds: "speech"
# (clause or quote is the content), "object" (the object is the content: `condemned the
# move`), "cognition" (only with a clause).
CUE_FRAMES: dict[str, tuple[str, str]] = {
    "Statement": ("speech", "making a statement"),
    "Reporting": ("speech", "reporting information to authorities"),
    "Telling": ("speech", "telling an addressee"),
    "Communication_response": ("speech", "replying, responding"),
    "Complaining": ("speech", "complaining"),
    "Affirm_or_deny": ("speech", "confirming or denying"),
    "Predicting": ("speech", "predicting"),
    "Reveal_secret": ("speech", "disclosing"),
    "Request": ("speech", "asking, urging, demanding"),
    "Commitment": ("speech", "promising, vowing, threatening (speech acts)"),
    "Bragging": ("speech", "boasting"),
    "Warning": ("speech", "warning"),
    "Emphasizing": ("speech", "stressing"),
    "Judgment_communication": ("object", "praising, criticising, accusing someone"),
    "Judgment_direct_address": ("object", "reproaching, thanking someone"),
    "Respond_to_proposal": ("object", "accepting or rejecting a proposal"),
    "Coming_to_believe": ("cognition", "concluding, finding that"),
    "Evidence": ("cognition", "showing, proving that"),
}

# VerbNet classes of reporting verbs, with reason (urge-58.1 is not one: it mixes urging with
# coercion and temptation, `force`, `pressure`, `tempt`; `urge` itself is in FrameNet Request).
CUE_CLASSES: dict[str, tuple[str, str]] = {
    "say-37.7": ("speech", "verbs of saying"),
    "tell-37.2": ("speech", "telling"),
    "complain-37.8": ("speech", "complaining"),
    "advise-37.9": ("speech", "advising, warning"),
    "promise-37.13": ("speech", "promising"),
    "transfer_mesg-37.1.1": ("speech", "transferring a message: explain, announce"),
    "confess-37.10": ("speech", "confessing, admitting"),
    "manner_speaking-37.3": ("speech", "manner of speaking: shout, whisper"),
    "lecture-37.11": ("speech", "commenting, remarking"),
    "overstate-37.12": ("speech", "overstating, understating"),
    "judgment-33.1": ("object", "praising, condemning"),
    "declare-29.4": ("cognition", "declaring: find, consider, prove"),
}

# WordNet lexicographer files whose nouns can be the nominalisation of a cue verb.
CUE_NOUN_LEXFILES = ("noun.communication",)
# ... and of an event verb.
EVENT_NOUN_LEXFILES = ("noun.act", "noun.event", "noun.communication", "noun.phenomenon")

# Context classes (nouns) for triggers that need context: class -> [(synset, reason)].
CONTEXT_SYNSETS: dict[str, list[tuple[str, str]]] = {
    "captive": [
        ("10495671-n", "prisoners, captives"),
        ("10207176-n", "hostages"),
        ("10028816-n", "detainees"),
    ],
    "person": [("00007846-n", "people of any kind: a person set free, charged, appointed")],
    "custody": [
        ("04012006-n", "prisons"),
        ("14023148-n", "detention, custody"),
    ],
    "weapon": [
        ("04572661-n", "weapons"),
        ("02706134-n", "ammunition"),
    ],
    "military": [
        ("08215965-n", "armed forces"),
        ("08215338-n", "military units"),
        ("08414212-n", "troops"),
        ("10602198-n", "military personnel"),
        ("10641415-n", "soldiers"),
    ],
    "building": [("02916498-n", "buildings that strikes hit")],
    "court": [("08346380-n", "courts"), ("10244889-n", "judges")],
    "animal": [("00015568-n", "animals: killing one is hunting or slaughter, not an attack")],
    "disease": [("14093842-n", "diseases: a case caught or contracted is an outbreak, an accident")],
}

# Function words allowed inside a multiword trigger (rule 5).
_FUNCTION_TEXT = "a an the of to in into on at by for from with against over off out up down back as"
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split(" "))

# -------------------------------------------------------------------- records


@dataclass
class Candidates:
    """Everything the resources propose, before filtering: (lemma, pos) -> type -> sources."""

    triggers: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)
    cameo: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    phrases: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    cues: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)

    def add_trigger(self, lemma: str, pos: str, etype: str, cameo: str, source: str) -> None:
        if " " in lemma:
            self.add_phrase(lemma, etype, cameo, source)
            return
        self.triggers.setdefault((lemma, pos), {}).setdefault(etype, set()).add(source)
        self.cameo.setdefault((lemma, pos), {}).setdefault(etype, cameo)

    def add_phrase(self, phrase: str, etype: str, cameo: str, source: str) -> None:
        self.phrases.setdefault(phrase, {}).setdefault(f"{etype}|{cameo}", set()).add(source)

    def add_cue(self, lemma: str, pos: str, kind: str, source: str) -> None:
        self.cues.setdefault((lemma, pos), {}).setdefault(kind, set()).add(source)


def norm_lemma(text: str) -> str | None:
    """A resource lemma as the extractors match it (lower-case, spaces), or None (rule 4)."""
    text = text.replace("_", " ").strip()
    if not text or text != text.lower() or re.search(r"[0-9()'./]", text):
        return None
    return text


def resource_of(source: str) -> str:
    """The evidence a source stands for: `propbank:kill.01 -> FrameNet:Killing` -> `framenet`,
    `propbank:x -> VerbNet:y` -> `verbnet`, `propbank:pass.01` -> `propbank`, `oewn:...` -> `oewn`."""
    if " -> FrameNet:" in source:
        return "framenet"
    if " -> VerbNet:" in source:
        return "verbnet"
    return source.split(":", 1)[0]


# Resources that can make a single-word trigger on their own (rule 6).
SEMANTIC_RESOURCES = frozenset({"framenet", "propbank", "oewn"})


# -------------------------------------------------------------------- PropBank


@dataclass(frozen=True)
class Roleset:
    """One PropBank roleset: id, aliases (lemma, pos) and its FrameNet/VerbNet links."""

    id: str
    name: str
    aliases: tuple[tuple[str, str], ...]
    frames: tuple[str, ...]
    classes: tuple[str, ...]


def parse_propbank_file(path: Path) -> list[Roleset]:
    """The rolesets of one frameset file; links from `lexlink` (else from `rolelink`)."""
    root = ET.parse(path).getroot()
    out = []
    for rs in root.iter("roleset"):
        aliases = tuple(
            (a.text.strip(), a.get("pos", ""))
            for a in rs.iter("alias")
            if a.text and a.get("pos") in ("v", "n")
        )
        frames: set[str] = set()
        classes: set[str] = set()
        links = list(rs.iter("lexlink")) or list(rs.iter("rolelink"))
        for link in links:
            cls = link.get("class") or ""
            if link.get("resource") == "FrameNet":
                frames.add(cls)
            elif link.get("resource") == "VerbNet":
                classes.add(cls)
        out.append(
            Roleset(
                rs.get("id", ""), rs.get("name", ""), aliases, tuple(sorted(frames)), tuple(sorted(classes))
            )
        )
    return out


def read_propbank(frames_dir: Path) -> list[Roleset]:
    """Every roleset of a frames folder; a file that is not well-formed XML is skipped and named
    (PropBank 3.4 has two: `check.xml`, `rend.xml`)."""
    out = []
    for path in sorted(frames_dir.glob("*.xml")):
        try:
            out += parse_propbank_file(path)
        except ET.ParseError as exc:
            print(f"skipped {path.name}: {exc}", file=sys.stderr)
    return out


def verbnet_root(cls: str) -> str:
    """`murder-42.1-1` -> the table key it falls under, if any (`murder-42.1`)."""
    for key in list(VERBNET_TYPES) + list(CUE_CLASSES):
        if cls == key or cls.startswith(key + "-"):
            return key
    return cls


def add_propbank(cands: Candidates, rolesets: Iterable[Roleset]) -> None:
    """Triggers from mapped frames and rolesets; cues from cue frames."""
    for rs in rolesets:
        typed: list[tuple[str, str, str]] = []
        for frame in rs.frames:
            if frame in FRAME_TYPES:
                etype, cameo, _ = FRAME_TYPES[frame]
                typed.append((etype, cameo, f"propbank:{rs.id} -> FrameNet:{frame}"))
        if rs.id in ROLESET_TYPES:
            etype, cameo, _ = ROLESET_TYPES[rs.id]
            typed.append((etype, cameo, f"propbank:{rs.id}"))
        for cls in rs.classes:
            key = verbnet_root(cls)
            if key in VERBNET_TYPES:
                etype, cameo, _ = VERBNET_TYPES[key]
                typed.append((etype, cameo, f"propbank:{rs.id} -> VerbNet:{cls}"))
        for alias, pos in rs.aliases:
            lemma = norm_lemma(alias)
            if lemma is None:
                continue
            for etype, cameo, source in typed:
                cands.add_trigger(lemma, pos, etype, cameo, source)
            for frame in rs.frames:
                if frame in CUE_FRAMES and " " not in lemma:
                    cands.add_cue(lemma, pos, CUE_FRAMES[frame][0], f"propbank:{rs.id} -> FrameNet:{frame}")


# -------------------------------------------------------------------- VerbNet


def parse_verbnet_file(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Class id -> [(member, WordNet sense keys)] for a class file and its subclasses."""
    root = ET.parse(path).getroot()
    out: dict[str, list[tuple[str, str]]] = {}

    def walk(node: ET.Element, cid: str) -> None:
        members = node.find("MEMBERS")
        if members is not None:
            out[cid] = [(m.get("name", ""), m.get("wn", "")) for m in members.findall("MEMBER")]
        subs = node.find("SUBCLASSES")
        if subs is not None:
            for sub in subs.findall("VNSUBCLASS"):
                walk(sub, sub.get("ID", ""))

    walk(root, root.get("ID", ""))
    return out


def add_verbnet(cands: Candidates, classes: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    """Triggers and cues from mapped classes; returns verb lemma -> VerbNet WordNet sense keys."""
    sense_keys: dict[str, list[str]] = defaultdict(list)
    for cid in sorted(classes):
        key = verbnet_root(cid)
        for name, wn in classes[cid]:
            lemma = norm_lemma(name)
            if lemma is None:
                continue
            if key in VERBNET_TYPES:
                etype, cameo, _ = VERBNET_TYPES[key]
                cands.add_trigger(lemma, "v", etype, cameo, f"verbnet:{cid}")
            if key in CUE_CLASSES and " " not in lemma:
                cands.add_cue(lemma, "v", CUE_CLASSES[key][0], f"verbnet:{cid}")
            if key in VERBNET_TYPES or key in CUE_CLASSES:
                sense_keys[lemma] += [k.strip() for k in wn.split() if k.strip()]
    return sense_keys


# -------------------------------------------------------------------- WordNet


@dataclass
class WordNet:
    """The parts of OEWN the builder reads."""

    synsets: dict[str, dict[str, Any]]
    entries: dict[str, dict[str, Any]]
    hyponyms: dict[str, list[str]] = field(default_factory=dict)
    sense_synset: dict[str, str] = field(default_factory=dict)  # sense key -> synset
    sense_lemma: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (lemma, pos)

    def __post_init__(self) -> None:
        for sid in sorted(self.synsets):
            for hyper in self.synsets[sid].get("hypernym", []) or []:
                self.hyponyms.setdefault(hyper, []).append(sid)
        for lemma, by_pos in self.entries.items():
            for pos, entry in by_pos.items():
                for sense in entry.get("sense", []) or []:
                    self.sense_synset[sense["id"]] = sense["synset"]
                    self.sense_lemma[sense["id"]] = (lemma, pos[0])

    def senses(self, lemma: str, pos: str) -> list[dict[str, Any]]:
        """The lemma's senses for a part of speech, most frequent first."""
        out: list[dict[str, Any]] = []
        for form in (lemma, lemma.replace(" ", "_")):
            entry = self.entries.get(form, {}).get(pos)
            if entry:
                out = entry.get("sense", []) or []
                break
        return out

    def rank(self, lemma: str, pos: str, synset: str) -> int:
        """1-based rank of `synset` among the lemma's senses (99: not a sense)."""
        for i, sense in enumerate(self.senses(lemma, pos), 1):
            if sense["synset"] == synset:
                return i
        return 99

    def closure(self, root: str) -> list[str]:
        """The synset and all its hyponyms, sorted."""
        seen, todo = {root}, [root]
        while todo:
            for child in self.hyponyms.get(todo.pop(), []):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return sorted(seen)

    def is_proper(self, lemma: str) -> bool:
        """Whether WordNet also has the word capitalised (a name or nationality: `Cyprian`)."""
        return lemma[:1].upper() + lemma[1:] in self.entries

    def members(self, synset: str) -> list[str]:
        return list(self.synsets.get(synset, {}).get("members", []) or [])

    def lexfile(self, synset: str) -> str:
        return str(self.synsets.get(synset, {}).get("lexfile", ""))


def load_oewn(yaml_dir: Path, lexfiles: Iterable[str] | None = None) -> WordNet:
    """Load noun and verb synset files and the entries (slow: about a minute for all of OEWN)."""
    synsets: dict[str, dict[str, Any]] = {}
    names = sorted(p.name for p in yaml_dir.glob("*.yaml"))
    for name in names:
        stem = name[: -len(".yaml")]
        if not (stem.startswith("noun.") or stem.startswith("verb.")):
            continue
        if lexfiles is not None and stem not in lexfiles:
            continue
        with open(yaml_dir / name, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        for sid, syn in data.items():
            syn["lexfile"] = stem
            synsets[sid] = syn
    entries: dict[str, dict[str, Any]] = {}
    for name in names:
        if name.startswith("entries-"):
            with open(yaml_dir / name, encoding="utf-8") as fh:
                entries.update(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {})
    return WordNet(synsets, entries)


def add_wordnet(cands: Candidates, wn: WordNet) -> None:
    """Members of the mapped synsets and their hyponyms (rule 3)."""
    for root in sorted(SYNSET_TYPES):
        etype, cameo, label, _ = SYNSET_TYPES[root]
        pos = root[-1]
        for sid in wn.closure(root):
            for member in wn.members(sid):
                lemma = norm_lemma(member)
                if lemma is None or wn.rank(member, pos, sid) > MAX_SENSE_RANK or wn.is_proper(lemma):
                    continue
                how = label if sid == root else f"hyponym of {label}"
                cands.add_trigger(lemma, pos, etype, cameo, f"oewn:{how}")


def derived_nouns(wn: WordNet, verb: str, keys: list[str], lexfiles: tuple[str, ...]) -> list[str]:
    """Nouns derived from a verb's senses named by `keys` (VerbNet's), else from its first sense."""
    senses = wn.senses(verb, "v")
    chosen = [s for s in senses if any(s["id"].startswith(k) for k in keys)] or senses[:1]
    out = set()
    for sense in chosen:
        for target in sense.get("derivation", []) or []:
            lemma_pos = wn.sense_lemma.get(target)
            synset = wn.sense_synset.get(target)
            if lemma_pos is None or synset is None or lemma_pos[1] != "n":
                continue
            if wn.lexfile(synset) in lexfiles and wn.rank(lemma_pos[0], "n", synset) <= MAX_SENSE_RANK:
                lemma = norm_lemma(lemma_pos[0])
                if lemma:
                    out.add(lemma)
    return sorted(out)


def add_derivations(cands: Candidates, wn: WordNet, sense_keys: dict[str, list[str]]) -> None:
    """Nominalisations of verb triggers (those that pass the rules) and verb cues through
    WordNet derivational links."""
    for entry in filter_triggers(cands, wn if wn.entries else None):
        lemma = entry["lemma"]
        if entry["pos"] != "v":
            continue
        for noun in derived_nouns(wn, lemma, sense_keys.get(lemma, []), EVENT_NOUN_LEXFILES):
            cands.add_trigger(noun, "n", entry["type"], entry["cameo"], f"oewn:derivation of {lemma}")
    for (lemma, pos), kinds in sorted(cands.cues.items()):
        if pos != "v" or "speech" not in kinds and "object" not in kinds:
            continue
        for noun in derived_nouns(wn, lemma, sense_keys.get(lemma, []), CUE_NOUN_LEXFILES):
            cands.add_cue(noun, "n", "noun", f"oewn:derivation of {lemma}")


def context_classes(wn: WordNet) -> dict[str, dict[str, Any]]:
    """Noun classes from `CONTEXT_SYNSETS`: lemmas whose sense in the class ranks first."""
    out = {}
    for name in sorted(CONTEXT_SYNSETS):
        lemmas: set[str] = set()
        for root, _ in CONTEXT_SYNSETS[name]:
            for sid in wn.closure(root):
                for member in wn.members(sid):
                    lemma = norm_lemma(member)
                    if (
                        lemma
                        and " " not in lemma
                        and wn.rank(member, "n", sid) <= 1
                        and not wn.is_proper(lemma)
                    ):
                        lemmas.add(lemma)
        sources = [f"oewn:{root} ({reason})" for root, reason in CONTEXT_SYNSETS[name]]
        out[name] = {"sources": sources, "words": sorted(lemmas)}
    return out


# -------------------------------------------------------------------- CAMEO


@dataclass(frozen=True)
class CameoEntry:
    """One verb or phrase of the CAMEO dictionary with its code."""

    words: tuple[str, ...]  # lower-case words, the verb among them
    code: str


_BLOCK = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]\s+---")
_CODE = re.compile(r"\[([0-9:\-]+)\]")


def _cameo_code(raw: str) -> str:
    return raw.split(":")[0].strip()


def parse_cameo(path: Path) -> list[CameoEntry]:
    """Verbs (`ATTACK`), multiword verbs (`+CALL_OFF`) and literal patterns (`- * CEASEFIRE`)."""
    out: list[CameoEntry] = []
    block_code, verbs = "", list[str]()
    in_patterns = False
    with open(path, encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            line, _, comment = raw.partition("#")
            line = line.rstrip()
            if raw.startswith("####### VERB PATTERNS"):
                in_patterns = True
                continue
            if not in_patterns or not line.strip():
                continue
            m = _BLOCK.match(line)
            if m:
                block_code, verbs = _cameo_code(m.group(2)), []
                continue
            code_m = _CODE.search(line)
            code = _cameo_code(code_m.group(1)) if code_m else block_code
            body = _CODE.sub("", line).strip()
            if body.startswith("-"):
                pattern = body[1:].split()
                if not verbs or "*" not in pattern or len(pattern) < 2 or len(pattern) > 4:
                    continue
                if any(not re.fullmatch(r"[A-Z]+|\*", w) for w in pattern):
                    continue  # placeholders ($ + % ^ &SET) or stems: not a literal phrase
                named = re.match(r"\s*([A-Z][A-Z_]*)", comment)
                verb = named.group(1).lower().replace("_", " ") if named else verbs[0]
                words = tuple(verb if w == "*" else w.lower() for w in pattern)
                out.append(CameoEntry(tuple(" ".join(words).split()), code))
            else:
                word = body.split("{", 1)[0].lstrip("+").strip()
                if not re.fullmatch(r"[A-Z][A-Z_\-]*", word):
                    continue
                lemma = word.lower().replace("_", " ")
                verbs.append(lemma.split()[0] if " " in lemma else lemma)
                out.append(CameoEntry(tuple(lemma.split()), code))
    return out


def cameo_type(code: str) -> tuple[str, str] | None:
    """(type, CAMEO root) for a code by the longest matching prefix of `CAMEO_TYPES`."""
    if not code or not code[0].isdigit():
        return None
    for n in range(len(code), 1, -1):
        if code[:n] in CAMEO_TYPES:
            etype = CAMEO_TYPES[code[:n]][0]
            return etype, code[:n] if n > 2 else code[:2]
    return None


def add_cameo(cands: Candidates, entries: Iterable[CameoEntry], english: set[str] | None) -> None:
    """Single verbs become verb triggers; multiword verbs and patterns phrase triggers (rule 5)."""
    for entry in entries:
        typed = cameo_type(entry.code)
        if typed is None:
            continue
        etype, root = typed
        if english is not None and any(w not in english and w not in FUNCTION_WORDS for w in entry.words):
            continue
        if len(entry.words) == 1:
            cands.add_trigger(entry.words[0], "v", etype, root, f"cameo:{entry.code}")
        else:
            cands.add_phrase(" ".join(entry.words), etype, root, f"cameo:{entry.code}")


# -------------------------------------------------------------------- filtering and output


def type_synsets(wn: WordNet) -> dict[str, set[str]]:
    """Event type -> every synset under its `SYNSET_TYPES` roots."""
    out: dict[str, set[str]] = defaultdict(set)
    for root in sorted(SYNSET_TYPES):
        out[SYNSET_TYPES[root][0]].update(wn.closure(root))
    return out


# WordNet verb lexicographer files in which a verb's first sense can be its event sense (rule 7).
TYPE_VERB_LEXFILES: dict[str, tuple[str, ...]] = {
    "attack": ("verb.competition", "verb.contact"),
    "talks": ("verb.communication", "verb.social"),
    "agreement": ("verb.communication", "verb.social"),
    "ceasefire": ("verb.social",),
    "prisoner_exchange": ("verb.social", "verb.contact", "verb.possession"),
    "threat": ("verb.communication",),
    "sanction": ("verb.social", "verb.possession"),
    "protest": ("verb.communication", "verb.social"),
    "vote": ("verb.social",),
    "legal_action": ("verb.social", "verb.communication", "verb.contact"),  # arrest: contact
    "leadership_change": ("verb.social",),
    "accident": ("verb.change", "verb.weather", "verb.contact"),
    "aid": ("verb.possession", "verb.social"),
    "policy": ("verb.social", "verb.communication"),
}


def is_primary(
    lemma: str, pos: str, etype: str, sources: Iterable[str], wn: WordNet | None, typed: dict[str, set[str]]
) -> bool:
    """Whether the event sense is the word's main sense (rule 7): a word with at most
    `FEW_SENSES` WordNet senses (or none) that a FrameNet frame gives the type; a noun whose first WordNet
    sense lies under one of the type's synsets; a verb whose first PropBank roleset (`.01`) has
    the type and whose first WordNet sense is in one of the type's verb lexicographer files."""
    if wn is None:
        return False
    senses = wn.senses(lemma, pos)
    if len(senses) <= FEW_SENSES and any(resource_of(s) == "framenet" for s in sources):
        return True  # includes words WordNet does not have (`sentencing`): no rival sense known
    if not senses:
        return False
    first = senses[0]["synset"]
    if pos == "n":
        return first in typed.get(etype, set())
    stem = lemma.replace(" ", "_")
    first_roleset = any(s.startswith(f"propbank:{stem}.01 ") or s == f"propbank:{stem}.01" for s in sources)
    return first_roleset and wn.lexfile(first) in TYPE_VERB_LEXFILES.get(etype, ())


def filter_triggers(cands: Candidates, wn: WordNet | None) -> list[dict[str, Any]]:
    """Rules (1), (2), (6) over single-word triggers, and the `primary` flag of rule (7);
    returns the kept entries, sorted."""
    typed = type_synsets(wn) if wn is not None else {}
    out = []
    for (lemma, pos), by_type in sorted(cands.triggers.items()):
        if len(by_type) >= MAX_TYPES:
            continue
        support = {t: len({resource_of(s) for s in srcs}) for t, srcs in by_type.items()}
        best = max(support.values())
        winners = sorted(t for t, n in support.items() if n == best)
        if len(winners) > 1:
            continue  # rule (1): two types, equally backed
        etype = winners[0]
        if not {resource_of(s) for s in by_type[etype]} & SEMANTIC_RESOURCES:
            continue  # rule (6): VerbNet and CAMEO only corroborate
        if wn is not None and len(wn.senses(lemma, pos)) > MAX_SENSES and support[etype] < 2:
            continue  # rule (2): polysemous word from a single resource
        out.append(
            {
                "lemma": lemma,
                "pos": pos,
                "type": etype,
                "cameo": cands.cameo[(lemma, pos)][etype],
                "primary": is_primary(lemma, pos, etype, by_type[etype], wn, typed),
                "sources": sorted(by_type[etype]),
            }
        )
    return out


def phrase_entries(cands: Candidates) -> list[dict[str, Any]]:
    """Phrase triggers; a phrase proposed under two types is dropped (rule 1), and so is one
    with fewer than two content words (rule 8)."""
    out = []
    for phrase, by_type in sorted(cands.phrases.items()):
        if len(by_type) != 1 or sum(w not in FUNCTION_WORDS for w in phrase.split()) < 2:
            continue
        ((key, sources),) = by_type.items()
        etype, cameo = key.split("|")
        out.append({"phrase": phrase, "type": etype, "cameo": cameo, "sources": sorted(sources)})
    return out


def cue_ok(lemma: str, pos: str, sources: set[str], wn: WordNet | None) -> bool:
    """Rules (2) and (6) for cues: FrameNet evidence or a VerbNet class; a word with more than
    `MAX_SENSES` senses needs both (`force` is in FrameNet Request only)."""
    kinds = {resource_of(s) for s in sources} & {"framenet", "verbnet"}
    if not kinds:
        return False
    return len(kinds) == 2 or wn is None or len(wn.senses(lemma, pos)) <= MAX_SENSES


def cue_entries(cands: Candidates, wn: WordNet | None) -> list[dict[str, Any]]:
    """Claim cues: a verb's kind is speech > object > cognition when sources disagree; nouns
    from derivation count when the verb they come from is kept (rule 6 applies to verbs)."""
    kept_verbs = {
        lemma
        for (lemma, pos), kinds in cands.cues.items()
        if pos == "v" and cue_ok(lemma, pos, set().union(*kinds.values()), wn)
    }
    out = []
    for (lemma, pos), kinds in sorted(cands.cues.items()):
        sources = set().union(*kinds.values())
        if pos == "v" and lemma not in kept_verbs:
            continue
        if pos == "n":
            derived_from = {s.rsplit(" ", 1)[-1] for s in sources if s.startswith("oewn:derivation of ")}
            if not (derived_from & kept_verbs or cue_ok(lemma, pos, sources, wn)):
                continue
        kind = next(k for k in ("speech", "object", "cognition", "noun") if k in kinds)
        out.append({"lemma": lemma, "pos": pos, "kind": kind, "sources": sorted(sources)})
    return out


LICENCES = {
    "propbank": "PropBank frames 3.4 (propbank/propbank-frames c66e0cc), CC BY-SA 4.0",
    "verbnet": "VerbNet 3.3 (NLTK data verbnet3), distributed with permission of "
    "Karin Kipper-Schuler; cite: Kipper-Schuler, VerbNet: A broad-coverage, comprehensive verb lexicon",
    "oewn": "Open English WordNet (globalwordnet/english-wordnet d94538a), CC BY 4.0, "
    "derived from Princeton WordNet (WordNet licence)",
    "cameo": "PETRARCH2 CAMEO verb dictionary CAMEO.2.0.txt (openeventdata/petrarch2), MIT, "
    "Copyright (c) 2015 Open Event Data Alliance",
}


def derive(
    rolesets: Iterable[Roleset],
    verbnet: dict[str, list[tuple[str, str]]],
    wn: WordNet,
    cameo: Iterable[CameoEntry],
) -> dict[str, Any]:
    """All derived vocabularies from parsed resources (any subset of them)."""
    cands = Candidates()
    add_propbank(cands, rolesets)
    sense_keys = add_verbnet(cands, verbnet)
    add_wordnet(cands, wn)
    english = {norm_lemma(k) or "" for k in wn.entries} if wn.entries else None
    add_cameo(cands, cameo, english)
    add_derivations(cands, wn, sense_keys)
    triggers = filter_triggers(cands, wn if wn.entries else None)
    return {
        "triggers": triggers,
        "phrases": phrase_entries(cands),
        "cues": cue_entries(cands, wn if wn.entries else None),
        "classes": context_classes(wn),
    }


def write_outputs(derived: dict[str, Any], out_dir: Path) -> list[Path]:
    """One JSON file per vocabulary, each with its sources and licences in `header`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("triggers", "phrases", "cues", "classes"):
        doc = {
            "header": {
                "generated_by": "scripts/build_lexicons.py (do not edit by hand)",
                "licences": LICENCES,
                "rules": {
                    "max_types": MAX_TYPES,
                    "max_senses": MAX_SENSES,
                    "max_sense_rank": MAX_SENSE_RANK,
                    "few_senses": FEW_SENSES,
                },
            },
            name: derived[name],
        }
        path = out_dir / f"{name}.json"
        path.write_text(
            json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lexical", nargs="?", type=Path, default=DEFAULT_LEXICAL)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    lex: Path = args.lexical
    rolesets = read_propbank(lex / "propbank-frames" / "frames")
    verbnet: dict[str, list[tuple[str, str]]] = {}
    for p in sorted((lex / "verbnet3").glob("*.xml")):
        verbnet.update(parse_verbnet_file(p))
    wn = load_oewn(lex / "oewn" / "src" / "yaml")
    cameo = parse_cameo(lex / "cameo" / "CAMEO.2.0.txt")
    derived = derive(rolesets, verbnet, wn, cameo)
    for path in write_outputs(derived, args.out):
        print(f"wrote {path}")
    counts = {name: len(derived[name]) for name in ("triggers", "phrases", "cues", "classes")}
    print(", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
