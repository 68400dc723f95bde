"""The one HTTP server of the tests, benchmarks and demo: a real server on a loopback address.

No mocks: the code under test talks TCP to it. Two uses, one class:

- a *site*: ``TestServer(root)`` serves a folder of real files at ``/`` (the seeds, the fixture
  feeds). ``{{BASE_URL}}`` in served files is replaced by the server's own address, so feed
  items can point at pages on the same server whatever port it got; ``overrides`` replaces or
  adds files by path; ETag (a hash of the served bytes) and a fixed Last-Modified are sent and
  honoured (304). Connections are kept alive, as real feed servers do.
- a *route table* for fault injection: ``srv.route("/ok", static(b"hello"))``, with the
  factories below (static bytes, status, redirect, hang, trickle, gzip bomb, big bodies,
  slow); ``srv.mount(prefix, folder)`` adds a folder under a prefix. Every response carries
  ``Connection: close`` unless the server keeps connections alive.

Every request is logged (``log``, ``requests(path)``, ``hits(path)``, ``max_concurrent``) so
tests can assert what was asked. Use it as a context manager or with ``start()``/``stop()``::

    with TestServer() as srv:
        srv.route("/ok", static(b"hello", content_type="text/plain"))
        url = srv.url("/ok")

``python -m tests.support.httpserver FOLDER --port N`` serves a folder until interrupted (the
demo serves seeds/ with it; the polling benchmark starts one per loopback host).

A handler is ``handler(req: Request, out: Responder) -> None``.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "LoggedRequest",
    "Responder",
    "TestServer",
    "big",
    "chunked",
    "directory",
    "gzip_bomb",
    "hang",
    "redirect",
    "slow",
    "static",
    "status",
    "trickle",
]

TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain",
    ".opml": "text/xml",
}
LAST_MODIFIED = 1_700_000_000  # one fixed date for every file: responses do not depend on checkouts


@dataclass
class LoggedRequest:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    started: float = field(default_factory=time.monotonic)
    body: bytes = b""  # what a request with Content-Length (a POST) sent


class Responder:
    """What a handler writes with; hides BaseHTTPRequestHandler's details."""

    def __init__(self, handler: BaseHTTPRequestHandler, server: TestServer) -> None:
        self.handler = handler
        self.server = server

    def head(self, status: int, headers: Iterable[tuple[str, str]] = ()) -> None:
        """Send the status line and headers (plus Connection: close unless kept alive)."""
        self.handler.send_response(status)
        for name, value in headers:
            self.handler.send_header(name, value)
        if not self.server.keep_alive:
            self.handler.send_header("Connection", "close")
        self.handler.end_headers()
        self.handler.wfile.flush()

    def write(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()

    def send(self, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> None:
        """A complete response with Content-Length."""
        hdrs = [h for h in headers if h[0].lower() != "content-length"]
        if status != 304 and not (100 <= status < 200) and status != 204:
            hdrs.append(("Content-Length", str(len(body))))
        self.head(status, hdrs)
        if body and status != 304 and self.handler.command != "HEAD":
            self.write(body)

    def chunk(self, data: bytes) -> None:
        """One chunk of a Transfer-Encoding: chunked body (empty data ends it)."""
        self.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    @property
    def stopping(self) -> threading.Event:
        return self.server.stopping


Request = LoggedRequest
Handler = Callable[[LoggedRequest, Responder], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.owner.dispatch(self)

    do_HEAD = do_GET  # noqa: N815
    do_POST = do_GET  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default (5) drops bursts of connections
    owner: TestServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response is what several tests do on purpose


class TestServer:
    """Threaded HTTP server on ``host``:``port`` (0: a free one) with routes, folders and a log.

    ``root`` serves that folder at ``/`` (a site, see the module docstring); ``tls=(certfile,
    keyfile)`` serves HTTPS; ``delay`` adds seconds to every response (simulated network
    latency); ``keep_alive`` defaults to True for a site and False for a route table.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        root: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: tuple[str, str] | None = None,
        delay: float = 0.0,
        keep_alive: bool | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else None
        self.host = host
        self.delay = delay
        self.keep_alive = self.root is not None if keep_alive is None else keep_alive
        self.routes: dict[str, Handler] = {}
        self.mounts: list[tuple[str, Handler]] = []
        self.overrides: dict[str, bytes] = {}  # path without the leading "/" -> bytes served
        self.log: list[LoggedRequest] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._active = 0
        self.max_concurrent = 0
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self.scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None
        if self.root is not None:
            self.mount("/", self.root)

    # -- lifecycle
    def start(self) -> TestServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases hanging / trickling handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The full URL of ``path`` ("/feed.xml" and "feed.xml" are the same)."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def route(self, path: str, handler: Handler) -> str:
        """Serve ``handler`` at exactly ``path`` (query ignored); returns the full URL."""
        self.routes[path] = handler
        return self.url(path)

    def route_prefix(self, prefix: str, handler: Handler) -> str:
        """Serve ``handler`` at every path under ``prefix`` (the longest prefix wins)."""
        self.mounts.append((prefix, handler))
        return self.url(prefix)

    def mount(self, prefix: str, root: Path | str) -> str:
        """Serve files under ``root`` at ``prefix`` (see :func:`directory`)."""
        return self.route_prefix(prefix, directory(root, prefix))

    def body(self, path: str) -> bytes | None:
        """What a GET of ``path`` under a mounted folder serves (override or file), else None."""
        for prefix, handler in self._by_prefix():
            if path.startswith(prefix) and isinstance(handler, Folder):
                return handler.content(self, path)
        return None

    # -- inspection
    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.log if r.path == path)

    def requests(self, path: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def reset(self) -> None:
        with self._lock:
            self.log.clear()
            self.max_concurrent = 0

    # -- serving
    def _by_prefix(self) -> list[tuple[str, Handler]]:
        return sorted(self.mounts, key=lambda m: -len(m[0]))

    def _find(self, path: str) -> Handler | None:
        if path in self.routes:
            return self.routes[path]
        for prefix, handler in self._by_prefix():
            if path.startswith(prefix):
                return handler
        return None

    def dispatch(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        req = LoggedRequest(
            method=h.command,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in h.headers.items()},
        )
        if h.command == "POST":
            req.body = h.rfile.read(int(req.headers.get("content-length") or 0))
        with self._lock:
            self.log.append(req)
            self._active += 1
            self.max_concurrent = max(self.max_concurrent, self._active)
        out = Responder(h, self)
        try:
            if self.delay:
                self.stopping.wait(self.delay)
            handler = self._find(req.path) or status(404)
            handler(req, out)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            h.close_connection = True  # the client gave up, which is often the point of the test
        finally:
            with self._lock:
                self._active -= 1
            if not self.keep_alive:
                h.close_connection = True


# ---------------------------------------------------------------------------------------------
# Handler factories


def static(
    body: bytes | str,
    content_type: str = "text/html; charset=utf-8",
    status: int = 200,
    headers: Iterable[tuple[str, str]] = (),
) -> Handler:
    """Fixed bytes; honours If-None-Match against an ETag given in ``headers``."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    extra = list(headers)
    etag = next((v for k, v in extra if k.lower() == "etag"), None)

    def handler(req: LoggedRequest, out: Responder) -> None:
        if etag and req.headers.get("if-none-match") == etag:
            out.send(304, headers=[("ETag", etag)])
            return
        out.send(status, data, [("Content-Type", content_type), *extra])

    return handler


def status(code: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> Handler:
    """A bare status code."""
    extra = list(headers)
    return lambda req, out: out.send(code, body, [("Content-Type", "text/plain"), *extra])


def redirect(location: str, code: int = 302) -> Handler:
    """A redirect to ``location`` (relative or absolute, sent as given)."""
    return lambda req, out: out.send(code, b"", [("Location", location)])


def hang(seconds: float = 30.0) -> Handler:
    """Accept the request and never answer (until ``seconds`` or server stop)."""

    def handler(req: LoggedRequest, out: Responder) -> None:
        out.stopping.wait(seconds)

    return handler


def slow(delay: float, body: bytes = b"ok") -> Handler:
    """Answer after ``delay`` seconds (for concurrency counting)."""

    def handler(req: LoggedRequest, out: Responder) -> None:
        out.stopping.wait(delay)
        out.send(200, body, [("Content-Type", "text/plain")])

    return handler


def trickle(interval: float = 0.1, chunk: bytes = b"x", count: int = 10_000) -> Handler:
    """Headers at once, then one small chunk every ``interval`` seconds: never finishes soon."""

    def handler(req: LoggedRequest, out: Responder) -> None:
        out.head(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
        for _ in range(count):
            if out.stopping.wait(interval):
                return
            out.chunk(chunk)
        out.chunk(b"")

    return handler


def big(size: int, with_length: bool = True, block: int = 64 * 1024) -> Handler:
    """``size`` bytes of 'a', with Content-Length or chunked; stops when the client hangs up."""

    def handler(req: LoggedRequest, out: Responder) -> None:
        data = b"a" * block
        if with_length:
            out.head(200, [("Content-Type", "text/plain"), ("Content-Length", str(size))])
        else:
            out.head(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
        sent = 0
        while sent < size and not out.stopping.is_set():
            piece = data[: min(block, size - sent)]
            out.write(piece) if with_length else out.chunk(piece)
            sent += len(piece)
        if not with_length:
            out.chunk(b"")

    return handler


def chunked(parts: Iterable[bytes], content_type: str = "text/plain") -> Handler:
    """A Transfer-Encoding: chunked body made of ``parts``."""
    pieces = list(parts)

    def handler(req: LoggedRequest, out: Responder) -> None:
        out.head(200, [("Content-Type", content_type), ("Transfer-Encoding", "chunked")])
        for piece in pieces:
            out.chunk(piece)
        out.chunk(b"")

    return handler


def gzip_bomb(decoded_size: int = 10_000_000) -> Handler:
    """``decoded_size`` zero bytes gzipped (~1000:1), sent with Content-Encoding: gzip."""
    payload = gzip.compress(b"\0" * decoded_size, compresslevel=9)

    def handler(req: LoggedRequest, out: Responder) -> None:
        out.send(200, payload, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])

    return handler


class Folder:
    """Handler serving the files under ``root`` at ``prefix`` (built by :func:`directory`).

    The served bytes are the server's override for the path, else the file (a folder serves its
    ``index.html``), with ``{{BASE_URL}}`` replaced by the server's address. The ETag is a hash
    of those bytes, so editing a file or an override changes it; Last-Modified is fixed. 304 on
    If-None-Match, or on If-Modified-Since when no If-None-Match is sent (RFC 9110).
    """

    def __init__(self, root: Path | str, prefix: str = "/") -> None:
        self.root = Path(root).resolve()
        self.prefix = prefix

    def content(self, server: TestServer, path: str) -> bytes | None:
        key = unquote(path).lstrip("/")
        if key in server.overrides:
            data = server.overrides[key]
        else:
            file = (self.root / unquote(path[len(self.prefix) :]).lstrip("/")).resolve()
            if file.is_dir():
                file = file / "index.html"
            if not file.is_relative_to(self.root) or not file.is_file():
                return None
            data = file.read_bytes()
        return data.replace(b"{{BASE_URL}}", server.base_url.encode())

    def __call__(self, req: LoggedRequest, out: Responder) -> None:
        data = self.content(out.server, req.path)
        if data is None:
            out.send(404, b"not found", [("Content-Type", "text/plain")])
            return
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        validators = [("ETag", etag), ("Last-Modified", email.utils.formatdate(LAST_MODIFIED, usegmt=True))]
        if _not_modified(req.headers, etag, LAST_MODIFIED):
            out.send(304, headers=validators)
            return
        ctype = TYPES.get(Path(req.path).suffix, "application/octet-stream")
        out.send(200, data, [("Content-Type", ctype), *validators])


def directory(root: Path | str, prefix: str = "/") -> Handler:
    """Serve files under ``root`` at ``prefix`` (see :class:`Folder`)."""
    return Folder(root, prefix)


def _not_modified(headers: dict[str, str], etag: str, mtime: int) -> bool:
    """RFC 9110: If-None-Match wins; otherwise If-Modified-Since (second resolution)."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
        return mtime <= since
    return False


def main() -> None:
    """``python -m tests.support.httpserver FOLDER --port N``: serve until interrupted."""
    parser = argparse.ArgumentParser(description="Serve a folder of files over HTTP (tests, demo).")
    parser.add_argument("root")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added per response")
    args = parser.parse_args()
    server = TestServer(Path(args.root), host=args.host, port=args.port, delay=args.delay).start()
    print(f"serving {args.root} at {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
