"""Refresh searches on a schedule: a rolling backfill over their partitions."""

from datetime import timedelta

import dagster as dg

from leadgen_pipeline.domain.retention import refresh_due_before
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.search.retention import (
    RETENTION_REFRESH_ENV,
    places_retention,
    refresh_configured,
    retention_days,
)
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
    return _search_runs(context, due, "refresh")


def _search_runs(
    context: dg.ScheduleEvaluationContext, search_ids: list[str], reason: str
) -> list[dg.RunRequest]:
    """A run of each search, once per tick (the run key), tagged with why."""
    tick = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [
        dg.RunRequest(
            partition_key=search_id,
            run_key=f"{reason}:{search_id}:{tick}",
            tags={"leadgen/requested_by": f"schedule:{reason}"},
        )
        for search_id in search_ids
    ]


@dg.schedule(
    job=places_retention,
    cron_schedule="30 3 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def clear_expired_places(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every day: clear the Places content past the retention (Google's caching terms)."""
    tick = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=f"retention:{tick}")


@dg.schedule(
    job=search_job, cron_schedule="0 3 * * *", default_status=dg.DefaultScheduleStatus.RUNNING
)
def refresh_before_places_expiry(
    context: dg.ScheduleEvaluationContext, database: DatabaseResource
) -> list[dg.RunRequest] | dg.SkipReason:
    """Only with LEADGEN_PLACES_RETENTION_REFRESH: re-run searches whose Places data
    expires within days, instead of letting retention clear it (that spends quota)."""
    if not refresh_configured():
        return dg.SkipReason(
            f"retention clears expired Places data; set {RETENTION_REFRESH_ENV}=true to "
            "re-run searches before it expires instead (that spends Places quota)"
        )
    due_before = refresh_due_before(utcnow(), retention_days())
    with database.engine.connect() as conn:
        due = search_store.searches_due_for_refresh(conn, due_before, REFRESH_RUNS_PER_TICK)
    if not due:
        return dg.SkipReason("no search's Places data expires soon")
    return _search_runs(context, due, "retention")
