"""Requesting and running searches through Dagster, with production resources on the sandbox."""

import time
from collections.abc import Sequence

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.partitions import search_partitions
from leadgen_pipeline.storage import repository as repo
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.pipeline import SEARCH_ASSETS

TERMINAL = frozenset({"enriched", "skipped", "failed"})


def register_search(
    instance: dg.DagsterInstance,
    database_url: str,
    keyword: str,
    location: str,
    target: str | None = None,
) -> str:
    """Request a search as the request_search job does: a searches row and its partition."""
    request = parse_search_request(keyword, location, target)
    repo.register_search(engine_for(database_url), request, "reliability-test")
    instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
    return request.partition_key


def materialize_search(
    instance: dg.DagsterInstance,
    resources: dict[str, dg.ConfigurableResource],
    key: str,
    *,
    selection: Sequence[dg.AssetsDefinition | dg.AssetChecksDefinition] = SEARCH_ASSETS,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        list(selection),
        partition_key=key,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )


def run_until_success(
    instance: dg.DagsterInstance,
    resources: dict[str, dg.ConfigurableResource],
    key: str,
    *,
    max_runs: int,
    deadline_seconds: float,
) -> list[dg.ExecuteInProcessResult]:
    """Re-run the search (as a person re-materialises a partition) until a run succeeds.

    Bounded in runs and in time; returns every run's result, the last successful
    unless the bound was hit.
    """
    results: list[dg.ExecuteInProcessResult] = []
    started = time.monotonic()
    while len(results) < max_runs and time.monotonic() - started < deadline_seconds:
        results.append(materialize_search(instance, resources, key))
        if results[-1].success:
            break
    return results


def step_failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {
        event.step_key or "?": event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error is not None
    }


def prospect_states(database_url: str) -> list[sa.Row]:
    with engine_for(database_url).connect() as conn:
        return list(
            conn.execute(
                sa.select(
                    t.prospects.c.place_id,
                    t.prospects.c.enrichment_status,
                    t.prospects.c.enrichment_error,
                )
            )
        )


def table_counts(database_url: str) -> dict[str, int]:
    with engine_for(database_url).connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        }
