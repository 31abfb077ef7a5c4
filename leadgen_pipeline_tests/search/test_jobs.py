"""The launchpad's request_search job: validates, stores, adds the partition."""

import sqlalchemy as sa

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import request_search
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for


def run_request(instance, database_url, **config):
    return request_search.execute_in_process(
        run_config={"ops": {"register_search_request": {"config": config}}},
        resources={"database": DatabaseResource(url=database_url)},
        instance=instance,
        raise_on_error=False,
    )


def test_a_valid_request_is_stored_and_its_partition_added(instance, database_url):
    result = run_request(
        instance, database_url, keyword="Plumber", location="Austin, TX", target_business="Joe's"
    )
    assert result.success
    assert result.output_for_node("register_search_request") == "plumber@austin-tx"
    assert instance.get_dynamic_partitions(search_partitions.name) == ["plumber@austin-tx"]
    with engine_for(database_url).connect() as conn:
        search = search_store.get_search(conn, "plumber@austin-tx")
    assert (search.keyword, search.target_business, search.status) == (
        "Plumber",
        "Joe's",
        "requested",
    )
    assert search.requested_by == f"dagster-run:{result.run_id}"


def test_a_bad_request_is_refused_and_changes_nothing(instance, database_url):
    result = run_request(instance, database_url, keyword="plumber|x", location="Austin, TX")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "search request refused: keyword contains characters" in (
        failure.step_failure_data.error.message
    )
    assert instance.get_dynamic_partitions(search_partitions.name) == []
    with engine_for(database_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.searches)).scalar_one() == 0
