"""Jobs the HTTP API handed out, the runs that failed (as the run-failure sensor saw
them): what the status endpoint reads; and the heartbeats of the runs in progress."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow

JOB_KIND_SEARCH_RUN = "search_run"
JOB_KIND_ENRICHMENT_BATCH = "enrichment_batch"


def record_search_job(
    engine: Engine,
    run_id: str,
    search_id: str | None,
    requested_by: str,
    parent_job_id: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t.api_jobs).values(
                id=run_id,
                kind=JOB_KIND_SEARCH_RUN,
                search_id=search_id,
                parent_job_id=parent_job_id,
                requested_by=requested_by,
                created_at=utcnow(),
            )
        )


def record_enrichment_batch(
    conn: Connection,
    job_id: str,
    place_ids: Sequence[str],
    unknown_place_ids: Sequence[str],
    priority: str,
    requested_by: str,
) -> None:
    conn.execute(
        sa.insert(t.api_jobs).values(
            id=job_id,
            kind=JOB_KIND_ENRICHMENT_BATCH,
            place_ids=list(place_ids),
            unknown_place_ids=list(unknown_place_ids),
            priority=priority,
            requested_by=requested_by,
            created_at=utcnow(),
        )
    )


def get_job(conn: Connection, job_id: str) -> Row | None:
    return conn.execute(sa.select(t.api_jobs).where(t.api_jobs.c.id == job_id)).first()


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
        upsert(conn, t.run_failures, [row], ["run_id"])


def failures_of_runs(conn: Connection, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    query = (
        sa.select(t.run_failures)
        .where(t.run_failures.c.run_id.in_(list(run_ids)))
        .order_by(t.run_failures.c.failed_at)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def beat(
    engine: Engine, *, run_id: str, root_run_id: str, job_name: str, host: str, pid: int
) -> None:
    """The run's process is alive now (its first beat records when it started)."""
    now = utcnow()
    row = {
        "run_id": run_id,
        "root_run_id": root_run_id,
        "job_name": job_name,
        "host": host,
        "pid": pid,
        "started_at": now,
        "beat_at": now,
    }
    with engine.begin() as conn:
        upsert(conn, t.run_heartbeats, [row], ["run_id"], update_columns=["host", "pid", "beat_at"])


def forget_heartbeats(engine: Engine, run_ids: Sequence[str]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(t.run_heartbeats).where(t.run_heartbeats.c.run_id.in_(run_ids)))


def heartbeats(conn: Connection, run_ids: Sequence[str]) -> dict[str, Row]:
    """The heartbeat rows of these runs, by run id (a run that never beat has none)."""
    beats = t.run_heartbeats
    query = sa.select(beats).where(beats.c.run_id.in_(list(run_ids)))
    return {row.run_id: row for row in conn.execute(query)}
