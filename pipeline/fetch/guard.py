"""SSRF guard at connect time: no connection to a private, loopback or otherwise non-public address.

A custom httpcore network backend resolves the host, refuses the connection if *any* resolved
address is private / loopback / link-local / multicast / reserved / unspecified (IPv4, IPv6,
IPv4-mapped, 6to4, Teredo, NAT64) unless allowed by ``FetchPolicy.allow_private``, and then
connects to the checked IP itself, so a second DNS answer (rebinding) cannot slip in between
check and connect. :class:`GuardedTransport` puts httpx's connection pool on that backend.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddressError(Exception):
    """Raised by the guarded backend; deliberately not an OSError so httpcore won't remap it."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"refusing to connect to {host} ({address}): {reason} address")
        self.host = host
        self.address = address


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
    for attr in (
        "is_unspecified",
        "is_loopback",
        "is_link_local",
        "is_multicast",
        "is_reserved",
        "is_private",
    ):
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
        return any(c in net for c in candidates for net in self.networks if c.version == net.version)

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
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on :class:`GuardedBackend`.

    httpx has no public hook for the network backend, so we replace ``_pool`` (stable across
    httpx 0.2x; pinned < 1 in pyproject). ``trust_env=False``: a proxy would bypass the guard.
    """

    def __init__(
        self,
        guard: AddressGuard,
        limits: httpx.Limits,
        ca_bundle: str | None = None,
        resolver: Resolver | None = None,
    ) -> None:
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
