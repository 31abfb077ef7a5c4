"""Scenario 4c: hostile websites the sandbox does not serve, against the real fetcher.

The sandbox's hostile sites (huge, slow, redirect loop, private redirect,
binary, not found, broken HTML) are covered in enrichment/test_waterfall.py
and clients/test_web_fetcher.py. These are the rest: compressed pages and a
compression bomb, a robots.txt that errors, charsets that lie, a 10,000-level
DOM, script-only pages, a body cut short, redirects to other schemes and
other loopback ports, text built to make regexes backtrack. Every one must be
recorded and cut off, never raise, never hang. Redirect targets are loopback
or not network addresses at all: a broken guard could not send a packet out.
"""

import gzip
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.web import AddressGuard, FetchedPage, WebsiteFetcher
from leadgen_pipeline.clients.web import parse_allowed_origins as origins
from leadgen_pipeline.domain.places import Prospect
from leadgen_pipeline.domain.web_extraction import extract_page, trimmed_text
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings, enrich_prospect, enrich_website
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_pipeline_tests.support.loopback import LoopbackServer, answer, loopback_server

MAX_BYTES = 200_000
WITHIN_S = 5.0  # no page, however hostile, may hold the fetcher longer
HTML = "text/html; charset=utf-8"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        running.routes["/robots.txt"] = lambda h: answer(h, 404, b"", "text/plain")
        yield running


def fetcher_for(server: LoopbackServer) -> WebsiteFetcher:
    return WebsiteFetcher(
        guard=AddressGuard(allowed_origins=origins(server.url)),
        max_bytes=MAX_BYTES,
        page_deadline_s=2.0,
        read_timeout_s=1.0,
    )


def fetch(server: LoopbackServer, path: str) -> FetchedPage:
    started = time.monotonic()
    page = fetcher_for(server).fetch(f"{server.url}{path}")
    assert time.monotonic() - started < WITHIN_S, f"{path} held the fetcher too long"
    assert len(page.content) <= MAX_BYTES
    return page


def html_page(body: str) -> bytes:
    head = "<!DOCTYPE html><html><head><title>Bakery</title></head>"
    return f"{head}<body>{body}</body></html>".encode()


CONTACT = "<p>Email office@hostile-bakery.com or call (512) 555-0147.</p>"


def serve(
    server: LoopbackServer, path: str, body: bytes, content_type: str = HTML, **headers: str
) -> None:
    server.routes[path] = lambda h: answer(h, 200, body, content_type, headers)


# --- compression -------------------------------------------------------------


def serve_gzip_when_asked(server: LoopbackServer, path: str, plain: bytes) -> None:
    """As real servers do: gzip when the request's Accept-Encoding allows it."""

    def handler(h: Any) -> None:
        if "gzip" in (h.headers.get("Accept-Encoding") or ""):
            answer(h, 200, gzip.compress(plain), HTML, {"Content-Encoding": "gzip"})
        else:
            answer(h, 200, plain, HTML)

    server.routes[path] = handler


def test_a_gzip_compressed_page_is_read_as_html(server):
    serve_gzip_when_asked(server, "/gz/", html_page(CONTACT))
    page = fetch(server, "/gz/")
    sent_encoding = server.request_headers["/gz/"].get("Accept-Encoding")
    if page.content.startswith(b"\x1f\x8b"):
        raise ProductBug(
            3,
            f"the page came back gzip-compressed ({len(page.content)} bytes of deflate); "
            f"the client had sent Accept-Encoding: {sent_encoding!r}",
        )
    assert page.ok and b"office@hostile-bakery.com" in page.content
    emails = [f.value for f in extract_page(page.content, page.final_url, site_url=page.url).emails]
    assert emails == ["office@hostile-bakery.com"]


def test_a_gzip_bomb_is_cut_off_without_inflating_it_in_memory(server):
    # 100 MB of HTML-ish filler compresses to ~100 KB; a reader that inflated it
    # all would hold 100 MB at once.
    bomb = gzip.compress(b"<p>" + b"A" * 100_000_000, compresslevel=9)
    server.routes["/bomb/"] = lambda h: answer(h, 200, bomb, HTML, {"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        page = fetch(server, "/bomb/")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30_000_000, f"{peak / 1e6:.0f} MB held while reading a {len(bomb)} byte body"
    assert len(page.content) <= MAX_BYTES


# --- robots.txt ----------------------------------------------------------------


def test_a_robots_txt_that_answers_503_disallows_the_site(server):
    server.routes["/robots.txt"] = lambda h: answer(h, 503, b"busy", "text/plain")
    serve(server, "/private-area/", html_page(CONTACT))
    page = fetch(server, "/private-area/")
    if server.hits["/private-area/"]:
        raise ProductBug(4, f"fetched a page while robots.txt was unavailable: {page.error!r}")
    assert page.error and "robots.txt" in page.error


def test_a_robots_txt_that_is_missing_allows_the_site(server):
    serve(server, "/open/", html_page(CONTACT))
    assert fetch(server, "/open/").ok  # RFC 9309: 4xx means no restrictions


# --- charsets, depth, scripts, lying types -----------------------------------------


CP1252_LIE = (
    '<html><head><meta charset="utf-8"></head><body><p>Caf\xe9 owner Jos\xe9 Pe\xf1a, '
    "jose@cafe-pena.com, (512) 555-0123</p></body></html>"
).encode("cp1252")
UTF8_DECLARED_LATIN1 = (
    '<html><head><meta charset="iso-8859-1"></head><body><p>Café owner José Peña, '
    "jose@cafe-pena.com, (512) 555-0123</p></body></html>"
).encode()
UTF8_DECLARED_UTF16 = (
    '<html><head><meta charset="utf-16"></head><body><p>Café owner José Peña, '
    "jose@cafe-pena.com, (512) 555-0123</p></body></html>"
).encode()
BOGUS_CHARSET = (
    '<html><head><meta charset="x-no-such-charset"></head><body><p>Caf\xe9 owner '
    "Jos\xe9 Pe\xf1a, jose@cafe-pena.com, (512) 555-0123</p></body></html>"
).encode("cp1252")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (CP1252_LIE, HTML),  # says UTF-8 in <meta> and header, is windows-1252
        (UTF8_DECLARED_LATIN1, "text/html; charset=iso-8859-1"),
        (UTF8_DECLARED_UTF16, "text/html; charset=utf-16"),
        (BOGUS_CHARSET, "text/html; charset=x-no-such-charset"),
    ],
    ids=["cp1252-says-utf8", "utf8-says-latin1", "utf8-says-utf16", "unknown-charset"],
)
def test_a_page_whose_charset_lies_is_still_read_right(server, body, content_type):
    serve(server, "/lies/", body, content_type)
    page = fetch(server, "/lies/")
    assert page.ok
    extraction = extract_page(page.content, page.final_url, site_url=page.url)
    assert [f.value for f in extraction.emails] == ["jose@cafe-pena.com"]
    assert [f.value for f in extraction.phones] == ["+15125550123"]
    assert "Café owner José Peña" in extraction.text  # no mojibake, no U+FFFD


def test_a_ten_thousand_level_dom_under_the_byte_cap_is_parsed(server):
    depth = 10_000
    body = "<div>" * depth + CONTACT + "</div>" * depth
    document = html_page(body)
    assert len(document) < MAX_BYTES
    serve(server, "/deep/", document)
    page = fetch(server, "/deep/")
    started = time.monotonic()
    extraction = extract_page(page.content, page.final_url, site_url=page.url)
    assert time.monotonic() - started < WITHIN_S
    assert [f.value for f in extraction.emails] == ["office@hostile-bakery.com"]


def test_three_thousand_unclosed_microdata_scopes_are_parsed(server):
    scopes = '<div itemscope itemtype="https://schema.org/Organization">' * 3_000
    serve(server, "/scopes/", html_page(scopes + CONTACT))
    page = fetch(server, "/scopes/")
    assert page.truncated is False
    extraction = extract_page(page.content, page.final_url, site_url=page.url)
    assert [f.value for f in extraction.emails] == ["office@hostile-bakery.com"]


def test_a_script_only_page_yields_no_invented_contacts_and_no_script_text(server):
    js = (
        "<html><head><script>document.write('<p>hidden@script-only.com</p>')</script>"
        "<script src=/bundle.js></script></head><body><div id=root></div>"
        "<noscript>Please enable JavaScript.</noscript></body></html>"
    )
    serve(server, "/spa/", js.encode())
    page = fetch(server, "/spa/")
    assert page.ok
    extraction = extract_page(page.content, page.final_url, site_url=page.url)
    assert extraction.emails == () and extraction.phones == () and extraction.owners == ()
    text = trimmed_text([extraction], 6000)
    assert "document.write" not in text and "hidden@script-only.com" not in text


def test_binary_bytes_labelled_as_html_are_survived(server):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200
    serve(server, "/logo/", png)
    page = fetch(server, "/logo/")
    extraction = extract_page(page.content, page.final_url, site_url=page.url)
    assert extraction.emails == () and extraction.phones == ()


@pytest.mark.parametrize(
    "text",
    [
        "(512) 555-" * 20_000,  # a phone that never ends
        "+1 " * 60_000,
        "a@" * 100_000,  # an email that never ends
        "Owner John " * 20_000,  # an owner pattern repeated
        "info [at] " * 40_000,  # obfuscation markers with nothing between
    ],
    ids=["phone-prefixes", "plus-ones", "at-chain", "owner-pattern", "at-markers"],
)
def test_text_built_to_make_the_extractors_backtrack_is_read_in_bounded_time(server, text):
    serve(server, "/redos/", html_page(f"<p>{text}</p>"))
    page = fetch(server, "/redos/")
    started = time.monotonic()
    extract_page(page.content, page.final_url, site_url=page.url)
    assert time.monotonic() - started < WITHIN_S


# --- bodies cut short, redirects out -------------------------------------------------


def test_a_body_cut_short_of_its_content_length_is_recorded(server):
    def short(h: Any) -> None:
        h.send_response(200)
        h.send_header("Content-Type", HTML)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(html_page(CONTACT)[:60])
        h.wfile.flush()
        h.close_connection = True

    server.routes["/short/"] = short
    page = fetch(server, "/short/")
    assert page.error == "read failed: ProtocolError" and page.truncated


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("file:///etc/passwd", "blocked: only http(s) URLs"),
        ("javascript:alert(1)", "blocked: only http(s) URLs"),
        ("gopher://127.0.0.1:70/", "blocked: only http(s) URLs"),
        ("http://localhost:1/", "blocked: port 1 of localhost is not a web port"),
        ("http://127.0.0.2/", "blocked: 127.0.0.2 resolves to a non-public address"),
        ("http://[::1]/", "blocked: ::1 resolves to a non-public address"),
        ("http://0x7f000001/", "blocked: "),
    ],
)
def test_a_redirect_out_of_the_allowed_origin_is_refused_before_connecting(
    server, location, reason
):
    server.routes["/away/"] = lambda h: answer(h, 302, b"", HTML, {"Location": location})
    page = fetch(server, "/away/")
    assert page.error is not None and page.error.startswith(reason), page.error
    assert page.content == b""


# --- the waterfall over a hostile site ---------------------------------------------


def places_for(server: LoopbackServer) -> PlacesClient:
    """A real Places client; the listing has a phone and a website, so it is never called."""
    return PlacesClient(api_key="unused", base_url=server.url)


def prospect_at(website: str) -> Prospect:
    return Prospect(
        place_id="ChIJhostile0001",
        name="Hostile Bakery",
        formatted_address=None,
        latitude=None,
        longitude=None,
        primary_type="bakery",
        types=("bakery",),
        business_status="OPERATIONAL",
        phone_e164="+15125550100",
        national_phone="(512) 555-0100",
        website=website,
        google_maps_uri=None,
        rating=4.5,
        user_rating_count=10,
    )


def test_a_site_of_ten_thousand_links_is_crawled_within_the_page_budget(server):
    links = "".join(f'<a href="/many/contact-{i}/">Contact us {i}</a>' for i in range(10_000))
    serve(server, "/many/", html_page(links))
    server.routes["/many/contact-*"] = lambda h: answer(h, 200, html_page(CONTACT), HTML)
    settings = WaterfallSettings(max_pages_per_site=4)
    started = time.monotonic()
    outcome = enrich_prospect(
        prospect_at(f"{server.url}/many/"), places_for(server), fetcher_for(server), None, settings
    )
    assert time.monotonic() - started < 2 * WITHIN_S
    assert outcome.status == "enriched"
    assert len(outcome.report["pages"]) == 4
    assert sum(hits for path, hits in server.hits.items() if path.startswith("/many/")) == 4
    assert not any(path.startswith("/v1/") for path in server.hits)  # Places was not needed


def test_the_waterfall_keeps_the_listing_when_every_page_is_hostile(server):
    server.routes["/loop/"] = lambda h: answer(h, 302, b"", HTML, {"Location": "/loop/"})
    prospect = prospect_at(f"{server.url}/loop/")
    outcome = enrich_prospect(
        prospect, places_for(server), fetcher_for(server), None, WaterfallSettings()
    )
    assert outcome.status == "enriched"
    assert [c.kind for c in outcome.contacts] == ["phone", "website"]
    assert outcome.report["pages"][0]["error"] == "redirect loop"


def test_a_page_in_the_charset_of_its_header_only_is_read_in_it(server):
    # Cyrillic in windows-1251, said only by the header: read as windows-1252 before.
    body = "<html><body><p>Владелец Иван Петров</p></body></html>".encode("cp1251")
    serve(server, "/ru/", body, "text/html; charset=windows-1251")
    outcome = enrich_website(
        fetcher_for(server),
        None,
        f"{server.url}/ru/",
        business_name="Bakery",
        region="US",
        settings=WaterfallSettings(),
    )
    assert outcome.crawl.pages[0].text == "Владелец Иван Петров"


def test_a_page_nested_100000_deep_is_parsed_in_part_and_says_so(server):
    depth = 100_000
    serve(server, "/deep/", html_page(CONTACT + "<div>" * depth + "</div>" * depth))
    started = time.monotonic()
    outcome = enrich_website(
        WebsiteFetcher(
            guard=AddressGuard(allowed_origins=origins(server.url)), max_bytes=1_000_000
        ),
        None,
        f"{server.url}/deep/",
        business_name="Bakery",
        region="US",
        settings=WaterfallSettings(),
    )
    assert time.monotonic() - started < WITHIN_S  # before: 10.3 s in the parser
    assert outcome.report["pages"][0]["cut"] == "nested too deep: parsed up to 20,000 levels"
    assert [c.value for c in outcome.contacts if c.kind == "email"] == ["office@hostile-bakery.com"]
