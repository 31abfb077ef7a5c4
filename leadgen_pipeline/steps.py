"""What every step of the search workflow shares: its partition, retries, failures, search row."""

import os
from functools import partial
from typing import Any

import dagster as dg

from leadgen_pipeline.clients.resilience import ApiError
from leadgen_pipeline.partitions import search_partitions
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import repository as repo

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


def api_failure(error: ApiError) -> dg.Failure:
    """A step failure that names the API error and retries only if it may heal."""
    return dg.Failure(
        description=str(error),
        metadata={"status": error.status or 0, "reason": error.reason or "unknown"},
        allow_retries=error.retryable,
    )


def load_search(database: DatabaseResource, search_id: str) -> dict[str, Any]:
    """The searches row behind a partition; a partition without one is a clear failure."""
    with database.engine.connect() as conn:
        search = repo.get_search(conn, search_id)
    if search is None:
        raise dg.Failure(
            f"search {search_id!r} has a partition but no searches row; "
            "request it with the request_search job, the API or `leadgen search`",
            allow_retries=False,
        )
    return dict(search._mapping)
