"""The search_requests sensor turns requested searches into partitioned runs, once each."""

from dataclasses import replace

import dagster as dg

from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.sensors import search_requests
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for


def tick(instance, database_url, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"database": DatabaseResource(url=database_url)},
        definitions=build_definitions(),
    )
    return search_requests(context)


def test_no_requests_no_runs(instance, database_url):
    result = tick(instance, database_url)
    assert result.run_requests is None or result.run_requests == []
    assert result.skip_reason


def test_each_request_becomes_one_partitioned_run_and_adds_its_partition(instance, database_url):
    engine = engine_for(database_url)
    first = parse_search_request("plumber", "Austin, TX")
    second = parse_search_request("dentist", "Denver, CO")
    search_store.register_search(engine, first, "api")
    search_store.register_search(engine, second, "webhook")
    instance.add_dynamic_partitions(search_partitions.name, [first.partition_key])

    result = tick(instance, database_url)
    assert [r.partition_key for r in result.run_requests] == [
        first.partition_key,
        second.partition_key,
    ]
    assert result.run_requests[1].tags["leadgen/requested_by"] == "webhook"
    [add] = result.dynamic_partitions_requests
    assert list(add.partition_keys) == [second.partition_key]

    # The next tick, with the cursor, launches nothing more...
    assert tick(instance, database_url, result.cursor).skip_reason
    # ...until a search is requested again (a re-run), which launches once more.
    search_store.register_search(engine, replace(first, target_business="Joe's"), "api")
    again = tick(instance, database_url, result.cursor)
    assert [r.partition_key for r in again.run_requests] == [first.partition_key]
    assert again.run_requests[0].run_key != result.run_requests[0].run_key


def test_the_code_location_loads():
    defs = build_definitions()
    defs.validate_loadable(defs)
    assert defs.resolve_job_def("search").partitions_def == search_partitions
