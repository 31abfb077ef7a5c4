"""The reaper: a STARTED run whose heartbeat went silent is failed and its claims freed.

A real Dagster instance and database; the runs are recorded as a run process
would leave them (STARTED, a heartbeat, claims). The whole story with real
processes killed is reliability/test_dead_run.py.
"""

import uuid
from datetime import timedelta

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.monitoring.heartbeat import SILENCE_LIMIT
from leadgen_pipeline.monitoring.sensors import REAP_INTERVAL_SECONDS, reap_dead_runs
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import job_store, queue_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline_tests.support.prospects import FIELD, store_field


def started_run(instance: dg.DagsterInstance, root_run_id: str | None = None) -> dg.DagsterRun:
    run = dg.DagsterRun(
        job_name="search",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        root_run_id=root_run_id,
        parent_run_id=root_run_id,
    )
    instance.add_run(run)
    return run


def heartbeat(engine, run: dg.DagsterRun, age: timedelta) -> None:
    job_store.beat(
        engine,
        run_id=run.run_id,
        root_run_id=run.root_run_id or run.run_id,
        job_name=run.job_name,
        host="worker-1",
        pid=4242,
    )
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.run_heartbeats)
            .where(t.run_heartbeats.c.run_id == run.run_id)
            .values(beat_at=utcnow() - age)
        )


def tick(instance, database_url, cursor: str | None) -> tuple[dg.SkipReason, str | None]:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"database": DatabaseResource(url=database_url)},
    )
    return reap_dead_runs(context), context.cursor


def test_a_silent_run_is_failed_and_its_claims_freed_a_beating_one_left_alone(
    instance, database_url
):
    engine = store_field(database_url)
    queue_store.enqueue_enrichment(engine, [p.place_id for p in FIELD], "normal", "test")
    silent, beating, unknown = started_run(instance), started_run(instance), started_run(instance)
    heartbeat(engine, silent, SILENCE_LIMIT + timedelta(seconds=5))
    heartbeat(engine, beating, timedelta(seconds=1))
    # `unknown` never beat: not ours to judge (run monitoring's timeouts are).
    queue_store.claim_enrichment(engine, silent.run_id, 2, utcnow() - timedelta(hours=1))
    queue_store.start_enrichment(engine, FIELD[0].place_id)
    queue_store.claim_enrichment(engine, beating.run_id, 1, utcnow() - timedelta(hours=1))

    # The first tick (no cursor: the daemon just started) gives every run time to beat.
    first, cursor = tick(instance, database_url, None)
    assert "first tick" in first.skip_message
    assert instance.get_run_by_id(silent.run_id).status == dg.DagsterRunStatus.STARTED

    reaped, _ = tick(instance, database_url, cursor)
    assert silent.run_id in reaped.skip_message
    failed = instance.get_run_by_id(silent.run_id)
    assert failed.status == dg.DagsterRunStatus.FAILURE
    [event] = instance.all_logs(silent.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "process stopped" in event.message and "pid 4242 on worker-1" in event.message
    for alive in (beating, unknown):
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
    with engine.connect() as conn:
        queue = t.enrichment_queue
        holders = dict(conn.execute(sa.select(queue.c.place_id, queue.c.claimed_by)).all())
        statuses = dict(
            conn.execute(sa.select(t.prospects.c.place_id, t.prospects.c.enrichment_status)).all()
        )
        beats = set(conn.execute(sa.select(t.run_heartbeats.c.run_id)).scalars())
    assert holders == {"a": None, "b": None, "c": beating.run_id}
    assert statuses["a"] == "queued"  # it was running for the dead run
    assert beats == {beating.run_id}


def test_a_dead_run_whose_retry_is_alive_keeps_the_shared_claims(instance, database_url):
    engine = store_field(database_url)
    queue_store.enqueue_enrichment(engine, ["a"], "normal", "test")
    dead = started_run(instance)
    retry = started_run(instance, root_run_id=dead.run_id)
    heartbeat(engine, dead, SILENCE_LIMIT * 2)
    heartbeat(engine, retry, timedelta(seconds=1))
    queue_store.claim_enrichment(engine, dead.run_id, 1, utcnow() - timedelta(hours=1))

    tick(instance, database_url, str((utcnow() - timedelta(seconds=30)).timestamp()))
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.enrichment_queue.c.claimed_by)).scalar() == dead.run_id


def test_after_a_missed_tick_runs_get_a_tick_to_beat(instance, database_url):
    engine = store_field(database_url)
    run = started_run(instance)
    heartbeat(engine, run, SILENCE_LIMIT * 3)
    long_ago = str((utcnow() - timedelta(seconds=REAP_INTERVAL_SECONDS * 2)).timestamp())
    skipped, cursor = tick(instance, database_url, long_ago)
    assert "first tick" in skipped.skip_message
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    tick(instance, database_url, cursor)
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
