"""Near-duplicate signatures: syndicated copies match, different stories do not."""

from __future__ import annotations

from pipeline.ingest.simhash import bands, is_near_duplicate, simhash, to_hex
from tests.support.paths import FIXTURES


def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("articles/aeb/*.txt"))]


def test_copy_with_an_edited_sentence_is_near_and_shares_a_band():
    hits = 0
    for text in texts()[:30]:
        words = text.split()
        if len(words) < 300:
            continue
        edited = " ".join(words[:100] + ["Officials", "declined", "to", "comment."] + words[100:])
        a, b = simhash(text), simhash(edited)
        assert is_near_duplicate(a, b), (len(words), bin(a ^ b).count("1"))
        assert set(bands(a)) & set(bands(b))
        hits += 1
    assert hits >= 10


def test_different_articles_are_not_near():
    signatures = [simhash(t) for t in texts()]
    signatures = [s for s in signatures if s is not None]
    pairs = [(a, b) for i, a in enumerate(signatures) for b in signatures[i + 1 :]]
    assert len(pairs) > 500
    assert not any(is_near_duplicate(a, b) for a, b in pairs)


def test_short_text_has_no_signature_and_hex_roundtrip():
    assert simhash("too short") is None
    value = simhash(texts()[0])
    assert is_near_duplicate(to_hex(value), value)
