"""The one HTTP edge of the pipeline: feeds (conditional GET) and article pages.

Everything that touches the network goes through :class:`Fetcher`, so the safety rules live in
one place:

* **Never raises** for network, HTTP or input problems: every outcome is a :class:`FetchResult`
  with ``error_kind`` set, so one bad URL cannot stop a cycle.
* **SSRF guard at connect time.** A custom httpcore network backend resolves the host, refuses
  the connection if *any* resolved address is private / loopback / link-local / multicast /
  reserved / unspecified (IPv4, IPv6, IPv4-mapped, 6to4, Teredo, NAT64) unless allowed by
  ``FetchPolicy.allow_private``, and then connects to the checked IP itself, so a second DNS
  answer (rebinding) cannot slip in between check and connect. Redirects are followed by hand,
  and every hop opens its connection through the same backend.
* **Bounded in time and memory.** ``total_timeout`` is a hard wall-clock budget for the whole
  :meth:`Fetcher.fetch` call (all attempts, redirects, back-off and body streaming). The body
  is decompressed by us, incrementally and with an output limit, so a gzip bomb stops at
  ``max_bytes`` after decompressing only about that much.
* **Polite.** A global semaphore, a per-host semaphore and a minimum delay between request
  starts to the same host.
"""

from __future__ import annotations

import asyncio
import codecs
import email.utils
import ipaddress
import random
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx

__all__ = [
    "BlockedAddressError",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "decode_body",
    "fetch_many_sync",
    "is_public_address",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Only what we can decompress ourselves with an output bound (see _BoundedDecoder).
ACCEPT_ENCODING = "gzip, deflate"
# Headers that must not follow a redirect to another origin.
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")
CHUNK = 64 * 1024


# ---------------------------------------------------------------------------------------------
# Policy and result


@dataclass(frozen=True)
class FetchPolicy:
    """How one cycle talks to the web. Tests shorten the timeouts and allow 127.0.0.0/8."""

    connect_timeout: float = 5.0
    total_timeout: float = 20.0  # wall-clock budget of one fetch(), incl. retries and body
    max_bytes: int = 5_000_000  # cap on the DECODED body
    max_redirects: int = 5
    retries: int = 2  # on 5xx, timeouts and connection errors only
    backoff_base: float = 0.5  # sleep ~ backoff_base * 2**n, with jitter
    concurrency: int = 16
    per_host_concurrency: int = 2
    per_host_delay: float = 0.0  # min seconds between request starts to one host
    allow_private: tuple[str, ...] = ()  # CIDRs or host names exempt from the SSRF guard
    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon)"
    ca_bundle: str | None = None  # PEM file of CAs trusted in addition to certifi's


@dataclass
class FetchResult:
    """The outcome of one fetch; ``error_kind`` is None on success.

    ``error_kind`` is one of "timeout", "too_large", "redirect_loop", "too_many_redirects",
    "blocked_address", "http_status", "connection", "invalid_url", "decompression".

    ``elapsed`` is the wall time of the whole fetch() call, including waiting for a slot.
    A body over ``max_bytes`` gives ``error_kind="too_large"`` and ``truncated=True``; ``body``
    then holds the first ``max_bytes`` decoded bytes (empty when the Content-Length alone was
    over the cap, since the body is then not read at all). ``status`` is the last HTTP status
    seen, if any; ``redirects`` lists the URLs redirected to, in order.
    """

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    error_kind: str | None = None
    truncated: bool = False
    elapsed: float = 0.0
    attempts: int = 0
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """2xx or 304, and nothing went wrong."""
        return self.error is None and self.status is not None and (
            200 <= self.status < 300 or self.status == 304
        )

    @property
    def not_modified(self) -> bool:
        """The server confirmed the caller's validators (conditional GET)."""
        return self.status == 304 and self.error is None

    def text(self) -> str:
        """The body as text, decoded with :func:`decode_body`."""
        return decode_body(self.body, self.headers.get("content-type"))


class FetchError(Exception):
    """An outcome that ends an attempt; carries the ``error_kind``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BlockedAddressError(Exception):
    """Raised by the guarded backend; deliberately not an OSError so httpcore won't remap it."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"refusing to connect to {host} ({address}): {reason} address")
        self.host = host
        self.address = address


# ---------------------------------------------------------------------------------------------
# SSRF guard


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one tunnels to (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _why_not_public(ip: IPAddress) -> str | None:
    """The reason an address must not be fetched from, or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = _why_not_public(inner)
            return f"IPv6-embedded {reason}" if reason else None
    for attr in ("is_unspecified", "is_loopback", "is_link_local", "is_multicast",
                 "is_reserved", "is_private"):
        if getattr(ip, attr):
            return attr.removeprefix("is_").replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


def is_public_address(address: str) -> bool:
    """True when ``address`` (an IP literal) is a public unicast address."""
    try:
        return _why_not_public(ipaddress.ip_address(address)) is None
    except ValueError:
        return False


class AddressGuard:
    """Decides whether a (host, IP) pair may be connected to, honouring ``allow_private``."""

    def __init__(self, allow: Sequence[str]) -> None:
        self.networks: list[IPNetwork] = []
        self.hosts: set[str] = set()
        for entry in allow:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self.hosts.add(_norm_host(entry))

    def _allowed_ip(self, ip: IPAddress) -> bool:
        candidates: list[IPAddress] = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(c in net for c in candidates for net in self.networks
                   if c.version == net.version)

    def check(self, host: str, address: str) -> None:
        """Raise :class:`BlockedAddressError` unless connecting to ``address`` is fine."""
        if _norm_host(host) in self.hosts:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        reason = _why_not_public(ip)
        if reason is not None and not self._allowed_ip(ip):
            raise BlockedAddressError(host, str(ip), reason)


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """The OS resolver (getaddrinfo in a worker thread): IP strings, in its order."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address, then connect to a checked IP (no second DNS lookup)."""

    def __init__(self, guard: AddressGuard, resolver: Resolver | None = None) -> None:
        self._guard = guard
        self._resolver = resolver or system_resolver
        self._inner = httpcore.AnyIOBackend()

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        try:
            addresses = await asyncio.wait_for(self._resolver(_norm_host(host), port), timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"DNS lookup of {host} failed: {exc}") from exc
        addresses = list(dict.fromkeys(addresses))
        if not addresses:
            raise httpcore.ConnectError(f"DNS lookup of {host} returned no address")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port, timeout)
        for address in addresses:  # all of them: one bad answer taints the name
            self._guard.check(host, address)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on :class:`GuardedBackend`.

    httpx has no public hook for the network backend, so we replace ``_pool`` (stable across
    httpx 0.2x; pinned < 1 in pyproject). ``trust_env=False``: a proxy would bypass the guard.
    """

    def __init__(self, guard: AddressGuard, limits: httpx.Limits,
                 ca_bundle: str | None = None, resolver: Resolver | None = None) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)  # certifi
        if ca_bundle:
            ssl_context.load_verify_locations(cafile=ca_bundle)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        if not hasattr(self, "_pool"):  # pragma: no cover - httpx internals changed
            raise RuntimeError("httpx.AsyncHTTPTransport has no _pool; update GuardedTransport")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard, resolver),
        )


# ---------------------------------------------------------------------------------------------
# Bounded decompression


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
            return self._obj.flush()
        except zlib.error as exc:
            raise FetchError("decompression", f"bad {self.encoding} data: {exc}") from exc


def _decoders(content_encoding: str | None) -> list[_BoundedDecoder]:
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


def _decode_through(decoders: Sequence[_BoundedDecoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    head, rest = decoders[0], decoders[1:]
    for piece in head.feed(data):
        yield from _decode_through(rest, piece)


def _flush_through(decoders: Sequence[_BoundedDecoder]) -> Iterator[bytes]:
    for i, decoder in enumerate(decoders):
        tail = decoder.flush()
        if tail:
            yield from _decode_through(decoders[i + 1:], tail)


# ---------------------------------------------------------------------------------------------
# Charset


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What browsers actually use for these labels (WHATWG Encoding): supersets, never narrower.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "big5": "big5hkscs",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
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
        m = pattern.search(head)
        if m:
            labels.append(m.group(1).decode("ascii", "ignore"))
    return list(dict.fromkeys(c for c in map(_codec, labels) if c))


# Legacy encodings by how common they are on the web, for breaking detection ties.
_WEB_RANK = {name: rank for rank, name in enumerate((
    "cp1252", "cp1251", "gb18030", "cp932", "shift_jis", "euc_jp", "cp949", "euc_kr",
    "big5hkscs", "big5", "cp1250", "cp1256", "cp1253", "cp1254", "cp1255", "cp1257",
    "koi8-r", "cp874", "iso8859-15", "iso8859-2",
))}


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
    tied = [m for m in matches
            if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.1]
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
            return body[len(bom):].decode(codec, errors="replace")
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


# ---------------------------------------------------------------------------------------------
# Fetcher


class _HostGate:
    """Per-host politeness: at most N in flight, and a minimum gap between request starts."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self._delay = delay
        self._lock = asyncio.Lock()
        self._last_start = float("-inf")

    async def wait_turn(self) -> None:
        if self._delay <= 0:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            wait = self._last_start + self._delay - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start = loop.time()


@dataclass
class _Hop:
    """One request/response of a redirect chain, body already read (or refused)."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False


@dataclass
class _Attempt:
    """The outcome of one attempt (a whole redirect chain)."""

    final_url: str
    redirects: list[str]
    hop: _Hop | None = None
    kind: str | None = None
    message: str | None = None
    final: bool = False  # retrying cannot help (e.g. a certificate that does not verify)


# raw_host is IDNA-encoded already; IPv6 literals come without brackets.
_HOST_CHARS = re.compile(r"[A-Za-z0-9_.\-]+|[0-9A-Fa-f:.]+")


def _validate_url(url: Any) -> httpx.URL:
    if not isinstance(url, str) or not url.strip():
        raise FetchError("invalid_url", f"not a URL: {url!r}")
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError("invalid_url", f"invalid URL {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchError("invalid_url", f"unsupported scheme in {url!r} (http/https only)")
    if not parsed.host:
        raise FetchError("invalid_url", f"no host in {url!r}")
    if not _HOST_CHARS.fullmatch(parsed.raw_host.decode("ascii", "replace")):
        raise FetchError("invalid_url", f"invalid host in {url!r}")
    return parsed


def _host_key(url: httpx.URL) -> str:
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds asked for by a Retry-After header (delta or HTTP date)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except Exception:  # noqa: BLE001 - a malformed header just means "no hint"
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _classify(exc: BaseException) -> tuple[str, str]:
    """Map an exception from one attempt to (error_kind, message)."""
    if isinstance(exc, FetchError):
        return exc.kind, str(exc)
    if isinstance(exc, BlockedAddressError):
        return "blocked_address", str(exc)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout", f"timed out ({type(exc).__name__}) {exc}".strip()
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "invalid_url", str(exc)
    if isinstance(exc, httpx.DecodingError):
        return "decompression", str(exc)
    return "connection", f"{type(exc).__name__}: {exc}"


def _is_cert_error(exc: BaseException) -> bool:
    """A TLS verification failure somewhere in the exception chain."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ssl.SSLCertVerificationError):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


RETRYABLE_KINDS = frozenset({"timeout", "connection"})


class Fetcher:
    """Async fetcher for one cycle: one connection pool, shared politeness state.

    Use as ``async with Fetcher(policy) as f: results = await f.fetch_many(...)``.
    """

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),  # noqa: B008 - frozen dataclass
        *,
        resolver: Resolver | None = None,
    ) -> None:
        """``resolver`` replaces the OS resolver (tests, custom DNS); its answers are checked."""
        self.policy = policy
        self._guard = AddressGuard(policy.allow_private)
        limits = httpx.Limits(
            max_connections=None,  # our semaphores bound concurrency; no pool timeouts
            max_keepalive_connections=max(1, policy.concurrency),
        )
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(self._guard, limits, policy.ca_bundle, resolver),
            timeout=httpx.Timeout(policy.total_timeout, connect=policy.connect_timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        self._global = asyncio.Semaphore(max(1, policy.concurrency))
        self._hosts: dict[str, _HostGate] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def _gate(self, url: httpx.URL) -> _HostGate:
        key = _host_key(url)
        gate = self._hosts.get(key)
        if gate is None:
            gate = _HostGate(self.policy.per_host_concurrency, self.policy.per_host_delay)
            self._hosts[key] = gate
        return gate

    async def fetch_many(
        self, requests: Sequence[tuple[str, Mapping[str, str] | None]]
    ) -> list[FetchResult]:
        """Fetch all concurrently (within the policy's bounds); results in request order."""
        outcomes = await asyncio.gather(
            *(self.fetch(url, headers) for url, headers in requests), return_exceptions=True
        )
        results = []
        for (url, _), outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, FetchResult):
                results.append(outcome)
            elif isinstance(outcome, Exception):  # should not happen: fetch() catches all
                results.append(FetchResult(url=str(url), final_url=str(url),
                                           error=repr(outcome), error_kind="connection"))
            else:  # a BaseException such as CancelledError must propagate
                raise outcome
        return results

    async def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> FetchResult:
        """GET ``url`` under the policy. Never raises for network, HTTP or input problems."""
        started = time.monotonic()
        result = FetchResult(url=str(url), final_url=str(url))
        try:
            parsed = _validate_url(url)
            extra = self._clean_headers(headers)
        except FetchError as exc:
            result.error, result.error_kind = str(exc), exc.kind
            result.elapsed = time.monotonic() - started
            return result
        async with self._global:
            await self._fetch_with_retries(parsed, extra, result)
        result.elapsed = time.monotonic() - started
        return result

    @staticmethod
    def _clean_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
        """Caller headers, minus Accept-Encoding (we can only decode what we announce)."""
        try:
            items = dict(headers or {}).items()
            clean = {str(k): str(v) for k, v in items if str(k).lower() != "accept-encoding"}
        except (TypeError, ValueError) as exc:
            raise FetchError("invalid_url", f"bad request headers: {exc}") from exc
        for key, value in clean.items():
            if any(c in key + value for c in "\r\n\0") or not (key + value).isascii():
                raise FetchError("invalid_url", f"bad request header {key!r}")
        return clean

    async def _fetch_with_retries(
        self, url: httpx.URL, headers: dict[str, str], result: FetchResult
    ) -> None:
        """Attempt, back off and retry within one wall-clock budget; fill ``result``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.total_timeout
        attempt = _Attempt(final_url=str(url), redirects=[])
        for n in range(self.policy.retries + 1):
            result.attempts = n + 1
            attempt = await self._attempt_until(url, headers, deadline)
            delay = self._retry_delay(attempt, n)
            if delay is None or loop.time() + delay >= deadline:
                break
            await asyncio.sleep(delay)
        _fill(result, attempt)

    def _retry_delay(self, attempt: _Attempt, n: int) -> float | None:
        """Seconds to wait before retrying, or None when this outcome is final."""
        if n >= self.policy.retries:
            return None
        hop = attempt.hop
        server_error = attempt.kind == "http_status" and hop is not None and hop.status >= 500
        if attempt.final or not (server_error or attempt.kind in RETRYABLE_KINDS):
            return None
        delay = self.policy.backoff_base * 2**n * random.uniform(0.5, 1.5)
        asked = _retry_after(hop.headers) if hop is not None else None
        return max(delay, asked) if asked is not None else delay

    async def _attempt_until(
        self, url: httpx.URL, headers: dict[str, str], deadline: float
    ) -> _Attempt:
        """One attempt, cut off at ``deadline`` whatever the server does."""
        attempt = _Attempt(final_url=str(url), redirects=[])
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                await self._follow(url, headers, attempt)
        except TimeoutError:
            attempt.kind = "timeout"
            attempt.message = (
                f"no complete response within total_timeout={self.policy.total_timeout}s"
            )
        except Exception as exc:  # noqa: BLE001 - fetch() must never raise on network trouble
            attempt.kind, attempt.message = _classify(exc)
            attempt.final = _is_cert_error(exc)
            attempt.hop = getattr(exc, "hop", None) or attempt.hop
        return attempt

    async def _follow(self, url: httpx.URL, headers: dict[str, str], attempt: _Attempt) -> None:
        """Follow redirects by hand, so every hop goes through the guard and the gates."""
        seen = {str(url.copy_with(fragment=None))}
        current = url
        while True:
            hop = await self._one_hop(current, headers, attempt)
            if hop.status not in REDIRECT_STATUSES:
                break
            location = hop.headers.get("location", "").strip()
            if not location:
                break
            try:
                target = _validate_url(str(current.join(location)))
            except (httpx.InvalidURL, ValueError) as exc:
                raise FetchError("invalid_url", f"bad redirect Location {location!r}") from exc
            target = target.copy_with(fragment=None)
            if str(target) in seen:
                raise FetchError("redirect_loop", f"redirect loop: {current} -> {target}")
            if len(attempt.redirects) >= self.policy.max_redirects:
                raise FetchError(
                    "too_many_redirects",
                    f"more than {self.policy.max_redirects} redirects (next: {target})",
                )
            if (target.scheme, target.host, target.port) != (current.scheme, current.host,
                                                             current.port):
                headers = {k: v for k, v in headers.items()
                           if k.lower() not in CREDENTIAL_HEADERS}
            seen.add(str(target))
            attempt.redirects.append(str(target))
            attempt.final_url = str(target)
            current = target
        _check_status(hop)

    async def _one_hop(self, url: httpx.URL, headers: dict[str, str], attempt: _Attempt) -> _Hop:
        """One request under the host gate; body read with the cap.

        ``attempt.hop`` is set as soon as the headers arrive, so a timeout while the body
        trickles in still reports the status.
        """
        gate = self._gate(url)
        async with gate.semaphore:
            await gate.wait_turn()
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                hop = _Hop(status=response.status_code,
                           headers={k.lower(): v for k, v in response.headers.items()})
                attempt.hop = hop
                await self._read(response, hop)
                return hop
            finally:
                await response.aclose()

    async def _read(self, response: httpx.Response, hop: _Hop) -> None:
        """Read the body, decoded, stopping at ``max_bytes``; refuse a too-long Content-Length."""
        headers = hop.headers
        if hop.status == 304 or hop.status in REDIRECT_STATUSES:
            return  # nothing worth reading; closing drops whatever was sent
        cap = self.policy.max_bytes
        length = headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > cap:
            hop.truncated = True
            raise _TooLarge(hop, f"Content-Length {length} exceeds max_bytes={cap}")
        decoders = _decoders(headers.get("content-encoding"))
        parts: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            for piece in _decode_through(decoders, raw):
                size = _append_capped(parts, piece, size, cap, hop)
        for piece in _flush_through(decoders):
            size = _append_capped(parts, piece, size, cap, hop)
        hop.body = b"".join(parts)


class _TooLarge(FetchError):
    """Over the cap; carries the hop so the truncated body and headers are kept."""

    def __init__(self, hop: _Hop, message: str) -> None:
        super().__init__("too_large", message)
        self.hop = hop


def _append_capped(parts: list[bytes], piece: bytes, size: int, cap: int, hop: _Hop) -> int:
    """Add ``piece`` to the body; on crossing the cap keep the prefix and stop the read."""
    if size + len(piece) > cap:
        parts.append(piece[: cap - size])
        hop.body = b"".join(parts)
        hop.truncated = True
        raise _TooLarge(hop, f"body exceeds max_bytes={cap} (decoded)")
    parts.append(piece)
    return size + len(piece)


def _check_status(hop: _Hop) -> None:
    """Turn a final non-success status into an http_status outcome."""
    if 200 <= hop.status < 300 or hop.status == 304:
        return
    if hop.status in REDIRECT_STATUSES:
        raise _StatusError(hop, f"HTTP {hop.status} redirect without Location")
    raise _StatusError(hop, f"HTTP {hop.status}")


class _StatusError(FetchError):
    def __init__(self, hop: _Hop, message: str) -> None:
        super().__init__("http_status", message)
        self.hop = hop


def _fill(result: FetchResult, attempt: _Attempt) -> None:
    """Copy the last attempt's outcome into the public result."""
    result.final_url = attempt.final_url
    result.redirects = list(attempt.redirects)
    result.error, result.error_kind = attempt.message, attempt.kind
    hop = attempt.hop
    if hop is not None:
        result.status, result.headers = hop.status, hop.headers
        result.body, result.truncated = hop.body, hop.truncated
        if hop.status == 304:
            result.body = b""


def fetch_many_sync(
    requests: Sequence[tuple[str, Mapping[str, str] | None]],
    policy: FetchPolicy = FetchPolicy(),  # noqa: B008 - frozen dataclass
) -> list[FetchResult]:
    """Blocking :meth:`Fetcher.fetch_many` for sync callers (runs its own event loop).

    Called from inside a running event loop, it runs in a helper thread instead of failing.
    """

    async def run() -> list[FetchResult]:
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch_many(requests)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    box: list[list[FetchResult]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            box.append(asyncio.run(run()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=worker, name="fetch_many_sync")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]
