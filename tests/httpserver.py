"""A small real HTTP server for tests: a route table on 127.0.0.1, run in a background thread.

No mocks: the fetcher under test talks TCP to this server. Use it as a context manager::

    with TestServer() as srv:
        srv.route("/ok", static(b"hello", content_type="text/plain"))
        srv.mount("/feeds/", Path("tests/fixtures"))      # a directory, with ETag / 304
        url = srv.url("/ok")
        ...
        srv.hits("/ok"); srv.log[-1].headers["if-none-match"]; srv.max_concurrent

A handler is ``handler(req: Request, out: Responder) -> None``; factories below build the
usual ones (static bytes, status, redirect, hang, trickle, gzip bomb, big bodies, slow).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import mimetypes
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "LoggedRequest", "Responder", "TestServer", "big", "chunked", "directory", "gzip_bomb",
    "hang", "redirect", "slow", "static", "status", "trickle",
]


@dataclass
class LoggedRequest:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    started: float = field(default_factory=time.monotonic)


class Responder:
    """What a handler writes with; hides BaseHTTPRequestHandler's details."""

    def __init__(self, handler: BaseHTTPRequestHandler, server: TestServer) -> None:
        self.handler = handler
        self.server = server

    def head(self, status: int, headers: Iterable[tuple[str, str]] = ()) -> None:
        """Send the status line and headers (Connection: close is always added)."""
        self.handler.send_response(status)
        for name, value in headers:
            self.handler.send_header(name, value)
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
        if body and status != 304:
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

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: TestServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response is what several tests do on purpose


class TestServer:
    """Threaded HTTP server on 127.0.0.1:<free port> with a route table and a request log."""

    __test__ = False  # not a pytest test class

    def __init__(self, host: str = "127.0.0.1", tls: tuple[str, str] | None = None) -> None:
        """``tls=(certfile, keyfile)`` serves HTTPS instead of HTTP."""
        self.routes: dict[str, Handler] = {}
        self.mounts: list[tuple[str, Handler]] = []
        self.log: list[LoggedRequest] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._active = 0
        self.max_concurrent = 0
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self
        self.scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> TestServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
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
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, handler: Handler) -> str:
        """Serve ``handler`` at exactly ``path`` (query ignored); returns the full URL."""
        self.routes[path] = handler
        return self.url(path)

    def mount(self, prefix: str, root: Path | str) -> str:
        """Serve files under ``root`` at ``prefix`` (see :func:`directory`)."""
        self.mounts.append((prefix, directory(root, prefix)))
        return self.url(prefix)

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
    def _find(self, path: str) -> Handler | None:
        if path in self.routes:
            return self.routes[path]
        for prefix, handler in sorted(self.mounts, key=lambda m: -len(m[0])):
            if path.startswith(prefix):
                return handler
        return None

    def dispatch(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        req = LoggedRequest(method=h.command, path=parts.path, query=parts.query,
                            headers={k.lower(): v for k, v in h.headers.items()})
        with self._lock:
            self.log.append(req)
            self._active += 1
            self.max_concurrent = max(self.max_concurrent, self._active)
        out = Responder(h, self)
        try:
            handler = self._find(req.path) or status(404)
            handler(req, out)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass  # the client gave up, which is often the point of the test
        finally:
            with self._lock:
                self._active -= 1
            h.close_connection = True


# ---------------------------------------------------------------------------------------------
# Handler factories


def static(body: bytes | str, content_type: str = "text/html; charset=utf-8", status: int = 200,
           headers: Iterable[tuple[str, str]] = ()) -> Handler:
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
    return lambda req, out: out.stopping.wait(seconds)


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


def directory(root: Path | str, prefix: str = "/") -> Handler:
    """Serve files under ``root``: ETag + Last-Modified, 304 on If-None-Match/If-Modified-Since.

    The ETag is a hash of the content, so editing a fixture changes it.
    """
    base = Path(root).resolve()

    def handler(req: LoggedRequest, out: Responder) -> None:
        rel = unquote(req.path[len(prefix):]).lstrip("/")
        path = (base / rel).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(base) or not path.is_file():
            out.send(404, b"not found", [("Content-Type", "text/plain")])
            return
        data = path.read_bytes()
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        mtime = int(path.stat().st_mtime)
        validators = [("ETag", etag),
                      ("Last-Modified", email.utils.formatdate(mtime, usegmt=True))]
        if _not_modified(req.headers, etag, mtime):
            out.send(304, headers=validators)
            return
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix in (".rss", ".atom", ".xml"):
            ctype = "application/xml"
        out.send(200, data, [("Content-Type", ctype), *validators])

    return handler


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
