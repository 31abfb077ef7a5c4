"""Data-quality checks on what the search stage writes."""

import dagster as dg

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import prospects
from leadgen_pipeline.steps import offenders_result, search_check
from leadgen_pipeline.storage import prospect_store


@search_check(
    asset=prospects,
    description="The search lists a place once, at one rank.",
)
def search_results_unique(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    # The partition the run wrote, not the whole table: a check's cost stays that of one search.
    with database.engine.connect() as conn:
        offenders = prospect_store.searches_with_repeated_ranks(conn, context.partition_key)
    return offenders_result(offenders, "searches with a rank used twice")


search_checks = [search_results_unique]
