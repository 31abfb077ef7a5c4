"""The sensor that turns queued enrichment into queue-drain runs."""

import json

import dagster as dg

from leadgen_pipeline.enrichment.jobs import enrich_queue_job
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import queue_store

# Queue drains running at once. Their steps also share the "enrichment"
# pool, and the quotas are shared by the clients' limiters either way.
MAX_CONCURRENT_DRAINS = 2
# Run-queue priority (the dagster/priority tag): high-priority work starts first.
RUN_PRIORITY = {0: "10", 1: "0", 2: "-10"}
PRIORITY_NAMES = {number: name for name, number in queue_store.PRIORITIES.items()}


@dg.sensor(
    job=enrich_queue_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING
)
def enrichment_queue_sensor(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> dg.SensorResult:
    """Launch a queue drain while unclaimed work waits, tagged with its highest priority."""
    with database.engine.connect() as conn:
        waiting = queue_store.queued_counts(conn)
    if not waiting:
        return dg.SensorResult(skip_reason="the enrichment queue is empty")
    active = context.instance.get_runs_count(
        dg.RunsFilter(
            job_name=enrich_queue_job.name,
            statuses=[
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
            ],
        )
    )
    if active >= MAX_CONCURRENT_DRAINS:
        return dg.SensorResult(skip_reason=f"{active} queue drains already running")
    top = min(waiting)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                tags={
                    "dagster/priority": RUN_PRIORITY[top],
                    "leadgen/priority": PRIORITY_NAMES[top],
                    "leadgen/queued": json.dumps(
                        {PRIORITY_NAMES[p]: n for p, n in sorted(waiting.items())}
                    ),
                }
            )
        ]
    )
