"""Waiting for our own turn at a host is not the website being slow.

Found while checking scenario 3: after the database dropped its connections,
the shared rate limiter was slow for a few seconds, and pages that had
waited for it were cut off by the page deadline at 0 bytes and recorded as
read, so their prospects were "enriched" with nothing from the website. The
same happens whenever many runs share one quota. Websites now wait for the
host's politeness instead (its pace, its Crawl-delay): here one request every
two seconds at the host and a page deadline of one second, on a loopback site
that answers at once.
"""

import time

from leadgen_pipeline.clients.host_politeness import HostPoliteness
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_pipeline_tests.support.loopback import answer, loopback_server

PAGE = b"<html><body><p>Email office@quota-bakery.com</p></body></html>"


def test_a_page_that_queued_for_our_quota_is_read_in_full():
    with loopback_server() as server:
        server.routes["/robots.txt"] = lambda h: answer(h, 200, b"User-agent: *\n", "text/plain")
        server.routes["/site/"] = lambda h: answer(h, 200, PAGE, "text/html")
        fetcher = WebsiteFetcher(
            guard=AddressGuard(allowed_origins=parse_allowed_origins(server.url)),
            page_deadline_s=1.0,
            read_timeout_s=1.0,
            politeness=HostPoliteness(min_interval_s=2.0),
        )
        started = time.monotonic()
        # robots.txt takes the host's first turn; the page waits ~2 s for the second.
        page = fetcher.fetch(f"{server.url}/site/")
        waited = time.monotonic() - started
    assert waited > 1.0, "the host's pace did not make the page wait: the test proves nothing"
    if page.error and page.error.startswith("deadline") and not page.content:
        raise ProductBug(
            7,
            f"cut off after queueing {waited:.1f} s for our own turn: {page.error!r}, "
            f"{len(page.content)} bytes, the site answered at once",
        )
    assert page.ok and page.content == PAGE
