"""Canonical URLs and the content-derived ids built on them.

The article id is a hash of the canonical URL, so the same story reached through two feeds,
or with different tracking parameters, is one document and a re-run is a no-op. A feed item
without a link is its own article: its id is a hash of the feed id and the item's guid
(:func:`item_id`), or of the feed id, title and text when it has no guid either
(:func:`item_content_id`); both are stable across polls of an unchanged item. The
registrable domain (``bbc.co.uk`` for ``news.bbc.co.uk``) tells whether two URLs are one site.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import extract_domain, normalize_url

TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "ga_", "_hs", "hsa_", "oly_", "vero_", "at_")
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mkt_tok",
    "ref",
    "ref_src",
    "cmpid",
    "cmp",
    "ncid",
    "ocid",
    "icid",
    "smid",
    "sr_share",
    "share",
    "taid",
    "xtor",
    "__twitter_impression",
    "s_cid",
    "soc_src",
    "soc_trk",
    "spm",
    "CMP",
    "at_medium",
    "at_campaign",
}


def canonical_url(url: str) -> str:
    """Normalise a link: lower-case host, no fragment, no tracking parameters, sorted query."""
    url = url.strip()
    with contextlib.suppress(Exception):  # courlan rejects odd URLs; our own pass still runs
        url = normalize_url(url, strict=False, trailing_slash=True)
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    netloc = parts.netloc.lower()
    if netloc.endswith(":80") and parts.scheme == "http":
        netloc = netloc[:-3]
    if netloc.endswith(":443") and parts.scheme == "https":
        netloc = netloc[:-4]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def stable_id(*parts: str) -> str:
    """A short, deterministic document id from content parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]


def article_id(canonical: str) -> str:
    """The article id: a hash of its canonical URL."""
    return stable_id("article", canonical)


def item_id(feed_id: str, guid: str) -> str:
    """The article id of a link-less feed item: a hash of its feed and its guid (or id)."""
    return stable_id("item", feed_id, guid.strip())


def item_content_id(feed_id: str, title: str, text: str) -> str:
    """The article id of a feed item with neither link nor guid: a hash of feed, title and text."""
    return stable_id("item-content", feed_id, title.strip(), text.strip())


def feed_id(url: str) -> str:
    """The feed id: a hash of the feed's canonical URL."""
    return stable_id("feed", canonical_url(url))


def domain_of(url: str) -> str:
    """Host without ``www.``, for source facets."""
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def registrable_domain(url: str) -> str:
    """The domain an outlet registers, lower-case: ``https://news.bbc.co.uk/x`` -> ``bbc.co.uk``.

    From the Public Suffix List (courlan's ``tld`` data), so ``a.github.io`` and ``b.github.io``
    are two sites. An IP address, or a host with no public suffix (``localhost``, an intranet
    name), is its own domain; a URL without a host gives "".
    """
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:  # malformed authority (bad IPv6 literal, ...)
        return ""
    if not host:
        return ""
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).compressed
    return (extract_domain(f"http://{host}/") or host.removeprefix("www.")).lower()


def same_site(url: str, *others: str | None) -> bool:
    """Whether ``url`` is on the registrable domain of one of ``others`` (hostless never is)."""
    site = registrable_domain(url)
    return bool(site) and any(o and registrable_domain(o) == site for o in others)
