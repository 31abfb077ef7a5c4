"""Parallel clients against the real API server and a real Dagster (webserver and daemon).

Triggers and retries sent at the same moment, as impatient users and retrying
CRMs send them: identical triggers launch one run and every caller gets its
id; different triggers all launch; parallel retries of one failed job launch
one re-execution. The API runs as production runs it (`leadgen serve`), the
clients are threads released together by a barrier.
"""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.api import AUTH, ApiServer, api_server
from leadgen_sandbox import FaultConfig

pytestmark = pytest.mark.slow

RUN_TIMEOUT_S = 180
DONE = {"completed", "failed"}
RUNS_QUERY = """
query ($filter: RunsFilter!) {
  runsOrError(filter: $filter) { ... on Runs { results { runId status } } }
}
"""


@pytest.fixture(scope="module")
def api(
    live_database_url: str, dagster_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    log: Path = tmp_path_factory.mktemp("api") / "api.log"
    with api_server(live_database_url, log, dagster_url) as server:
        yield server


def at_once(count: int, call: Callable[[int], requests.Response]) -> list[requests.Response]:
    """`call(i)` for i in range(count), each on its own thread, released together."""
    barrier = threading.Barrier(count)

    def released(i: int) -> requests.Response:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count)))


def trigger(api: ApiServer, body: dict) -> requests.Response:
    return requests.post(f"{api.url}/api/trigger-orchestrator", json=body, headers=AUTH, timeout=60)


def wait_for_job(api: ApiServer, job_id: str) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        status = requests.get(f"{api.url}/api/orchestration/status/{job_id}", timeout=30).json()
        if status.get("status") in DONE:
            return status
        time.sleep(1)
    raise AssertionError(f"job {job_id} did not finish in {RUN_TIMEOUT_S} s: {status}")


def runs_tagged(dagster_url: str, key: str, value: str) -> list[dict]:
    response = requests.post(
        f"{dagster_url}/graphql",
        json={
            "query": RUNS_QUERY,
            "variables": {"filter": {"tags": [{"key": key, "value": value}]}},
        },
        timeout=30,
    )
    return response.json()["data"]["runsOrError"]["results"]


def test_identical_triggers_at_the_same_moment_launch_one_run_and_all_get_its_id(api, dagster_url):
    body = {"keyword": "florist", "location": "Springfield, IL"}
    answers = at_once(5, lambda _: trigger(api, body))
    assert all(a.status_code in (200, 202) for a in answers), [a.text for a in answers]
    launched = [a.json() for a in answers if a.status_code == 202]
    reused = [a.json() for a in answers if a.status_code == 200]
    assert len(launched) == 1 and len(reused) == 4, [a.json() for a in answers]
    job_id = launched[0]["jobId"]
    assert {r["jobId"] for r in reused} == {job_id} and all(r["reused"] for r in reused)
    assert [
        r["runId"] for r in runs_tagged(dagster_url, "dagster/partition", "florist@springfield-il")
    ] == [job_id]
    assert wait_for_job(api, job_id)["status"] == "completed"


SEARCHES = [
    {"keyword": "bakery", "location": "Springfield, IL"},
    {"keyword": "plumber", "location": "Springfield, IL"},
    {"keyword": "dentist", "location": "Springfield, IL"},
    {"keyword": "bakery", "location": "Portland, OR"},
    {"keyword": "roofer", "location": "Portland, OR"},
]


def test_different_triggers_at_the_same_moment_all_launch(api, live_database_url):
    answers = at_once(len(SEARCHES), lambda i: trigger(api, SEARCHES[i]))
    assert [a.status_code for a in answers] == [202] * len(SEARCHES), [a.text for a in answers]
    job_ids = [a.json()["jobId"] for a in answers]
    assert len(set(job_ids)) == len(SEARCHES)
    with engine_for(live_database_url).connect() as conn:
        searches = conn.execute(
            sa.select(t.searches.c.id, t.searches.c.status, t.searches.c.last_error).where(
                t.searches.c.id.in_([a.json()["searchId"] for a in answers])
            )
        ).all()
    assert len(searches) == len(SEARCHES)
    assert all(s.last_error is None for s in searches), searches
    finals = [wait_for_job(api, job_id) for job_id in job_ids]
    assert [f["status"] for f in finals] == ["completed"] * len(SEARCHES), finals


def test_parallel_retries_of_a_failed_job_launch_one_reexecution(api, dagster_url, sandbox):
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    launched = trigger(api, {"keyword": "bakery", "location": "Boise, ID"})
    assert launched.status_code == 202
    failed_id = launched.json()["jobId"]
    assert wait_for_job(api, failed_id)["status"] == "failed"
    sandbox.set_faults("places", FaultConfig())

    answers = at_once(
        3,
        lambda _: requests.post(
            f"{api.url}/api/orchestration/retry/{failed_id}", headers=AUTH, timeout=60
        ),
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 202], [a.text for a in answers]
    retry_ids = {a.json()["jobId"] for a in answers}
    assert len(retry_ids) == 1 and failed_id not in retry_ids
    assert all(a.json()["parentJobId"] == failed_id for a in answers)
    [retry_id] = retry_ids
    assert [r["runId"] for r in runs_tagged(dagster_url, "dagster/parent_run_id", failed_id)] == [
        retry_id
    ]
    assert wait_for_job(api, retry_id)["status"] == "completed"
    # Retried and done: another retry answers with that re-execution, launches nothing.
    again = requests.post(
        f"{api.url}/api/orchestration/retry/{failed_id}", headers=AUTH, timeout=60
    )
    assert (again.status_code, again.json()["jobId"]) == (200, retry_id)


def test_a_search_for_another_target_is_not_answered_with_the_old_one(
    api, dagster_url, live_database_url
):
    body = {"keyword": "florist", "location": "Springfield, IL"}  # ran above, for no target
    with engine_for(live_database_url).connect() as conn:
        [florist_name] = conn.execute(
            sa.select(t.prospects.c.name)
            .join(t.search_prospects)
            .where(t.search_prospects.c.search_id == "florist@springfield-il")
            .order_by(t.search_prospects.c.rank.desc())
            .limit(1)
        ).scalars()
    fresh = trigger(api, body)
    assert fresh.status_code == 200 and fresh.json()["reused"] is True
    for_target = trigger(api, {**body, "targetBusiness": florist_name})
    assert for_target.status_code == 202 and for_target.json()["reused"] is False
    while_running = trigger(api, {**body, "targetBusiness": "Someone Else Florals"})
    assert while_running.status_code == 409, while_running.text
    assert while_running.json()["error"] == "search_in_progress"
    assert wait_for_job(api, for_target.json()["jobId"])["status"] == "completed"
    with engine_for(live_database_url).connect() as conn:
        target = conn.execute(
            sa.select(t.searches.c.target_business, t.ai_intelligence.c.target_place_id)
            .join(t.ai_intelligence, t.ai_intelligence.c.search_id == t.searches.c.id)
            .where(t.searches.c.id == "florist@springfield-il")
        ).one()
        target_name = conn.execute(
            sa.select(t.prospects.c.name).where(t.prospects.c.place_id == target.target_place_id)
        ).scalar_one()
    assert target.target_business == florist_name and target_name == florist_name
    again = trigger(api, {**body, "targetBusiness": florist_name.upper()})
    assert again.status_code == 200 and again.json()["jobId"] == for_target.json()["jobId"]
