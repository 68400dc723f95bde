"""Claim extraction: who said what, from dependency parses plus quote spans.

Follows the Citron recipe: a reporting cue (verb lemma, `according to`, speech noun)
with a source (nsubj / agent / possessor) and a content (clausal complement, object,
or an adjacent quotation). Quotes are paired at text level, so a quote running over
several sentences is one claim.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Span, Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.context import DATELINE, Context, DocView, Quote, Sentence, clean_name


@dataclass
class Claim:
    """One attributed statement; offsets are absolute character offsets into the text."""

    sentence: str
    speaker: str | None
    speaker_type: str
    cue: str
    content: str
    kind: str
    start: int
    end: int
    content_start: int
    content_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


COMPLEMENT_DEPS = {"ccomp", "xcomp"}
LISTENER_VERBS = {"tell", "inform", "assure", "remind", "warn", "convince", "brief", "persuade"}
SEARCH_WINDOW = 20_000  # chars looked back for titles and salience; keeps long texts linear
# `the alliance said` -> the article's most frequent organisation when none contains the noun.
DEFINITE_ORG_FALLBACK = {"alliance", "organisation", "organization", "bloc", "agency", "company",
                         "firm", "ministry", "department", "union", "party", "council", "committee"}
# Verbs whose bare right context can be the content when the parser missed the complement.
BARE_CONTENT_VERBS = {"say", "claim", "state", "add", "warn", "insist", "argue", "note", "explain",
                      "write", "report", "announce", "acknowledge", "allege", "assert", "contend",
                      "suggest", "predict", "reply", "respond", "declare", "stress", "emphasize",
                      "emphasise", "tweet", "post", "concede", "admit", "deny", "confirm"}
SUBJ_DEPS = {"nsubj", "nsubjpass", "csubj", "expl"}
NAME_DEPS_DROP = {"relcl", "appos", "acl", "punct", "parataxis", "advcl", "cc"}
_TRIM = " \t\n,;:.—–-"


# ------------------------------------------------------------------ helpers

def _abs(sent: Sentence, tok: Token) -> int:
    return sent.start + tok.idx


def _span_chars(sent: Sentence, toks: list[Token]) -> tuple[int, int]:
    first = min(toks, key=lambda t: t.i)
    last = max(toks, key=lambda t: t.i)
    return sent.start + first.idx, sent.start + last.idx + len(last.text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding punctuation, `that`, and dangling quote marks."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    m = re.match(r"(?:that|whether|if)\s+", text[start:end], re.I)
    if m and end - start > m.end() + 3:
        start += m.end()
    return start, end


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _cue_of(tok: Token) -> str | None:
    """Reporting-cue lemma for a verb token (phrasal verbs keep their particle)."""
    if (tok.pos_ not in ("VERB", "AUX") and not tok.tag_.startswith("VB")
            and tok.lower_ not in ("says", "said", "warns", "claims")):
        return None
    lemma = tok.lemma_.lower()
    particles = {c.lower_ for c in tok.children if c.dep_ in ("prt", "prep")}
    if lemma in lx.PHRASAL_VERBS:
        hit = lx.PHRASAL_VERBS[lemma] & particles
        if hit:
            return f"{lemma} {sorted(hit)[0]}"
    if lemma in lx.SPEECH_VERBS or lemma in lx.OBJECT_VERBS or lemma in lx.PASSIVE_ONLY_VERBS:
        return lemma
    return None


def _subject(verb: Token) -> tuple[Token | None, bool]:
    """The verb's source token and whether the verb is passive; climbs conj/advcl/xcomp."""
    tok: Token | None = verb
    hops = 0
    while tok is not None and hops < 4:
        passive = _is_passive(tok)
        if passive and hops and tok.dep_ in ("ccomp", "conj", "advcl") and not any(
                c.dep_ == "agent" for c in tok.children):
            tok = tok.head  # participle misattached to a passive clause: use the matrix subject
            hops += 1
            continue
        if passive:
            for c in tok.children:
                if c.dep_ == "agent":
                    pobj = [g for g in c.children if g.dep_ == "pobj"]
                    if pobj:
                        return pobj[0], True
            return None, True
        for c in tok.children:
            if c.dep_ == "nsubj":
                return c, False
        for c in tok.children:  # misparse `Chief ... has (aux) warned`: subject on the aux
            if c.dep_ == "aux":
                subj = next((g for g in c.children if g.dep_ == "nsubj"), None)
                if subj is not None:
                    return subj, False
        if tok.dep_ == "pcomp" and tok.head.head is not tok.head:
            tok = tok.head.head  # `said before pointing out that`: the matrix verb's subject
            hops += 1
            continue
        if tok.dep_ in ("conj", "advcl", "xcomp") and tok.head is not tok:
            tok = tok.head
            hops += 1
            # `X said [the PM had accepted ...], adding ...`: a participle misattached to the
            # reported clause takes the reporting verb's subject
            if (verb.tag_ == "VBG" and tok.dep_ == "ccomp" and _cue_of(tok.head)
                    and tok.head.i < verb.i):
                tok = tok.head
            continue
        break
    return None, False


def _name_tokens(head: Token, depth: int = 0) -> list[Token]:
    """Tokens of the noun phrase headed by `head`, without clauses or appositions.

    Keeps a contiguous run around the head and at most one level of `of`/`for`/`in`
    phrases, so sources stay short (`spokesperson for the British Foreign Office`).
    """
    out = [head]
    for c in head.children:
        if c.dep_ in NAME_DEPS_DROP or c.is_punct:
            continue
        if c.i > head.i and c.dep_ not in ("prep", "conj", "pobj", "compound"):
            continue
        if c.dep_ == "prep" and (c.lower_ not in ("of", "for", "in", "at", "from") or depth > 1):
            continue
        out.extend(_name_tokens(c, depth + 1))
    out.sort(key=lambda t: t.i)
    run = [t for t in out if t.i <= head.i]
    for t in out:
        if t.i > head.i and t.i == run[-1].i + 1:
            run.append(t)
    return run


def _bare_title(tok: Token) -> bool:
    """`the minister`, `the Prime Minister`: a title used as an anaphor, with no name,
    apposition or `of`/`for` phrase that would make it a description of its own."""
    if tok.lower_ not in lx.TITLE_NOUNS:
        return False
    kids = list(tok.children)
    if not any(c.lower_ == "the" for c in kids):
        return False
    if any(c.dep_ in ("appos", "prep", "relcl", "acl") for c in kids):
        return False
    return all(c.dep_ in ("det", "amod", "compound", "punct") and not c.ent_type_ or c.lower_ == "prime"
               for c in kids)


def _entity_of(tok: Token, ents: tuple[Span, ...]) -> Span | None:
    """The entity of `ents` (the sentence's `doc.ents`, read once) that holds `tok`."""
    for ent in ents:
        if ent.start <= tok.i < ent.end:
            return ent
    return None


# -------------------------------------------------------------- speaker text

class SpeakerResolver:
    """Turns a subject token into the fullest mention and a speaker type."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.last_person: tuple[int, str] | None = None
        self.last_group: tuple[int, str, str] | None = None
        self.speakers: list[tuple[int, str]] = []
        self._pwords: set[str] | None = None
        self._genders: dict[str, str | None] = {}

    def note(self, pos: int, speaker: str | None, stype: str) -> None:
        """Remember the latest speakers for pronoun resolution."""
        if speaker is None:
            return
        if stype == "PERSON":
            self.last_person = (pos, speaker)
            self.speakers.append((pos, speaker))
        else:
            self.last_group = (pos, speaker, stype)

    def resolve(self, sent: Sentence, tok: Token | None) -> tuple[str | None, str]:
        if tok is None:
            return None, "NONE"
        low = tok.lower_
        if low in ("who", "that", "which") and tok.head.dep_ == "relcl":
            tok = tok.head.head  # `a lawyer who said` -> the lawyer
            low = tok.lower_
        if low in lx.PERSON_PRONOUNS | lx.PLURAL_PRONOUNS | {"it"}:
            return self._pronoun(sent, tok)
        parts = [tok] + [c for c in tok.children if c.dep_ == "conj"]
        for c in list(parts[1:]):
            parts.extend(g for g in c.children if g.dep_ == "conj")
        parts = [parts[0]] + [p for p in parts[1:] if _plausible_source(p)]
        names: list[str] = []
        types: list[str] = []
        covered: set[int] = set()
        for p in parts:
            if p.i in covered:
                continue
            ent = _entity_of(p, sent.view().ents)
            if ent is not None:
                covered.update(range(ent.start, ent.end))
            name, stype = self._one(sent, p)
            if name and not any(name in n for n in names):
                names.append(name)
                types.append(stype)
        if not names:
            return None, "NONE"
        stype = types[0] if len(set(types)) == 1 else "GROUP"
        if len(names) > 1 and stype == "PERSON":
            stype = "PERSON"
        return " and ".join(names), stype

    def _one(self, sent: Sentence, tok: Token) -> tuple[str, str]:
        if _bare_title(tok):
            resolved = self._definite(tok, _abs(sent, tok))  # `the Prime Minister`
            if resolved:
                return resolved
            main = self._main_person(_abs(sent, tok))
            if main:  # no titled name found: the article's main person
                return main, "PERSON"
        ents = sent.view().ents
        ent = _entity_of(tok, ents)
        if ent is None or ent.label_ != "PERSON":
            for c in tok.children:  # `his predecessor, Fiona Hill,` -> the named person
                if c.dep_ != "appos":
                    continue
                # `Another diplomat, former special envoy to Ukraine Kurt Volker,`
                for g in (c, *(t for t in c.subtree if t is not c)):
                    cent = _entity_of(g, ents)
                    if cent is not None and cent.label_ == "PERSON":
                        return self.ctx.fullest(cent.text), "PERSON"
        if ent is not None and ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
            if ent.label_ == "PERSON":
                return self.ctx.fullest(ent.text), "PERSON"
            if ent.label_ == "NORP" and tok.ent_type_ == "NORP" and tok.i == ent.end - 1:
                return clean_name(ent.text), "GROUP"
            person = self.ctx.fullest(ent.text)
            if person != ent.text or self.ctx.is_person(ent.text):
                return person, "PERSON"  # NER called a known person's surname ORG/GPE
            if ent.end - 1 >= tok.i and tok.ent_type_:
                label = "GPE" if ent.label_ in ("GPE", "LOC", "FAC") else "ORG"
                name = clean_name(self._with_modifiers(sent, tok, ent))
                return self.ctx.expand_acronym(name), label
        if tok.lemma_.lower() in DOCUMENT_NOUNS:  # `a report by Amnesty International`
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in ("from", "by"):
                    for g in c.children:
                        if g.dep_ != "pobj":
                            continue
                        gent = _entity_of(g, ents)
                        if (gent is not None and gent.label_ in ("PERSON", "ORG", "GPE", "NORP")
                                or g.pos_ == "PROPN"
                                or g.lemma_.lower() in lx.ORG_NOUNS | lx.GROUP_NOUNS):
                            return self._one(sent, g)
        toks = _name_tokens(tok)
        # drop everything before a comma-separated block to keep a compact phrase
        start, end = _span_chars(sent, toks)
        phrase = clean_name(self.ctx.text[start:end])
        head = tok.lemma_.lower()
        if tok.pos_ == "PROPN" and self.ctx.is_person(phrase):
            return self.ctx.fullest(phrase), "PERSON"
        if tok.tag_ in ("NN", "NNP") and any(c.lower_ == "the" for c in tok.children):
            resolved = self._definite(tok, start)
            if resolved:
                return resolved
        if any(t.ent_type_ == "PERSON" for t in toks):
            person = [t for t in toks if t.ent_type_ == "PERSON"]
            ent = _entity_of(person[-1], ents)
            if ent is not None:
                return self.ctx.fullest(ent.text), "PERSON"
        if tok.lower_ in lx.GROUP_NOUNS or head in lx.GROUP_NOUNS or tok.tag_ in ("NNS", "NNPS"):
            if head in lx.ORG_NOUNS and tok.tag_ not in ("NNS", "NNPS"):
                return phrase, "ORG"
            return phrase, "GROUP"
        if head in lx.ORG_NOUNS or tok.pos_ == "PROPN":
            if head == "government" and any(t.ent_type_ in ("NORP", "GPE") for t in toks):
                return phrase, "GPE"
            return phrase, "ORG"
        return phrase, "GROUP"

    def _with_modifiers(self, sent: Sentence, tok: Token, ent: Span) -> str:
        """Entity text, widened to its noun phrase when the entity is a modifier."""
        toks = _name_tokens(tok)
        start, end = _span_chars(sent, toks)
        return self.ctx.text[start:end] if end - start < 80 else ent.text

    def _definite(self, tok: Token, pos: int) -> tuple[str, str] | None:
        """`the minister` -> the person titled so earlier; `the ministry` -> the fullest org."""
        head = tok.lower_
        if head in lx.TITLE_NOUNS:
            alt = {"governor": "gov", "senator": "sen", "general": "gen", "president": "pres",
                   "representative": "rep"}.get(head)
            title = re.escape(head) + (rf"|{alt}\." if alt else "")
            rx = re.compile(
                rf"\b(?i:{title})(?![a-z])[\w\s.’'-]{{0,40}}?((?:[A-Z][\w’'.-]+\s+){{0,2}}[A-Z][\w’'-]+)")
            cands = []
            person_words = self._person_words()
            window = max(0, pos - SEARCH_WINDOW)
            for m in rx.finditer(self.ctx.text, window, pos):
                cand = m.group(1)
                if set(cand.split()) & person_words:
                    surname = cand.split()[-1]
                    salience = len(re.findall(rf"\b{re.escape(surname)}\b",
                                              self.ctx.text[window:pos]))
                    cands.append((salience, m.start(), cand))
            if cands:
                return self.ctx.fullest(max(cands)[2]), "PERSON"
        if head in lx.ORG_NOUNS:
            best = None
            for men in self.ctx.mentions_before(pos, ("ORG",)):
                if head in men.text.lower() and (best is None or len(men.text) > len(best)):
                    best = men.text
            if best:
                return clean_name(best), "ORG"
            if head in DEFINITE_ORG_FALLBACK:
                counts: dict[str, int] = {}
                for men in self.ctx.mentions_before(pos, ("ORG",)):
                    key = clean_name(men.text)
                    counts[key] = counts.get(key, 0) + 1
                if counts:
                    return max(counts.items(), key=lambda kv: kv[1])[0], "ORG"
        return None

    def _person_words(self) -> set[str]:
        """Words of all PERSON mentions (computed once per document)."""
        if self._pwords is None:
            self._pwords = {w for m in self.ctx.mentions if m.label == "PERSON"
                            for w in m.text.split()}
        return self._pwords

    def _main_person(self, pos: int) -> str | None:
        """The person named most often before `pos` (ties: the one named first)."""
        best: tuple[int, int, str] | None = None
        seen: set[str] = set()
        for m in self.ctx.mentions_before(pos, ("PERSON",)):
            name = self.ctx.fullest(m.text)
            if name in seen or not name.split():
                continue
            seen.add(name)
            surname = re.escape(name.split()[-1])
            count = len(re.findall(rf"\b{surname}\b", self.ctx.text[max(0, pos - SEARCH_WINDOW):pos]))
            if best is None or count > best[0]:
                best = (count, -m.start, name)
        return best[2] if best else None

    def _pronoun(self, sent: Sentence, tok: Token) -> tuple[str | None, str]:
        """he/she -> the most recent person that was a speaker or a subject; they/it -> group."""
        low = tok.lower_
        pos = _abs(sent, tok)
        if low in ("he", "she", "i", "him", "her"):
            wanted = {"he": "m", "him": "m", "she": "f", "her": "f"}.get(low)
            cands = [(p, n) for p, n in self.speakers if p < pos]
            cands += [(m.start, self.ctx.fullest(m.text)) for m in
                      self.ctx.mentions_before(pos, ("PERSON", "ORG", "GPE", "NORP"))
                      if m.subject and self.ctx.quote_at(m.start) is None
                      and (m.label == "PERSON" or self.ctx.is_person(m.text))]
            for _, name in sorted(cands, reverse=True):
                if wanted is None or self.gender(name) in (None, wanted):
                    return name, "PERSON"
            for m in reversed(self.ctx.mentions_before(pos, ("PERSON",))):
                name = self.ctx.fullest(m.text)
                if wanted is None or self.gender(name) in (None, wanted):
                    return name, "PERSON"
            return None, "NONE"
        if self.last_group:
            return self.last_group[1], self.last_group[2]
        orgs = self.ctx.mentions_before(pos, ("ORG", "GPE"))
        if orgs:
            return clean_name(orgs[-1].text), "ORG" if orgs[-1].label == "ORG" else "GPE"
        return None, "NONE"

    def gender(self, name: str) -> str | None:
        """'m'/'f' from honorifics or the pronouns that follow the name; None when unsure."""
        if name not in self._genders:
            self._genders[name] = _guess_gender(self.ctx.text, name)
        return self._genders[name]


_MALE_TITLES = ("Mr", "Sir", "Lord")
_FEMALE_TITLES = ("Ms", "Mrs", "Miss", "Dame", "Lady")
_TITLE_TAIL = re.compile(r"\.?\s+")
_MALE_PRONOUN = re.compile(r"\b(?:he|his|him)\b", re.I)
_FEMALE_PRONOUN = re.compile(r"\b(?:she|her|hers)\b", re.I)


def _guess_gender(text: str, name: str) -> str | None:
    surname = name.split()[-1] if name.split() else name
    if not surname[:1].isupper():
        return None
    if _titled(text, _title_ends(text, _MALE_TITLES), surname):  # `Mr. Smith`
        return "m"
    if _titled(text, _title_ends(text, _FEMALE_TITLES), surname):
        return "f"
    male = female = 0
    for end in _word_ends(text, surname):
        window = text[end:end + 160]
        male += len(_MALE_PRONOUN.findall(window))
        female += len(_FEMALE_PRONOUN.findall(window))
    if male >= 2 * female + 1:
        return "m"
    if female >= 2 * male + 1:
        return "f"
    return None


# The helpers below stand in for `re.search(rf"\b(?:Mr|Sir|Lord)\.?\s+{word}\b")` and
# `re.finditer(rf"\b{word}\b")`, which compiled new patterns for every name and
# scanned the whole text position by position.

def _is_word_char(ch: str) -> bool:
    r"""`re`'s `\w` for str patterns."""
    return ch.isalnum() or ch == "_"


def _boundary(text: str, pos: int) -> bool:
    r"""`re`'s `\b` at `pos`: word-character status differs on the two sides."""
    before = pos > 0 and _is_word_char(text[pos - 1])
    after = pos < len(text) and _is_word_char(text[pos])
    return before != after


@lru_cache(maxsize=8)
def _title_ends(text: str, titles: tuple[str, ...]) -> tuple[int, ...]:
    r"""Where a name may start after `{title}\.?\s+`: found once per document, not per name.

    No title is a prefix of another, so at most one matches at any position.
    """
    ends = []
    for title in titles:
        i = text.find(title)
        while i >= 0:
            if _boundary(text, i):
                m = _TITLE_TAIL.match(text, i + len(title))
                if m:
                    ends.append(m.end())
            i = text.find(title, i + 1)
    return tuple(sorted(ends))


def _titled(text: str, title_ends: tuple[int, ...], word: str) -> bool:
    r"""Whether some honorific (ending in whitespace) is directly followed by `word` and a `\b`."""
    return any(text.startswith(word, pos) and _boundary(text, pos + len(word))
               for pos in title_ends)


def _word_ends(text: str, word: str) -> list[int]:
    r"""End offsets of the non-overlapping matches of `\b{word}\b`, left to right."""
    ends = []
    i = text.find(word)
    while i >= 0:
        end = i + len(word)
        if _boundary(text, i) and _boundary(text, end):
            ends.append(end)
            i = text.find(word, end)
        else:
            i = text.find(word, i + 1)
    return ends


# -------------------------------------------------------------- content

def _complement(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ in COMPLEMENT_DEPS and c.i > verb.i:
            return c
    for c in verb.children:
        if c.dep_ == "ccomp":
            return c
    return None


def _passive_content(verb: Token) -> list[Token]:
    """`X was seen as Y` -> Y; `was criticized by some as Y` -> Y."""
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ == "as":
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if objs:
                return list(objs[0].subtree) + [
                    t for g in objs[0].children if g.dep_ == "acl" for t in g.subtree]
        if c.dep_ in ("oprd", "xcomp"):
            return list(c.subtree)
    return []


def _quote_near(ctx: Context, verb_start: int, verb_end: int, sent: Sentence,
                subj_chars: int) -> tuple[int, int] | None:
    """A quotation that the verb introduces or follows: `"A," he said` / `said: "A"`."""
    text = ctx.text
    # quote closing before the verb
    before = [q for q in ctx.quotes if q.close < verb_start and q.close >= sent.start - 1]
    if before:
        q = before[-1]
        gap = text[q.close + 1:verb_start]
        if (len(gap) <= subj_chars + 30 and not re.search(r"[\"“”.!?;]", gap)
                and (text[q.start:q.close].rstrip("’'")[-1:] in tuple(",!?—–-…")
                     or gap.strip().startswith(","))):  # `…?’” Holmes testified`
            content = (q.start, q.end)
            after = _quote_after(ctx, verb_end, sent)
            if after and after.close <= sent.end + 1:
                content = (content[0], _quote_chain_end(ctx, after))
            return content
    q = _quote_after(ctx, verb_end, sent)
    if q is not None:
        return q.start, _quote_chain_end(ctx, q)
    return None


def _quote_after(ctx: Context, verb_end: int, sent: Sentence) -> Quote | None:
    for q in ctx.quotes:
        if verb_end <= q.open < sent.end:
            gap = ctx.text[verb_end:q.open]
            if len(gap) <= 60 and re.fullmatch(r"[^\"“”.!?;]*[,:]\s*", gap):
                return q
            return None
    return None


def _quote_chain_end(ctx: Context, q: Quote) -> int:
    """Extend over `"A," and "B"` chains of quotes."""
    end = q.end
    idx = ctx.quotes.index(q)
    for nxt in ctx.quotes[idx + 1:]:
        gap = ctx.text[end + 1:nxt.open]
        if re.fullmatch(r"\s*(?:,|and|or|,\s*and)?\s*", gap):
            end = nxt.end
        else:
            break
    return end


def _kind(ctx: Context, start: int, end: int, is_quote: bool) -> str:
    if is_quote:
        return "direct"
    return "mixed" if re.search(r"[\"“”]", ctx.text[start:end]) else "indirect"


# -------------------------------------------------------------- extraction

def _according_to(view: DocView) -> list[tuple[Token, Token]]:
    """(according, source) pairs."""
    out = []
    lowers = view.lowers
    if "according" not in lowers:
        return out
    for i, low in enumerate(lowers):
        if low == "according" and i + 1 < len(lowers) and lowers[i + 1] == "to":
            tok, to = view.doc[i], view.doc[i + 1]
            pobj = [c for c in to.children if c.dep_ == "pobj"]
            if pobj:
                out.append((tok, pobj[0]))
    return out


def extract_claims(ctx: Context) -> list[Claim]:
    """All claims of a parsed document context, in text order."""
    resolver = SpeakerResolver(ctx)
    claims: list[Claim] = []
    last_para_claim: dict[int, Claim] = {}
    for idx, sent in enumerate(ctx.sentences):
        found = _sentence_claims(ctx, sent, resolver) if sent.doc is not None else []
        if not found and sent.para not in last_para_claim:
            cont = _continued_quote(ctx, idx, last_para_claim.get(sent.para - 1))
            found = [cont] if cont else []
        for claim in found:
            claims.append(claim)
            last_para_claim[sent.para] = claim
    return claims


def _continued_quote(ctx: Context, idx: int, previous: Claim | None) -> Claim | None:
    """A paragraph that is one bare quotation continues the previous paragraph's speaker."""
    sent = ctx.sentences[idx]
    if previous is None or previous.speaker is None:
        return None
    if idx > 0 and ctx.sentences[idx - 1].para == sent.para:
        return None  # only at the start of a paragraph
    para_end = max(s.end for s in ctx.sentences if s.para == sent.para)
    quote = next((q for q in ctx.quotes if q.open == sent.start), None)
    if quote is None or para_end - quote.close > 2:
        return None
    if any(_SAID.search(ctx.text[s.start:s.end]) for s in ctx.sentences if s.para == sent.para
           and s.end > quote.close):
        return None
    c_start, c_end = _trim_quote(ctx.text, quote.start, quote.end)
    if c_end - c_start < 10:
        return None
    return Claim(sentence=ctx.sentence_text(sent), speaker=previous.speaker,
                 speaker_type=previous.speaker_type, cue="say", content=ctx.text[c_start:c_end],
                 kind="direct", start=sent.start, end=sent.end, content_start=c_start,
                 content_end=c_end)


# Documents that speak for their author: `a statement from the ministry said`.
DOCUMENT_NOUNS = {"statement", "memo", "report", "poll", "survey", "study", "document", "letter",
                  "tweet", "post", "release", "communique", "declaration", "filing", "complaint",
                  "ruling", "analysis", "review", "assessment", "audit", "video", "message"}
_SAID = re.compile(r"\b(?:said|says|told|added|asked)\b")
# A quote that narrates a question (`"And I asked, well, on whose authority?"`) is a statement.
_NARRATED = re.compile(r"\b(?:asked|asking|said|told|wondered|heard)\b", re.IGNORECASE)


# Lemmas a cue verb or a speech noun can have (see `_cue_of`): other tokens are skipped.
_CLAIM_LEMMAS = (frozenset(lx.PHRASAL_VERBS) | frozenset(lx.SPEECH_VERBS) | frozenset(lx.OBJECT_VERBS)
                 | frozenset(lx.PASSIVE_ONLY_VERBS) | frozenset(lx.SPEECH_NOUNS))


def _sentence_claims(ctx: Context, sent: Sentence, resolver: SpeakerResolver) -> list[Claim]:
    out: list[Claim] = []
    stext = ctx.sentence_text(sent)
    if stext.rstrip().endswith("?") and ctx.quote_at(sent.end - 1) is None:
        return out  # questions (often headlines) assert nothing
    opening = next((q for q in ctx.quotes if q.open == sent.start), None)
    if opening:
        quoted = ctx.text[opening.start:opening.end].rstrip()
        if quoted.endswith("?") and not _NARRATED.search(quoted):
            return out  # `"Is that fair?" Schiff asked.`: a quoted question asserts nothing
    view = sent.view()
    for acc, src in _according_to(view):
        name, stype = resolver.resolve(sent, src)
        sub = list(acc.subtree)
        a_start, a_end = _span_chars(sent, sub)
        if a_start - sent.start > 3 and sent.end - a_end > 15 and a_start - sent.start < 40:
            c_start, c_end = sent.start, sent.end  # `X, according to Y, did Z`: the sentence
        elif a_start - sent.start > 3:
            c_start, c_end = sent.start, a_start
        else:
            c_start, c_end = a_end, sent.end
        c_start, c_end = _trim(ctx.text, c_start, c_end)
        if c_end - c_start < 8:
            continue
        out.append(_make(ctx, sent, stext, name, stype, "according to", c_start, c_end, False))
        resolver.note(sent.start, name, stype)
    inherited: list[tuple[Claim, int]] = []
    for i, lemma in enumerate(view.lemmas):
        if lemma not in _CLAIM_LEMMAS:
            continue
        tok = view.doc[i]
        cue = _cue_of(tok)
        if cue is None:
            if tok.pos_ == "NOUN" and lemma in lx.SPEECH_NOUNS:
                claim = _noun_claim(ctx, sent, stext, tok, resolver)
                if claim:
                    out.append(claim)
            continue
        if ctx.quote_at(_abs(sent, tok)) is not None:
            continue  # a verb inside a quotation is the quoted speaker's, not a frame
        claim = _verb_claim(ctx, sent, stext, tok, cue, resolver)
        if claim is not None:
            out.append(claim)
            resolver.note(claim.start, claim.speaker, claim.speaker_type)
            if not any(c.dep_ in ("nsubj", "nsubjpass", "agent") for c in tok.children) and any(
                    c.dep_ == "aux" and c.lower_ == "to" for c in tok.children):
                inherited.append((claim, _abs(sent, tok)))
    # `said it would be "a bit far" to deny him ...`: a subjectless infinitive inside
    # another claim's content belongs to that content
    drop = {id(c) for c, pos in inherited if any(
        o is not c and o.content_start <= pos < o.content_end for o in out)}
    return _drop_shadowed([c for c in out if id(c) not in drop])


def _drop_shadowed(claims: list[Claim]) -> list[Claim]:
    """`"A," he told X, according to a statement`: the quote's speaker wins over the source.

    Two cues claiming the same quote keep the plainer reporting verb (`said` over `comment`).
    """
    direct = [c for c in claims if c.kind == "direct"]
    by_span: dict[tuple[int, int], Claim] = {}
    for c in direct:
        key = (c.content_start, c.content_end)
        old = by_span.get(key)
        if old is None or (c.cue in BARE_CONTENT_VERBS and old.cue not in BARE_CONTENT_VERBS):
            by_span[key] = c
    claims = [c for c in claims if c.kind != "direct" or by_span.get(
        (c.content_start, c.content_end)) is c]
    keep = []
    for c in claims:
        if c.cue == "according to" and any(
                d.content_start >= c.content_start - 2 and d.content_end <= c.content_end + 2
                for d in direct):
            continue
        keep.append(c)
    return keep


def _plausible_source(tok: Token) -> bool:
    """Sources are people, organisations, places, documents: not `the deal` or `hopes`."""
    if tok.pos_ == "PRON":
        return tok.lower_ not in ("that", "which", "what", "this", "these", "those", "you")
    if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or tok.pos_ == "PROPN":
        return True
    lemma = tok.lemma_.lower()
    if lemma in lx.GROUP_NOUNS or lemma in lx.ORG_NOUNS or lemma in lx.TITLE_NOUNS:
        return True
    if tok.lower_ in lx.GROUP_NOUNS or lemma in lx.SOURCE_NOUNS:
        return True
    if tok.pos_ == "NUM" or tok.lower_ in ("some", "others", "many", "both", "most", "few"):
        return True
    return any(c.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for c in tok.children)


def _right_content(verb: Token) -> list[Token]:
    """Fallback content: what follows the verb in its subtree (misparsed complements)."""
    toks = [t for t in verb.subtree if t.i > verb.i]
    # skip leading time phrases and punctuation: `said Tuesday`, `claimed at the time that`
    while toks and (toks[0].is_punct or toks[0].ent_type_ in ("DATE", "TIME")):
        toks = toks[1:]
    return toks


def _object_content(verb: Token, particle: str | None) -> list[Token]:
    """Object-type content: dobj (+ `as` phrase, predicate, purpose clause) or particle object."""
    toks: list[Token] = []
    for c in verb.children:
        if c.i < verb.i or c.is_punct:
            continue
        if c.dep_ in ("dobj", "oprd", "attr", "ccomp", "xcomp", "dative"):
            toks.extend(c.subtree)
        elif c.dep_ == "prep" and (toks or c.lower_ == particle):
            if c.lower_ == particle:
                toks.extend(list(c.subtree)[1:])
            else:
                toks.extend(c.subtree)
        elif c.dep_ in ("prt",) and c.lower_ == particle:
            continue
        elif toks and c.dep_ in ("advcl",) and c.tag_ != "VBG":
            toks.extend(c.subtree)
        elif toks:
            break
    return toks


# `call X Y`, `describe X as Y`: these verbs report speech only with a predicate.
PREDICATE_VERBS = {"call", "describe", "dub", "label", "brand", "cast", "portray", "frame",
                   "characterize", "characterise"}
# `questioned the decision` is a claim, `questioned a suspect` is not.
NON_PERSON_OBJECT_VERBS = {"question", "defend", "praise", "hail", "applaud", "commend", "slam"}


def _object_ok(verb: Token, lemma: str, particle: str | None) -> bool:
    """Whether an object-taking cue has the kind of object that makes it a speech act."""
    if particle:
        return True
    kids = list(verb.children)
    if lemma in PREDICATE_VERBS:
        return any(c.dep_ in ("oprd", "xcomp", "ccomp") for c in kids) or any(
            t.lower_ == "as" and t.dep_ == "prep" and t.i > verb.i for t in verb.subtree)
    if lemma in NON_PERSON_OBJECT_VERBS:
        objs = [c for c in kids if c.dep_ == "dobj"]
        return bool(objs) and all(o.ent_type_ != "PERSON" and o.pos_ != "PRON" for o in objs)
    return True


def _verb_claim(ctx: Context, sent: Sentence, stext: str, verb: Token, cue: str,
                resolver: SpeakerResolver) -> Claim | None:
    lemma = cue.split()[0]
    particle = cue.split()[1] if " " in cue else None
    if any(c.dep_ == "neg" and c.i < verb.i for c in verb.children):
        return None  # speech the text says did not happen
    subj, passive = _subject(verb)
    agent_acl = verb.dep_ == "acl" and any(c.dep_ == "agent" for c in verb.children)
    if lemma in lx.PASSIVE_ONLY_VERBS and not passive:
        return None
    if verb.dep_ == "acl" and not agent_acl:
        return None
    if agent_acl:
        agent = next(c for c in verb.children if c.dep_ == "agent")
        pobj = [g for g in agent.children if g.dep_ == "pobj"]
        subj, passive = (pobj[0] if pobj else None), True
    if passive and subj is None and lemma not in lx.PASSIVE_VERBS:
        return None
    if verb.dep_ == "amod" or (verb.tag_ == "VBG" and verb.dep_ == "pobj"):
        return None
    if verb.dep_ == "pcomp" and _complement(verb) is None:
        return None  # `by saying so`: a gerund without a reported clause
    if verb.tag_ == "VBN" and verb.dep_ == "advcl" and not any(
            c.dep_ in ("aux", "auxpass", "agent") for c in verb.children):
        return None  # `Asked to comment, the army said ...`: the subject was asked
    if subj is None and not passive:
        return None
    if subj is not None and not (_plausible_source(subj) or ctx.is_person(subj.text)):
        return None
    if subj is not None and subj.lower_ in ("you", "we", "i") and ctx.quote_at(_abs(sent, subj)):
        return None
    v_start = _abs(sent, verb)
    v_end = v_start + len(verb.text)
    subj_chars = len(" ".join(t.text for t in subj.subtree)) if subj is not None else 0
    comp = _complement(verb)
    content: tuple[int, int] | None = None
    is_quote = False
    if agent_acl:
        toks = [t for t in verb.head.subtree if t.i < verb.i]
        content = _span_chars(sent, toks) if toks else None
    if lemma in lx.CLAUSE_ONLY_VERBS and not any(c.dep_ == "ccomp" for c in verb.children):
        return None
    if content is None and comp is not None and comp.i > verb.i:
        ctoks = list(comp.subtree)
        for c in verb.children:
            if c.i > comp.i and c.dep_ not in ("conj", "cc", "advcl", "parataxis", "punct"):
                ctoks.extend(c.subtree)
        c0, c1 = _span_chars(sent, ctoks)
        if ctx.quote_at(c0 + 1) is None or lemma not in lx.SPEECH_VERBS:
            content = (c0, c1)
    if content is None and (lemma in lx.SPEECH_VERBS or lemma in ("chant", "call")):
        near = _quote_near(ctx, v_start, v_end, sent, subj_chars)
        if near is not None:
            content, is_quote = near, True
    if content is None and comp is not None:
        content = _span_chars(sent, list(comp.subtree))
    if content is None and (lemma in LISTENER_VERBS or lemma in lx.SPEECH_VERBS):
        # `told a few thousand teachers who covered the lawn that ...`, `said in a statement
        # that ...`: the that-clause was attached inside the object or the phrase
        deps = ("dobj", "dative") if lemma in LISTENER_VERBS else ()
        inside = {t.i for c in verb.children if c.dep_ in (*deps, "prep") for t in c.subtree}
        deep = next((t for t in verb.subtree if t.i in inside and t.dep_ in ("ccomp", "acl", "relcl")
                     and t.i > verb.i and any(c.dep_ == "mark" and c.lower_ == "that"
                                              for c in t.children)), None)
        if deep is not None:
            content = _span_chars(sent, list(deep.subtree))
    if content is None and passive:
        toks = _passive_content(verb)
        if toks:
            content = _span_chars(sent, toks)
    if content is None and (lemma in lx.OBJECT_VERBS or particle) and _object_ok(verb, lemma,
                                                                                  particle):
        toks = _object_content(verb, particle)
        if toks:
            content = _span_chars(sent, toks)
    if content is None and subj is not None and subj.i > verb.i:
        # inverted headline frame: `X, says Medvedev`
        toks = sent.view().toks[:verb.i] if sent.doc is not None else []
        if toks:
            content = _span_chars(sent, toks)
    if content is None and lemma in BARE_CONTENT_VERBS:
        toks = _right_content(verb)
        if len(toks) >= 4:
            content = _span_chars(sent, toks)
    if content is None:
        return None
    c_start, c_end = content
    if not is_quote:
        c_start, c_end = _trim(ctx.text, c_start, c_end)
        if lemma in ("tell", "inform", "assure", "remind", "warn", "convince"):
            m = re.search(r"\bthat\s+", ctx.text[c_start:c_end])
            if m and m.start() < 80:
                c_start += m.end()
    else:
        c_start, c_end = _trim_quote(ctx.text, c_start, c_end)
    if c_end - c_start < 3 or len(ctx.text[c_start:c_end].split()) < 2 and not is_quote:
        return None
    if lemma == "ask" and re.search(r"\b(?:identified|named)\b", ctx.text[c_start:c_end]):
        return None  # `asked not to be identified`: a source's condition, not a claim
    name, stype = resolver.resolve(sent, subj)
    kind = _kind(ctx, c_start, c_end, is_quote)
    return _make(ctx, sent, stext, name, stype, cue, c_start, c_end, is_quote, kind)


def _trim_quote(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " …\"“”":
        start += 1
    while end > start and text[end - 1] in " \"“”":
        end -= 1
    return start, end


def _noun_claim(ctx: Context, sent: Sentence, stext: str, noun: Token,
                resolver: SpeakerResolver) -> Claim | None:
    """`X's accusations of Y`, `criticism over Y`, `the statement that Y`."""
    poss = [c for c in noun.children if c.dep_ == "poss"]
    content_toks: list[Token] = []
    for c in noun.children:
        if c.dep_ in ("acl", "ccomp") and any(g.lower_ == "that" for g in c.children):
            content_toks = list(c.subtree)
        elif c.dep_ == "prep" and c.lower_ in ("of", "over", "that"):
            content_toks = list(c.subtree)[1:]
    if not poss or not content_toks:
        return None
    if poss[0].lower_ in ("his", "her", "its", "their", "my", "our"):
        return None
    name, stype = resolver.resolve(sent, poss[0])
    c_start, c_end = _trim(ctx.text, *_span_chars(sent, content_toks))
    if c_end - c_start < 3:
        return None
    return _make(ctx, sent, stext, name, stype, noun.lemma_.lower(), c_start, c_end, False)


def _make(ctx: Context, sent: Sentence, stext: str, speaker: str | None, stype: str, cue: str,
          c_start: int, c_end: int, is_quote: bool, kind: str | None = None) -> Claim:
    if c_start == sent.start:
        m = DATELINE.match(ctx.text, c_start, c_end)
        if m and m.end() < c_end - 10:
            c_start = m.end()  # the dateline is not part of what was said
    return Claim(
        sentence=stext, speaker=speaker, speaker_type=stype if speaker else "NONE", cue=cue,
        content=ctx.text[c_start:c_end], kind=kind or _kind(ctx, c_start, c_end, is_quote),
        start=sent.start, end=sent.end, content_start=c_start, content_end=c_end,
    )
