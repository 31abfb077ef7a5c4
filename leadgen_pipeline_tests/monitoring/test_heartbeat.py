"""A run's heartbeat: it beats while Dagster says the run goes on, and only then.

Real Dagster instances and the real database; the ticks are called directly
instead of waiting HEARTBEAT_SECONDS for the thread.
"""

import uuid
from datetime import datetime

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.monitoring.heartbeat import MAX_STATUS_FAILURES, RunHeartbeat
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for


def started_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    run = dg.DagsterRun(
        job_name="search", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED
    )
    instance.add_run(run)
    return run


def beats(database_url: str) -> dict[str, datetime]:
    with engine_for(database_url).connect() as conn:
        return dict(
            conn.execute(sa.select(t.run_heartbeats.c.run_id, t.run_heartbeats.c.beat_at)).all()
        )


def test_a_run_beats_while_it_goes_on_and_its_row_goes_when_it_ends(instance, database_url):
    run = started_run(instance)
    heartbeat = RunHeartbeat(engine_for(database_url), instance, run)
    heartbeat.beat()
    first = beats(database_url)[run.run_id]
    heartbeat.tick()
    assert beats(database_url)[run.run_id] >= first

    instance.report_run_failed(run, message="ended")
    heartbeat.tick()
    assert beats(database_url) == {}


def test_a_heartbeat_whose_dagster_cannot_answer_writes_nothing_and_then_stops(database_url):
    # The instance of an ended test (or a process cut off from Dagster's
    # storage): its run's status cannot be read. The database meanwhile
    # serves someone else, who must never see this run beat.
    with dg.instance_for_test() as instance:
        run = started_run(instance)
        heartbeat = RunHeartbeat(engine_for(database_url), instance, run)
        heartbeat.beat()
    before = beats(database_url)

    for _ in range(MAX_STATUS_FAILURES):
        heartbeat.tick()

    # Not a beat more, and the last one left for the reaper to judge.
    assert beats(database_url) == before
    assert heartbeat.ticker.cancelled
