"""Bytes to text for fetched bodies: BOM, then UTF-8, then declared charsets, then detection.

:func:`decode_body` never raises; see its docstring for the order. Labels are mapped to what
browsers really use (WHATWG: ``iso-8859-1`` is read as cp1252, ``gb2312`` as gb18030 ...).
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What browsers actually use for these labels (WHATWG Encoding): supersets, never narrower.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:\-]+)["']""", re.I)


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Codecs declared by the Content-Type header, then the document's first 2 KB."""
    labels: list[str | None] = []
    if content_type:
        m = _CT_CHARSET.search(content_type)
        labels.append(m.group(1) if m else None)
    head = body[:2048]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        found = pattern.search(head)
        if found:
            labels.append(found.group(1).decode("ascii", "ignore"))
    return list(dict.fromkeys(c for c in map(_codec, labels) if c))


# Legacy encodings by how common they are on the web, for breaking detection ties.
_WEB_RANK = {
    name: rank
    for rank, name in enumerate(
        (
            "cp1252",
            "cp1251",
            "gb18030",
            "cp932",
            "shift_jis",
            "euc_jp",
            "cp949",
            "euc_kr",
            "big5hkscs",
            "big5",
            "cp1250",
            "cp1256",
            "cp1253",
            "cp1254",
            "cp1255",
            "cp1257",
            "koi8-r",
            "cp874",
            "iso8859-15",
            "iso8859-2",
        )
    )
}


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency, but optional here
        return None
    try:
        matches = list(from_bytes(body[:200_000]))
    except Exception:  # noqa: BLE001 - detection is a heuristic; never fail decoding on it
        return None
    if not matches:
        return None
    best = matches[0]
    # Short texts often tie (cp1250 vs cp1252 for French); break ties by what the web uses.
    tied = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.1]
    tied.sort(key=lambda m: _WEB_RANK.get(_codec(m.encoding) or "", len(_WEB_RANK)))
    return _codec(tied[0].encoding)


def _mostly_utf8(body: bytes) -> str | None:
    """UTF-8 text with a few stray bytes (a pasted cp1252 quote) decoded as UTF-8, else None.

    Legacy single-byte text almost never forms valid multi-byte UTF-8 sequences, so many valid
    sequences and few invalid bytes mean a UTF-8 page with damage, not another charset.
    """
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return text if good >= 8 and bad * 20 <= good else None


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text; never raises.

    Order: a BOM; then strictly valid non-ASCII UTF-8 wins over any declaration (pages that
    say GB2312 or ISO-8859-1 but are UTF-8 are common, while legacy text that happens to be
    valid UTF-8 is vanishingly rare), and so does UTF-8 with a few stray bytes; then the
    Content-Type charset and the <meta>/XML declaration, the first that decodes without
    error; then charset detection (charset_normalizer); finally the first declared codec or
    cp1252, with replacement.
    """
    if not body:
        return ""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    declared = _declared_charsets(body, content_type)
    if declared and declared[0].startswith(("utf-16", "utf-32")):
        return body.decode(declared[0], errors="replace")
    if body.isascii():
        return body.decode("ascii")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(body)
    if mostly is not None:
        return mostly
    for codec in declared:
        if codec == "utf-8":
            continue  # already known to fail strictly
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    detected = _detect(body)
    fallback = detected or (declared[0] if declared else "cp1252")
    try:
        return body.decode(fallback, errors="replace")
    except LookupError:  # pragma: no cover - codecs came from codecs.lookup
        return body.decode("cp1252", errors="replace")
