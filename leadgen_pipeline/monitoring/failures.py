"""Failed runs as the run-failure sensor recorded them, and readable failure messages."""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from dagster._utils.error import SerializableErrorInfo
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.storage import repository as repo
from leadgen_pipeline.storage.api_schema import run_failures

# "dagster._core.definitions.events.Failure: Places ... failed" -> "Places ... failed"
_QUALIFIED_CLASS_PREFIX = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+: ")


def readable_message(text: str) -> str:
    return _QUALIFIED_CLASS_PREFIX.sub("", text.strip())


def error_message(description: str | None, error: SerializableErrorInfo | None) -> str:
    """What went wrong, in a person's words: a Failure's own description, else the root cause.

    A step that exhausted its retry policy reports "Exceeded max_retries"; the
    cause under it says why the attempts failed. Stack traces are left out.
    """
    if description:
        return readable_message(description)
    if error is None:
        return "unknown error"
    root = error
    while root.cause is not None:
        root = root.cause
    return readable_message(root.message)


def record_run_failure(
    engine: Engine,
    *,
    run_id: str,
    job_name: str,
    partition_key: str | None,
    failed_steps: Sequence[dict[str, str]],
    message: str,
    failed_at: datetime,
) -> None:
    """Store a failed run once; the sensor seeing it again rewrites the same row."""
    row = {
        "run_id": run_id,
        "job_name": job_name,
        "partition_key": partition_key,
        "failed_steps": list(failed_steps),
        "message": message,
        "failed_at": failed_at,
    }
    with engine.begin() as conn:
        repo.upsert(conn, run_failures, [row], ["run_id"])


def failures_of_runs(conn: Connection, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    query = (
        sa.select(run_failures)
        .where(run_failures.c.run_id.in_(list(run_ids)))
        .order_by(run_failures.c.failed_at)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
