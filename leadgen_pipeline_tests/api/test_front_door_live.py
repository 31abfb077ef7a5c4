"""The Dagster UI as a front door, against a real webserver and daemon on the sandbox: the
launchpad's form, a request's run and the search run it causes, a refused request, a
partition added by hand, and what the status endpoint says of each.

The UI's own calls are made here over its GraphQL API: the launchpad loads the config
schema's defaults (`rootDefaultYaml`) and launches a run; "Add partition" adds a
dynamic partition.
"""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
import yaml
from dagster_graphql import DagsterGraphQLClient

from leadgen_pipeline.clients.dagster_graphql import DagsterClient
from leadgen_pipeline.search.tags import REFUSED_TAG, REQUEST_RUN_TAG
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for

pytestmark = pytest.mark.slow

# The sensor ticks every 15 s at best, slower on a busy machine; a search takes seconds.
TIMEOUT_S = 120
BAKERIES = {"keyword": "bakery", "location": "Springfield, IL", "target_business": ""}
BAKERIES_ID = "bakery@springfield-il"
ROOFERS_ID = "roofer@portland-or"
ROOT_DEFAULT_YAML_QUERY = """
query ($selector: PipelineSelector!) {
  runConfigSchemaOrError(selector: $selector) {
    __typename
    ... on RunConfigSchema { rootDefaultYaml }
  }
}
"""
PARTITION_KEYS_QUERY = """
query {
  assetNodeOrError(assetKey: {path: ["places_results"]}) {
    ... on AssetNode { partitionKeys }
  }
}
"""


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = TIMEOUT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout_s} s")


def graphql(dagster_url: str, query: str, variables: dict | None = None) -> dict:
    response = requests.post(
        f"{dagster_url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
    )
    response.raise_for_status()
    return response.json()["data"]


def launch(dagster_url: str, job: str, run_config: dict) -> str:
    """Launch `job` with `run_config`, as the launchpad's Launch button does."""
    address = urlsplit(dagster_url)
    client = DagsterGraphQLClient(address.hostname, port_number=address.port)
    return client.submit_job_execution(job, run_config=run_config)


def status_of(live_client, job_id: str) -> dict:
    response = live_client.get(f"/api/orchestration/status/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def finished(live_client, job_id: str) -> dict:
    return wait_for(
        f"job {job_id} to finish",
        lambda: (s := status_of(live_client, job_id))["status"] in ("completed", "failed") and s,
    )


def test_the_launchpad_opens_with_every_field_of_the_request(dagster_url):
    location, repository = DagsterClient(dagster_url).job_location("request_search")
    selector = {
        "repositoryLocationName": location,
        "repositoryName": repository,
        "pipelineName": "request_search",
    }
    schema = graphql(dagster_url, ROOT_DEFAULT_YAML_QUERY, {"selector": selector})
    result = schema["runConfigSchemaOrError"]
    assert result["__typename"] == "RunConfigSchema", result
    assert yaml.safe_load(result["rootDefaultYaml"]) == {
        "keyword": "",
        "location": "",
        "target_business": "",
        "coverage": "full",
    }


def test_a_request_runs_its_search_and_each_run_names_the_other(live_client, dagster_url):
    request_run = launch(dagster_url, "request_search", BAKERIES)
    request = finished(live_client, request_run)
    assert request["status"] == "completed", request
    assert request["jobName"] == "request_search"
    assert "steps" not in request  # a request run has no search steps to report
    assert request["results"]["searchId"] == BAKERIES_ID
    # The sensor launches the search; the request run then names it.
    with_search = wait_for(
        "the request run to name its search run",
        lambda: (s := status_of(live_client, request_run)).get("searchJobId") and s,
    )
    search_run = with_search["searchJobId"]
    search = finished(live_client, search_run)
    assert search["status"] == "completed", search
    assert search["jobName"] == "search" and set(search["steps"].values()) == {"completed"}
    details = DagsterClient(dagster_url).run_details(search_run)
    assert details.tags[REQUEST_RUN_TAG] == request_run
    assert details.partition_key == BAKERIES_ID
    final = status_of(live_client, request_run)
    assert final["results"]["prospectCount"] == search["results"]["prospectCount"] > 0


def test_a_bad_request_fails_at_once_in_one_line(live_client, dagster_url):
    started = time.monotonic()
    run_id = launch(dagster_url, "request_search", {"keyword": "", "location": "Austin, TX"})
    refused = finished(live_client, run_id)
    assert refused["status"] == "failed"
    [error] = [e for e in refused["errors"] if e["source"] == "dagster"]
    assert error == {
        "source": "dagster",
        "step": "register_search_request",
        "message": "search request refused: keyword is required",
    }
    assert time.monotonic() - started < 60
    details = DagsterClient(dagster_url).run_details(run_id)
    assert details.tags[REFUSED_TAG] == "keyword is required"
    assert list(details.step_statuses.values()) == ["FAILURE"]  # one step, not retried


def test_a_partition_added_by_hand_is_adopted_or_removed(
    live_client, dagster_url, live_database_url
):
    dagster = DagsterClient(dagster_url)
    for key in (ROOFERS_ID, "Roofers in Portland"):
        dagster.add_dynamic_partition("search", search_partitions.name, key)

    def partition_keys() -> list[str]:
        return graphql(dagster_url, PARTITION_KEYS_QUERY)["assetNodeOrError"]["partitionKeys"]

    wait_for("the malformed partition to go", lambda: "Roofers in Portland" not in partition_keys())
    engine = engine_for(live_database_url)

    def adopted() -> sa.Row | None:
        with engine.connect() as conn:
            return conn.execute(sa.select(t.searches).where(t.searches.c.id == ROOFERS_ID)).first()

    search = wait_for("the partition's search", adopted)
    assert search.requested_by == "dagster-ui:partition"
    run = wait_for(
        "the adopted search's run", lambda: dagster.latest_partition_run("search", ROOFERS_ID)
    )
    final = finished(live_client, run.run_id)
    assert final["status"] == "completed", final
    assert final["results"]["prospectCount"] == 12
    assert ROOFERS_ID in partition_keys()
