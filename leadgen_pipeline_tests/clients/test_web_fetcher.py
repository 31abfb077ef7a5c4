"""The website fetcher against the sandbox's hostile pages: cut off and recorded, never raised."""

import time
from contextlib import contextmanager

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
