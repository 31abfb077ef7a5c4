"""Waiting for our own request quota is not the website being slow.

Found while checking scenario 3: after the database dropped its connections,
the shared rate limiter was slow for a few seconds, and pages that had
waited for it were cut off by the page deadline at 0 bytes and recorded as
read, so their prospects were "enriched" with nothing from the website. The
same happens whenever many runs share one quota. Here with the product's own
limiter (in memory: one request every two seconds) and a page deadline of one
second, on a loopback site that answers at once.
"""

import time

from leadgen_pipeline.clients.rate_limit import build_rate_limit
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_pipeline_tests.support.loopback import answer, loopback_server

PAGE = b"<html><body><p>Email office@quota-bakery.com</p></body></html>"


def test_a_page_that_queued_for_our_quota_is_read_in_full():
    rate_limit = build_rate_limit("reliability_web", 1, 2.0, database_url=None)
    try:
        with loopback_server() as server:
            server.routes["/robots.txt"] = lambda h: answer(
                h, 200, b"User-agent: *\n", "text/plain"
            )
            server.routes["/site/"] = lambda h: answer(h, 200, PAGE, "text/html")
            fetcher = WebsiteFetcher(
                guard=AddressGuard(allowed_origins=parse_allowed_origins(server.url)),
                page_deadline_s=1.0,
                read_timeout_s=1.0,
                rate_limit=rate_limit,
            )
            started = time.monotonic()
            # robots.txt takes the first slot; the page waits ~2 s for the second.
            page = fetcher.fetch(f"{server.url}/site/")
            waited = time.monotonic() - started
    finally:
        rate_limit.close()
    assert waited > 1.0, "the limiter did not make the page wait: the test proves nothing"
    if page.error and page.error.startswith("deadline") and not page.content:
        raise ProductBug(
            7,
            f"cut off after queueing {waited:.1f} s for our own quota: {page.error!r}, "
            f"{len(page.content)} bytes, the site answered at once",
        )
    assert page.ok and page.content == PAGE
