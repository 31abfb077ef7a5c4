"""Jobs of the search workflow: run a search partition, and request a new search from the UI."""

import dagster as dg
from pydantic import Field

from leadgen_pipeline.domain.search_request import (
    DEFAULT_COVERAGE,
    InvalidSearchRequest,
    parse_search_request,
)
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import places_results
from leadgen_pipeline.search.tags import (
    REFUSED_TAG,
    REQUEST_RUN_TAG,
    REQUESTED_BY_RUN,
    SEARCH_ID_TAG,
)
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
    """The launchpad form: every field is shown, filled with its default, ready to edit. A
    field left empty (or null) is refused by the op with the others' rules, in one line."""

    keyword: str | None = Field(default="", description='What the businesses do, e.g. "plumber".')
    location: str | None = Field(default="", description='Where, e.g. "Austin, TX".')
    target_business: str | None = Field(
        default="",
        description="The business to profile, by name (optional: empty profiles the "
        "top-ranked result).",
    )
    coverage: str | None = Field(
        default=DEFAULT_COVERAGE,
        description='"full": every business in the area (tiles past the 60-result cap); '
        '"top": one query, at most 60 results.',
    )
    max_cost_usd: float | None = Field(
        default=None,
        description="The search's spending cap in USD (optional). Reached, the search stops "
        "(status stopped: budget) keeping what it fetched; requested again with a higher "
        "cap, it resumes.",
    )


@dg.op
def register_search_request(
    context: dg.OpExecutionContext, config: SearchRequestConfig, database: DatabaseResource
) -> str:
    """Validate the request, store it and add its partition; the search sensor launches the run."""
    try:
        request = parse_search_request(
            config.keyword,
            config.location,
            config.target_business,
            config.coverage,
            config.max_cost_usd,
        )
    except InvalidSearchRequest as error:
        # The reason in one line: a tag the runs list shows, and the run log's first
        # error (Dagster adds its own stack trace to the step failure that follows).
        context.instance.add_run_tags(context.run_id, {REFUSED_TAG: str(error)})
        context.log.error(f"search request refused: {error}")
        raise dg.Failure(
            f"search request refused: {error}",
            metadata={"refused": str(error)},
            allow_retries=False,
        ) from None
    stored = search_store.register_search(
        database.engine, request, requested_by=f"{REQUESTED_BY_RUN}{context.run_id}"
    )
    context.instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
    context.instance.add_run_tags(context.run_id, {SEARCH_ID_TAG: request.partition_key})
    context.log.info(
        f"search {request.partition_key!r} requested: {stored['text_query']!r}; the "
        f"search_requests sensor launches its run (tagged {REQUEST_RUN_TAG}={context.run_id})"
    )
    if "requested_as" in stored:
        context.log.info(
            f"requested as {stored['requested_as']!r}, the same search as the first spelling"
        )
    return request.partition_key


@dg.config_mapping
def search_request_form(form: SearchRequestConfig) -> dg.RunConfig:
    """The launchpad shows the request's fields at the top level, their defaults filled in."""
    return dg.RunConfig(ops={register_search_request.name: form})


@dg.job(
    config=search_request_form,
    description="Request a new search from the launchpad (keyword, location, optional target). "
    "Validates it, adds its partition, and the search_requests sensor runs it.",
)
def request_search() -> None:
    register_search_request()
