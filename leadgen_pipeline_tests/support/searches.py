"""Requesting and running real searches on the sandbox, and reading what they stored."""

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, Prospect, ranked_prospects
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import prospect_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.pipeline import run_search
from leadgen_sandbox import Sandbox
from leadgen_sandbox.environment import patched_environ, sandbox_environ

# Small populations (see the sandbox's README), so a search takes seconds.
DENTISTS_DENVER = ("dentist", "Denver, CO")
ROOFERS_PORTLAND = ("roofer", "Portland, OR")
# Ranked 4th of 12: the report's target is named, not the top result.
KEYSTONE_ROOFING = "Keystone Roofing"
# Prospect states a drain leaves behind: nothing queued or running.
TERMINAL = frozenset({"enriched", "skipped", "failed"})


def register_search(
    instance: dg.DagsterInstance,
    database_url: str,
    keyword: str,
    location: str,
    target: str | None = None,
    coverage: str = "top",
) -> str:
    """Request a search as the request_search job does: a searches row and its partition.

    Coverage "top" by default: the enrichment, reliability and directory tests were written
    for the single query (plumbers in Austin: 60 of 75); the coverage tests ask for "full".
    """
    request = parse_search_request(keyword, location, target, coverage)
    search_store.register_search(engine_for(database_url), request, "test")
    instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
    return request.partition_key


def run_searches(
    database_url: str,
    sandbox: Sandbox,
    data_dir: Path,
    searches: Sequence[tuple[str, str] | tuple[str, str, str]],
    coverage: str = "top",
) -> list[str]:
    """Run the search job for each (keyword, location[, target]) as `leadgen search` does,
    with the resources read from the environment; returns their ids."""
    environment = {
        **sandbox_environ(sandbox),
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DATA_DIR": str(data_dir),
    }
    search_ids = []
    with patched_environ(environment), dg.instance_for_test() as instance:
        job = build_definitions().resolve_job_def("search")
        for keyword, location, *target in searches:
            key = register_search(
                instance, database_url, keyword, location, *target, coverage=coverage
            )
            job.execute_in_process(instance=instance, partition_key=key)
            search_ids.append(key)
    return search_ids


def store_search(
    database_url: str, places: PlacesClient, keyword: str, location: str
) -> tuple[str, list[Prospect]]:
    """A searched search, as the search assets leave it; returns (search id, ranked prospects)."""
    request = parse_search_request(keyword, location)
    engine = engine_for(database_url)
    search_store.register_search(engine, request, "test")
    ranked = ranked_prospects(
        p.response for p in places.search_text_pages(request.text_query, SEARCH_FIELD_MASK)
    )
    prospect_store.store_search_prospects(engine, request.partition_key, ranked)
    return request.partition_key, ranked


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
        results.append(run_search(instance, resources, key, raise_on_error=False))
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
    """Rows in every table of the application database, but the heartbeats (a row per run
    in progress, by design, kept until the run's heartbeat sees it ended), the spend
    ledger and its daily totals (a row per billable call: a re-run's calls are new
    calls; a day's total is a row of the first call that day) and the outbound
    events (a run's `search.completed` is an event of its own; that lead events are told
    once is webhooks/test_outbound.py's)."""
    with engine_for(database_url).connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
            if table not in (t.run_heartbeats, t.spend_ledger, t.spend_days, t.outbound_events)
        }


def enrichment_status_counts(database_url: str) -> Counter[str]:
    """How many prospects are in each enrichment status."""
    with engine_for(database_url).connect() as conn:
        rows = conn.execute(
            sa.select(t.prospects.c.enrichment_status, sa.func.count()).group_by(
                t.prospects.c.enrichment_status
            )
        )
        return Counter(dict(rows.all()))
