"""What the stages' Dagster steps share: the search partition, the step retry policy,
provider errors as step failures, the searches row behind a partition, preview tables
and check results.

The search partition: one dynamic partition per "keyword in location". Key format
and validation live in `domain.search_request` (see its docstring):
`plumber@austin-tx`. The name is specific because dynamic-partition names are
global to a Dagster instance, shared by every code location.
"""

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import dagster as dg

from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.clients.spend import BudgetReached
from leadgen_pipeline.domain.budget import day_start, month_start
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.tags import STOPPED_TAG
from leadgen_pipeline.storage import outbound_webhook_store, search_store, spend_store
from leadgen_pipeline.storage.base import utcnow

SEARCH_PARTITIONS_NAME = "leadgen_searches"

search_partitions = dg.DynamicPartitionsDefinition(name=SEARCH_PARTITIONS_NAME)

# Transient faults the clients' own retries could not ride out (a longer API
# outage, a dropped database connection) get a second chance a while later,
# as a fresh step. Errors that will not heal (4xx, bad input) opt out through
# Failure(allow_retries=False).
STEP_RETRY = dg.RetryPolicy(
    max_retries=2,
    delay=float(os.environ.get("LEADGEN_STEP_RETRY_DELAY_SECONDS", "10")),
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)

# An asset with one partition per search, retried like every other step.
search_asset = partial(dg.asset, partitions_def=search_partitions, retry_policy=STEP_RETRY)
CheckFunction = Callable[..., dg.AssetCheckResult]


def search_check(**kwargs: Any) -> Callable[[CheckFunction], dg.AssetChecksDefinition]:
    """An asset check of one search's partition: it reads what the run wrote, not the whole
    table. Dagster 1.13 calls partitioned checks a preview; chosen knowingly
    (docs/decisions.md), so its warning is not repeated at every import."""

    def decorate(function: CheckFunction) -> dg.AssetChecksDefinition:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dg.PreviewWarning)
            return dg.asset_check(partitions_def=search_partitions, **kwargs)(function)

    return decorate


def provider_failure(
    error: ProviderError, usage: Mapping[str, Any], prefix: str = "api"
) -> dg.Failure:
    """A step failure that names the provider's error, says what the step's calls were
    and cost (`usage`: a `usage_delta`, as a successful step reports it), and retries only
    if it may heal."""
    return dg.Failure(
        description=str(error),
        metadata={
            "status": error.status or 0,
            "reason": error.reason or "unknown",
            f"{prefix}_calls": usage["calls"],
            f"{prefix}_retries": usage["retries"],
            f"{prefix}_cost_usd": usage["cost_usd"],
        },
        allow_retries=error.retryable,
    )


def spend_metadata(
    database: DatabaseResource, run_id: str, search_id: str | None
) -> dict[str, float]:
    """What the ledger holds for this run, its search, today and this month (UTC): numbers,
    so Dagster Insights and the asset page chart them."""
    now = utcnow()
    with database.engine.connect() as conn:
        totals = {
            "spend_run_usd": spend_store.spend_summary(conn, run_id=run_id),
            "spend_day_usd": spend_store.spend_summary(conn, since=day_start(now)),
            "spend_month_usd": spend_store.spend_summary(conn, since=month_start(now)),
        }
        if search_id is not None:
            totals["spend_search_usd"] = spend_store.spend_summary(conn, search_id=search_id)
    return {name: float(total["cost_usd"]) for name, total in totals.items()}


def on_budget_reached(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    error: BudgetReached,
    *,
    stage: str,
    search_id: str | None,
    metadata: Mapping[str, Any] | None = None,
) -> dg.Failure:
    """THE place a step stops on a budget: what it fetched is already stored; the run is
    tagged stopped (the status endpoint and the runs list show it), the event logged and
    a `budget.reached` webhook event recorded.
    The step ends with the returned Failure (not retried: only a higher cap, or the next
    UTC day, lets the work go on, and a re-run resumes where this one stopped)."""
    context.instance.add_run_tags(context.run.run_id, {STOPPED_TAG: "budget"})
    log_event(
        OrchestrationEvent.BUDGET_REACHED,
        search_id=search_id,
        run_id=context.run.run_id,
        stage=stage,
        cap=error.refusal.cap,
        limit_usd=error.refusal.limit_usd,
    )
    context.log.warning(f"{stage} stopped: {error}")
    # Subscribers hear of it once per budget and UTC day (the outbox delivers it later).
    refused = error.refusal
    outbound_webhook_store.emit_budget_reached(
        database.engine,
        budget_id="daily" if refused.cap == "daily" else f"search/{search_id}",
        period=f"{utcnow():%Y-%m-%d}",
        limit_usd=refused.limit_usd,
        spent_usd=refused.committed_usd,
        search_id=search_id,
    )
    return dg.Failure(
        description=f"stopped: {error}",
        metadata={
            "stopped": "budget",
            "cap": error.refusal.cap,
            "cap_usd": error.refusal.limit_usd,
            **spend_metadata(database, context.run.run_id, search_id),
            **(metadata or {}),
        },
        allow_retries=False,
    )


def load_search(database: DatabaseResource, search_id: str) -> dict[str, Any]:
    """The searches row behind a partition; a partition without one is a clear failure."""
    with database.engine.connect() as conn:
        search = search_store.get_search(conn, search_id)
    if search is None:
        raise dg.Failure(
            f"search {search_id!r} has a partition but no searches row; "
            "request it with the request_search job, the API or `leadgen search`",
            allow_retries=False,
        )
    return dict(search._mapping)


_COLUMN_TYPES = {bool: "bool", int: "int", float: "float"}


def preview_table(rows: Sequence[Mapping[str, Any]]) -> dg.TableMetadataValue:
    """A few rows as a table the asset page renders (column types from the first row)."""
    if not rows:
        return dg.MetadataValue.table(records=[], schema=dg.TableSchema(columns=[]))
    columns = [
        dg.TableColumn(name, _COLUMN_TYPES.get(type(value), "string"))
        for name, value in rows[0].items()
    ]
    return dg.MetadataValue.table(
        records=[dg.TableRecord(dict(row)) for row in rows],
        schema=dg.TableSchema(columns=columns),
    )


# Offenders named in a failed check's metadata; the count says how many in all.
SHOWN_OFFENDERS = 10


def offenders_result(offenders: list[str], what: str) -> dg.AssetCheckResult:
    """A check that passes when nothing offends; else it says how many, and names the first."""
    return dg.AssetCheckResult(
        passed=not offenders,
        description=f"{len(offenders)} {what}" if offenders else None,
        metadata={
            "offenders": len(offenders),
            "first": dg.MetadataValue.json(offenders[:SHOWN_OFFENDERS]),
        },
    )
