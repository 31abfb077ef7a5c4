"""Data-quality checks on what enrichment and promotion write.

Each check reads the whole table with SQL (cheap, and it catches rows any
path wrote: searches, batches, schedules), and reports the first offenders.
"""

import dagster as dg

from leadgen_pipeline.domain.contacts import normalise_email, normalise_phone
from leadgen_pipeline.domain.enrichment import stated_in
from leadgen_pipeline.enrichment.assets import enriched_prospects, leads
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import prospects
from leadgen_pipeline.storage import repository as repo

SHOWN = 10


def _result(offenders: list[str], what: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not offenders,
        description=f"{len(offenders)} {what}" if offenders else None,
        metadata={"offenders": len(offenders), "first": dg.MetadataValue.json(offenders[:SHOWN])},
    )


@dg.asset_check(asset=prospects, description="Each search lists a place once, at one rank.")
def search_results_unique(database: DatabaseResource) -> dg.AssetCheckResult:
    with database.engine.connect() as conn:
        offenders = repo.searches_with_repeated_ranks(conn)
    return _result(offenders, "searches with a rank used twice")


@dg.asset_check(asset=leads, description="Every lead's email and phone pass validation.")
def lead_contacts_valid(database: DatabaseResource) -> dg.AssetCheckResult:
    offenders = []
    with database.engine.connect() as conn:
        for place_id, email, phone in repo.lead_contact_values(conn):
            if email is not None and normalise_email(email) != email:
                offenders.append(f"{place_id}: email {email!r}")
            if phone is not None and normalise_phone(phone) != phone:
                offenders.append(f"{place_id}: phone {phone!r}")
    return _result(offenders, "invalid lead contacts")


@dg.asset_check(asset=leads, description="Every lead traces back to a prospect and a search.")
def leads_traceable(database: DatabaseResource) -> dg.AssetCheckResult:
    with database.engine.connect() as conn:
        offenders = repo.untraceable_leads(conn)
    return _result(offenders, "leads with no prospect or no search")


@dg.asset_check(
    asset=enriched_prospects,
    description="Owner names the LLM extracted appear in the page text it was given.",
)
def llm_owners_stated_in_page_text(database: DatabaseResource) -> dg.AssetCheckResult:
    offenders = []
    with database.engine.connect() as conn:
        for place_id, owner, report in repo.llm_extracted_owners(conn):
            text = ((report or {}).get("llm") or {}).get("text", "")
            if not stated_in(owner, text):
                offenders.append(f"{place_id}: {owner!r}")
    return _result(offenders, "LLM owners not found in their page text")


enrichment_checks = [
    search_results_unique,
    lead_contacts_valid,
    leads_traceable,
    llm_owners_stated_in_page_text,
]
