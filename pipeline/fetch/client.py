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
* **A connection pool per host** (host:port), each a :class:`GuardedTransport` pool on the
  guarded backend, all sharing one TLS context; idle pools are bounded (see :class:`Fetcher`).

The pieces live next to this module: ``result`` (policy and result records), ``guard`` (the
SSRF guard), ``decompress`` (bounded decompression), ``charset`` (bytes to text).
"""

from __future__ import annotations

import asyncio
import copy
import email.utils
import random
import re
import ssl
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from typing import Any

import httpcore
import httpx

from pipeline.fetch.decompress import ACCEPT_ENCODING, decode_through, decoders_for, flush_through
from pipeline.fetch.guard import (
    AddressGuard,
    BlockedAddressError,
    GuardedBackend,
    GuardedTransport,
    Resolver,
)
from pipeline.fetch.result import FetchError, FetchErrorKind, FetchPolicy, FetchResult

__all__ = ["FetchErrorKind", "FetchPolicy", "FetchResult", "Fetcher"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another origin.
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")


class _HostGate:
    """One host key: politeness (at most N in flight, a minimum gap between request starts) and
    the host's own connection pool (``client``, opened on demand, see :meth:`Fetcher._checkout`).

    The gate lives as long as the Fetcher, so politeness holds even after the pool was closed.
    """

    def __init__(self, key: str, concurrency: int, delay: float) -> None:
        self.key = key
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self._delay = delay
        self._lock = asyncio.Lock()
        self._last_start = float("-inf")
        self.client: httpx.AsyncClient | None = None
        self.in_flight = 0  # requests on ``client`` now

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
    """Async fetcher for one cycle: a connection pool per host, shared politeness state.

    Use as ``async with Fetcher(policy) as f: results = await f.fetch_many(...)``.

    Each host key (host:port) gets its own httpx client and pool, sized to
    ``per_host_concurrency``: httpcore scans every connection of a pool at each request start
    and end, so one pool for all hosts made that scan O(all connections) per request (about
    half of the fetch CPU of a 500-feed poll; encode/httpcore#1035). Every pool is a
    :class:`GuardedTransport`'s pool on the same :class:`GuardedBackend` (so every connection
    passes the SSRF guard) and shares one TLS context, built once (a context costs ~27 ms and
    ~0.7 MB); the clients share one cookie jar, so cookies behave as with one client. Idle
    keep-alive stays bounded as with one pool: at most ``concurrency // per_host_concurrency``
    hosts with nothing in flight keep their pool (least recently used closed first), i.e.
    about ``concurrency`` idle connections. A 304 is read to its (empty) end, so its
    connection is reused.
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
        per_host = max(1, policy.per_host_concurrency)
        self._limits = httpx.Limits(
            max_connections=None,  # our semaphores bound concurrency; no pool timeouts
            max_keepalive_connections=per_host,
        )
        # The guarded transport every host's transport is a sibling of (TLS context, backend).
        self._transport = GuardedTransport(self._guard, self._limits, policy.ca_bundle, resolver)
        self._timeout = httpx.Timeout(policy.total_timeout, connect=policy.connect_timeout)
        self._cookies = CookieJar()  # one jar for every host's client, as with one client
        self._headers = {"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
        self._global = asyncio.Semaphore(max(1, policy.concurrency))
        self._hosts: dict[str, _HostGate] = {}
        # Hosts with an open pool and nothing in flight, least recently used first.
        self._idle: OrderedDict[str, _HostGate] = OrderedDict()
        self._idle_budget = max(1, max(1, policy.concurrency) // per_host)
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every host's connection pool."""
        self._closed = True
        clients = [gate.client for gate in self._hosts.values() if gate.client is not None]
        for gate in self._hosts.values():
            gate.client = None
        self._idle.clear()
        for client in clients:
            await client.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        await self._transport.aclose()

    def _gate(self, url: httpx.URL) -> _HostGate:
        key = _host_key(url)
        gate = self._hosts.get(key)
        if gate is None:
            gate = _HostGate(key, self.policy.per_host_concurrency, self.policy.per_host_delay)
            self._hosts[key] = gate
        return gate

    def _new_client(self) -> httpx.AsyncClient:
        """A client on a new pool of the guarded transport's kind (same TLS context, same guard)."""
        # httpx has no public hook for the pool (GuardedTransport replaces ``_pool`` the same
        # way): the copy is a GuardedTransport whose pool is new, with the TLS context and the
        # guarded network backend of the one built in __init__.
        shared = self._transport._pool
        if not isinstance(shared._network_backend, GuardedBackend):  # pragma: no cover
            raise RuntimeError("GuardedTransport's pool is not on GuardedBackend; update Fetcher")
        transport = copy.copy(self._transport)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=shared._ssl_context,
            max_connections=self._limits.max_connections,
            max_keepalive_connections=self._limits.max_keepalive_connections,
            keepalive_expiry=self._limits.keepalive_expiry,
            network_backend=shared._network_backend,
        )
        return httpx.AsyncClient(
            transport=transport,
            cookies=self._cookies,
            timeout=self._timeout,
            follow_redirects=False,
            trust_env=False,
            headers=self._headers,
        )

    def _checkout(self, gate: _HostGate) -> httpx.AsyncClient:
        """The host's client for one request (opened if needed); pair with :meth:`_checkin`."""
        if self._closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        if gate.client is None:
            gate.client = self._new_client()
        self._idle.pop(gate.key, None)
        gate.in_flight += 1
        return gate.client

    def _checkin(self, gate: _HostGate) -> None:
        """One request on the host's client is over; close the least recently used idle pools
        beyond the budget (in the background: never tied to this request's cancellation)."""
        gate.in_flight -= 1
        if gate.in_flight or gate.client is None:
            return
        self._idle[gate.key] = gate
        while len(self._idle) > self._idle_budget:
            _, oldest = self._idle.popitem(last=False)
            client, oldest.client = oldest.client, None
            if client is not None:
                task = asyncio.get_running_loop().create_task(client.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def fetch_many(self, requests: Sequence[tuple[str, Mapping[str, str] | None]]) -> list[FetchResult]:
        """Fetch all concurrently (within the policy's bounds); results in request order."""
        outcomes = await asyncio.gather(
            *(self.fetch(url, headers) for url, headers in requests), return_exceptions=True
        )
        results = []
        for (url, _), outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, FetchResult):
                results.append(outcome)
            elif isinstance(outcome, Exception):  # should not happen: fetch() catches all
                results.append(
                    FetchResult(
                        url=str(url),
                        final_url=str(url),
                        error=repr(outcome),
                        error_kind=FetchErrorKind.CONNECTION,
                    )
                )
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

    async def _fetch_with_retries(self, url: httpx.URL, headers: dict[str, str], result: FetchResult) -> None:
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
        delay: float = self.policy.backoff_base * 2**n * random.uniform(0.5, 1.5)
        asked = _retry_after(hop.headers) if hop is not None else None
        return max(delay, asked) if asked is not None else delay

    async def _attempt_until(self, url: httpx.URL, headers: dict[str, str], deadline: float) -> _Attempt:
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
            attempt.message = f"no complete response within total_timeout={self.policy.total_timeout}s"
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
            if (target.scheme, target.host, target.port) != (current.scheme, current.host, current.port):
                headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
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
            client = self._checkout(gate)
            try:
                request = client.build_request("GET", url, headers=headers)
                response = await client.send(request, stream=True)
                try:
                    hop = _Hop(
                        status=response.status_code,
                        headers={k.lower(): v for k, v in response.headers.items()},
                    )
                    attempt.hop = hop
                    await self._read(response, hop)
                    return hop
                finally:
                    await response.aclose()
            finally:
                self._checkin(gate)

    async def _read(self, response: httpx.Response, hop: _Hop) -> None:
        """Read the body, decoded, stopping at ``max_bytes``; refuse a too-long Content-Length."""
        headers = hop.headers
        if hop.status == 304:
            # A 304 has no body (HTTP/1.1 ends it at the blank line, whatever its headers say):
            # reading that nothing returns the connection to the pool instead of closing it.
            async for _ in response.aiter_raw():
                pass
            return
        if hop.status in REDIRECT_STATUSES:
            return  # nothing worth reading; closing drops whatever was sent
        cap = self.policy.max_bytes
        length = headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > cap:
            hop.truncated = True
            raise _TooLarge(hop, f"Content-Length {length} exceeds max_bytes={cap}")
        decoders = decoders_for(headers.get("content-encoding"))
        parts: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            for piece in decode_through(decoders, raw):
                size = _append_capped(parts, piece, size, cap, hop)
        for piece in flush_through(decoders):
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
    result.error = attempt.message
    result.error_kind = FetchErrorKind(attempt.kind) if attempt.kind else None
    hop = attempt.hop
    if hop is not None:
        result.status, result.headers = hop.status, hop.headers
        result.body, result.truncated = hop.body, hop.truncated
        if hop.status == 304:
            result.body = b""
