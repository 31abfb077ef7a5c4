"""The enrichment queue sensor and schedules, evaluated against a real instance and database."""

import dagster as dg

from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.enrichment.schedules import retry_failed_enrichment
from leadgen_pipeline.enrichment.sensors import (
    MAX_CONCURRENT_DRAINS,
    enrichment_queue_sensor,
)
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import queue_store
from leadgen_pipeline_tests.support.prospects import store_field


def sensor_context(instance, database_url):
    return dg.build_sensor_context(
        instance=instance,
        resources={"database": DatabaseResource(url=database_url)},
        definitions=build_definitions(),
    )


def test_an_empty_queue_launches_nothing(instance, database_url):
    store_field(database_url)
    assert enrichment_queue_sensor(sensor_context(instance, database_url)).skip_reason


def test_queued_work_launches_a_drain_tagged_with_its_top_priority(instance, database_url):
    engine = store_field(database_url)
    queue_store.enqueue_enrichment(engine, ["a"], "low", "test")
    queue_store.enqueue_enrichment(engine, ["b"], "high", "test")
    [request] = enrichment_queue_sensor(sensor_context(instance, database_url)).run_requests
    assert request.tags["leadgen/priority"] == "high"
    assert request.tags["dagster/priority"] == "10"
    assert request.tags["leadgen/queued"] == '{"high": 1, "low": 1}'


def test_no_more_drains_than_the_limit_run_at_once(instance, database_url):
    engine = store_field(database_url)
    queue_store.enqueue_enrichment(engine, ["a"], "normal", "test")
    for _ in range(MAX_CONCURRENT_DRAINS):
        instance.add_run(dg.DagsterRun(job_name="enrich_queue", status=dg.DagsterRunStatus.STARTED))
    result = enrichment_queue_sensor(sensor_context(instance, database_url))
    assert "already running" in result.skip_reason.skip_message


def test_the_retry_schedule_asks_for_due_failures():
    request = retry_failed_enrichment(dg.build_schedule_context())
    assert request.run_config == {
        "ops": {"queued_enrichment": {"config": {"requeue_failed": True}}}
    }
