"""The orchestration endpoints against a real Dagster webserver and daemon, on the sandbox.

One module-scoped `dagster dev`; the tests run in file order and build on each
other's runs (a search, its reuse, a forced re-run, a failure and its retry),
because every run costs seconds.
"""

import time

import pytest
import requests
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.schema import run_failures
from leadgen_pipeline_tests.support.api import AUTH
from leadgen_sandbox import FaultConfig

pytestmark = pytest.mark.slow

BAKERIES = {"keyword": "bakery", "location": "Springfield, IL"}
BAKERIES_ID = "bakery@springfield-il"
ROOFERS = {
    "keyword": "Roofer",
    "location": "Portland, OR",
    "targetBusiness": "nobody in particular",
}
ROOFERS_ID = "roofer@portland-or"
RUN_TIMEOUT_S = 90
SENSOR_TIMEOUT_S = 60
DONE = {"completed", "failed", "stopped"}
PARTITION_RUNS_QUERY = """
query ($key: String!) {
  runsOrError(filter: {pipelineName: "search", tags: [{key: "dagster/partition", value: $key}]}) {
    ... on Runs { results { runId tags { key value } } }
  }
}
"""


def wait_for_job(client, job_id: str, timeout_s: float = RUN_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get(f"/api/orchestration/status/{job_id}")
        assert response.status_code == 200, response.text
        status = response.json()
        if status["status"] in DONE:
            return status
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s: {status}")


def trigger(client, body: dict) -> tuple[int, dict]:
    response = client.post("/api/trigger-orchestrator", json=body, headers=AUTH)
    return response.status_code, response.json()


@pytest.fixture(scope="module")
def first_search(live_client) -> dict:
    code, body = trigger(live_client, BAKERIES)
    assert code == 202, body
    assert body["searchId"] == BAKERIES_ID and body["reused"] is False
    return {"launch": body, "final": wait_for_job(live_client, body["jobId"])}


def test_a_triggered_search_runs_to_completion_with_its_counts(
    live_client, live_database_url, first_search
):
    final = first_search["final"]
    assert final["status"] == "completed", final
    assert final["kind"] == "run" and final["jobName"] == "search"
    assert final["steps"] == {
        "search": "completed",
        "aiIntelligence": "completed",
        "storage": "completed",
        "enrichment": "completed",
    }
    results = final["results"]
    engine = engine_for(live_database_url)
    with engine.connect() as conn:
        prospects = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.search_prospects)
            .where(t.search_prospects.c.search_id == BAKERIES_ID)
        ).scalar_one()
        target = conn.execute(
            sa.select(t.ai_intelligence.c.target_place_id).where(
                t.ai_intelligence.c.search_id == BAKERIES_ID
            )
        ).scalar_one()
        search = conn.execute(sa.select(t.searches).where(t.searches.c.id == BAKERIES_ID)).one()
        enriched = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.search_prospects.join(t.prospects))
            .where(
                t.search_prospects.c.search_id == BAKERIES_ID,
                t.prospects.c.enrichment_status == "enriched",
            )
        ).scalar_one()
    assert results["searchId"] == BAKERIES_ID
    assert results["prospectCount"] == prospects == 5
    assert results["leadId"] == target
    assert results["enrichedCount"] == enriched
    assert final["errors"] == []
    assert search.requested_by == "api"
    assert search.status == "searched"


def test_the_same_search_again_reuses_the_fresh_result(live_client, first_search):
    code, body = trigger(live_client, {**BAKERIES, "location": "springfield il"})
    assert code == 200
    assert body == {
        "jobId": first_search["launch"]["jobId"],
        "searchId": BAKERIES_ID,
        "status": "completed",
        "reused": True,
    }


def test_force_runs_the_search_again_and_only_once(live_client, live_database_url, first_search):
    code, body = trigger(live_client, {**BAKERIES, "force": True})
    assert code == 202 and body["reused"] is False
    assert body["jobId"] != first_search["launch"]["jobId"]
    assert wait_for_job(live_client, body["jobId"])["status"] == "completed"
    # The search_requests sensor saw the request too, and must not have launched a twin.
    time.sleep(1)
    runs = live_client.app.state.dagster.latest_partition_run("search", BAKERIES_ID)
    assert runs.run_id == body["jobId"]


def test_a_failed_run_reports_why_and_a_retry_from_failure_completes(
    live_client, live_database_url, sandbox
):
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    code, body = trigger(live_client, ROOFERS)
    assert code == 202
    failed = wait_for_job(live_client, body["jobId"])
    assert failed["status"] == "failed"
    assert failed["steps"]["search"] == "failed"
    assert failed["steps"]["aiIntelligence"] == "not_started"
    [error] = [e for e in failed["errors"] if e["source"] == "dagster"]
    assert error["step"] == "places_results"
    assert "HTTP 50" in error["message"]
    assert "Traceback" not in str(failed)

    # The run-failure sensor (ticking in the daemon, every 5 s at best, slower on
    # a busy machine) records it; the status shows it.
    deadline = time.monotonic() + SENSOR_TIMEOUT_S
    engine = engine_for(live_database_url)
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            recorded = conn.execute(
                sa.select(run_failures).where(run_failures.c.run_id == body["jobId"])
            ).first()
        if recorded:
            break
        time.sleep(0.5)
    assert recorded is not None, "the run-failure sensor did not record the failure"
    assert recorded.job_name == "search" and recorded.partition_key == ROOFERS_ID
    assert recorded.failed_steps[0]["step"] == "places_results"
    # Status reads are shared for a moment (api/status_cache.py): the next fresh read
    # shows what the sensor recorded.
    deadline = time.monotonic() + 30
    while True:
        status = live_client.get(f"/api/orchestration/status/{body['jobId']}").json()
        if any(e["source"] == "run_failure_sensor" for e in status["errors"]):
            break
        assert time.monotonic() < deadline, f"the status never showed the sensor's record: {status}"
        time.sleep(0.5)

    # Once the fault is gone, a retry resumes the run from the failed step.
    sandbox.set_faults("places", FaultConfig())
    retry = live_client.post(f"/api/orchestration/retry/{body['jobId']}", headers=AUTH)
    assert retry.status_code == 202, retry.text
    retried = retry.json()
    assert retried["parentJobId"] == body["jobId"] and retried["jobId"] != body["jobId"]
    final = wait_for_job(live_client, retried["jobId"])
    assert final["status"] == "completed", final
    assert final["parentJobId"] == body["jobId"]
    assert set(final["steps"].values()) == {"completed"}
    assert final["results"]["prospectCount"] == 12


def test_only_a_failed_run_can_be_retried(live_client, first_search):
    response = live_client.post(
        f"/api/orchestration/retry/{first_search['launch']['jobId']}", headers=AUTH
    )
    assert response.status_code == 409
    assert response.json()["error"] == "not_retryable"


def test_an_unknown_job_is_404(live_client):
    for path in (
        "/api/orchestration/status/00000000-0000-4000-8000-000000000000",
        "/api/orchestration/retry/00000000-0000-4000-8000-000000000000",
    ):
        method = live_client.get if "status" in path else live_client.post
        response = method(path, headers=AUTH)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"


def test_enrich_batch_status_follows_its_prospects(live_client, live_database_url, first_search):
    engine = engine_for(live_database_url)
    with engine.connect() as conn:
        place_ids = list(
            conn.execute(
                sa.select(t.search_prospects.c.place_id)
                .where(t.search_prospects.c.search_id == BAKERIES_ID)
                .order_by(t.search_prospects.c.rank)
            ).scalars()
        )
    response = live_client.post(
        "/api/enrich-batch",
        json={"placeIds": [*place_ids[:2], "ChIJunknown"], "priority": "high"},
        headers=AUTH,
    )
    assert response.status_code == 202
    batch = response.json()
    assert batch["unknownPlaceIds"] == ["ChIJunknown"]
    status = live_client.get(f"/api/orchestration/status/{batch['jobId']}").json()
    assert status["kind"] == "enrichment_batch"
    assert status["priority"] == "high"
    assert set(status["placeStatuses"]) == set(place_ids[:2])
    assert status["status"] in {"pending", "processing", "completed"}


def test_the_search_sensor_never_launched_a_twin_of_an_api_run(dagster_url, first_search):
    # By now the daemon's search_requests sensor (every 15 s) has seen both
    # requests of the bakery search; only the API's two launches may exist.
    response = requests.post(
        f"{dagster_url}/graphql",
        json={"query": PARTITION_RUNS_QUERY, "variables": {"key": BAKERIES_ID}},
        timeout=10,
    )
    runs = response.json()["data"]["runsOrError"]["results"]
    assert len(runs) == 2, runs


def test_a_search_its_cap_stops_reports_stopped_and_resumes_with_a_higher_cap(live_client):
    # The first result page costs $0.035: a $0.02 cap stops the search before any call.
    dentists = {"keyword": "dentist", "location": "Denver, CO", "coverage": "top"}
    code, body = trigger(live_client, {**dentists, "maxCostUsd": 0.02})
    assert code == 202, body
    stopped = wait_for_job(live_client, body["jobId"])
    assert (stopped["status"], stopped["stoppedReason"]) == ("stopped", "budget"), stopped
    assert stopped["steps"]["search"] == "failed"
    assert stopped["spend"]["searchMaxCostUsd"] == 0.02
    assert stopped["spend"]["runCalls"] == 0 and stopped["spend"]["runCostUsd"] == 0
    assert any("budget reached" in error["message"] for error in stopped["errors"]), stopped

    code, body = trigger(live_client, {**dentists, "maxCostUsd": 5})
    assert code == 202 and body["reused"] is False, body
    resumed = wait_for_job(live_client, body["jobId"])
    assert resumed["status"] == "completed", resumed
    assert "stoppedReason" not in resumed
    spend = resumed["spend"]
    assert 0 < spend["runCostUsd"] == spend["searchCostUsd"] <= 5
    assert spend["inFlight"] == 0 and spend["searchMaxCostUsd"] == 5
