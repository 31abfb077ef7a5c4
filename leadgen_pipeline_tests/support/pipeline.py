"""The product as the tests run it: its own definitions, production resources on the sandbox.

Tests never assemble a second list of assets: they run the jobs `build_definitions`
gives, with resources pointed at the sandbox and a test database.
"""

import dagster as dg

from leadgen_pipeline.definitions import build_definitions, build_resources
from leadgen_pipeline.resources import (
    DatabaseResource,
    DnsResource,
    LLMResource,
    OutboundWebhooksResource,
    PlacesResource,
    WebsiteFetcherResource,
)
from leadgen_sandbox import Sandbox

# Client retries for a code location loaded from the environment (a live `dagster dev`):
# one retry with millisecond backoff keeps runs short on a two-core machine.
FAST_RETRIES = {"max_attempts": 2, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05}


def build_test_definitions() -> dg.Definitions:
    """The code location from the environment, as production builds it, with FAST_RETRIES."""
    return build_definitions(build_resources(client_settings=FAST_RETRIES))


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
    """The production resources, keys through EnvVar (TEST_PLACES_KEY, TEST_LLM_KEY),
    endpoints at the sandbox.

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
            # The sandbox's one web host stands for every business's server.
            max_in_flight_per_host=16,
            host_requests_per_second=1000,
            # Past the 1 s timeout, as production's 15 s is past its 10 s: a server
            # that does not answer is a timeout (transient), not a page cut at its
            # deadline (the watchdog's, final), whichever thread wakes first.
            page_deadline_seconds=1.5,
            timeout_seconds=timeout_seconds,
        ),
        "dns": DnsResource(resolver=sandbox.dns_address, timeout_seconds=timeout_seconds),
        "outbound_webhooks": OutboundWebhooksResource(),
    }


def run_job(
    instance: dg.DagsterInstance,
    resources: dict[str, dg.ConfigurableResource],
    job_name: str,
    *,
    partition_key: str | None = None,
    assets: list[dg.AssetsDefinition] | None = None,
    raise_on_error: bool = True,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    """One of the product's jobs, in process, with `resources`; `assets` runs only those
    of the job's assets (a person materialising one asset of a partition)."""
    job = build_definitions(resources).resolve_job_def(job_name)
    return job.execute_in_process(
        instance=instance,
        partition_key=partition_key,
        asset_selection=[asset.key for asset in assets] if assets else None,
        raise_on_error=raise_on_error,
        run_config=run_config,
    )


def run_search(
    instance: dg.DagsterInstance,
    resources: dict[str, dg.ConfigurableResource],
    key: str,
    *,
    assets: list[dg.AssetsDefinition] | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """The `search` job for one partition (or some of its assets), as the UI or a sensor runs it."""
    return run_job(
        instance,
        resources,
        "search",
        partition_key=key,
        assets=assets,
        raise_on_error=raise_on_error,
    )


def metadata_of(result: dg.ExecuteInProcessResult, asset: dg.AssetsDefinition) -> dict:
    """The one materialisation's metadata values of `asset` in a run."""
    [event] = result.asset_materializations_for_node(asset.op.name)
    return {k: v.value for k, v in event.metadata.items()}
