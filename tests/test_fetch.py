"""pipeline.fetch.client against real HTTP servers on 127.0.0.1 (no HTTP mocks)."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import subprocess
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from pipeline.fetch.charset import decode_body
from pipeline.fetch.client import Fetcher, FetchPolicy, FetchResult
from pipeline.fetch.guard import GuardedBackend, GuardedTransport, Resolver, is_public_address
from tests.support.fetching import fetch_many_sync
from tests.support.httpserver import (
    LoggedRequest,
    Responder,
    TestServer,
    big,
    chunked,
    gzip_bomb,
    hang,
    redirect,
    slow,
    static,
    status,
    trickle,
)

LOCAL = ("127.0.0.0/8",)
FAST = FetchPolicy(
    connect_timeout=1.0,
    total_timeout=3.0,
    retries=0,
    backoff_base=0.01,
    allow_private=LOCAL,
    per_host_delay=0.0,
)


@pytest.fixture
def server() -> Iterator[TestServer]:
    with TestServer() as srv:
        yield srv


def fetch(url: str, policy: FetchPolicy = FAST, headers: dict[str, str] | None = None) -> FetchResult:
    return fetch_many_sync([(url, headers)], policy)[0]


def fetch_all(
    requests: Sequence[tuple[str, dict[str, str] | None]], policy: FetchPolicy = FAST
) -> list[FetchResult]:
    return fetch_many_sync(requests, policy)


# --- basics ----------------------------------------------------------------------------------


def test_ok_page(server: TestServer) -> None:
    url = server.route("/ok", static("<html><p>Grüße</p></html>"))
    r = fetch(url)
    assert r.ok and r.status == 200 and r.error is None and r.error_kind is None
    assert r.body == "<html><p>Grüße</p></html>".encode()
    assert r.text() == "<html><p>Grüße</p></html>"
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.final_url == url and r.redirects == [] and r.attempts == 1 and not r.truncated
    sent = server.requests("/ok")[0].headers
    assert sent["user-agent"].startswith("newsmon/") and sent["accept-encoding"] == "gzip, deflate"


def test_conditional_get_304(server: TestServer, tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"<rss><channel><title>t</title></channel></rss>")
    server.mount("/site/", tmp_path)
    first = fetch(server.url("/site/feed.xml"))
    assert first.ok and first.status == 200 and first.body.startswith(b"<rss>")
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    by_etag = fetch(server.url("/site/feed.xml"), headers={"If-None-Match": etag})
    by_date = fetch(server.url("/site/feed.xml"), headers={"If-Modified-Since": modified})
    for r in (by_etag, by_date):
        assert r.status == 304 and r.ok and r.not_modified and r.body == b"" and r.error is None
    log = server.requests("/site/feed.xml")
    assert log[1].headers["if-none-match"] == etag
    assert log[2].headers["if-modified-since"] == modified

    stale = fetch(server.url("/site/feed.xml"), headers={"If-None-Match": '"other"'})
    assert stale.status == 200 and not stale.not_modified


def test_empty_200(server: TestServer) -> None:
    r = fetch(server.route("/empty", static(b"")))
    assert r.ok and r.status == 200 and r.body == b"" and r.text() == ""


def test_invalid_urls_never_raise() -> None:
    for bad in (
        "",
        "not a url",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "http://",
        "javascript:alert(1)",
        "http://exa mple.org/",
    ):
        r = fetch(bad)
        assert r.error_kind == "invalid_url", (bad, r)
        assert not r.ok and r.attempts == 0


# --- status codes and retries ----------------------------------------------------------------


def test_500_is_retried_then_reported(server: TestServer) -> None:
    url = server.route("/boom", status(500, b"oops"))
    r = fetch(url, FetchPolicy(retries=2, backoff_base=0.01, total_timeout=3.0, allow_private=LOCAL))
    assert server.hits("/boom") == 3 and r.attempts == 3
    assert r.status == 500 and r.error_kind == "http_status" and not r.ok
    assert r.body == b"oops"


def test_503_then_success(server: TestServer) -> None:
    calls = {"n": 0}
    ok = static(b"fine", content_type="text/plain")

    def flaky(req, out) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            out.send(503, b"busy")
        else:
            ok(req, out)

    r = fetch(server.route("/flaky", flaky), FetchPolicy(retries=2, backoff_base=0.01, allow_private=LOCAL))
    assert r.ok and r.body == b"fine" and r.attempts == 2


def test_404_not_retried(server: TestServer) -> None:
    url = server.route("/missing", status(404, b"nope"))
    r = fetch(url, FetchPolicy(retries=3, backoff_base=0.01, allow_private=LOCAL))
    assert server.hits("/missing") == 1 and r.attempts == 1
    assert r.status == 404 and r.error_kind == "http_status" and "404" in (r.error or "")


def test_connection_refused_is_retried() -> None:
    with TestServer() as srv:
        url = srv.url("/gone")
    r = fetch(url, FetchPolicy(retries=1, backoff_base=0.01, allow_private=LOCAL))
    assert r.error_kind == "connection" and r.attempts == 2 and r.status is None


# --- time ------------------------------------------------------------------------------------


def test_server_never_answers_times_out(server: TestServer) -> None:
    url = server.route("/hang", hang(30))
    policy = FetchPolicy(
        total_timeout=1.0, connect_timeout=0.5, retries=2, backoff_base=0.01, allow_private=LOCAL
    )
    t0 = time.monotonic()
    r = fetch(url, policy)
    took = time.monotonic() - t0
    assert r.error_kind == "timeout" and r.status is None and not r.ok
    assert 0.9 <= took < 2.0, took


def test_trickling_server_cut_at_total_timeout(server: TestServer) -> None:
    url = server.route("/trickle", trickle(interval=0.05))
    policy = FetchPolicy(total_timeout=1.0, retries=0, allow_private=LOCAL)
    t0 = time.monotonic()
    r = fetch(url, policy)
    took = time.monotonic() - t0
    assert r.error_kind == "timeout" and r.status == 200 and not r.ok
    assert 0.9 <= took < 2.0, took


# --- size ------------------------------------------------------------------------------------


def _peak_during(func) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        value = func()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_content_length_over_cap_refused_before_reading(server: TestServer) -> None:
    url = server.route("/huge", big(200_000_000, with_length=True))
    policy = FetchPolicy(max_bytes=100_000, total_timeout=3.0, allow_private=LOCAL)
    t0 = time.monotonic()
    r = fetch(url, policy)
    assert r.error_kind == "too_large" and r.truncated and r.body == b"" and r.status == 200
    assert time.monotonic() - t0 < 1.5


def test_chunked_over_cap_truncated_memory_bounded(server: TestServer) -> None:
    url = server.route("/endless", big(500_000_000, with_length=False))
    cap = 300_000
    policy = FetchPolicy(max_bytes=cap, total_timeout=5.0, allow_private=LOCAL)
    r, peak = _peak_during(lambda: fetch(url, policy))
    assert isinstance(r, FetchResult)
    assert r.error_kind == "too_large" and r.truncated and not r.ok
    assert len(r.body) == cap and r.body == b"a" * cap
    assert peak < 8_000_000, peak


def test_exactly_at_cap_is_fine(server: TestServer) -> None:
    url = server.route("/exact", chunked([b"a" * 500, b"b" * 500]))
    r = fetch(url, FetchPolicy(max_bytes=1000, allow_private=LOCAL))
    assert r.ok and len(r.body) == 1000 and not r.truncated


def test_gzip_bomb_capped(server: TestServer) -> None:
    url = server.route("/bomb", gzip_bomb(10_000_000))
    cap = 100_000
    policy = FetchPolicy(max_bytes=cap, allow_private=LOCAL)
    r, peak = _peak_during(lambda: fetch(url, policy))
    assert isinstance(r, FetchResult)
    assert r.error_kind == "too_large" and r.truncated and r.body == b"\0" * cap
    assert peak < 6_000_000, peak  # inflating it all would hold 10 MB (httpx: ~24 MB)


def test_gzip_and_deflate_decoded(server: TestServer) -> None:
    import zlib

    text = "<p>" + "news " * 2000 + "</p>"
    url_gz = server.route("/gz", static(gzip.compress(text.encode()), headers=[("Content-Encoding", "gzip")]))
    url_zl = server.route(
        "/zl", static(zlib.compress(text.encode()), headers=[("Content-Encoding", "deflate")])
    )
    raw = zlib.compressobj(wbits=-15)
    raw_body = raw.compress(text.encode()) + raw.flush()
    url_raw = server.route("/raw", static(raw_body, headers=[("Content-Encoding", "deflate")]))
    for r in fetch_all([(url_gz, None), (url_zl, None), (url_raw, None)]):
        assert r.ok and r.text() == text, r


def test_corrupt_gzip_is_decompression_error(server: TestServer) -> None:
    url = server.route(
        "/badgz", static(b"\x1f\x8bnot really gzip at all", headers=[("Content-Encoding", "gzip")])
    )
    r = fetch(url)
    assert r.error_kind == "decompression" and r.status == 200 and not r.ok


# --- redirects -------------------------------------------------------------------------------


def test_relative_redirect_followed(server: TestServer) -> None:
    server.route("/a/start", redirect("../b/next"))
    server.route("/b/next", redirect("/final", 301))
    final = server.route("/final", static("done"))
    r = fetch(server.url("/a/start"))
    assert r.ok and r.body == b"done" and r.final_url == final
    assert r.redirects == [server.url("/b/next"), final]


def test_redirect_loop(server: TestServer) -> None:
    server.route("/x", redirect("/y"))
    server.route("/y", redirect("/x"))
    r = fetch(server.url("/x"))
    assert r.error_kind == "redirect_loop" and not r.ok
    assert server.hits("/x") == 1 and server.hits("/y") == 1


def test_too_many_redirects(server: TestServer) -> None:
    for i in range(10):
        server.route(f"/r{i}", redirect(f"/r{i + 1}"))
    server.route("/r10", static("end"))
    r = fetch(server.url("/r0"), FetchPolicy(max_redirects=3, allow_private=LOCAL))
    assert r.error_kind == "too_many_redirects" and len(r.redirects) == 3
    assert server.hits("/r4") == 0
    ok = fetch(server.url("/r0"), FetchPolicy(max_redirects=10, allow_private=LOCAL))
    assert ok.ok and ok.body == b"end"


def test_redirect_to_blocked_address(server: TestServer) -> None:
    # 127.0.0.1 is allowed, the redirect target 127.0.0.2 / ::1 / 169.254.169.254 are not.
    policy = FetchPolicy(allow_private=("127.0.0.1/32",), total_timeout=3.0)
    for n, target in enumerate(
        ("http://127.0.0.2/admin", "http://[::1]:80/", "http://169.254.169.254/latest/meta-data/")
    ):
        url = server.route(f"/jump{n}", redirect(target))
        r = fetch(url, policy)
        assert r.error_kind == "blocked_address", r
        assert r.status == 302 and r.attempts == 1
        host = target.split("//")[1].split("/")[0].removesuffix(":80").strip("[]")
        assert host in (r.error or ""), r.error


def test_redirect_to_other_scheme_refused(server: TestServer) -> None:
    r = fetch(server.route("/tofile", redirect("file:///etc/passwd")))
    assert r.error_kind == "invalid_url"


# --- SSRF guard ------------------------------------------------------------------------------


def test_private_address_refused_by_default(server: TestServer) -> None:
    url = server.route("/secret", static("internal"))
    r = fetch(url, FetchPolicy(retries=2, backoff_base=0.01))
    assert r.error_kind == "blocked_address" and r.attempts == 1 and r.status is None
    assert "127.0.0.1" in (r.error or "")
    assert server.hits("/secret") == 0
    allowed = fetch(url, FetchPolicy(allow_private=LOCAL))
    assert allowed.ok and allowed.body == b"internal"


def test_allow_private_by_hostname(server: TestServer) -> None:
    server.route("/named", static("by name"))
    url = f"http://localhost:{server.port}/named"
    assert fetch(url, FetchPolicy()).error_kind == "blocked_address"
    r = fetch(url, FetchPolicy(allow_private=("localhost",)))
    assert r.ok and r.body == b"by name"


@pytest.mark.parametrize(
    "host",
    [
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::]",
        "0.0.0.0",
        "2130706433",
        "127.1",
        "10.0.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "[fe80::1]",
        "[fc00::1]",
        "224.0.0.1",
        "[2002:7f00:1::1]",
        "[64:ff9b::a00:1]",
        "100.64.0.1",
    ],
)
def test_non_public_addresses_refused(host: str) -> None:
    r = fetch(f"http://{host}:9/x", FetchPolicy(connect_timeout=0.5, total_timeout=2.0))
    assert r.error_kind == "blocked_address", (host, r)


def test_connects_to_the_checked_ip_and_checks_every_answer(server: TestServer) -> None:
    """A fake DNS: names that do not exist reach our server only through the checked answer."""
    server.route("/dns", static("via checked ip"))
    calls: list[str] = []
    answers = {"news.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.7"]}

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[host]

    async def main() -> list[FetchResult]:
        async with Fetcher(FAST, resolver=resolver) as f:
            return await f.fetch_many(
                [
                    (f"http://news.test:{server.port}/dns", None),
                    (f"http://mixed.test:{server.port}/dns", None),
                ]
            )

    ok, mixed = asyncio.run(main())
    assert ok.ok and ok.body == b"via checked ip"
    assert server.requests("/dns")[0].headers["host"] == f"news.test:{server.port}"
    assert mixed.error_kind == "blocked_address" and "10.0.0.7" in (mixed.error or "")
    assert sorted(calls) == ["mixed.test", "news.test"]  # one lookup per connection


def test_ipv6_loopback_not_covered_by_ipv4_allowance() -> None:
    r = fetch("http://[::1]:9/", FetchPolicy(allow_private=LOCAL, total_timeout=2.0))
    assert r.error_kind == "blocked_address"


def test_is_public_address() -> None:
    assert is_public_address("93.184.216.34") and is_public_address("2606:2800:220:1::1")
    for ip in ("127.0.0.1", "::1", "::ffff:10.0.0.1", "0.0.0.0", "255.255.255.255", "nonsense"):
        assert not is_public_address(ip), ip


# --- charset ---------------------------------------------------------------------------------

FRENCH = (
    "Le gouvernement a annoncé jeudi une réforme « ambitieuse » du système électoral, "
    "présentée comme la première étape d’un dialogue élargi avec l’opposition. "
    "Les députés débattront du texte dès la semaine prochaine à l’Assemblée."
)
RUSSIAN = (
    "Правительство объявило в четверг о масштабной реформе избирательной системы. "
    "Депутаты начнут обсуждение законопроекта на следующей неделе, сообщили в пресс-"
    "службе парламента. Оппозиция назвала инициативу преждевременной."
)
CHINESE = "政府周四宣布了一项雄心勃勃的选举制度改革，反对派称这一举措为时过早。议会将于下周开始辩论。"


def test_undeclared_cp1252_and_cp1251(server: TestServer) -> None:
    fr = server.route("/fr", static(f"<p>{FRENCH}</p>".encode("cp1252"), content_type="text/html"))
    ru = server.route("/ru", static(f"<p>{RUSSIAN}</p>".encode("cp1251"), content_type="text/html"))
    r_fr, r_ru = fetch_all([(fr, None), (ru, None)])
    assert r_fr.text() == f"<p>{FRENCH}</p>"
    assert r_ru.text() == f"<p>{RUSSIAN}</p>"


def test_gb2312_declared_but_utf8(server: TestServer) -> None:
    page = f'<html><head><meta charset="gb2312"></head><body>{CHINESE}</body></html>'
    ctype = "text/html; charset=gb2312"
    url = server.route("/cn", static(page.encode("utf-8"), content_type=ctype))
    assert fetch(url).text() == page
    # and real GB2312 bytes with the same declaration still decode as GB2312
    assert decode_body(page.encode("gb2312"), "text/html; charset=gb2312") == page
    assert decode_body(page.encode("gb2312"), "text/html") == page  # from <meta> alone


def test_decode_body_declarations() -> None:
    xml = f'<?xml version="1.0" encoding="windows-1251"?><rss>{RUSSIAN}</rss>'
    assert decode_body(xml.encode("cp1251"), "application/xml") == xml
    meta = f'<html><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">{RUSSIAN}'
    assert decode_body(meta.encode("koi8_r"), None) == meta
    # BOM beats the header
    utf16 = b"\xff\xfe" + "żółw".encode("utf-16-le")
    assert decode_body(utf16, "text/html; charset=iso-8859-1") == "żółw"
    assert decode_body(b"\xef\xbb\xbfcaf\xc3\xa9", "text/plain; charset=cp1252") == "café"
    # a header charset that cannot decode the bytes gives way
    assert decode_body(FRENCH.encode("cp1252"), "text/html; charset=utf-8") == FRENCH
    # UTF-8 with one stray cp1252 byte stays UTF-8 (one replacement char), whatever is declared
    damaged = RUSSIAN.encode("utf-8") + b" \x93quote"
    assert decode_body(damaged, "text/html; charset=windows-1251") == RUSSIAN + " \ufffdquote"
    # latin-1 label means cp1252 (curly quotes in 0x80-0x9f)
    assert decode_body("“quoted”".encode("cp1252"), "text/plain; charset=ISO-8859-1") == "“quoted”"


@pytest.mark.parametrize(
    "body,ctype",
    [
        (b"", None),
        (b"\xff\xfe\xfd", "text/html; charset=bogus-charset"),
        (bytes(range(256)) * 20, "text/html; charset=utf-8"),
        (b"\x00\x01", "charset="),
        (b'<meta charset="">\x81\x82', None),
    ],
)
def test_decode_body_never_raises(body: bytes, ctype: str | None) -> None:
    assert isinstance(decode_body(body, ctype), str)


# --- politeness and batches ------------------------------------------------------------------


def test_per_host_concurrency_respected(server: TestServer) -> None:
    url = server.route("/slow", slow(0.2))
    policy = FetchPolicy(per_host_concurrency=2, concurrency=16, allow_private=LOCAL, per_host_delay=0.0)
    results = fetch_all([(f"{url}?n={i}", None) for i in range(8)], policy)
    assert all(r.ok for r in results)
    assert server.max_concurrent == 2


def test_global_concurrency_respected(server: TestServer) -> None:
    url = server.route("/slow", slow(0.2))
    other = f"http://localhost:{server.port}/slow"  # another host key, same server
    policy = FetchPolicy(
        per_host_concurrency=8, concurrency=3, per_host_delay=0.0, allow_private=("127.0.0.0/8", "localhost")
    )
    results = fetch_all([(u, None) for u in [url, other] * 4], policy)
    assert all(r.ok for r in results) and server.max_concurrent == 3


def test_per_host_delay(server: TestServer) -> None:
    url = server.route("/p", static("x"))
    policy = FetchPolicy(per_host_delay=0.15, allow_private=LOCAL)
    clock = time.monotonic()
    fetch_all([(url, None)] * 4, policy)
    elapsed = time.monotonic() - clock
    # Client side, exact: 4 request starts to one host need 3 gaps of 0.15 s. Server side, the
    # arrival times shift with thread scheduling on a busy machine, so only their span is checked.
    assert elapsed >= 0.45, elapsed
    starts = sorted(r.started for r in server.requests("/p"))
    assert len(starts) == 4 and starts[-1] - starts[0] >= 0.40, starts


def test_fetch_many_keeps_order_and_isolates_failures(server: TestServer) -> None:
    requests: list[tuple[str, dict[str, str] | None]] = [
        (server.route("/one", static("1")), None),
        (server.route("/bad", status(404)), None),
        ("not a url", None),
        (server.route("/slowish", slow(0.3, b"3")), None),
        ("http://10.1.2.3/", None),
        (server.route("/five", static("5")), {"X-Test": "yes"}),
    ]
    results = fetch_all(requests)
    assert [r.url for r in results] == [u for u, _ in requests]
    assert [r.error_kind for r in results] == [
        None,
        "http_status",
        "invalid_url",
        None,
        "blocked_address",
        None,
    ]
    assert [r.body for r in results if r.ok] == [b"1", b"3", b"5"]
    assert server.requests("/five")[0].headers["x-test"] == "yes"


def test_async_api_and_reuse(server: TestServer) -> None:
    url = server.route("/a", static("a"))

    async def main() -> list[FetchResult]:
        async with Fetcher(FAST) as f:
            first = await f.fetch(url)
            rest = await f.fetch_many([(url, None), (url, {"If-None-Match": "x"})])
            return [first, *rest]

    assert all(r.ok for r in asyncio.run(main()))


def test_fetch_many_sync_inside_running_loop(server: TestServer) -> None:
    url = server.route("/s", static("s"))

    async def main() -> list[FetchResult]:
        return fetch_many_sync([(url, None)], FAST)

    assert asyncio.run(main())[0].body == b"s"


# --- TLS through the guarded backend ---------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 'localhost' (openssl CLI)."""
    if shutil.which("openssl") is None:  # a failure, not a skip: the TLS path must be tested
        pytest.fail("the openssl CLI is needed to make the test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return str(cert), str(key)


def test_https_verifies_hostname_while_connecting_to_checked_ip(
    tls_files: tuple[str, str],
) -> None:
    cert, _ = tls_files
    with TestServer(tls=tls_files) as srv:
        srv.route("/secure", static("tls ok"))
        url = f"https://localhost:{srv.port}/secure"
        policy = FetchPolicy(allow_private=("localhost",), ca_bundle=cert, retries=2, backoff_base=0.01)
        r = fetch(url, policy)
        assert r.ok and r.body == b"tls ok", r
        untrusted = fetch(url, FetchPolicy(allow_private=("localhost",), retries=2, backoff_base=0.01))
        assert untrusted.error_kind == "connection" and untrusted.attempts == 1
        assert "CERTIFICATE_VERIFY_FAILED" in (untrusted.error or "")
        # the certificate names localhost, not 127.0.0.1: hostname checking is on
        wrong_name = fetch(
            f"https://127.0.0.1:{srv.port}/secure",
            FetchPolicy(allow_private=LOCAL, ca_bundle=cert, retries=0),
        )
        assert wrong_name.error_kind == "connection" and not wrong_name.ok


def test_edge_inputs(server: TestServer) -> None:
    assert fetch_all([]) == []
    br = server.route("/br", static(b"\x0b\x02\x80hello", headers=[("Content-Encoding", "br")]))
    bad_header = server.route("/h", static("h"))
    r_br, r_hdr = fetch_all([(br, None), (bad_header, {"X-Evil": "a\r\nInjected: 1"})])
    assert r_br.error_kind == "decompression" and "br" in (r_br.error or "")
    assert r_hdr.error_kind == "invalid_url" and server.hits("/h") == 0


# --- a connection pool per host --------------------------------------------------------------


def _counting_resolver(calls: list[str]) -> Resolver:
    """Every name resolves to 127.0.0.1; each call is one new connection (the guard resolves at
    connect time), so ``calls`` counts the connections opened, per host name."""

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    return resolve


def test_each_host_gets_its_own_guarded_pool(server: TestServer) -> None:
    server.route("/a", static("a"))
    calls: list[str] = []

    async def main() -> tuple[list[FetchResult], list[httpx.AsyncClient | None]]:
        async with Fetcher(FAST, resolver=_counting_resolver(calls)) as f:
            results = await f.fetch_many(
                [(f"http://{h}.test:{server.port}/a", None) for h in ("one", "two", "one", "two")]
            )
            clients = [gate.client for gate in f._hosts.values()]
            transports = [c._transport for c in clients if c is not None]
            assert len(transports) == 2 and transports[0] is not transports[1]
            for transport in transports:  # every pool is GuardedTransport's, on the guarded backend
                assert isinstance(transport, GuardedTransport)
                backend = transport._pool._network_backend
                assert isinstance(backend, GuardedBackend) and backend._guard is f._guard
            return results, clients

    results, clients = asyncio.run(main())
    assert all(r.ok and r.body == b"a" for r in results)
    assert len(clients) == 2 and all(c is not None for c in clients)


def test_per_host_pool_still_refuses_non_public_addresses() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["10.0.0.7"]  # a private address, not allowed by FAST (127.0.0.0/8 only)

    async def main() -> FetchResult:
        async with Fetcher(FAST, resolver=resolver) as f:
            return await f.fetch("http://intranet.test/feed")

    r = asyncio.run(main())
    assert r.error_kind == "blocked_address" and "10.0.0.7" in (r.error or "")


def test_keep_alive_per_host_and_after_304(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"<rss><channel><title>t</title></channel></rss>")
    calls: list[str] = []
    with TestServer(tmp_path) as site:  # a site: keep-alive, ETag and Last-Modified honoured
        url = f"http://feeds.test:{site.port}/feed.xml"

        async def main() -> list[FetchResult]:
            async with Fetcher(FAST, resolver=_counting_resolver(calls)) as f:
                first = await f.fetch(url)
                validators = {"If-None-Match": first.headers["etag"]}
                return [first] + [await f.fetch(url, validators) for _ in range(4)]

        results = asyncio.run(main())
    assert results[0].status == 200 and [r.status for r in results[1:]] == [304] * 4
    assert all(r.body == b"" and r.ok for r in results[1:])
    assert calls == ["feeds.test"], "one connection for a 200 and four 304s"


def test_idle_pools_are_bounded() -> None:
    calls: list[str] = []
    policy = FetchPolicy(
        allow_private=LOCAL, per_host_delay=0.0, concurrency=2, per_host_concurrency=1, retries=0
    )
    hosts = [f"h{i}.test" for i in range(5)]

    async def main(port: int) -> tuple[list[str], int]:
        async with Fetcher(policy, resolver=_counting_resolver(calls)) as f:
            for host in hosts:  # one after the other: each host is idle when the next starts
                assert (await f.fetch(f"http://{host}:{port}/a")).ok
            open_pools = [key.split(":")[0] for key, gate in f._hosts.items() if gate.client is not None]
            assert (await f.fetch(f"http://{hosts[0]}:{port}/a")).ok  # its pool was closed: reconnects
            assert (await f.fetch(f"http://{hosts[-1]}:{port}/a")).ok  # kept: no new connection
            await asyncio.sleep(0.05)  # let the background closes finish
            return open_pools, len(f._closing)

    with TestServer(keep_alive=True) as srv:
        srv.route("/a", static("a"))
        open_pools, closing = asyncio.run(main(srv.port))
    # concurrency 2 // per_host_concurrency 1: two idle pools kept, the most recently used
    assert open_pools == hosts[-2:]
    assert calls == hosts + [hosts[0]] and closing == 0


def test_fetch_after_close_is_a_connection_error(server: TestServer) -> None:
    url = server.route("/a", static("a"))

    async def main() -> FetchResult:
        f = Fetcher(FAST)
        await f.aclose()
        return await f.fetch(url)

    r = asyncio.run(main())
    assert r.error_kind == "connection" and "closed" in (r.error or "") and server.hits("/a") == 0


def test_cookies_are_shared_between_hosts_as_with_one_client(server: TestServer) -> None:
    # www.example.test sets a cookie for the whole domain and redirects to example.test, another
    # host (another pool): the cookie goes along, as it did when one client served all hosts
    def set_and_redirect(req: LoggedRequest, out: Responder) -> None:
        out.send(
            302,
            headers=[
                ("Set-Cookie", "session=abc; Domain=example.test; Path=/"),
                ("Location", f"http://example.test:{server.port}/check"),
            ],
        )

    server.route("/set", set_and_redirect)
    server.route("/check", static("ok"))
    calls: list[str] = []

    async def main() -> FetchResult:
        async with Fetcher(FAST, resolver=_counting_resolver(calls)) as f:
            return await f.fetch(f"http://www.example.test:{server.port}/set")

    r = asyncio.run(main())
    assert r.ok and r.body == b"ok" and calls == ["www.example.test", "example.test"]
    assert server.requests("/check")[0].headers.get("cookie") == "session=abc"
