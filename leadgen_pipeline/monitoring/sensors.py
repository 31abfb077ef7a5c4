"""Run monitoring of ours: every failed run recorded where the status endpoint shows it,
and runs whose process died marked failed (the reaper)."""

from datetime import UTC, datetime

import dagster as dg

from leadgen_pipeline.domain.outbound_webhooks import search_failed_event
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.monitoring.failures import error_message
from leadgen_pipeline.monitoring.heartbeat import SILENCE_LIMIT
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import job_store, outbound_webhook_store, queue_store
from leadgen_pipeline.storage.base import as_utc, utcnow

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
    failed_at = datetime.now(UTC)
    job_store.record_run_failure(
        database.engine,
        run_id=run.run_id,
        job_name=run.job_name,
        partition_key=partition_key,
        failed_steps=failed_steps,
        message=message,
        failed_at=failed_at,
    )
    if partition_key is not None:
        # Only runs of a search are partitioned; the event id is the run's, so a
        # second look at the same failure stores nothing new.
        outbound_webhook_store.emit_events(
            database.engine,
            [
                search_failed_event(
                    partition_key, run.run_id, run.job_name, message, failed_steps, failed_at
                )
            ],
        )
    log_event(
        OrchestrationEvent.JOB_FAILED,
        run_id=run.run_id,
        job=run.job_name,
        search_id=partition_key,
        failed_steps=[step["step"] for step in failed_steps],
    )


REAP_INTERVAL_SECONDS = 30


@dg.sensor(
    minimum_interval_seconds=REAP_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Mark failed each STARTED run whose process stopped beating (a machine "
    "restart, a killed process), and free its enrichment claims.",
)
def reap_dead_runs(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> dg.SkipReason:
    now = utcnow()
    last_tick = float(context.cursor) if context.cursor else None
    context.update_cursor(str(now.timestamp()))
    if last_tick is None or now.timestamp() - last_tick > 1.5 * REAP_INTERVAL_SECONDS:
        # A tick was missed: the daemon was down, or the database (whose
        # outage also kept live runs from beating). Runs get one interval to
        # show they are alive before silence counts against them.
        return dg.SkipReason("first tick after a pause: heartbeats get one interval to resume")
    started = context.instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    with database.engine.connect() as conn:
        beats = job_store.heartbeats(conn, [run.run_id for run in started])
    # A run without a heartbeat row died before its first step (the start
    # timeout and the maximum run time of Dagster's run monitoring cover it).
    silent_since = now - SILENCE_LIMIT
    dead = {run_id for run_id, beat in beats.items() if as_utc(beat.beat_at) < silent_since}
    alive_roots = {beat.root_run_id for run_id, beat in beats.items() if run_id not in dead}
    reaped = []
    for run in started:
        current = context.instance.get_run_by_id(run.run_id)
        if run.run_id not in dead or current is None or current.status != run.status:
            continue  # alive, or it ended meanwhile
        beat = beats[run.run_id]
        silence = int((now - as_utc(beat.beat_at)).total_seconds())
        # Claims first: whoever sees the run failed may retry it at once. A
        # re-execution of the same root that is alive holds the same claims.
        released = (
            queue_store.release_claims(database.engine, beat.root_run_id)
            if beat.root_run_id not in alive_roots
            else 0
        )
        context.instance.report_run_failed(
            run,
            message=f"the run's process stopped: no heartbeat from pid {beat.pid} on "
            f"{beat.host} for {silence} s (a machine restart or a killed process); "
            "retry it to resume from the failed steps",
        )
        job_store.forget_heartbeats(database.engine, [run.run_id])
        reaped.append(run.run_id)
        context.log.info(
            f"run {run.run_id} marked failed after {silence} s of silence; "
            f"{released} enrichment claims freed"
        )
    if not reaped:
        return dg.SkipReason(f"{len(started)} started runs, none silent")
    return dg.SkipReason(f"marked {len(reaped)} silent runs failed: {', '.join(reaped)}")
