"""Serve a folder of real files over HTTP on 127.0.0.1 for the demo and the tests.

``{{BASE_URL}}`` in served text files is replaced by the server's own address, so feed items
can point at pages on the same server whatever port it got. ETag and Last-Modified are sent
and honoured (304), and every request is logged so tests can assert what was asked.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TYPES = {".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".txt": "text/plain",
         ".opml": "text/xml"}
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


@dataclass
class SiteServer:
    """A running server; ``url(path)`` builds addresses, ``requests`` logs what came in."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0  # seconds added to every response: simulated network latency
    requests: list[dict[str, str | None]] = field(default_factory=list)
    overrides: dict[str, bytes] = field(default_factory=dict)

    def start(self) -> SiteServer:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers do
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                path = unquote(urlsplit(self.path).path)
                if site.delay:
                    time.sleep(site.delay)
                site.requests.append({
                    "path": path, "if_none_match": self.headers.get("If-None-Match"),
                    "if_modified_since": self.headers.get("If-Modified-Since"),
                })
                body = site.body(path)
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", TYPES.get(Path(path).suffix, "application/octet-stream"))
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default (5) drops bursts of connections

        self._server = Server((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def body(self, path: str) -> bytes | None:
        """File bytes (or an override), with {{BASE_URL}} filled in for text files."""
        key = path.lstrip("/")
        if key in self.overrides:
            data = self.overrides[key]
        else:
            file = (self.root / key).resolve()
            if not file.is_file() or self.root.resolve() not in file.parents:
                return None
            data = file.read_bytes()
        return data.replace(b"{{BASE_URL}}", self.base_url.encode())

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    """``python -m pipeline.devserver DIR --port N``: serve until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added per response")
    args = parser.parse_args()
    server = SiteServer(Path(args.root), host=args.host, port=args.port, delay=args.delay).start()
    print(f"serving {args.root} at {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
