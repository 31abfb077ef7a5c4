"""The business websites server: pages shaped for extraction, robots.txt, hostile pages."""

import html
import time

import pytest
import requests

from leadgen_sandbox import Business, HostileKind, Sandbox
from leadgen_sandbox.dataset import EmailStyle, JsonLdStyle, OwnerStyle, PhoneStyle
from leadgen_sandbox.site_pages import owner_private_email
from leadgen_sandbox_tests.support import PLUMBERS_AUSTIN

KNOWN_QUERIES = (
    PLUMBERS_AUSTIN,
    "electrician in Austin, TX",
    "dentist in Denver, CO",
    "roofer in Portland, OR",
    "bakery in Springfield, IL",
)


@pytest.fixture(scope="module")
def sites(sandbox: Sandbox) -> list[Business]:
    return [
        business
        for query in KNOWN_QUERIES
        for business in sandbox.dataset.businesses_for_query(query)
        if business.site
    ]


def get_site_text(http: requests.Session, business: Business, page: str = "") -> str:
    assert business.website_uri is not None
    response = http.get(business.website_uri + page)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    return response.text


def site_text(http: requests.Session, business: Business) -> str:
    """Every public page of a site, joined."""
    site = business.site
    assert site is not None
    pages = [""] + [p.path for p in (site.contact_page, site.about_page) if p]
    return "\n".join(get_site_text(http, business, page) for page in pages)


def cloudflare_decode(encoded: str) -> str:
    key = int(encoded[:2], 16)
    return bytes(int(encoded[i : i + 2], 16) ^ key for i in range(2, len(encoded), 2)).decode()


def test_home_links_to_contact_and_about_pages(
    sites: list[Business], http: requests.Session
) -> None:
    business = next(b for b in sites if b.site.contact_page and b.site.about_page)
    home = get_site_text(http, business)
    assert f'href="{business.site.contact_page.path}"' in home
    assert f'href="{business.site.about_page.path}"' in home
    assert business.site.contact_page.link_text in home
    contact = get_site_text(http, business, business.site.contact_page.path)
    assert "<form" in contact


def test_link_texts_and_paths_vary(sites: list[Business]) -> None:
    contact_paths = {b.site.contact_page.path for b in sites if b.site.contact_page}
    about_texts = {b.site.about_page.link_text for b in sites if b.site.about_page}
    assert {"contact/", "get-in-touch/"} <= contact_paths
    assert {"About", "Our story", "Meet the team"} <= about_texts
    assert any(b.site.contact_page is None for b in sites)


@pytest.mark.parametrize("style", list(EmailStyle))
def test_emails_appear_in_each_style(
    sites: list[Business], http: requests.Session, style: EmailStyle
) -> None:
    business = next(b for b in sites if b.site.email_style is style)
    text = site_text(http, business)
    local, domain = business.email.split("@")
    match style:
        case EmailStyle.MAILTO:
            assert f'href="mailto:{business.email}"' in text
        case EmailStyle.PLAIN:
            assert business.email in text
        case EmailStyle.BRACKET_AT:
            assert f"{local} [at] " in text and " [dot] com" in text
        case EmailStyle.PAREN_AT:
            assert f"{local}(at){domain}" in text
        case EmailStyle.HTML_ENTITIES:
            assert business.email not in text
            assert business.email in html.unescape(text)
        case EmailStyle.CLOUDFLARE:
            encoded = text.split('data-cfemail="')[1].split('"')[0]
            assert cloudflare_decode(encoded) == business.email
            assert business.email not in text
        case EmailStyle.NONE:
            assert business.email not in html.unescape(text)
            assert f"{local}(at)" not in text and f"{local} [at]" not in text


def test_phone_formats(sites: list[Business], http: requests.Session) -> None:
    tel = next(b for b in sites if b.site.phone_style is PhoneStyle.TEL_LINK)
    assert f'href="tel:{tel.phone_e164}"' in get_site_text(http, tel)
    dots = next(b for b in sites if b.site.phone_style is PhoneStyle.DOTS)
    digits = dots.phone_e164.removeprefix("+1")
    assert f"{digits[:3]}.{digits[3:6]}.{digits[6:]}" in get_site_text(http, dots)


def test_structured_data(sites: list[Business], http: requests.Session) -> None:
    graph = next(b for b in sites if b.site.json_ld is JsonLdStyle.GRAPH_WITH_FOUNDER)
    home = get_site_text(http, graph)
    assert "application/ld+json" in home and '"@graph"' in home and graph.owner_name in home
    microdata = next(b for b in sites if b.site.microdata)
    assert 'itemtype="https://schema.org/PostalAddress"' in get_site_text(http, microdata)
    social = next(b for b in sites if b.social_profiles)
    assert social.social_profiles[0].url in get_site_text(http, social)


def test_owner_statements(sites: list[Business], http: requests.Session) -> None:
    founded = next(b for b in sites if b.site.owner_style is OwnerStyle.FOUNDED_BY)
    assert f"by {founded.owner_name}" in site_text(http, founded)
    card = next(b for b in sites if b.site.owner_style is OwnerStyle.TEAM_CARD)
    assert f"<h3>{card.owner_name}</h3><p>{card.owner_title} &amp; " in site_text(http, card)
    prose = [b for b in sites if b.site.owner_style is OwnerStyle.PROSE_ONLY]
    assert len(prose) >= 0.2 * len(sites)
    text = site_text(http, prose[0])
    assert text.count(prose[0].owner_name) == 1
    assert "Owner:" not in text and "Founded in" not in text


def test_robots_txt(sandbox: Sandbox, http: requests.Session) -> None:
    response = http.get(f"{sandbox.web_url}/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /sites/*/private/" in response.text
    for slug in sandbox.dataset.robots_disallowed_slugs:
        assert f"Disallow: /sites/{slug}/\n" in response.text


def test_private_page_and_unknown_paths(sites: list[Business], http: requests.Session) -> None:
    business = sites[0]
    private = get_site_text(http, business, "private/")
    assert owner_private_email(business) in private
    assert http.get(business.website_uri + "no-such-page/").status_code == 404
    assert http.get(business.website_uri.replace("/sites/", "/sites/zz")).status_code == 404
    bare = http.get(business.website_uri.rstrip("/"), allow_redirects=False)
    assert bare.status_code == 301 and bare.headers["Location"] == business.site.path
    head = http.head(business.website_uri)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) > 0


def hostile_url(sandbox: Sandbox, kind: HostileKind) -> str:
    return f"{sandbox.web_url}/hostile/{kind}/"


def test_hostile_sites_are_websites_of_dataset_businesses(
    sandbox: Sandbox, sites: list[Business]
) -> None:
    hostile_uris = {
        b.website_uri
        for query in KNOWN_QUERIES
        for b in sandbox.dataset.businesses_for_query(query)
        if b.hostile
    }
    assert hostile_uris == {hostile_url(sandbox, kind) for kind in HostileKind}


def test_huge_page_streams_twenty_megabytes(sandbox: Sandbox, http: requests.Session) -> None:
    limit = 256 * 1024
    with http.get(hostile_url(sandbox, HostileKind.HUGE), stream=True, timeout=5) as response:
        assert int(response.headers["Content-Length"]) == 20 * 1024 * 1024
        received = b""
        for chunk in response.iter_content(65536):
            received += chunk
            if len(received) >= limit:
                break
    assert len(received) >= limit


def test_slow_page_drips_a_byte_a_second(sandbox: Sandbox, http: requests.Session) -> None:
    with http.get(hostile_url(sandbox, HostileKind.SLOW), stream=True, timeout=5) as response:
        assert response.headers["Content-Length"] == "60"
        started = time.monotonic()
        assert response.raw.read(1) == b"<"
        assert response.raw.read(1) == b"!"
        assert time.monotonic() - started >= 0.8
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(hostile_url(sandbox, HostileKind.SLOW), timeout=(2, 0.3)).content  # noqa: B018


def test_redirects(sandbox: Sandbox, http: requests.Session) -> None:
    http.max_redirects = 5
    with pytest.raises(requests.TooManyRedirects):
        http.get(hostile_url(sandbox, HostileKind.REDIRECT_LOOP))
    # Never followed: the target is a private address a client must refuse.
    private = http.get(hostile_url(sandbox, HostileKind.REDIRECT_PRIVATE), allow_redirects=False)
    assert private.status_code == 302
    assert private.headers["Location"] == "http://10.255.255.1/"


def test_binary_not_found_broken_and_garbage_html(sandbox: Sandbox, http: requests.Session) -> None:
    binary = http.get(hostile_url(sandbox, HostileKind.BINARY))
    assert binary.headers["Content-Type"] == "application/octet-stream"
    assert binary.content.startswith(b"%PDF")
    assert http.get(hostile_url(sandbox, HostileKind.NOT_FOUND)).status_code == 404
    broken = http.get(hostile_url(sandbox, HostileKind.BROKEN_HTML))
    assert broken.status_code == 200
    assert "charset=utf-8" in broken.headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        broken.content.decode("utf-8")
    assert b"office@broken-markup-demo.com" in broken.content
    garbage = http.get(hostile_url(sandbox, HostileKind.GARBAGE_HTML))
    assert garbage.headers["Content-Type"].startswith("text/html")
    assert garbage.content == binary.content
