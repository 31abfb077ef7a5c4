"""The Dagster code location: the stages' definitions, with the resources and the executor."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg

from leadgen_pipeline.clients.dns import RESOLVER_ENV as DNS_RESOLVER_ENV
from leadgen_pipeline.clients.places import PLACES_API_URL, PlacesClient
from leadgen_pipeline.enrichment import definitions as enrichment
from leadgen_pipeline.leads import definitions as leads
from leadgen_pipeline.monitoring import definitions as monitoring
from leadgen_pipeline.resources import (
    DatabaseResource,
    DnsResource,
    LLMResource,
    PlacesResource,
    WebsiteFetcherResource,
)
from leadgen_pipeline.search import definitions as search
from leadgen_pipeline.storage.database import DATABASE_URL_ENV, default_database_url
from leadgen_pipeline.webhooks import definitions as webhooks


def llm_model_from_env() -> str:
    return os.environ.get("LEADGEN_LLM_MODEL", "gpt-4o-mini")


@contextmanager
def places_client_from_env() -> Iterator[PlacesClient]:
    """The Places client a run builds from the environment, outside a run: its key, base URL
    and the shared quota (a quote's probe)."""
    with dg.build_resources({"places": build_resources()["places"]}) as built:
        yield built.places.client


def build_resources(
    client_settings: Mapping[str, Any] | None = None,
) -> dict[str, dg.ConfigurableResource]:
    """Resources from the environment (see README: Configuration).

    Secrets (API keys, a database URL that carries a password) are EnvVars:
    Dagster resolves them in the run's process and never records their values.
    `client_settings` (timeouts, retries) go to the Places and LLM resources.
    """
    client_settings = client_settings or {}
    database = DatabaseResource(
        url=dg.EnvVar(DATABASE_URL_ENV)
        if os.environ.get(DATABASE_URL_ENV)
        else default_database_url()
    )
    return {
        "database": database,
        "places": PlacesResource(
            api_key=dg.EnvVar("GOOGLE_PLACES_API_KEY"),
            base_url=os.environ.get("LEADGEN_PLACES_BASE_URL", PLACES_API_URL),
            max_requests=int(os.environ.get("LEADGEN_PLACES_REQUESTS_PER_SECOND", "10")),
            database=database,
            **client_settings,
        ),
        "llm": LLMResource(
            api_key=dg.EnvVar("OPENAI_API_KEY"),
            base_url=os.environ.get("LEADGEN_LLM_BASE_URL") or None,
            model=llm_model_from_env(),
            max_requests=int(os.environ.get("LEADGEN_LLM_REQUESTS_PER_SECOND", "5")),
            database=database,
            **client_settings,
        ),
        "websites": WebsiteFetcherResource(
            allowed_origins=os.environ.get("LEADGEN_WEB_ALLOWED_HOSTS", ""),
            host_requests_per_second=float(
                os.environ.get("LEADGEN_WEB_HOST_REQUESTS_PER_SECOND", "4")
            ),
            max_in_flight_per_host=int(os.environ.get("LEADGEN_WEB_MAX_IN_FLIGHT_PER_HOST", "2")),
            max_connections=int(os.environ.get("LEADGEN_WEB_MAX_CONNECTIONS", "64")),
        ),
        "dns": DnsResource(resolver=os.environ.get(DNS_RESOLVER_ENV, "")),
    }


EXECUTOR_ENV = "LEADGEN_EXECUTOR"
CELERY_BROKER_ENV = "LEADGEN_CELERY_BROKER_URL"
CELERY_QUEUE_ENV = "LEADGEN_CELERY_QUEUE"


def executor_from_environment() -> dg.ExecutorDefinition:
    """How a run executes its steps: in its own process (the default), or on Celery workers.

    `LEADGEN_EXECUTOR=celery` sends each step to the workers listening on
    LEADGEN_CELERY_QUEUE (default "dagster") of the broker at
    LEADGEN_CELERY_BROKER_URL (read by Dagster from the environment, so a
    password in it is never written to run config); docs/deployment.md.
    """
    name = os.environ.get(EXECUTOR_ENV, "in_process")
    if name == "in_process":
        # A process per step costs a Python start and a code load per step:
        # most of a search run (35.7 s -> 2.5 s, docs/benchmarks.md). The steps
        # are I/O bound and the enrichment runner has its own thread pool;
        # each run is still its own process (or pod, with the K8sRunLauncher).
        return dg.in_process_executor
    if name == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(
            {
                "broker": {"env": CELERY_BROKER_ENV},
                "backend": "rpc://",
                "config_source": {
                    "task_default_queue": os.environ.get(CELERY_QUEUE_ENV, "dagster")
                },
            },
            name="celery",
        )
    raise ValueError(f"{EXECUTOR_ENV} must be 'in_process' or 'celery', not {name!r}")


def build_definitions(
    resources: Mapping[str, dg.ConfigurableResource] | None = None,
) -> dg.Definitions:
    """The code location, with resources (and the executor) read from the current environment
    unless given."""
    return dg.Definitions.merge(
        search.defs,
        enrichment.defs,
        leads.defs,
        webhooks.defs,
        monitoring.defs,
        dg.Definitions(
            resources=resources or build_resources(),
            executor=executor_from_environment(),
        ),
    )


defs = build_definitions()
