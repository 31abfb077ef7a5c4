"""Refresh searches on a schedule: a rolling backfill over their partitions."""

from datetime import timedelta

import dagster as dg

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.base import utcnow

REFRESH_AFTER = timedelta(days=7)
# A refresh tick launches at most this many search runs, oldest first; the
# rest follow on later ticks, so a large backlog never floods the quota.
REFRESH_RUNS_PER_TICK = 20


@dg.schedule(
    job=search_job, cron_schedule="0 4 * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)
def refresh_searches(
    context: dg.ScheduleEvaluationContext, database: DatabaseResource
) -> list[dg.RunRequest] | dg.SkipReason:
    """Re-run searches not refreshed for a week: a rolling backfill over their partitions."""
    stale_before = utcnow() - REFRESH_AFTER
    with database.engine.connect() as conn:
        due = search_store.searches_due_for_refresh(conn, stale_before, REFRESH_RUNS_PER_TICK)
    if not due:
        return dg.SkipReason("every search is fresh")
    tick = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [
        dg.RunRequest(
            partition_key=search_id,
            run_key=f"refresh:{search_id}:{tick}",
            tags={"leadgen/requested_by": "schedule:refresh"},
        )
        for search_id in due
    ]
