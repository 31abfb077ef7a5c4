"""Data-quality checks on what enrichment writes."""

import dagster as dg

from leadgen_pipeline.domain.enrichment import stated_in
from leadgen_pipeline.enrichment.assets import enriched_prospects
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.steps import offenders_result, search_check
from leadgen_pipeline.storage import prospect_store


@search_check(
    asset=enriched_prospects,
    description="Owner names the LLM extracted appear in the page text it was given.",
)
def llm_owners_stated_in_page_text(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    offenders = []
    with database.engine.connect() as conn:
        owners = prospect_store.llm_extracted_owners(conn, context.partition_key)
        for place_id, owner, report in owners:
            text = ((report or {}).get("llm") or {}).get("text", "")
            if not stated_in(owner, text):
                offenders.append(f"{place_id}: {owner!r}")
    return offenders_result(offenders, "LLM owners not found in their page text")


enrichment_checks = [llm_owners_stated_in_page_text]
