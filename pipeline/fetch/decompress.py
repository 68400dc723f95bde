"""Bounded, incremental decompression of HTTP bodies (gzip, x-gzip, deflate and raw deflate).

httpx's own decoders inflate a whole network chunk at once, so a small gzip bomb chunk can
become tens of megabytes. Here each Content-Encoding layer emits at most ``CHUNK`` bytes per
step, so the caller can stop at its size cap after decompressing only about that much.
Bad data or an unsupported encoding raises ``FetchError("decompression", ...)``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any

from pipeline.fetch.result import FetchError

# Only what we can decompress ourselves with an output bound (see _BoundedDecoder).
ACCEPT_ENCODING = "gzip, deflate"
CHUNK = 64 * 1024


class _BoundedDecoder:
    """One Content-Encoding layer that never emits more than ``CHUNK`` bytes per step.

    httpx's own decoders inflate a whole network chunk at once (a 64 KB gzip bomb chunk can
    be ~64 MB); zlib's ``max_length`` lets us stop as soon as the cap is reached.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._raw_deflate = False
        self._started = False
        self._obj = self._new()

    def _new(self) -> Any:
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield the decompressed output of ``data`` in bounded pieces."""
        try:
            yield from self._feed(data)
        except zlib.error as exc:
            if self.encoding == "deflate" and not self._raw_deflate and not self._started:
                # Some servers send raw deflate without the zlib header.
                self._raw_deflate = True
                self._obj = self._new()
                yield from self._feed(data)
                return
            raise FetchError("decompression", f"bad {self.encoding} data: {exc}") from exc

    def _feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            out = self._obj.decompress(data, CHUNK)
            if out:
                self._started = True
                yield out
            if self._obj.eof:
                data = self._obj.unused_data
                if not data.startswith(b"\x1f\x8b"):
                    return  # trailing junk after the stream: ignore it, as browsers do
                self._obj = self._new()  # concatenated gzip members: start the next one
                continue
            data = self._obj.unconsumed_tail

    def flush(self) -> bytes:
        try:
            tail: bytes = self._obj.flush()
        except zlib.error as exc:
            raise FetchError("decompression", f"bad {self.encoding} data: {exc}") from exc
        return tail


def decoders_for(content_encoding: str | None) -> list[_BoundedDecoder]:
    """Decoders to apply in order (the header lists encodings in the order they were applied)."""
    names = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    decoders = []
    for name in reversed(names):
        if name == "identity":
            continue
        if name not in ("gzip", "x-gzip", "deflate"):
            raise FetchError("decompression", f"unsupported Content-Encoding {name!r}")
        decoders.append(_BoundedDecoder(name))
    return decoders


def decode_through(decoders: Sequence[_BoundedDecoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    head, rest = decoders[0], decoders[1:]
    for piece in head.feed(data):
        yield from decode_through(rest, piece)


def flush_through(decoders: Sequence[_BoundedDecoder]) -> Iterator[bytes]:
    for i, decoder in enumerate(decoders):
        tail = decoder.flush()
        if tail:
            yield from decode_through(decoders[i + 1 :], tail)
