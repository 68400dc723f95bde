"""Claim extraction: who said what, from dependency parses plus quote spans.

Follows the Citron recipe: a reporting cue (verb lemma, `according to`, speech noun)
with a source (nsubj / agent / possessor) and a content (clausal complement, object,
or an adjacent quotation). Quotes are paired at text level, so a quote running over
several sentences is one claim. Who the source is (name and type) is left to
`pipeline.nlp.speakers`; where a cue's content is, `pipeline.nlp.claim_content`; this
module finds cues and their sources' tokens, vetoes, and makes the claims.
Hand vetoes (`_veto_reason`) drop cues that cannot report a claim; with a `ClaimChooser`
(`pipeline.nlp.decide`, learned) vetoed cues with content are candidates too, and the
chooser keeps or drops every candidate, reading the veto reason among its features.
Two structural claims bypass the chooser: a paragraph that is one bare quotation continues
the previous paragraph's speaker (unless it only goes on with a quotation left open there),
and a verb outside the cue lexicon whose only complement is a set-off quotation
(`"No," she laughed`) reports it when the sentence has no other claim.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from spacy.tokens import Token

from pipeline.nlp import claim_content as cc
from pipeline.nlp import lexicons as lx
from pipeline.nlp.claim_syntax import (
    cue_of,
    trim_span,
)
from pipeline.nlp.context import Context, DocView, Sentence, token_span, token_start
from pipeline.nlp.decide import ClaimChooser
from pipeline.nlp.features import ClaimCandidate
from pipeline.nlp.segment import DATELINE
from pipeline.nlp.speakers import SpeakerResolver, plausible_source
from pipeline.records import ClaimKind

# Cues that report speech only with a quote or a clause (PropBank continue.02 `he
# continued: "..."`); with a to-infinitive they are aspect (`continue to pour`).
ASPECTUAL_CUES = frozenset({"continue", "resume", "go"})


@dataclass
class Claim:
    """One attributed statement; offsets are absolute character offsets into the text."""

    sentence: str
    speaker: str | None
    speaker_type: str
    cue: str
    content: str
    kind: ClaimKind
    start: int
    end: int
    content_start: int
    content_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------ helpers

# -------------------------------------------------------------- content


def _kind(ctx: Context, start: int, end: int, is_quote: bool) -> ClaimKind:
    if is_quote:
        return ClaimKind.DIRECT
    return ClaimKind.MIXED if re.search(r"[\"“”]", ctx.text[start:end]) else ClaimKind.INDIRECT


# -------------------------------------------------------------- extraction


def _according_to(view: DocView) -> list[tuple[Token, Token]]:
    """(according, source) pairs."""
    out: list[tuple[Token, Token]] = []
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


def extract_claims(ctx: Context, decider: ClaimChooser | None = None) -> list[Claim]:
    """All claims of a parsed document context, in text order; `decider` keeps or drops
    reporting-cue candidates (the hand vetoes without one)."""
    resolver = SpeakerResolver(ctx)
    claims: list[Claim] = []
    last_para_claim: dict[int, Claim] = {}
    for idx, sent in enumerate(ctx.sentences):
        found = _sentence_claims(ctx, sent, resolver, decider) if sent.doc is not None else []
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
    if _runs_on_from_previous_paragraph(ctx, sent.start):
        return None
    if any(
        _SAID.search(ctx.text[s.start : s.end])
        for s in ctx.sentences
        if s.para == sent.para and s.end > quote.close
    ):
        return None
    c_start, c_end = _trim_quote(ctx.text, quote.start, quote.end)
    if c_end - c_start < 10:
        return None
    return Claim(
        sentence=ctx.sentence_text(sent),
        speaker=previous.speaker,
        speaker_type=previous.speaker_type,
        cue="say",
        content=ctx.text[c_start:c_end],
        kind=ClaimKind.DIRECT,
        start=sent.start,
        end=sent.end,
        content_start=c_start,
        content_end=c_end,
    )


def _runs_on_from_previous_paragraph(ctx: Context, pos: int) -> bool:
    """Whether the quotation opening at `pos` goes on from an unclosed one just before it.

    English prints a quotation over several paragraphs with no closing mark at the end of
    each paragraph but the last, and an opening mark at the start of the next: such a
    paragraph is the same speech act as the one before (guidelines: one claim per speech
    act), already claimed there, not a new statement by the same speaker.
    """
    before = [q for q in ctx.quotes if q.close <= pos]
    if not before:
        return False
    last = before[-1]
    closed = ctx.text[last.close : last.close + 1] in ('"', "”", "»")
    gap = ctx.text[last.close : pos]
    return not closed and not gap.strip(' "”»\n\t')


_SAID = re.compile(r"\b(?:said|says|told|added|asked)\b")
# A quote that narrates a question (`"And I asked, well, on whose authority?"`) is a statement.
_NARRATED = re.compile(r"\b(?:asked|asking|said|told|wondered|heard)\b", re.IGNORECASE)


def _sentence_claims(
    ctx: Context, sent: Sentence, resolver: SpeakerResolver, decider: ClaimChooser | None = None
) -> list[Claim]:
    out: list[Claim] = []
    stext = ctx.sentence_text(sent)
    if stext.rstrip().endswith("?") and ctx.quote_at(sent.end - 1) is None:
        return out  # questions (often headlines) assert nothing
    opening = next((q for q in ctx.quotes if q.open == sent.start), None)
    if opening:
        quoted = ctx.text[opening.start : opening.end].rstrip()
        if quoted.endswith("?") and not _NARRATED.search(quoted):
            return out  # `"Is that fair?" Schiff asked.`: a quoted question asserts nothing
    view = sent.view()
    for acc, src in _according_to(view):
        name, stype = resolver.resolve(sent, src)
        sub = list(acc.subtree)
        a_start, a_end = token_span(sent, sub)
        if a_start - sent.start > 3 and sent.end - a_end > 15 and a_start - sent.start < 40:
            c_start, c_end = sent.start, sent.end  # `X, according to Y, did Z`: the sentence
        elif a_start - sent.start > 3:
            c_start, c_end = sent.start, a_start
        else:
            c_start, c_end = a_end, sent.end
        c_start, c_end = trim_span(ctx.text, c_start, c_end)
        if c_end - c_start < 8:
            continue
        out.append(_make(ctx, sent, stext, name, stype, "according to", c_start, c_end, False))
        resolver.note(sent.start, name, stype)
    inherited: list[tuple[Claim, int]] = []
    claim_lemmas = lx.INDEX.claim_lemmas
    for i, lemma in enumerate(view.lemmas):
        if lemma not in claim_lemmas:
            continue  # no cue verb or speech noun has this lemma (see `cue_of`)
        tok = view.doc[i]
        cue = cue_of(tok)
        if cue is None:
            if tok.pos_ == "NOUN" and lemma in lx.SPEECH_NOUNS:
                claim = _noun_claim(ctx, sent, stext, tok, resolver)
                if claim:
                    out.append(claim)
            continue
        if ctx.quote_at(token_start(sent, tok)) is not None:
            continue  # a verb inside a quotation is the quoted speaker's, not a frame
        claim = _verb_claim(ctx, sent, stext, tok, cue, resolver, decider)
        if claim is not None:
            out.append(claim)
            resolver.note(claim.start, claim.speaker, claim.speaker_type)
            if not any(c.dep_ in ("nsubj", "nsubjpass", "agent") for c in tok.children) and any(
                c.dep_ == "aux" and c.lower_ == "to" for c in tok.children
            ):
                inherited.append((claim, token_start(sent, tok)))
    # `said it would be "a bit far" to deny him ...`: a subjectless infinitive inside
    # another claim's content belongs to that content
    drop = {
        id(c)
        for c, pos in inherited
        if any(o is not c and o.content_start <= pos < o.content_end for o in out)
    }
    kept = [c for c in out if id(c) not in drop]
    if not kept:
        framed = _quote_framing_claim(ctx, sent, stext, view, resolver)
        kept = [framed] if framed is not None else []
    return _drop_shadowed(kept)


# What a verb that frames a quotation may have besides its subject and the quotation: how,
# when and where it was said (`"No," she laughed softly after the vote`), nothing it acts on.
_FRAME_DEPS = frozenset({"nsubj", "aux", "advmod", "npadvmod", "prep", "advcl", "punct"})


def _quote_framing_claim(
    ctx: Context, sent: Sentence, stext: str, view: DocView, resolver: SpeakerResolver
) -> Claim | None:
    """`"Not a chance," she quipped.` / `He answered, "Absolutely not."`: a verb outside the
    cue lexicon reports speech when a quotation stands where its complement would be, set
    off by a comma or colon, and the verb takes nothing else (an intransitive manner-of-
    speaking use); its subject, a plausible source before it, is the speaker."""
    for tok in view.toks:
        if tok.dep_ != "ROOT" or tok.pos_ != "VERB" or tok.tag_ not in ("VBD", "VBZ", "VBP"):
            continue
        subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
        if subj is None or subj.i > tok.i or subj.lower_ in ("it", "this", "that", "which"):
            return None
        if not (plausible_source(subj) or ctx.is_person(subj.text)):
            return None
        v_start = token_start(sent, tok)
        if ctx.quote_at(v_start) is not None:
            return None
        subj_chars = len(" ".join(t.text for t in subj.subtree))
        near = cc.quote_near(ctx, v_start, v_start + len(tok.text), sent, subj_chars)
        if near is None:
            return None
        outside = [c for c in tok.children if not near[0] - 1 <= token_start(sent, c) <= near[1]]
        if any(c.dep_ not in _FRAME_DEPS for c in outside):
            return None  # the verb acts on something besides the quotation
        c_start, c_end = _trim_quote(ctx.text, *near)
        if c_end - c_start < 3:
            return None
        name, stype = resolver.resolve(sent, subj)
        return _make(ctx, sent, stext, name, stype, tok.lemma_.lower(), c_start, c_end, True)
    return None


def _drop_shadowed(claims: list[Claim]) -> list[Claim]:
    """`"A," he told X, according to a statement`: the quote's speaker wins over the source.

    Two cues claiming the same quote keep the plainer reporting verb (`said` over `comment`).
    """
    direct = [c for c in claims if c.kind == ClaimKind.DIRECT]
    by_span: dict[tuple[int, int], Claim] = {}
    for c in direct:
        key = (c.content_start, c.content_end)
        old = by_span.get(key)
        if old is None or (c.cue in lx.BARE_CONTENT_VERBS and old.cue not in lx.BARE_CONTENT_VERBS):
            by_span[key] = c
    claims = [
        c for c in claims if c.kind != ClaimKind.DIRECT or by_span.get((c.content_start, c.content_end)) is c
    ]
    keep = []
    for c in claims:
        if c.cue == "according to" and any(
            d.content_start >= c.content_start - 2 and d.content_end <= c.content_end + 2 for d in direct
        ):
            continue
        keep.append(c)
    return keep


def _veto_reason(f: cc.CueFrame) -> str | None:
    """Why the cue cannot report a claim here, whatever its content (None: it can).

    The reasons are `features.CLAIM_REASONS`; the learned layer reads them as features.
    """
    verb, lemma, subj = f.verb, f.lemma, f.subj
    if any(c.dep_ == "neg" and c.i < verb.i for c in verb.children):
        return "negated"  # speech the text says did not happen
    if lemma in lx.PASSIVE_ONLY_VERBS and not f.own_passive:
        return "active_passive_only"
    if verb.dep_ == "acl" and not f.agent_acl:
        return "acl"
    if f.passive and subj is None and lemma not in lx.PASSIVE_VERBS:
        return "passive_no_source"
    if verb.dep_ == "amod" or (verb.tag_ == "VBG" and verb.dep_ == "pobj"):
        return "modifier"
    if verb.dep_ == "pcomp" and f.comp is None:
        return "gerund"  # `by saying so`: a gerund without a reported clause
    if (
        verb.tag_ == "VBN"
        and verb.dep_ == "advcl"
        and not any(c.dep_ in ("aux", "auxpass", "agent") for c in verb.children)
    ):
        return "asked"  # `Asked to comment, the army said ...`: the subject was asked
    if subj is None and not f.passive:
        return "no_source"
    if subj is not None and not (plausible_source(subj) or f.ctx.is_person(subj.text)):
        return "implausible_source"
    if subj is not None and subj.lower_ in ("you", "we", "i") and f.ctx.quote_at(token_start(f.sent, subj)):
        return "quoted_pronoun"
    if lemma in lx.CLAUSE_ONLY_VERBS and not any(c.dep_ == "ccomp" for c in verb.children):
        return "clause_only"
    if lemma in ASPECTUAL_CUES and any(c.dep_ == "xcomp" for c in verb.children):
        return "clause_only"  # `continue to pour fuel`: continuing, not speaking on
    return None


def _verb_claim(
    ctx: Context,
    sent: Sentence,
    stext: str,
    verb: Token,
    cue: str,
    resolver: SpeakerResolver,
    decider: ClaimChooser | None = None,
) -> Claim | None:
    """The claim a reporting-cue verb makes: a veto, then the first content a finder gives.

    With a `decider` (see `pipeline.nlp.decide`) vetoed cues are candidates too, and the
    decider keeps or drops each candidate, reading the veto reason among its features.
    """
    f = cc.cue_frame(ctx, sent, verb, cue)
    reason = _veto_reason(f)
    if reason is not None and decider is None:
        return None
    content = next(
        (found for found in (finder(f) for finder in cc.CONTENT_FINDERS) if found is not None), None
    )
    if content is None:
        return None
    lemma, is_quote = f.lemma, content.quote
    c_start, c_end = content.start, content.end
    if not is_quote:
        c_start, c_end = trim_span(ctx.text, c_start, c_end)
        if lemma in ("tell", "inform", "assure", "remind", "warn", "convince") and c_start >= f.v_end:
            # `told reporters that S`: past the addressee (content before the verb has none)
            m = re.search(r"\bthat\s+", ctx.text[c_start:c_end])
            if m and m.start() < 80:
                c_start += m.end()
    else:
        c_start, c_end = _trim_quote(ctx.text, c_start, c_end)
    if c_end - c_start < 3 or len(ctx.text[c_start:c_end].split()) < 2 and not is_quote:
        return None
    if lemma == "ask" and re.search(r"\b(?:identified|named)\b", ctx.text[c_start:c_end]):
        return None  # `asked not to be identified`: a source's condition, not a claim
    name, stype = resolver.resolve(sent, f.subj)
    kind = _kind(ctx, c_start, c_end, is_quote)
    claim = _make(ctx, sent, stext, name, stype, cue, c_start, c_end, is_quote, kind)
    if decider is not None:
        cand = ClaimCandidate(
            verb=verb.i, lemma=lemma, reason=reason or "ok", subj=f.subj, passive=f.passive, quote=is_quote
        )
        if not decider.judge(sent.view(), cand, claim.to_dict()):
            return None
    return claim


def _trim_quote(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in ' …"“”':
        start += 1
    while end > start and text[end - 1] in ' "“”':
        end -= 1
    return start, end


def _noun_claim(
    ctx: Context, sent: Sentence, stext: str, noun: Token, resolver: SpeakerResolver
) -> Claim | None:
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
    if poss[0].lower_ in ("my", "our"):
        return None
    name, stype = resolver.resolve(sent, poss[0])
    c_start, c_end = trim_span(ctx.text, *token_span(sent, content_toks))
    if c_end - c_start < 3:
        return None
    return _make(ctx, sent, stext, name, stype, noun.lemma_.lower(), c_start, c_end, False)


def _make(
    ctx: Context,
    sent: Sentence,
    stext: str,
    speaker: str | None,
    stype: str,
    cue: str,
    c_start: int,
    c_end: int,
    is_quote: bool,
    kind: ClaimKind | None = None,
) -> Claim:
    if c_start == sent.start:
        m = DATELINE.match(ctx.text, c_start, c_end)
        if m and m.end() < c_end - 10:
            c_start = m.end()  # the dateline is not part of what was said
    return Claim(
        sentence=stext,
        speaker=speaker,
        speaker_type=stype if speaker else "NONE",
        cue=cue,
        content=ctx.text[c_start:c_end],
        kind=kind or _kind(ctx, c_start, c_end, is_quote),
        start=sent.start,
        end=sent.end,
        content_start=c_start,
        content_end=c_end,
    )
