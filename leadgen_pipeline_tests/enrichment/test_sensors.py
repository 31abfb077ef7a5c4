"""The enrichment sensors and schedules, evaluated against a real instance and database."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.enrichment.schedules import (
    REFRESH_RUNS_PER_TICK,
    refresh_searches,
    retry_failed_enrichment,
)
from leadgen_pipeline.enrichment.sensors import (
    MAX_CONCURRENT_DRAINS,
    enrichment_queue_sensor,
    promote_after_enrichment,
)
from leadgen_pipeline.partitions import search_partitions
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import repository as repo
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.storage.test_repository import FIELD, REQUEST


def sensor_context(instance, database_url):
    return dg.build_sensor_context(
        instance=instance,
        resources={"database": DatabaseResource(url=database_url)},
        definitions=build_definitions(),
    )


def seed(database_url):
    engine = engine_for(database_url)
    repo.register_search(engine, REQUEST, "test")
    repo.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    return engine


def test_an_empty_queue_launches_nothing(instance, database_url):
    seed(database_url)
    assert enrichment_queue_sensor(sensor_context(instance, database_url)).skip_reason


def test_queued_work_launches_a_drain_tagged_with_its_top_priority(instance, database_url):
    engine = seed(database_url)
    repo.enqueue_enrichment(engine, ["a"], "low", "test")
    repo.enqueue_enrichment(engine, ["b"], "high", "test")
    [request] = enrichment_queue_sensor(sensor_context(instance, database_url)).run_requests
    assert request.tags["leadgen/priority"] == "high"
    assert request.tags["dagster/priority"] == "10"
    assert request.tags["leadgen/queued"] == '{"high": 1, "low": 1}'


def test_no_more_drains_than_the_limit_run_at_once(instance, database_url):
    engine = seed(database_url)
    repo.enqueue_enrichment(engine, ["a"], "normal", "test")
    for _ in range(MAX_CONCURRENT_DRAINS):
        instance.add_run(dg.DagsterRun(job_name="enrich_queue", status=dg.DagsterRunStatus.STARTED))
    result = enrichment_queue_sensor(sensor_context(instance, database_url))
    assert "already running" in result.skip_reason.skip_message


def test_a_drain_promotes_the_searches_it_touched(instance):
    instance.add_dynamic_partitions(search_partitions.name, ["a@b", "c@d"])
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            "queued_enrichment", metadata={"searches": dg.MetadataValue.json(["a@b", "c@d"])}
        )
    )
    context = dg.build_sensor_context(
        instance=instance, definitions=build_definitions(), instance_ref=instance.get_ref()
    )
    requests = promote_after_enrichment.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["a@b", "c@d"]
    assert len({r.run_key for r in requests}) == 2


def test_the_retry_schedule_asks_for_due_failures():
    request = retry_failed_enrichment(dg.build_schedule_context())
    assert request.run_config == {
        "ops": {"queued_enrichment": {"config": {"requeue_failed": True}}}
    }


def test_the_refresh_schedule_reruns_the_oldest_searches_in_bounded_runs(database_url):
    engine = seed(database_url)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(sa.update(t.searches).values(last_searched_at=old))
    context = dg.build_schedule_context(
        scheduled_execution_time=old + timedelta(days=30),
        resources={"database": DatabaseResource(url=database_url)},
    )
    [request] = refresh_searches(context)
    assert request.partition_key == REQUEST.partition_key
    assert request.run_key == f"refresh:{REQUEST.partition_key}:2020-01-31"
    assert REFRESH_RUNS_PER_TICK == 20
