"""Turn requested searches (from the UI, the CLI, the API or webhooks) into search runs."""

from datetime import datetime

import dagster as dg

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store

MAX_RUNS_PER_TICK = 25


@dg.sensor(
    job=search_job, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING
)
def search_requests(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> dg.SensorResult:
    """Each requested search becomes one run of its partition (run_key = key + request time).

    The cursor is the request time of the last search launched, so a search
    re-requested later (a re-run) launches again, and a tick never re-reads
    the whole table.
    """
    after = datetime.fromisoformat(context.cursor) if context.cursor else None
    with database.engine.connect() as conn:
        pending = search_store.requested_searches(conn, after, MAX_RUNS_PER_TICK)
    if not pending:
        return dg.SensorResult(skip_reason="no requested searches")
    new_keys = [
        s.id
        for s in pending
        if not context.instance.has_dynamic_partition(search_partitions.name, s.id)
    ]
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                partition_key=s.id,
                run_key=f"{s.id}:{s.requested_at.isoformat()}",
                tags={"leadgen/requested_by": s.requested_by},
            )
            for s in pending
        ],
        dynamic_partitions_requests=[search_partitions.build_add_request(new_keys)]
        if new_keys
        else [],
        cursor=max(s.requested_at for s in pending).isoformat(),
    )
