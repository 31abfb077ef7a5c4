"""Enrich one prospect, cheapest source first: listing, Place Details, website, LLM.

Plain Python over the clients (no Dagster), so the Dagster assets stay thin
and the waterfall can be exercised directly against the sandbox. The website
part (`enrich_website`) is also what `leadgen enrich-website` runs on one site.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.domain.contacts import normalise_email, normalise_phone, phone_type
from leadgen_pipeline.domain.deliverability import email_signals
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
    PAGE_TOPICS,
    PageExtraction,
    WebsiteContacts,
    combine,
    document_key,
    extract_page,
    reads_as_prose,
    trimmed_text,
)

if TYPE_CHECKING:  # the clients are passed in; importing openai costs a CLI run 2 s
    from leadgen_pipeline.clients.dns import MailDomainResolver
    from leadgen_pipeline.clients.llm import LLMClient
    from leadgen_pipeline.clients.places import PlacesClient
    from leadgen_pipeline.clients.web import WebsiteFetcher

LLM_SOURCE = f"llm:{WEBSITE_EXTRACTION_SCHEMA_NAME}"


@dataclass(frozen=True)
class WaterfallSettings:
    # The home page and up to five pages it links to: contact, legal notice, about, team.
    max_pages_per_site: int = 6
    llm_text_chars: int = 6000
    use_llm: bool = True
    # Phone numbers are read in each prospect's own country (Prospect.country_code);
    # this stands in only for a prospect whose country Places did not tell. None: the
    # site's own hints (its language, its domain), else the US.
    region: str | None = None


@dataclass(frozen=True)
class SiteCrawl:
    """What a crawl read, what it fetched (and why), and the links it left (and why)."""

    pages: list[PageExtraction]
    log: list[dict[str, Any]]  # one entry per fetch: url, reason, status, bytes, error...
    skipped: list[dict[str, str]]  # url, reason
    region: str  # the country national phone numbers were read in


def crawl_site(
    fetcher: WebsiteFetcher, home_url: str, max_pages: int, region: str | None
) -> SiteCrawl:
    """The home page and the pages it links to that name the business's people and contacts.

    Links are fetched by topic (contact, legal notice, about, team; see
    `web_extraction.PAGE_TOPICS`), best first across every page read so far,
    until the page budget or the fetcher's time budget for the whole site is spent (a page
    not started in time is not fetched). With no ``region``, national phone numbers are
    read in the country the home page says it is for (its lang, its domain), else the US.
    """
    pages: list[PageExtraction] = []
    log: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    queue: list[tuple[int, int, str, str]] = [(-1, 0, home_url, "home page")]
    seen = {document_key(home_url)}
    # One page of each topic first, then the second of each: a site's "About" and "Our
    # story" do not use up the budget before its contact page is read.
    queued_by_topic: Counter[str] = Counter()
    site_deadline = fetcher.site_deadline()
    while queue:
        _, _, url, reason = heapq.heappop(queue)
        if len(log) >= max_pages:
            skipped.append({"url": url, "reason": f"page budget of {max_pages} reached ({reason})"})
            continue
        fetched = fetcher.fetch(url, site_deadline)
        log.append(
            {
                "url": url,
                "reason": reason,
                "status": fetched.status,
                "bytes": len(fetched.content),
                "truncated": fetched.truncated,
                "error": fetched.error,
                "transient": fetched.transient,
            }
        )
        if not fetched.content or (fetched.error and not fetched.truncated):
            continue
        read = {"site_url": home_url, "charset": fetched.charset}
        page = extract_page(
            fetched.content, fetched.final_url, default_region=region or "US", **read
        )
        if region is None:
            region = page.region_hint or "US"
            page = extract_page(fetched.content, fetched.final_url, default_region=region, **read)
        if page.cut:
            log[-1]["cut"] = page.cut  # parsed only in part (nested too deep)
        pages.append(page)
        seen.add(document_key(page.url))
        for link in page.links:
            key = document_key(link.url)
            if key in seen:
                continue
            seen.add(key)
            priority = queued_by_topic[link.topic] * len(PAGE_TOPICS) + link.priority
            queued_by_topic[link.topic] += 1
            heapq.heappush(queue, (priority, len(seen), link.url, link.reason))
        skipped += [{"url": url, "reason": why} for url, why in page.skipped_links]
    return SiteCrawl(pages, log, _unique(skipped), region or "US")


def _unique(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry["url"] not in seen:
            seen.add(entry["url"])
            unique.append(entry)
    return unique


def website_contacts(site: WebsiteContacts) -> list[ContactValue]:
    """Every value the rules found, best first within each kind, with its provenance; a
    phone's line type and a profile's holder as the contact's type."""
    contacts = [
        ContactValue(f.kind, f.value, f"website:{f.method}", f.url, f.detail)
        for f in (*site.emails, *site.other_emails, *site.owners)
    ]
    contacts += [
        ContactValue(f.kind, f.value, f"website:{f.method}", f.url, contact_type=f.detail)
        for f in (*site.phones, *site.socials)
    ]
    return contacts


def with_email_signals(
    contacts: Sequence[ContactValue], mail_domains: MailDomainResolver | None
) -> list[ContactValue]:
    """Emails with their deliverability signals; their domains looked up once each, and
    not at all without a resolver (the verdict is then "unknown"). Phones get their type."""
    typed = []
    for contact in contacts:
        if contact.kind in ("email", "other_email"):
            domain = contact.value.rpartition("@")[2]
            state = mail_domains.mail_domain(domain) if mail_domains is not None else "unknown"
            contact = replace(contact, signals=email_signals(contact.value, state).as_dict())
        elif contact.kind == "phone" and contact.contact_type is None:
            contact = replace(contact, contact_type=phone_type(contact.value))
        typed.append(contact)
    return typed


def _llm_contacts(
    llm: LLMClient,
    business_name: str,
    pages: list[PageExtraction],
    settings: WaterfallSettings,
    region: str,
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
        WebsiteExtraction, EXTRACTION_SYSTEM_PROMPT, extraction_prompt(business_name, text)
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
    if answer.phone and (phone := normalise_phone(answer.phone, region)):
        contacts.append(ContactValue("phone", phone, LLM_SOURCE, readable[0].url))
    return contacts


@dataclass
class WebsiteEnrichment:
    """The website part of the waterfall for one site."""

    crawl: SiteCrawl
    site: WebsiteContacts | None  # None when no page could be read
    contacts: list[ContactValue] = field(default_factory=list)  # rules first, then the LLM's
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.crawl.region

    @property
    def lost_page(self) -> dict[str, Any] | None:
        """A page the site may serve later (429, 5xx, no answer)."""
        return next((page for page in self.crawl.log if page["transient"]), None)


def enrich_website(
    fetcher: WebsiteFetcher,
    llm: LLMClient | None,
    website: str,
    *,
    business_name: str | None,
    region: str | None,
    settings: WaterfallSettings,
    report: dict[str, Any] | None = None,
    mail_domains: MailDomainResolver | None = None,
) -> WebsiteEnrichment:
    """Crawl a business's site, read it with the rules, and ask the LLM only for a missing owner.

    ``report`` (the prospect's enrichment report) gets the pages, the skipped links and
    what the LLM was given.
    """
    report = report if report is not None else {"sources": []}
    crawl = crawl_site(fetcher, website, settings.max_pages_per_site, region)
    report["pages"] = crawl.log
    report["skipped"] = crawl.skipped
    outcome = WebsiteEnrichment(crawl, None, report=report)
    if outcome.lost_page or not crawl.pages:
        return outcome
    report["sources"].append("website")
    site = combine(crawl.pages, site_url=website, business_name=business_name)
    outcome.site = site
    outcome.contacts = website_contacts(site)
    if llm is not None and settings.use_llm and not site.owners:
        name = business_name or site.business_name or website
        outcome.contacts += _llm_contacts(llm, name, crawl.pages, settings, crawl.region, report)
    outcome.contacts = with_email_signals(outcome.contacts, mail_domains)
    return outcome


NOT_LISTED = "no longer on Google Places (Place Details: 404 NOT_FOUND)"


def enrich_prospect(
    prospect: Prospect,
    places: PlacesClient,
    fetcher: WebsiteFetcher,
    llm: LLMClient | None,
    settings: WaterfallSettings,
    mail_domains: MailDomainResolver | None = None,
) -> EnrichmentOutcome:
    """Run the waterfall for one prospect. An API that fails (after its client's retries)
    fails the prospect, with the sources tried so far in the report: a call that failed
    was still needed, and counted.

    National numbers are read in the prospect's own country; emails get deliverability
    signals from ``mail_domains`` (no resolver: "unknown").
    """
    report: dict[str, Any] = {"sources": ["places_search"]}
    listing = None
    if needs_place_details(prospect):
        report["sources"].append("place_details")
        try:
            details = places.place_details(prospect.place_id, DETAILS_FIELD_MASK)
        except ProviderError as error:
            if error.status == 404 and error.reason == "NOT_FOUND":
                # Google's google.rpc.Status NOT_FOUND: the place was removed or its id
                # made obsolete, and asking again later gets the same answer. (A 404 page
                # that is not Google's JSON, a wrong address, still fails.)
                return EnrichmentOutcome("skipped", reason=NOT_LISTED, report=report)
            return EnrichmentOutcome("failed", reason=str(error), report=report)
        prospect = listing = with_details(prospect, details)
    if reason := skip_reason(prospect):
        return EnrichmentOutcome("skipped", reason=reason, report=report, listing=listing)

    contacts: list[ContactValue] = []
    listing_source = report["sources"][-1]
    if prospect.phone_e164:
        contacts.append(
            ContactValue(
                "phone",
                prospect.phone_e164,
                listing_source,
                contact_type=phone_type(prospect.phone_e164),
            )
        )
    if prospect.website:
        contacts.append(ContactValue("website", prospect.website, listing_source))
        try:
            website = enrich_website(
                fetcher,
                llm,
                prospect.website,
                business_name=prospect.name,
                region=prospect.country_code or settings.region,
                settings=settings,
                report=report,
                mail_domains=mail_domains,
            )
        except ProviderError as error:  # the LLM, the website part's one API, did not answer
            report["llm"] = {"error": str(error)}
            return EnrichmentOutcome("failed", reason=str(error), report=report, listing=listing)
        if lost := website.lost_page:
            # A page the site may serve later (429, 5xx, no answer): fail the
            # prospect so the retry schedule comes back, rather than enrich it
            # without that page's email or owner.
            reason = f"website unavailable: {lost['error']} at {lost['url']}"
            return EnrichmentOutcome("failed", reason=reason, report=report, listing=listing)
        contacts += website.contacts
    return EnrichmentOutcome("enriched", tuple(contacts), report=report, listing=listing)
