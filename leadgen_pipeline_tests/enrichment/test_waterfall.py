"""The waterfall for single prospects, on the sandbox, with the real clients."""

from dataclasses import replace

import pytest

from leadgen_pipeline.clients.dns import MailDomainResolver, parse_resolvers
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, prospect_from_place
from leadgen_pipeline.enrichment.waterfall import (
    LLM_SOURCE,
    NOT_LISTED,
    WaterfallSettings,
    enrich_prospect,
    enrich_website,
)
from leadgen_pipeline_tests.support.prospects import prospect
from leadgen_sandbox import HostileKind
from leadgen_sandbox.corpus.score import serve_corpus
from leadgen_sandbox.dns import domain_state

SETTINGS = WaterfallSettings()


KNOWN_QUERIES = ("plumber in Austin, TX", "electrician in Austin, TX", "dentist in Denver, CO")


def listing(sandbox, places, business):
    """The prospect exactly as its search lists it (a real search response, normalised)."""
    query = next(
        q
        for q in KNOWN_QUERIES
        if any(b.place_id == business.place_id for b in sandbox.dataset.businesses_for_query(q))
    )
    for page in places.search_text_pages(query, SEARCH_FIELD_MASK):
        for place in page.places:
            if place["id"] == business.place_id:
                return prospect_from_place(place)
    raise AssertionError(f"{business.name} is past the result cap of {query!r}")


def businesses(sandbox, query="plumber in Austin, TX"):
    return sandbox.dataset.businesses_for_query(query)[:60]


def contacts_of(outcome, kind):
    return [c for c in outcome.contacts if c.kind == kind]


def test_when_rules_find_the_owner_the_llm_is_not_called(sandbox, places, fetcher, llm):
    business = next(
        b
        for b in businesses(sandbox)
        if b.site
        and b.site.owner_findable_by_rules
        and b.business_status == "OPERATIONAL"
        and not b.site.robots_disallowed
    )
    outcome = enrich_prospect(listing(sandbox, places, business), places, fetcher, llm, SETTINGS)
    assert outcome.status == "enriched"
    owner = contacts_of(outcome, "owner")[0]
    assert owner.value == f"{business.owner_first_name} {business.owner_last_name}"
    assert llm.usage.snapshot()["calls"] == 0
    assert "llm" not in outcome.report["sources"]
    assert owner.source.startswith("website:") and owner.url.startswith(sandbox.web_url)


def test_when_only_prose_names_the_owner_the_llm_finds_it_in_the_text(
    sandbox, places, fetcher, llm
):
    business = next(
        b
        for b in businesses(sandbox)
        if b.site
        and not b.site.owner_findable_by_rules
        and b.business_status == "OPERATIONAL"
        and not b.site.robots_disallowed
        and b.site.about_page is not None
    )
    outcome = enrich_prospect(listing(sandbox, places, business), places, fetcher, llm, SETTINGS)
    [owner] = contacts_of(outcome, "owner")
    assert owner.source == LLM_SOURCE
    assert owner.value == f"{business.owner_first_name} {business.owner_last_name}"
    assert owner.value in outcome.report["llm"]["text"]
    assert llm.usage.snapshot()["calls"] == 1


def test_emails_phones_and_socials_come_with_their_provenance(sandbox, places, fetcher):
    business = next(
        b
        for b in businesses(sandbox)
        if b.site
        and b.social_profiles
        and not b.site.robots_disallowed
        and b.business_status == "OPERATIONAL"
        and b.site.email_style.value != "none"
    )
    outcome = enrich_prospect(listing(sandbox, places, business), places, fetcher, None, SETTINGS)
    emails = [c.value for c in contacts_of(outcome, "email")]
    assert business.email in emails
    socials = {c.kind for c in outcome.contacts if c.kind.startswith("social:")}
    assert socials
    assert all(c.url for c in outcome.contacts if c.source.startswith("website:"))


def test_a_closed_business_is_skipped_without_spending(sandbox, places, fetcher, llm):
    business = next(b for b in businesses(sandbox) if b.business_status == "CLOSED_PERMANENTLY")
    outcome = enrich_prospect(listing(sandbox, places, business), places, fetcher, llm, SETTINGS)
    assert (outcome.status, outcome.reason) == ("skipped", "closed permanently")
    assert fetcher.usage.snapshot()["calls"] == 0


def test_a_listing_without_phone_or_website_buys_place_details_first(sandbox, places, fetcher):
    business = businesses(sandbox)[0]
    bare = replace(listing(sandbox, places, business), phone_e164=None, website=None)
    before = places.usage.snapshot()["calls"]
    outcome = enrich_prospect(bare, places, fetcher, None, SETTINGS)
    assert places.usage.snapshot()["calls"] == before + 1
    assert outcome.report["sources"][:2] == ["places_search", "place_details"]
    assert outcome.listing is not None


def test_a_place_google_no_longer_knows_is_skipped_not_retried(sandbox, places, fetcher):
    business = businesses(sandbox)[0]
    gone = replace(
        listing(sandbox, places, business), place_id="ChIJ-obsolete", phone_e164=None, website=None
    )
    outcome = enrich_prospect(gone, places, fetcher, None, SETTINGS)
    assert (outcome.status, outcome.reason) == ("skipped", NOT_LISTED)
    assert outcome.report["sources"] == ["places_search", "place_details"]
    assert fetcher.usage.snapshot()["calls"] == 0


@pytest.mark.parametrize("kind", list(HostileKind))
def test_hostile_websites_are_cut_off_and_recorded(sandbox, places, fetcher, kind):
    business = next(
        b
        for q in KNOWN_QUERIES[:2]
        for b in sandbox.dataset.businesses_for_query(q)[:60]
        if b.hostile == kind
    )
    prospect = replace(listing(sandbox, places, business), business_status="OPERATIONAL")
    outcome = enrich_prospect(prospect, places, fetcher, None, SETTINGS)
    assert outcome.status == "enriched"  # the listing's phone still makes it a lead
    first_page = outcome.report["pages"][0]
    expected = {
        HostileKind.HUGE: lambda p: p["truncated"] and p["bytes"] <= 200_000,
        # Cut off by the page deadline, or by the read timeout when the drip stalls.
        HostileKind.SLOW: lambda p: "deadline" in p["error"] or "ReadTimeout" in p["error"],
        HostileKind.REDIRECT_LOOP: lambda p: (
            p["error"] in ("redirect loop", "more than 5 redirects")
        ),
        HostileKind.REDIRECT_PRIVATE: lambda p: (
            p["error"].startswith("blocked: ") and "10.255.255.1" in p["error"]
        ),
        HostileKind.BINARY: lambda p: p["error"].startswith("not an HTML page"),
        HostileKind.NOT_FOUND: lambda p: p["error"] == "HTTP 404",
        HostileKind.BROKEN_HTML: lambda p: p["error"] is None,
        HostileKind.GARBAGE_HTML: lambda p: p["error"] is None and p["truncated"],
    }[kind]
    assert expected(first_page), first_page


def test_a_page_that_does_not_read_as_text_is_not_sent_to_the_llm(sandbox, places, fetcher, llm):
    business = next(
        b
        for b in sandbox.dataset.businesses_for_query("electrician in Austin, TX")
        if b.hostile == HostileKind.GARBAGE_HTML
    )
    prospect = replace(listing(sandbox, places, business), business_status="OPERATIONAL")
    outcome = enrich_prospect(prospect, places, fetcher, llm, SETTINGS)
    assert outcome.report["sources"] == ["places_search", "website"]
    assert outcome.report["llm_skipped"] == "no page reads as text"
    assert llm.usage.snapshot()["calls"] == 0


def test_robots_txt_is_respected(sandbox, places, fetcher):
    business = next(b for b in businesses(sandbox) if b.site and b.site.robots_disallowed)
    outcome = enrich_prospect(listing(sandbox, places, business), places, fetcher, None, SETTINGS)
    assert outcome.report["pages"][0]["error"] == "disallowed by robots.txt"
    assert not contacts_of(outcome, "email")


def test_a_prospect_abroad_is_read_in_its_own_country_with_typed_contacts(places, sandbox):
    """A German bakery found by a search whose region is the US: its phones are German."""
    with serve_corpus() as base:
        fetcher = WebsiteFetcher(guard=AddressGuard(allowed_origins=parse_allowed_origins(base)))
        mail_domains = MailDomainResolver(parse_resolvers(sandbox.dns_address), timeout_s=1.0)
        bakery = prospect(
            "ChIJbaeckerei",
            "Bäckerei Schmidt",
            phone_e164="+49301234567",
            national_phone="030 1234567",
            website=f"{base}/de-baeckerei-schmidt/",
            country_code="DE",
        )
        outcome = enrich_prospect(
            bakery, places, fetcher, None, WaterfallSettings(region="US"), mail_domains
        )
    assert outcome.status == "enriched"
    phones = contacts_of(outcome, "phone")
    assert {(c.value, c.contact_type) for c in phones} == {("+49301234567", "landline")}
    [email, *_] = contacts_of(outcome, "email")
    assert email.value == "info@baeckerei-schmidt.de"
    assert email.signals["deliverable"] == (
        "no" if domain_state("baeckerei-schmidt.de") == "none" else "yes"
    )
    assert email.signals["role_account"] is True
    [credit] = contacts_of(outcome, "other_email")
    assert credit.value == "kontakt@pixelwerk-medien.de"
    assert {c.contact_type for c in outcome.contacts if c.kind.startswith("social:")} == {
        "business"
    }
    [owner] = contacts_of(outcome, "owner")
    assert (owner.value, owner.detail) == ("Lena Schmidt", "Geschäftsführerin")
    assert places.usage.snapshot()["calls"] == 0


def test_without_a_resolver_deliverability_is_unknown_and_nothing_is_looked_up(places):
    with serve_corpus() as base:
        fetcher = WebsiteFetcher(guard=AddressGuard(allowed_origins=parse_allowed_origins(base)))
        settings = WaterfallSettings(region="GB")
        site = enrich_website(
            fetcher,
            None,
            f"{base}/uk-the-larder/",
            business_name=None,
            region="GB",
            settings=settings,
        )
    [email] = [c for c in site.contacts if c.kind == "email"]
    assert email.signals["deliverable"] == "unknown"
    assert email.signals["free_mail"] is True
