"""What a fetch is asked to respect (:class:`FetchPolicy`) and what it returns (:class:`FetchResult`).

Plain records with no I/O. ``FetchPolicy``'s defaults are the product defaults, the only place
they are defined: ``config/newsmon.yaml`` keys override them field by field
(``pipeline.config.FETCH_SETTINGS``). ``FetchResult.error_kind`` is a :class:`FetchErrorKind`
(a ``StrEnum``: its values are the strings stored in Elasticsearch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pipeline.fetch.charset import decode_body


class FetchErrorKind(StrEnum):
    """Why a fetch failed."""

    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    BLOCKED_ADDRESS = "blocked_address"
    HTTP_STATUS = "http_status"
    CONNECTION = "connection"
    INVALID_URL = "invalid_url"
    DECOMPRESSION = "decompression"


@dataclass(frozen=True)
class FetchPolicy:
    """How one cycle talks to the web; these defaults are the product's (tests shorten them)."""

    connect_timeout: float = 5.0
    total_timeout: float = 20.0  # wall-clock budget of one fetch(), incl. retries and body
    max_bytes: int = 5_000_000  # cap on the DECODED body
    max_redirects: int = 5
    retries: int = 2  # on 5xx, timeouts and connection errors only
    backoff_base: float = 0.5  # sleep ~ backoff_base * 2**n, with jitter
    concurrency: int = 16
    per_host_concurrency: int = 2
    per_host_delay: float = 0.5  # min seconds between request starts to one host
    allow_private: tuple[str, ...] = ()  # CIDRs or host names exempt from the SSRF guard
    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon)"
    ca_bundle: str | None = None  # PEM file of CAs trusted in addition to certifi's


@dataclass
class FetchResult:
    """The outcome of one fetch; ``error_kind`` is None on success.

    ``error_kind`` is a :class:`FetchErrorKind` (compares equal to its string value).

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
    error_kind: FetchErrorKind | None = None
    truncated: bool = False
    elapsed: float = 0.0
    attempts: int = 0
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """2xx or 304, and nothing went wrong."""
        return (
            self.error is None
            and self.status is not None
            and (200 <= self.status < 300 or self.status == 304)
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

    def __init__(self, kind: FetchErrorKind | str, message: str) -> None:
        super().__init__(message)
        self.kind = FetchErrorKind(kind)
