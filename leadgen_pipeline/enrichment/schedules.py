"""Schedules: retry failed enrichment, re-enrich stale leads, refresh searches."""

from datetime import timedelta

import dagster as dg

from leadgen_pipeline.enrichment.jobs import enrich_queue_job
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.storage import repository as repo

REFRESH_AFTER = timedelta(days=7)
# A refresh tick launches at most this many search runs, oldest first; the
# rest follow on later ticks, so a large backlog never floods the quota.
REFRESH_RUNS_PER_TICK = 20


def _drain_request(**config: bool) -> dg.RunRequest:
    return dg.RunRequest(
        run_config={"ops": {"queued_enrichment": {"config": config}}},
        tags={"leadgen/priority": "low"},
    )


@dg.schedule(
    job=enrich_queue_job,
    cron_schedule="*/30 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def retry_failed_enrichment(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Queue failed prospects whose backoff has passed, and drain."""
    return _drain_request(requeue_failed=True)


@dg.schedule(
    job=enrich_queue_job, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.RUNNING
)
def reenrich_stale_leads(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Queue leads enriched longer ago than the configured age, and drain."""
    return _drain_request(requeue_stale=True)


@dg.schedule(
    job=search_job, cron_schedule="0 4 * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)
def refresh_searches(
    context: dg.ScheduleEvaluationContext, database: DatabaseResource
) -> list[dg.RunRequest] | dg.SkipReason:
    """Re-run searches not refreshed for a week: a rolling backfill over their partitions."""
    stale_before = repo.utcnow() - REFRESH_AFTER
    with database.engine.connect() as conn:
        due = repo.searches_due_for_refresh(conn, stale_before, REFRESH_RUNS_PER_TICK)
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
