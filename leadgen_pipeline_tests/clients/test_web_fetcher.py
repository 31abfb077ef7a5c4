"""The website fetcher against the sandbox's hostile pages: cut off and recorded, never raised."""

import gzip
import ipaddress
import time
import tracemalloc
import zlib
from contextlib import contextmanager

import pytest

from leadgen_pipeline.clients.host_politeness import HostPoliteness
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins
from leadgen_pipeline_tests.support.loopback import answer, loopback_server


def fetcher_for(sandbox, **settings):
    guard = AddressGuard(allowed_origins=parse_allowed_origins(sandbox.web_url))
    return WebsiteFetcher(guard=guard, **settings)


def test_a_stalled_drip_ends_in_a_recorded_read_timeout(sandbox):
    # The slow page sends a byte a second: a shorter read timeout trips between bytes.
    page = fetcher_for(sandbox, read_timeout_s=0.3, page_deadline_s=5).fetch(
        f"{sandbox.web_url}/hostile/slow/"
    )
    assert page.error == "read failed: ReadTimeoutError"
    assert not page.ok


def test_the_page_deadline_cuts_a_drip_that_never_stalls(sandbox):
    page = fetcher_for(sandbox, read_timeout_s=3, page_deadline_s=1.5).fetch(
        f"{sandbox.web_url}/hostile/slow/"
    )
    assert page.error == "deadline of 1.5 s passed" and page.truncated


def test_a_huge_page_is_truncated_at_the_byte_cap(sandbox):
    page = fetcher_for(sandbox, max_bytes=100_000).fetch(f"{sandbox.web_url}/hostile/huge/")
    assert page.ok and page.truncated and len(page.content) == 100_000


def test_a_redirect_to_a_private_address_is_refused_before_connecting(sandbox):
    fetcher = fetcher_for(sandbox)
    page = fetcher.fetch(f"{sandbox.web_url}/hostile/redirect-private/")
    assert page.error == "blocked: 10.255.255.1 resolves to a non-public address (10.255.255.1)"
    assert page.final_url == "http://10.255.255.1/"


def test_the_sandbox_itself_is_refused_when_not_allowed(sandbox):
    page = WebsiteFetcher().fetch(f"{sandbox.web_url}/robots.txt")
    assert page.error.startswith("blocked: ")


def test_robots_txt_is_kept_for_the_most_recent_origins_only(sandbox):
    """Two names of the sandbox are two origins; a cache of one asks each again on return."""
    port = sandbox.web_url.rsplit(":", 1)[1]
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    guard = AddressGuard(allowed_origins=parse_allowed_origins(",".join(origins)))
    visits = [origins[0], origins[1], origins[0]]
    calls = {}
    for size in (1, 2):
        fetcher = WebsiteFetcher(guard=guard, robots_cache_size=size)
        for origin in visits:
            assert fetcher.fetch(f"{origin}/").ok
        calls[size] = fetcher.usage.snapshot()["calls"] - len(visits)  # robots.txt requests
    assert calls == {1: 3, 2: 2}


def test_a_drip_is_cut_as_too_slow_long_before_its_deadlines(sandbox):
    fetcher = fetcher_for(sandbox, read_timeout_s=3, page_deadline_s=15, low_speed_grace_s=1.0)
    page = fetcher.fetch(f"{sandbox.web_url}/hostile/slow/")
    assert page.truncated and page.error.startswith("too slow: ")
    assert page.elapsed_s < 5


def test_pages_of_one_site_share_its_budget(sandbox):
    fetcher = fetcher_for(
        sandbox, read_timeout_s=3, page_deadline_s=15, site_budget_s=1.5, low_speed_grace_s=10
    )
    site_deadline = fetcher.site_deadline()
    first = fetcher.fetch(f"{sandbox.web_url}/hostile/slow/", site_deadline)
    assert first.error == "site budget of 1.5 s spent" and first.truncated
    second = fetcher.fetch(f"{sandbox.web_url}/", site_deadline)
    assert second.error == "site budget of 1.5 s spent" and not second.transient
    assert second.status is None  # never requested


@contextmanager
def site_asking_for(crawl_delay_s: int, **settings):
    """A loopback site whose robots.txt asks for a Crawl-delay, and a fetcher allowed there
    (no pace of its own); yields (base URL, fetcher, server)."""
    robots = f"User-agent: *\nCrawl-delay: {crawl_delay_s}\n".encode()
    with loopback_server() as server:
        server.routes["/robots.txt"] = lambda h: answer(h, 200, robots, "text/plain")
        server.routes["/page/*"] = lambda h: answer(h, 200, b"<html></html>", "text/html")
        fetcher = WebsiteFetcher(
            guard=AddressGuard(allowed_origins=parse_allowed_origins(server.url)),
            politeness=HostPoliteness(min_interval_s=0),
            **settings,
        )
        yield server.url, fetcher, server


def test_robots_crawl_delay_spaces_the_requests_to_its_host():
    with site_asking_for(1) as (url, fetcher, _):
        started = time.monotonic()
        pages = [fetcher.fetch(f"{url}/page/{n}") for n in range(3)]
        waited = time.monotonic() - started
    assert all(page.ok for page in pages)
    # robots.txt itself goes first at the default pace; the three pages then wait
    # the site's second between them.
    assert waited >= 2.0


def test_a_budget_too_short_for_the_crawl_delay_stops_the_crawl():
    with site_asking_for(30, site_budget_s=0.5) as (url, fetcher, server):
        site_deadline = fetcher.site_deadline()
        first = fetcher.fetch(f"{url}/page/1", site_deadline)
        second = fetcher.fetch(f"{url}/page/2", site_deadline)
    assert first.ok
    assert second.error == "site budget of 0.5 s spent"
    assert server.hits["/page/2"] == 0


# --- hostile servers on loopback: every phase of a response bounded ---------------


@contextmanager
def hostile(**settings):
    """A loopback server with no robots.txt, and a fetcher allowed there with no pace of its
    own; yields (server, fetcher)."""
    with loopback_server() as server:
        server.routes["/robots.txt"] = lambda h: answer(h, 404, b"", "text/plain")
        fetcher = WebsiteFetcher(
            guard=AddressGuard(allowed_origins=parse_allowed_origins(server.url)),
            politeness=HostPoliteness(min_interval_s=0),
            **settings,
        )
        yield server, fetcher


def drip(h, data: bytes, every_s: float) -> None:
    for byte in data:
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(every_s)


def drip_status_line(h):
    drip(h, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X" * 100, 0.2)


def drip_headers(h):
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    for n in range(100):
        drip(h, f"X-Drip-{n}: 1\r\n".encode(), 0.02)


@pytest.mark.parametrize("handler", [drip_status_line, drip_headers], ids=["status", "headers"])
def test_a_response_whose_headers_never_end_is_cut_at_the_page_deadline(handler):
    # Each byte comes well within the read timeout: only a deadline over the whole
    # response stops it (before: held for as long as the server kept dripping).
    with hostile(read_timeout_s=5, page_deadline_s=1.0) as (server, fetcher):
        server.routes["/p/"] = handler
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == "deadline of 1 s passed before the response headers"
    assert page.status is None and not page.transient and page.content == b""
    assert page.elapsed_s < 2.0


def test_the_site_budget_cuts_headers_that_never_end():
    with hostile(read_timeout_s=5, page_deadline_s=10, site_budget_s=1.0) as (server, fetcher):
        server.routes["/p/"] = drip_headers
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == "site budget of 1 s spent before the response headers"
    assert page.elapsed_s < 2.0


def test_a_body_idle_just_under_the_read_timeout_is_cut_at_the_deadline_not_after():
    def idle_body(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        drip(h, b"<html><body>", 4.0)  # a byte, then 4 s of nothing, 5 s read timeout

    settings = {"read_timeout_s": 5, "page_deadline_s": 1.5, "low_speed_grace_s": 30}
    with hostile(**settings) as (server, fetcher):
        server.routes["/p/"] = idle_body
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == "deadline of 1.5 s passed" and page.truncated
    assert page.elapsed_s < 2.5  # before: the read blocked until the next byte, 4 s in


def test_endless_headers_are_a_malformed_response_not_a_transient_loss():
    def endless(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(10_000):
            h.wfile.write(f"X-H-{n}: {'v' * 100}\r\n".encode())

    with hostile() as (server, fetcher):
        server.routes["/p/"] = endless
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == "malformed response: HTTPException: got more than 100 headers"
    assert not page.transient


def test_a_content_coding_we_cannot_decode_is_not_read_as_html():
    # No brotli package: the client never offers br, and urllib3 would pass it through.
    body = bytes(range(256)) * 10
    with hostile() as (server, fetcher):
        server.routes["/p/"] = lambda h: answer(
            h, 200, body, "text/html", {"Content-Encoding": "br"}
        )
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == "unsupported content encoding (br)" and page.content == b""


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def chunked(h, first: bytes) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    h.wfile.write(chunk(first))
    h.wfile.flush()


def chunks_for_ever(h):
    chunked(h, b"<html><body>")
    for _ in range(10_000):
        h.wfile.write(chunk(b"B" * 65_000))


def chunks_then_silence(h):
    chunked(h, b"<html><body><p>office@chunked.example</p>")
    time.sleep(10)


def test_a_chunked_body_that_never_ends_is_cut_at_the_byte_cap():
    with hostile(max_bytes=300_000) as (server, fetcher):
        server.routes["/p/"] = chunks_for_ever
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.ok and page.truncated and len(page.content) == 300_000


def test_a_chunked_body_without_its_last_chunk_keeps_what_came():
    with hostile(read_timeout_s=0.5) as (server, fetcher):
        server.routes["/p/"] = chunks_then_silence
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == "read failed: ReadTimeoutError" and page.truncated
    assert b"office@chunked.example" in page.content and not page.transient


def bomb(wbits: int, megabytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = b"\0" * 1_000_000
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


@pytest.mark.parametrize(
    ("coding", "wbits"),
    [("gzip", 31), ("deflate", 15), ("deflate", -15), ("gzip, gzip", None)],
    ids=["gzip", "deflate-zlib", "deflate-raw", "gzip-twice"],
)
def test_a_decompression_bomb_is_cut_at_the_byte_cap_by_its_decoded_size(coding, wbits):
    body = gzip.compress(bomb(31, 300)) if wbits is None else bomb(wbits, 300)
    assert len(body) < 400_000  # 300 MB decoded
    with hostile(max_bytes=200_000) as (server, fetcher):
        server.routes["/p/"] = lambda h: answer(
            h, 200, body, "text/html", {"Content-Encoding": coding}
        )
        tracemalloc.start()
        try:
            page = fetcher.fetch(f"{server.url}/p/")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert page.truncated and len(page.content) == 200_000 and page.elapsed_s < 5
    assert peak < 30_000_000


def test_a_body_longer_than_its_content_length_does_not_leak_into_the_next_page():
    page = b"<html><body><p>office@honest.example</p></body></html>"
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 33\r\n\r\n"
    smuggled += b"<p>smuggled@evil.example</p>     "

    def lying(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "12")
        h.end_headers()
        h.wfile.write(page + smuggled)

    with hostile() as (server, fetcher):
        server.routes["/p/"] = lying
        server.routes["/contact/"] = lambda h: answer(h, 200, page, "text/html")
        first = fetcher.fetch(f"{server.url}/p/")
        second = fetcher.fetch(f"{server.url}/contact/")
    assert first.ok and first.content == page[:12]
    assert second.ok and second.content == page


# --- robots.txt that is slow, cut off or huge ---------------------------------------


def test_a_robots_txt_dripped_too_slowly_disallows_the_site():
    def slow_robots(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        drip(h, b"User-agent: *\nDisallow: /\n" + b"#" * 900, 0.5)

    with hostile(low_speed_grace_s=0.5) as (server, fetcher):
        server.routes["/robots.txt"] = slow_robots
        server.routes["/p/"] = lambda h: answer(h, 200, b"<html></html>", "text/html")
        page = fetcher.fetch(f"{server.url}/p/")
    # Before: the cut robots.txt was read as empty, allow all, and /p/ fetched.
    assert page.error.startswith("robots.txt unreadable: too slow: ")
    assert not page.transient and server.hits["/p/"] == 0


def test_a_robots_txt_whose_headers_never_end_disallows_the_site():
    with hostile(page_deadline_s=1.0) as (server, fetcher):
        server.routes["/robots.txt"] = drip_headers
        server.routes["/p/"] = lambda h: answer(h, 200, b"<html></html>", "text/html")
        page = fetcher.fetch(f"{server.url}/p/")
    assert page.error == (
        "robots.txt unreadable: deadline of 1 s passed before the response headers"
    )
    assert server.hits["/p/"] == 0


def test_a_huge_robots_txt_is_read_up_to_its_own_cap():
    rules = b"User-agent: *\nDisallow: /private/\n"
    robots = rules + b"# filler\n" * 100_000  # ~900 KB

    with hostile(robots_max_bytes=100_000) as (server, fetcher):
        server.routes["/robots.txt"] = lambda h: answer(h, 200, robots, "text/plain")
        server.routes["/*"] = lambda h: answer(h, 200, b"<html></html>", "text/html")
        assert fetcher.fetch(f"{server.url}/open/").ok
        assert fetcher.fetch(f"{server.url}/private/").error == "disallowed by robots.txt"


# --- names that resolve inside the network: decided by a stub resolver ---------------


class StubResolver:
    """Answers from a table, in turn; never asks the machine's resolver."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.answers:
            turns = self.answers[host]
            return turns.pop(0) if len(turns) > 1 else turns[0]
        ipaddress.ip_address(host)  # a literal address resolves to itself; a name fails
        return [host]


def test_a_redirect_to_a_name_that_resolves_privately_is_refused_before_connecting():
    resolver = StubResolver({"intranet.shop.example": [["10.20.30.40"]]})
    with loopback_server() as server:
        server.routes["/robots.txt"] = lambda h: answer(h, 404, b"", "text/plain")
        server.routes["/p/"] = lambda h: answer(
            h, 302, b"", "text/html", {"Location": "http://intranet.shop.example/admin"}
        )
        guard = AddressGuard(allowed_origins=parse_allowed_origins(server.url), resolver=resolver)
        page = WebsiteFetcher(guard=guard).fetch(f"{server.url}/p/")
    assert page.error == (
        "blocked: intranet.shop.example resolves to a non-public address (10.20.30.40)"
    )
    assert page.final_url == "http://intranet.shop.example/admin" and not page.transient
    assert resolver.asked.count("intranet.shop.example") == 1


def test_a_name_that_rebinds_between_check_and_connect_is_recorded_as_blocked():
    """The name passes the check before the request (loopback, allowed here), then
    resolves to a private address when the connection is made: refused there, and
    recorded as the guard's refusal, not a transient connection error."""
    with loopback_server() as server:
        port = int(server.url.rsplit(":", 1)[1])
        resolver = StubResolver({"rebind.example": [["127.0.0.1"], ["10.0.0.7"]]})
        guard = AddressGuard(
            allowed_origins=parse_allowed_origins(server.url),
            allowed_ports=frozenset({80, 443, port}),
            resolver=resolver,
        )
        page = WebsiteFetcher(guard=guard, respect_robots=False).fetch(
            f"http://rebind.example:{port}/p/"
        )
    # Before: "ConnectionError", transient, so the prospect was failed and retried.
    assert page.error == "blocked: rebind.example resolves to a non-public address (10.0.0.7)"
    assert not page.transient and resolver.asked == ["rebind.example", "rebind.example"]
    assert server.hits["/p/"] == 0
