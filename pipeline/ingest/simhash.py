"""A cheap near-duplicate signature (64-bit SimHash over word shingles), computed at ingest.

The same wire story syndicated by several outlets differs in boiler-plate only; its SimHash
differs in a few bits. Four 16-bit bands are indexed as keywords so candidates are found with
a ``terms`` query, then confirmed by Hamming distance: no scripts, core Elasticsearch only.
Eight 8-bit bands: by the pigeonhole principle two signatures within 7 bits share a band, so
every pair within MAX_DISTANCE (6: one changed sentence in a wire story) is a candidate.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

WORD = re.compile(r"\w+", re.UNICODE)
BITS = 64
BANDS = 8
MAX_DISTANCE = 6


def _shingles(text: str, size: int = 3) -> list[str]:
    words = WORD.findall(text.lower())
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def simhash(text: str) -> int | None:
    """64-bit SimHash of ``text``; None for texts too short to compare."""
    shingles = _shingles(text)
    if len(shingles) < 8:
        return None
    digests = b"".join(hashlib.blake2b(s.encode(), digest_size=8).digest() for s in shingles)
    # One row of 64 bits per shingle (bit 0 = least significant); a bit is set in the
    # signature when more than half of the shingles have it set.
    values = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    bits = np.unpackbits(values.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    ones = bits.sum(axis=0, dtype=np.int64)
    set_bits = ones * 2 > len(shingles)
    return sum(1 << i for i in np.flatnonzero(set_bits).tolist())


def to_hex(value: int) -> str:
    """Fixed-width hex for storage as a keyword."""
    return f"{value:016x}"


def bands(value: int) -> list[str]:
    """Band keys: two signatures within MAX_DISTANCE bits share at least one band."""
    width = BITS // BANDS
    digits = width // 4
    return [f"{i}:{(value >> (i * width)) & ((1 << width) - 1):0{digits}x}" for i in range(BANDS)]


def distance(a: str | int, b: str | int) -> int:
    """Hamming distance between two signatures (ints or hex strings)."""
    x = int(a, 16) if isinstance(a, str) else a
    y = int(b, 16) if isinstance(b, str) else b
    return (x ^ y).bit_count()


def is_near_duplicate(a: str | int | None, b: str | int | None) -> bool:
    """True when both signatures exist and differ in at most MAX_DISTANCE bits."""
    return a is not None and b is not None and distance(a, b) <= MAX_DISTANCE
