"""Where a reporting cue's source and content are: the cue's frame and the content finders.

`cue_frame` reads one reporting-cue verb's frame from the parse (its source, voice,
clausal complement, offsets); `CONTENT_FINDERS` are tried in order by
`pipeline.nlp.claims` and the first that answers gives the content: an agent frame, the
complement after the verb, a framed quotation (`quote_near`: quotes are paired at text
level, so a quote running over sentences is one), any complement, a nested that-clause,
a passive or object frame, an inverted headline frame, a parenthetical reporting clause,
a that-clause misattached to a listener verb's addressee, a clause fronted before a closing
`, X told us.`, or the bare words after a plain reporting verb. A chain of quotations
(`"A," and "B"`) never runs across a paragraph break. Pure functions of the parse and the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from spacy.tokens import Token

from pipeline.nlp import lexicons as lx
from pipeline.nlp.claim_syntax import (
    complement_of,
    cue_of,
    object_content,
    object_ok,
    passive_content,
    right_content,
    subject_of,
)
from pipeline.nlp.context import Context, Quote, Sentence, token_span, token_start


def quote_near(
    ctx: Context, verb_start: int, verb_end: int, sent: Sentence, subj_chars: int
) -> tuple[int, int] | None:
    """A quotation that the verb introduces or follows: `"A," he said` / `said: "A"`."""
    text = ctx.text
    # quote closing before the verb
    before = [q for q in ctx.quotes if q.close < verb_start and q.close >= sent.start - 1]
    if before:
        q = before[-1]
        gap = text[q.close + 1 : verb_start]
        if (
            len(gap) <= subj_chars + 30
            and not re.search(r"[\"“”.!?;]", gap)
            and (text[q.start : q.close].rstrip("’'")[-1:] in tuple(",!?—–-…") or gap.strip().startswith(","))
        ):  # `…?’” Holmes testified`
            content = (q.start, q.end)
            after = quote_after(ctx, verb_end, sent)
            if after and after.close <= sent.end + 1 and not _cue_between(sent, verb_end, after.open):
                content = (content[0], quote_chain_end(ctx, after))
            return content
    following = quote_after(ctx, verb_end, sent)
    if following is not None:
        return following.start, quote_chain_end(ctx, following)
    return None


_INITIALS = re.compile(r"\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gov|Sen|Rep|Gen|Lt|Col|Capt)\.")


def _cue_between(sent: Sentence, start: int, end: int) -> bool:
    """Whether a reporting verb stands between two offsets: in `"A," she said, adding, "B."`
    B has a verb of its own, so it is not the rest of A (as in `"A," she said, "B."`)."""
    if sent.doc is None:
        return False
    return any(
        t.pos_ == "VERB" and cue_of(t) is not None and start <= token_start(sent, t) < end
        for t in sent.view().toks
    )


def quote_after(ctx: Context, verb_end: int, sent: Sentence) -> Quote | None:
    for q in ctx.quotes:
        if verb_end <= q.open < sent.end:
            # initials and abbreviations (`in Concord, N.H.,`) end no sentence
            gap = _INITIALS.sub("", ctx.text[verb_end : q.open])
            if len(gap) <= 60 and re.fullmatch(r"[^\"“”.!?;]*[,:]\s*", gap):
                return q
            return None
    return None


def quote_chain_end(ctx: Context, q: Quote) -> int:
    """Extend over `"A," and "B"` chains of quotes."""
    end = q.end
    idx = ctx.quotes.index(q)
    for nxt in ctx.quotes[idx + 1 :]:
        gap = ctx.text[end + 1 : nxt.open]
        if "\n" in gap:
            break  # a quotation opening a new paragraph is not chained to this one
        if re.fullmatch(r"\s*(?:,|and|or|,\s*and)?\s*", gap):
            end = nxt.end
        else:
            break
    return end


@dataclass
class CueFrame:
    """What the veto and the content finders know about one reporting-cue verb."""

    ctx: Context
    sent: Sentence
    verb: Token
    lemma: str
    particle: str | None
    subj: Token | None  # the source: the verb's subject, or the agent of a passive frame
    passive: bool
    own_passive: bool  # the verb's own voice, before an agent-bearing `acl` makes it passive
    agent_acl: bool  # `a report written by X`: a participle modifier with a `by` agent
    comp: Token | None  # the verb's clausal complement, if any
    v_start: int
    v_end: int
    subj_chars: int  # length of the source phrase: how far a quote may sit before the verb


def cue_frame(ctx: Context, sent: Sentence, verb: Token, cue: str) -> CueFrame:
    lemma = cue.split()[0]
    particle = cue.split()[1] if " " in cue else None
    subj, own_passive = subject_of(verb)
    passive = own_passive
    agent_acl = verb.dep_ == "acl" and any(c.dep_ == "agent" for c in verb.children)
    if agent_acl:
        agent = next(c for c in verb.children if c.dep_ == "agent")
        pobj = [g for g in agent.children if g.dep_ == "pobj"]
        subj, passive = (pobj[0] if pobj else None), True
    v_start = token_start(sent, verb)
    return CueFrame(
        ctx=ctx,
        sent=sent,
        verb=verb,
        lemma=lemma,
        particle=particle,
        subj=subj,
        passive=passive,
        own_passive=own_passive,
        agent_acl=agent_acl,
        comp=complement_of(verb),
        v_start=v_start,
        v_end=v_start + len(verb.text),
        subj_chars=len(" ".join(t.text for t in subj.subtree)) if subj is not None else 0,
    )


class Content(NamedTuple):
    """A content span found for a cue; `quote` when it is a quotation the cue frames."""

    start: int
    end: int
    quote: bool = False


def _span_content(f: CueFrame, toks: list[Token]) -> Content:
    return Content(*token_span(f.sent, toks))


def _agent_frame_content(f: CueFrame) -> Content | None:
    """`the claims made by X`: what the participle modifies, up to it."""
    if not f.agent_acl:
        return None
    toks = [t for t in f.verb.head.subtree if t.i < f.verb.i]
    return _span_content(f, toks) if toks else None


def _complement_after(f: CueFrame) -> Content | None:
    """The clausal complement after the verb, with what follows it in the verb's phrase;
    a reporting verb's complement starting inside a quotation is left to `_framed_quote`."""
    comp, verb = f.comp, f.verb
    if comp is None or comp.i <= verb.i:
        return None
    ctoks = list(comp.subtree)
    for c in verb.children:
        if c.i > comp.i and c.dep_ not in ("conj", "cc", "advcl", "parataxis", "punct"):
            ctoks.extend(c.subtree)
    c0, c1 = token_span(f.sent, ctoks)
    if f.ctx.quote_at(c0 + 1) is None or f.lemma not in lx.SPEECH_VERBS:
        return Content(c0, c1)
    return None


def _framed_quote(f: CueFrame) -> Content | None:
    """A quotation the verb introduces or follows: `"A," he said` / `said: "A"`."""
    if not (f.lemma in lx.SPEECH_VERBS or f.lemma in ("chant", "call")):
        return None
    near = quote_near(f.ctx, f.v_start, f.v_end, f.sent, f.subj_chars)
    return Content(*near, quote=True) if near is not None else None


def _any_complement(f: CueFrame) -> Content | None:
    """The clausal complement wherever it stands."""
    return _span_content(f, list(f.comp.subtree)) if f.comp is not None else None


def _nested_that_clause(f: CueFrame) -> Content | None:
    """`told a few thousand teachers who covered the lawn that ...`, `said in a statement
    that ...`: the that-clause was attached inside the object or the phrase."""
    lemma, verb = f.lemma, f.verb
    if not (lemma in lx.LISTENER_VERBS or lemma in lx.SPEECH_VERBS):
        return None
    deps = ("dobj", "dative") if lemma in lx.LISTENER_VERBS else ()
    inside = {t.i for c in verb.children if c.dep_ in (*deps, "prep") for t in c.subtree}
    deep = next(
        (
            t
            for t in verb.subtree
            if t.i in inside
            and t.dep_ in ("ccomp", "acl", "relcl")
            and t.i > verb.i
            and any(c.dep_ == "mark" and c.lower_ == "that" for c in t.children)
        ),
        None,
    )
    return _span_content(f, list(deep.subtree)) if deep is not None else None


def _passive_frame_content(f: CueFrame) -> Content | None:
    """`X was seen as Y` -> Y."""
    if not f.passive:
        return None
    toks = passive_content(f.verb)
    return _span_content(f, toks) if toks else None


def _object_frame_content(f: CueFrame) -> Content | None:
    """`condemned the move`, `pointed to the delays`: the object of an object-taking cue."""
    if not ((f.lemma in lx.OBJECT_VERBS or f.particle) and object_ok(f.verb, f.lemma, f.particle)):
        return None
    toks = object_content(f.verb, f.particle)
    return _span_content(f, toks) if toks else None


def _inverted_frame(f: CueFrame) -> Content | None:
    """Inverted headline frame: `X, says Medvedev` -> X."""
    if f.subj is None or f.subj.i <= f.verb.i:
        return None
    toks = f.sent.view().toks[: f.verb.i] if f.sent.doc is not None else []
    return _span_content(f, toks) if toks else None


def _parenthetical_frame(f: CueFrame) -> Content | None:
    """A reporting clause set inside what it reports: `Many of the prisons, she said, are
    aging` -> the clause it interrupts (its head's phrase without the parenthetical)."""
    verb = f.verb
    if verb.dep_ != "parataxis" or f.lemma not in lx.SPEECH_VERBS or f.comp is not None:
        return None
    if f.subj is None or f.subj.i > verb.i or verb.head.i == verb.i:
        return None
    skip = {t.i for t in verb.subtree}
    toks = [t for t in verb.head.subtree if t.i not in skip]
    if not toks or toks[0].i > verb.i or toks[-1].i < verb.i:
        return None  # the clause must stand on both sides of the parenthetical
    return _span_content(f, toks) if len(toks) >= 4 else None


def _addressee_that_clause(f: CueFrame) -> Content | None:
    """`tells the paper that he fought the man`: a listener verb's object is the addressee,
    and a `that` clause right after it is what was told (the ditransitive `tell X that S`);
    the parser made it a relative clause on the addressee. A clause whose `that` is its own
    subject (`told the crowd that gathered`) is a true relative clause and is left alone."""
    verb = f.verb
    if f.lemma not in lx.LISTENER_VERBS or f.comp is not None:
        return None
    for obj in verb.children:
        if obj.dep_ not in ("dobj", "dative") or obj.i < verb.i:
            continue
        for rel in obj.children:
            toks = list(rel.subtree)
            if rel.dep_ != "relcl" or toks[0].lower_ != "that" or toks[0].i != obj.i + 1:
                continue
            if not any(c.dep_ in ("nsubj", "nsubjpass") and c.i != toks[0].i for c in rel.children):
                continue
            return _span_content(f, toks[1:]) if len(toks) >= 4 else None
    return None


def _trailing_frame(f: CueFrame) -> Content | None:
    """`The rules are clear, an agency spokesman told us.`: a reporting clause set after a
    comma at the end of a sentence reports everything before the comma; the parser took the
    fronted clause for a modifier, so the verb has no complement."""
    verb, subj, lemma = f.verb, f.subj, f.lemma
    # the two plain reporting verbs; others (`added`, `testified`) have objects of their own
    if lemma not in ("say", "tell") or subj is None or f.comp is not None:
        return None
    if verb.dep_ != "ROOT" or subj.i > verb.i or f.passive:
        return None
    toks = f.sent.view().toks if f.sent.doc is not None else []
    first = min(t.i for t in subj.subtree)
    if first < 5 or toks[first - 1].text != ",":
        return None
    # a closing frame adds at most the addressee and a time: `told us`, `said on Monday`
    allowed = {"punct", "npadvmod", "advmod", "prep"} | ({"dobj", "dative"} if lemma == "tell" else set())
    if any(c.dep_ not in allowed for c in verb.children if c.i > verb.i):
        return None
    before = toks[: first - 1]
    if not any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in before):
        return None  # `For the case report, X told the tale`: a fronted phrase, not a clause
    return _span_content(f, before)


def _bare_right_content(f: CueFrame) -> Content | None:
    """What follows a plain reporting verb when the parser missed its complement."""
    if f.lemma not in lx.BARE_CONTENT_VERBS:
        return None
    toks = right_content(f.verb)
    return _span_content(f, toks) if len(toks) >= 4 else None


# Where a cue's content may be, tried in this order; the first finder with an answer wins.
CONTENT_FINDERS: tuple[Callable[[CueFrame], Content | None], ...] = (
    _agent_frame_content,
    _complement_after,
    _framed_quote,
    _any_complement,
    _nested_that_clause,
    _passive_frame_content,
    _object_frame_content,
    _inverted_frame,
    _parenthetical_frame,
    _addressee_that_clause,
    _trailing_frame,
    _bare_right_content,
)
