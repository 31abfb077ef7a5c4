"""The launchpad's request_search job: every field shown, validates, stores, adds the partition;
a bad request refused at once, its reason in one line."""

import sqlalchemy as sa
import yaml
from dagster._core.snap import JobSnap
from dagster._core.snap.snap_to_yaml import default_values_yaml_from_type_snap

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import request_search
from leadgen_pipeline.search.tags import REFUSED_TAG, SEARCH_ID_TAG
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for


def run_request(instance, database_url, **config):
    return request_search.execute_in_process(
        run_config=config,
        resources={"database": DatabaseResource(url=database_url)},
        instance=instance,
        raise_on_error=False,
    )


def test_the_launchpad_opens_with_every_field_of_the_form():
    """What the launchpad loads (the config schema's defaults, `rootDefaultYaml`)."""
    snap = JobSnap.from_job_def(request_search)
    schema = snap.config_schema_snapshot
    root = schema.get_config_snap(snap.mode_def_snaps[0].root_config_key)
    assert yaml.safe_load(default_values_yaml_from_type_snap(schema, root)) == {
        "keyword": "",
        "location": "",
        "target_business": "",
        "coverage": "full",
    }
    descriptions = {name: root.get_field(name).description for name in root.field_names}
    assert all(descriptions.values()) and "top-ranked" in descriptions["target_business"]


def test_a_valid_request_is_stored_and_its_partition_added(instance, database_url):
    result = run_request(
        instance, database_url, keyword="Plumber", location="Austin, TX", target_business="Joe's"
    )
    assert result.success
    assert result.output_for_node("register_search_request") == "plumber@austin-tx"
    assert instance.get_dynamic_partitions(search_partitions.name) == ["plumber@austin-tx"]
    assert instance.get_run_by_id(result.run_id).tags[SEARCH_ID_TAG] == "plumber@austin-tx"
    with engine_for(database_url).connect() as conn:
        search = search_store.get_search(conn, "plumber@austin-tx")
    assert (search.keyword, search.target_business, search.status) == (
        "Plumber",
        "Joe's",
        "requested",
    )
    assert search.requested_by == f"dagster-run:{result.run_id}"


def test_an_empty_target_means_none(instance, database_url):
    assert run_request(instance, database_url, keyword="plumber", location="Austin, TX").success
    with engine_for(database_url).connect() as conn:
        assert search_store.get_search(conn, "plumber@austin-tx").target_business is None


def test_a_bad_request_fails_at_once_with_its_reason_in_one_line(instance, database_url):
    result = run_request(instance, database_url, keyword="plumber|x", location="Austin, TX")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    reason = "keyword contains characters that are not allowed: ['|']"
    assert failure.step_failure_data.user_failure_data.description == (
        f"search request refused: {reason}"
    )
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    # The runs list shows the reason as a tag; the run's log has it as one error line.
    assert instance.get_run_by_id(result.run_id).tags[REFUSED_TAG] == reason
    errors = [
        record.user_message
        for record in instance.all_logs(result.run_id)
        if not record.is_dagster_event and record.level >= 40
    ]
    assert errors == [f"search request refused: {reason}"]
    assert instance.get_dynamic_partitions(search_partitions.name) == []
    with engine_for(database_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.searches)).scalar_one() == 0
