"""The run-failure sensor records a real failed search run: job, search, step, why, when."""

import json

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.monitoring.sensors import record_run_failures
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.schema import outbound_events, run_failures
from leadgen_pipeline_tests.support.pipeline import build_test_definitions
from leadgen_sandbox import FaultConfig
from leadgen_sandbox.environment import patched_environ, sandbox_environ


def test_a_failed_search_run_is_recorded_once(database_url, sandbox, tmp_path, capsys):
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    environment = {
        **sandbox_environ(sandbox),
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DATA_DIR": str(tmp_path),
    }
    request = parse_search_request("roofer", "Portland, OR")
    with patched_environ(environment), dg.instance_for_test() as instance:
        search_store.register_search(engine_for(database_url), request, requested_by="test")
        instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
        job = build_test_definitions().resolve_job_def("search")
        result = job.execute_in_process(
            instance=instance, partition_key=request.partition_key, raise_on_error=False
        )
        assert not result.success
        for _ in range(2):  # a second look at the same failure changes nothing
            context = dg.build_run_status_sensor_context(
                sensor_name=record_run_failures.name,
                dagster_event=result.get_run_failure_event(),
                dagster_instance=instance,
                dagster_run=result.dagster_run,
                resources={"database": DatabaseResource(url=database_url)},
            )
            record_run_failures(context.for_run_failure())

    with engine_for(database_url).connect() as conn:
        [failure] = conn.execute(sa.select(run_failures)).all()
    assert failure.run_id == result.run_id
    assert (failure.job_name, failure.partition_key) == ("search", "roofer@portland-or")
    [step] = failure.failed_steps
    assert step["step"] == "places_results"
    assert "Places POST /v1/places:searchText failed: HTTP 5" in step["message"]
    assert "places_results" in failure.message
    assert failure.failed_at is not None

    # Subscribers of search.failed hear of it once, through the outbox.
    with engine_for(database_url).connect() as conn:
        [event] = conn.execute(sa.select(outbound_events)).all()
    assert event.event_type == "search.failed"
    assert event.payload["data"]["runId"] == result.run_id
    assert event.payload["data"]["searchId"] == "roofer@portland-or"
    assert event.payload["data"]["failedSteps"][0]["step"] == "places_results"

    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line[:1] == "{"]
    failed = [line for line in logged if line["event"] == "JOB_FAILED"]
    assert failed[0]["run_id"] == result.run_id
    assert failed[0]["failed_steps"] == ["places_results"]
    assert "sandbox-places-key" not in json.dumps(logged)


def test_the_test_definitions_retry_fast():
    """Guards the suite's speed: a failing Places must fail a run in seconds, not minutes."""
    resources = build_test_definitions().resources
    assert {resources[name].max_attempts for name in ("places", "llm")} == {2}
