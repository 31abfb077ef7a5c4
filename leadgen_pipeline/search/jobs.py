"""Jobs of the search workflow: run a search partition, and request a new search from the UI."""

import dagster as dg

from leadgen_pipeline.domain.search_request import (
    DEFAULT_COVERAGE,
    InvalidSearchRequest,
    parse_search_request,
)
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import places_results
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store

# places_results and everything downstream of it for one search partition,
# but not the (unpartitioned) enrichment queue drain.
search_job = dg.define_asset_job(
    "search",
    selection=dg.AssetSelection.assets(places_results).downstream()
    - dg.AssetSelection.assets("queued_enrichment"),
    description="Run one search end to end: Places, prospects, intelligence, leads, collection.",
    # A backstop for a run that hangs while its process lives (a dead process
    # is caught within minutes by its heartbeat): run monitoring fails it.
    tags={dg.MAX_RUNTIME_SECONDS_TAG: str(4 * 3600)},
)


class SearchRequestConfig(dg.Config):
    keyword: str
    location: str
    target_business: str | None = None
    # "full": every business in the area (tiles past the 60-result cap); "top": one query.
    coverage: str = DEFAULT_COVERAGE


@dg.op
def register_search_request(
    context: dg.OpExecutionContext, config: SearchRequestConfig, database: DatabaseResource
) -> str:
    """Validate the request, store it and add its partition; the search sensor launches the run."""
    try:
        request = parse_search_request(
            config.keyword, config.location, config.target_business, config.coverage
        )
    except InvalidSearchRequest as error:
        raise dg.Failure(f"search request refused: {error}", allow_retries=False) from None
    stored = search_store.register_search(
        database.engine, request, requested_by=f"dagster-run:{context.run_id}"
    )
    context.instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
    context.log.info(f"search {request.partition_key!r} requested: {stored['text_query']!r}")
    if "requested_as" in stored:
        context.log.info(
            f"requested as {stored['requested_as']!r}, the same search as the first spelling"
        )
    return request.partition_key


@dg.job(
    description="Request a new search from the launchpad (keyword, location, optional target). "
    "Validates it, adds its partition, and the search_requests sensor runs it."
)
def request_search() -> None:
    register_search_request()
