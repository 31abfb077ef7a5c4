"""Data-quality checks on what the search stage writes."""

import dagster as dg

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import prospects
from leadgen_pipeline.steps import offenders_result
from leadgen_pipeline.storage import prospect_store


@dg.asset_check(asset=prospects, description="Each search lists a place once, at one rank.")
def search_results_unique(database: DatabaseResource) -> dg.AssetCheckResult:
    with database.engine.connect() as conn:
        offenders = prospect_store.searches_with_repeated_ranks(conn)
    return offenders_result(offenders, "searches with a rank used twice")


search_checks = [search_results_unique]
