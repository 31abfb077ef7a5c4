"""The search pipeline as the tests run it: its assets, and production resources on the sandbox."""

from collections.abc import Sequence

import dagster as dg

from leadgen_pipeline.directory.assets import lead_collections
from leadgen_pipeline.enrichment.assets import enriched_prospects, leads
from leadgen_pipeline.enrichment.checks import enrichment_checks
from leadgen_pipeline.resources import (
    DatabaseResource,
    LLMResource,
    PlacesResource,
    WebsiteFetcherResource,
)
from leadgen_pipeline.search.assets import ai_intelligence, places_results, prospects
from leadgen_sandbox import Sandbox

# What the `search` job materialises (definitions.search_job: places_results
# and everything downstream but the queue drain), with the checks on them.
SEARCH_ASSETS: Sequence[dg.AssetsDefinition | dg.AssetChecksDefinition] = (
    places_results,
    prospects,
    ai_intelligence,
    enriched_prospects,
    leads,
    lead_collections,
    *enrichment_checks,
)


def sandbox_resources(
    database_url: str,
    sandbox: Sandbox,
    *,
    timeout_seconds: float = 1.0,
    max_attempts: int = 5,
    backoff_base_seconds: float = 0.2,
    backoff_max_seconds: float = 2.0,
    places_url: str | None = None,
    llm_url: str | None = None,
) -> dict[str, dg.ConfigurableResource]:
    """The production resources, keys through EnvVar, endpoints at the sandbox.

    Timeouts are short so a hanging server (FaultConfig.timeout_rate) is a
    timeout. Backoffs are shorter than production's (0.5 s doubling to 30 s)
    but long enough to outwait a one-second quota window, as production's
    outwait a one-minute one; every other setting is the production default.
    """
    database = DatabaseResource(url=database_url)
    fast = {
        "backoff_base_seconds": backoff_base_seconds,
        "backoff_max_seconds": backoff_max_seconds,
        "max_attempts": max_attempts,
        "timeout_seconds": timeout_seconds,
    }
    return {
        "database": database,
        "places": PlacesResource(
            api_key=dg.EnvVar("TEST_PLACES_KEY"),
            base_url=places_url or sandbox.places_url,
            database=database,
            max_requests=50,
            **fast,
        ),
        "llm": LLMResource(
            api_key=dg.EnvVar("TEST_LLM_KEY"),
            base_url=llm_url or sandbox.llm_url,
            database=database,
            max_requests=50,
            **fast,
        ),
        "websites": WebsiteFetcherResource(
            allowed_origins=sandbox.web_url,
            database=database,
            max_requests=200,
            page_deadline_seconds=1.0,
            timeout_seconds=timeout_seconds,
        ),
    }
