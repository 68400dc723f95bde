"""A feed body is data, never a path or a URL: feedparser must not open what the server sent.

feedparser.parse() opens a str that looks like a URL and bytes that name an existing file. A
feed whose body is ``/etc/hostname`` would get that file indexed, ``/dev/zero`` would grow
memory without limit and ``/dev/stdin`` would hang the run. Each body is parsed in a child
process with a memory limit, a timeout and an open (never written) stdin pipe, so the old
behaviour fails the test instead of hanging or exhausting the runner.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from pipeline.config import FeedSpec
from pipeline.ingest.cycle import run_cycle
from pipeline.ingest.feedstate import load_states
from tests.support import httpserver as hs
from tests.support.paths import ROOT

CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
from pipeline.ingest.feeds import parse_feed_document
parsed = parse_feed_document(sys.argv[1].encode())
print(json.dumps({"error": parsed.error, "entries": len(parsed.entries), "title": parsed.title}))
"""


FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Local file</title>'
    "<item><title>Read from disk</title><link>https://example.org/a</link></item></channel></rss>"
)


def _parse_in_child(body: str) -> dict[str, object]:
    """parse_feed_document(body) in a child whose stdin stays open (a read of it would block)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, body],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        pytest.fail(f"parsing a body of {body!r} hung (the file was opened)")
    finally:
        assert child.stdin is not None
        child.stdin.close()
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read(), child.stderr.read()
    assert child.returncode == 0, err.decode()[-2000:]
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize("body", ["/dev/zero", "/dev/stdin", "file:///etc/hostname", "/etc/hostname"])
def test_body_naming_a_device_is_not_opened(body: str) -> None:
    result = _parse_in_child(body)
    assert result["entries"] == 0 and result["title"] is None
    assert str(result["error"]).startswith("not a feed")
    assert socket.gethostname() not in json.dumps(result)


def test_body_naming_a_feed_file_is_not_read(tmp_path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(FEED, encoding="utf-8")
    result = _parse_in_child(str(path))
    assert result["entries"] == 0 and result["title"] is None, "the local file was read"
    assert str(result["error"]).startswith("not a feed")


def test_cycle_records_a_path_body_as_a_failed_feed(es, indices, settings) -> None:
    with hs.TestServer() as server:
        url = server.route("/feed.xml", hs.static(b"/etc/hostname", "application/rss+xml"))
        summary = run_cycle(es, indices, [FeedSpec(url, "Path body")], settings)
    state = load_states(es, indices, [FeedSpec(url, "Path body")])[0]
    assert summary.poll.failed == 1 and not summary.poll.entries
    assert state.last_outcome == "failed" and state.last_error and "not a feed" in state.last_error
    es.indices.refresh(index=f"{indices.prefix}-*")
    assert es.count(index=f"{indices.prefix}-articles*", allow_no_indices=True)["count"] == 0
