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


def test_a_request_run_is_named_on_the_search_run_it_causes(instance, database_url):
    engine = engine_for(database_url)
    search_store.register_search(engine, parse_search_request("plumber", "Austin, TX"), "cli")
    search_store.register_search(
        engine, parse_search_request("dentist", "Denver, CO"), "dagster-run:1234-abcd"
    )
    by_key = {r.partition_key: r for r in tick(instance, database_url).run_requests}
    assert by_key["dentist@denver-co"].tags["leadgen/request_run"] == "1234-abcd"
    assert "leadgen/request_run" not in by_key["plumber@austin-tx"].tags


def test_a_partition_added_by_hand_is_adopted_or_removed_with_a_log_line(
    instance, database_url, capfd
):
    instance.add_dynamic_partitions(
        search_partitions.name, ["plumber@austin-tx", "Plumbers in Austin", "a@b@c"]
    )
    result = tick(instance, database_url)
    logged = capfd.readouterr().err  # the sensor's log, as its tick in the UI shows it
    # A key that names a search becomes one, requested, and this tick runs it...
    with engine_for(database_url).connect() as conn:
        adopted = search_store.get_search(conn, "plumber@austin-tx")
    assert (adopted.keyword, adopted.location, adopted.status) == (
        "plumber",
        "austin tx",
        "requested",
    )
    assert adopted.requested_by == "dagster-ui:partition"
    assert [r.partition_key for r in result.run_requests] == ["plumber@austin-tx"]
    # ...any other key is removed, so no asset of it is left to fail.
    [removal] = [
        r
        for r in result.dynamic_partitions_requests
        if isinstance(r, dg.DeleteDynamicPartitionsRequest)
    ]
    assert sorted(removal.partition_keys) == ["Plumbers in Austin", "a@b@c"]
    assert "partition 'plumber@austin-tx', added by hand, adopted as the search" in logged
    assert "removing partition 'Plumbers in Austin', added by hand: " in logged
    assert "removing partition 'a@b@c'" in logged
    # Once adopted, the next tick leaves it alone.
    instance.delete_dynamic_partition(search_partitions.name, "Plumbers in Austin")
    instance.delete_dynamic_partition(search_partitions.name, "a@b@c")
    assert tick(instance, database_url, result.cursor).skip_reason


def test_the_code_location_loads():
    defs = build_definitions()
    defs.validate_loadable(defs)
    assert defs.resolve_job_def("search").partitions_def == search_partitions
