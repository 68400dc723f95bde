"""Segmentation of article text: paragraphs, sentences, quotations and agency datelines.

Pure regex and string work on character offsets (no spaCy): the analyzer segments every
document this way and parses only the sentences its pre-filters mark as candidates.
Quotation marks are paired at text level, per paragraph, so that a quote running over
several sentences is one `Quote`.
"""

from __future__ import annotations

import re

from pipeline.nlp.context import Quote

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "gen",
    "sen",
    "rep",
    "gov",
    "lt",
    "col",
    "capt",
    "sgt",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "inc",
    "corp",
    "co",
    "ltd",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "ft",
    "mt",
    "fig",
    "approx",
    "dept",
    "est",
    "rev",
    "hon",
    "pres",
    "adm",
    "maj",
    "cmdr",
}
_SENT_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9…])")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans of non-blank lines; news bodies put one paragraph per line."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            start = m.start() + (len(m.group()) - len(m.group().lstrip()))
            spans.append((start, m.end() - (len(m.group()) - len(m.group().rstrip()))))
    return spans


# `…?” Holmes testified.`, `…!” said the minister.`: the attribution ends the sentence.
_ATTRIBUTION_AFTER_QUOTE = re.compile(
    r"\s+(?:(?:[A-Z][\w.'’-]*|the|a|an|[a-z]+-?[a-z]*)\s+){0,5}?"
    r"(?:said|says|told|asked|asks|added|adds|testified|wrote|writes|explained|recalled|replied"
    r"|insisted|warned|noted|stated|argued|claimed|continued|declared|responded|remarked"
    r"|tweeted|posted|shouted|yelled|exclaimed|wondered|demanded|urged|cautioned)\b"
    r"(?!\s+(?:that|the|a|an|it|he|she|they|we|his|her|their)\b)(?:[\s,]+[^.!?]{0,80})?[.!?]?\s*$"
)


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Regex sentence splitter for one paragraph; avoids parsing non-candidates."""
    spans = []
    cur = start
    chunk = text[start:end]
    for m in _SENT_END.finditer(chunk):
        stop = start + m.end()
        if (
            m.group()[-1] in "\"”’'"
            and m.group()[0] in "?!"
            and _ATTRIBUTION_AFTER_QUOTE.match(_next_clause(text, stop, end))
        ):
            continue
        before = text[cur : start + m.start()]
        word = re.search(r"([A-Za-z.]+)$", before)
        if word:
            w = word.group(1).lower().rstrip(".")
            if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                continue
        if stop - cur > 1:
            spans.append((cur, stop))
        cur = stop
        while cur < end and text[cur].isspace():
            cur += 1
    if cur < end:
        spans.append((cur, end))
    return [piece for span in spans for piece in _cap_length(text, *span)]


def _next_clause(text: str, pos: int, end: int) -> str:
    """The text from `pos` up to the next sentence end (or 120 characters)."""
    stop = min(end, pos + 120)
    m = re.search(r"[.!?]", text[pos:stop])
    return text[pos : pos + m.end()] if m else text[pos:stop]


MAX_SENTENCE_CHARS = 1500


def _cap_length(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut run-on 'sentences' (tables, lists, scraped junk) into bounded pieces at spaces."""
    out = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


# ------------------------------------------------------------------- quotes

QUOTE_CHARS = '"“”«»'
_QUOTE_RE = re.compile(f"[{QUOTE_CHARS}]")
# News-agency datelines: `WASHINGTON (AP) —`, `BEIRUT/THE HAGUE, March 7 (Reuters) -`.
DATELINE = re.compile(r"^[A-Z][A-Z .,/'’-]+(?:,[^()\n]{0,30})?\s*\([A-Za-z .]+\)\s*[—–-]+\s*")


def has_quote(sentence: str) -> bool:
    """True if the sentence holds a double quote mark of any style."""
    return bool(_QUOTE_RE.search(sentence))


def find_quotes(text: str, paragraphs: list[tuple[int, int]]) -> list[Quote]:
    """Pair double quote marks within each paragraph; unclosed quotes end at the paragraph end."""
    quotes: list[Quote] = []
    for pstart, pend in paragraphs:
        open_pos: int | None = None
        for m in _QUOTE_RE.finditer(text, pstart, pend):
            ch, pos = m.group(), m.start()
            if ch in "“«":
                opening = True
            elif ch in "”»":
                opening = False
            else:  # straight quote: decide by context, fall back to toggling
                prev = text[pos - 1] if pos > pstart else " "
                nxt = text[pos + 1] if pos + 1 < pend else " "
                if open_pos is None:
                    opening = not (prev.isalnum() and not nxt.isalnum()) or prev.isspace()
                else:
                    opening = False  # with a quote open, a straight mark closes it
            if opening:
                if open_pos is not None and pos - open_pos > 1:
                    quotes.append(Quote(open_pos, pos))
                open_pos = pos
            elif open_pos is not None:
                quotes.append(Quote(open_pos, pos))
                open_pos = None
        if open_pos is not None and pend - open_pos > 2:
            quotes.append(Quote(open_pos, pend))
    return quotes
