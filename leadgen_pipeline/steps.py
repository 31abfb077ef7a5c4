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
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import search_store

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


def provider_failure(error: ProviderError) -> dg.Failure:
    """A step failure that names the provider's error and retries only if it may heal."""
    return dg.Failure(
        description=str(error),
        metadata={"status": error.status or 0, "reason": error.reason or "unknown"},
        allow_retries=error.retryable,
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
