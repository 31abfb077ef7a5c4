"""The run-failure sensor: every failed run recorded where the status endpoint shows it."""

from datetime import UTC, datetime

import dagster as dg

from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.monitoring.failures import error_message
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage.job_store import record_run_failure

PARTITION_TAG = "dagster/partition"


def step_failure_message(event: dg.DagsterEvent) -> str:
    data = event.step_failure_data
    description = data.user_failure_data.description if data.user_failure_data else None
    return error_message(description, data.error)


@dg.run_failure_sensor(
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Record each failed run (job, search, failed steps and why) in run_failures.",
)
def record_run_failures(context: dg.RunFailureSensorContext, database: DatabaseResource) -> None:
    run = context.dagster_run
    failed_steps = [
        {"step": event.step_key or "", "message": step_failure_message(event)}
        for event in context.get_step_failure_events()
    ]
    # With failed steps the run's own message names them; without (a run that
    # could not start, a crashed worker) the run's error is the only account.
    job_failure = context.failure_event.job_failure_data
    if failed_steps or job_failure is None or job_failure.error is None:
        message = context.failure_event.message or "the run failed"
    else:
        message = error_message(None, job_failure.error)
    partition_key = run.tags.get(PARTITION_TAG)
    record_run_failure(
        database.engine,
        run_id=run.run_id,
        job_name=run.job_name,
        partition_key=partition_key,
        failed_steps=failed_steps,
        message=message,
        failed_at=datetime.now(UTC),
    )
    log_event(
        OrchestrationEvent.JOB_FAILED,
        run_id=run.run_id,
        job=run.job_name,
        search_id=partition_key,
        failed_steps=[step["step"] for step in failed_steps],
    )
