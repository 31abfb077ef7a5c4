"""Enrich one prospect, cheapest source first: listing, Place Details, website, LLM.

Plain Python over the clients (no Dagster), so the Dagster assets stay thin
and the waterfall can be exercised directly against the sandbox.
"""

from dataclasses import dataclass
from typing import Any

from leadgen_pipeline.clients.llm import LLMClient
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.web import WebsiteFetcher
from leadgen_pipeline.domain.contacts import normalise_email, normalise_phone
from leadgen_pipeline.domain.enrichment import (
    EXTRACTION_SYSTEM_PROMPT,
    WEBSITE_EXTRACTION_SCHEMA_NAME,
    ContactValue,
    EnrichmentOutcome,
    WebsiteExtraction,
    extraction_prompt,
    needs_place_details,
    skip_reason,
    stated_in,
    with_details,
)
from leadgen_pipeline.domain.places import DETAILS_FIELD_MASK, Prospect
from leadgen_pipeline.domain.web_extraction import (
    PageExtraction,
    WebsiteContacts,
    combine,
    extract_page,
    reads_as_prose,
    trimmed_text,
)

LLM_SOURCE = f"llm:{WEBSITE_EXTRACTION_SCHEMA_NAME}"


@dataclass(frozen=True)
class WaterfallSettings:
    max_pages_per_site: int = 4
    llm_text_chars: int = 6000
    use_llm: bool = True
    region: str = "US"


def crawl_site(
    fetcher: WebsiteFetcher, home_url: str, max_pages: int, region: str
) -> tuple[list[PageExtraction], list[dict[str, Any]]]:
    """The home page and the contact/about pages it links to, within a page budget and the
    fetcher's time budget for the whole site (a page not started in time is not fetched)."""
    pages: list[PageExtraction] = []
    log: list[dict[str, Any]] = []
    queue, seen = [home_url], {home_url}
    site_deadline = fetcher.site_deadline()
    while queue and len(log) < max_pages:
        url = queue.pop(0)
        fetched = fetcher.fetch(url, site_deadline)
        log.append(
            {
                "url": url,
                "status": fetched.status,
                "bytes": len(fetched.content),
                "truncated": fetched.truncated,
                "error": fetched.error,
                "transient": fetched.transient,
            }
        )
        if not fetched.content or (fetched.error and not fetched.truncated):
            continue
        page = extract_page(
            fetched.content, fetched.final_url, site_url=home_url, default_region=region
        )
        pages.append(page)
        for link in page.follow_links:
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return pages, log


def _website_contacts(site: WebsiteContacts) -> list[ContactValue]:
    found = [*site.emails, *site.phones, *site.socials, *site.owners]
    return [ContactValue(f.kind, f.value, f"website:{f.method}", f.url, f.detail) for f in found]


def _llm_contacts(
    llm: LLMClient,
    prospect: Prospect,
    pages: list[PageExtraction],
    settings: WaterfallSettings,
    report: dict[str, Any],
) -> list[ContactValue]:
    """Ask the LLM for what the rules missed; keep only what the page text really states."""
    readable = [page for page in pages if reads_as_prose(page.text)]
    text = trimmed_text(readable, settings.llm_text_chars)
    if not text.strip():
        report["llm_skipped"] = "no page reads as text"
        return []
    report["sources"].append("llm")
    completion = llm.parse(
        WebsiteExtraction, EXTRACTION_SYSTEM_PROMPT, extraction_prompt(prospect.name, text)
    )
    answer = completion.parsed
    report["llm"] = {
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "cost_usd": completion.cost_usd,
        "text": text,  # what the model saw: the evidence the owner check reads
    }
    contacts = []
    if answer.owner_name:
        if stated_in(answer.owner_name, text):
            contacts.append(
                ContactValue(
                    "owner",
                    answer.owner_name.strip(),
                    LLM_SOURCE,
                    readable[0].url,
                    answer.owner_title,
                )
            )
        else:
            report["llm"]["discarded_owner"] = answer.owner_name
    if answer.email and (email := normalise_email(answer.email)) and email in text.lower():
        contacts.append(ContactValue("email", email, LLM_SOURCE, readable[0].url))
    if answer.phone and (phone := normalise_phone(answer.phone, settings.region)):
        contacts.append(ContactValue("phone", phone, LLM_SOURCE, readable[0].url))
    return contacts


def enrich_prospect(
    prospect: Prospect,
    places: PlacesClient,
    fetcher: WebsiteFetcher,
    llm: LLMClient | None,
    settings: WaterfallSettings,
) -> EnrichmentOutcome:
    """Run the waterfall for one prospect. API errors propagate: the caller records a failure."""
    report: dict[str, Any] = {"sources": ["places_search"]}
    listing = None
    if needs_place_details(prospect):
        details = places.place_details(prospect.place_id, DETAILS_FIELD_MASK)
        prospect = listing = with_details(prospect, details, settings.region)
        report["sources"].append("place_details")
    if reason := skip_reason(prospect):
        return EnrichmentOutcome("skipped", reason=reason, report=report, listing=listing)

    contacts: list[ContactValue] = []
    listing_source = report["sources"][-1]
    if prospect.phone_e164:
        contacts.append(ContactValue("phone", prospect.phone_e164, listing_source))
    if prospect.website:
        contacts.append(ContactValue("website", prospect.website, listing_source))
        pages, page_log = crawl_site(
            fetcher, prospect.website, settings.max_pages_per_site, settings.region
        )
        report["pages"] = page_log
        if lost := next((page for page in page_log if page["transient"]), None):
            # A page the site may serve later (429, 5xx, no answer): fail the
            # prospect so the retry schedule comes back, rather than enrich it
            # without that page's email or owner.
            reason = f"website unavailable: {lost['error']} at {lost['url']}"
            return EnrichmentOutcome("failed", reason=reason, report=report, listing=listing)
        if pages:
            report["sources"].append("website")
            site = combine(pages, site_url=prospect.website, business_name=prospect.name)
            contacts += _website_contacts(site)
            if llm is not None and settings.use_llm and not site.owners:
                contacts += _llm_contacts(llm, prospect, pages, settings, report)
    return EnrichmentOutcome("enriched", tuple(contacts), report=report, listing=listing)
