"""Schedules of the enrichment queue: retry failed prospects, re-enrich stale leads."""

import dagster as dg

from leadgen_pipeline.enrichment.jobs import enrich_queue_job


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
