"""A machine restart in the middle of a search: daemon, code server and run process all
SIGKILLed. After the restart the run must be marked failed within minutes, its enrichment
claims freed, its status must not show a step still running, and a retry must finish it.

Dagster runs as on a machine (one process per part, `DagsterStack`) with the checkout's
own dagster.yaml, the search is triggered and retried through the HTTP API, and the
heartbeat's silence limit is shortened to 12 s (LEADGEN_RUN_SILENCE_LIMIT_SECONDS).
"""

import contextlib
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator

import dagster as dg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.api import AUTH, api_settings
from leadgen_pipeline_tests.support.dagster_stack import DagsterStack
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT
from leadgen_pipeline_tests.support.processes import product_environment
from leadgen_pipeline_tests.support.searches import enrichment_status_counts
from leadgen_sandbox import FaultConfig

pytestmark = pytest.mark.slow

DENTISTS = {"keyword": "dentist", "location": "Denver, CO"}  # 30 places
SILENCE_LIMIT_S = 12
# The reaper ticks every 30 s and gives runs one tick after a pause: the run
# must be failed within this long of the restart.
REAP_DEADLINE_S = 150
WEB_LATENCY = FaultConfig(latency_ms=400)


@pytest.fixture
def stack(sandbox, fresh_pg, tmp_path) -> Iterator[DagsterStack]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    environment = product_environment(sandbox, fresh_pg("dead_run"), home, tmp_path / "data")
    environment["LEADGEN_RUN_SILENCE_LIMIT_SECONDS"] = str(SILENCE_LIMIT_S)
    environment["LEADGEN_STEP_RETRY_DELAY_SECONDS"] = "0.05"
    running = DagsterStack(home, environment)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def claims(database_url: str) -> Counter[str | None]:
    with engine_for(database_url).connect() as conn:
        holders = conn.execute(sa.select(t.enrichment_queue.c.claimed_by)).scalars()
        return Counter(holders)


def dagster_status(stack: DagsterStack, run_id: str) -> dg.DagsterRunStatus:
    with dg.DagsterInstance.from_config(str(stack.home)) as instance:
        return instance.get_run_by_id(run_id).status


def wait_for(what: str, check, timeout_s: float, every_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every_s)
    raise AssertionError(f"{what}: not within {timeout_s} s")


def test_a_run_whose_machine_restarted_is_failed_within_minutes_and_retried(
    stack, sandbox, tmp_path
):
    url = stack.environment["LEADGEN_DATABASE_URL"]
    sandbox.set_faults("web", WEB_LATENCY)
    app = create_app(api_settings(url, stack.url))
    with TestClient(app, raise_server_exceptions=False) as api:
        launched = api.post("/api/trigger-orchestrator", json=DENTISTS, headers=AUTH)
        assert launched.status_code == 202, launched.text
        run_id = launched.json()["jobId"]

        # Half way through enrichment: some prospects done, some claimed and running.
        def half_way() -> Counter[str] | None:
            counts = enrichment_status_counts(url)
            done = counts["enriched"] + counts["skipped"]
            return counts if 3 <= done <= 20 and counts["running"] else None

        at_kill = wait_for("enrichment half way", half_way, 120)
        # The run's process beats: the code server's child that executes the run.
        with engine_for(url).connect() as conn:
            beat = conn.execute(sa.select(t.run_heartbeats)).one()
        assert beat.run_id == run_id and beat.pid in stack.children_of("code_server")

        # The machine goes down: every Dagster process and the run, at once.
        stack.kill("daemon", "webserver", "code_server")
        with contextlib.suppress(ProcessLookupError):  # gone with its server's group
            os.kill(beat.pid, signal.SIGKILL)
        assert wait_for(
            "the run's process gone", lambda: not os.path.exists(f"/proc/{beat.pid}"), 10
        )
        killed_at = time.monotonic()
        held = claims(url)
        assert held[run_id] > 0, held
        assert dagster_status(stack, run_id) == dg.DagsterRunStatus.STARTED

        # The machine comes back: the service manager starts Dagster again.
        stack.start()
        restarted_at = time.monotonic()
        wait_for(
            "the dead run marked failed",
            lambda: dagster_status(stack, run_id) == dg.DagsterRunStatus.FAILURE,
            REAP_DEADLINE_S,
            every_s=1,
        )
        reaped_after = time.monotonic() - restarted_at
        print(
            f"\nkilled at {dict(at_kill)}, {held[run_id]} claims held; failed "
            f"{reaped_after:.0f} s after the restart ({time.monotonic() - killed_at:.0f} s "
            "after the kill)"
        )
        # Its claims died with it, and nothing says it is still running.
        assert claims(url)[run_id] == 0
        assert enrichment_status_counts(url)["running"] == 0
        status = api.get(f"/api/orchestration/status/{run_id}").json()
        assert status["status"] == "failed", status
        assert "processing" not in status["steps"].values(), status["steps"]
        assert status["steps"]["enrichment"] == "failed"

        # Retryable: the retry resumes from the failed step and finishes the search.
        retry = api.post(f"/api/orchestration/retry/{run_id}", headers=AUTH)
        assert retry.status_code == 202, retry.text

        def finished() -> dict | None:
            answer = api.get(f"/api/orchestration/status/{retry.json()['jobId']}").json()
            return answer if answer["status"] in ("completed", "failed") else None

        final = wait_for("the retry finished", finished, 180, every_s=1)
        assert final["status"] == "completed", final
        counts = enrichment_status_counts(url)
        assert sum(counts.values()) == 30 and set(counts) <= {"enriched", "skipped"}, counts
        assert claims(url) == Counter()
        # A trigger of the search now reuses the finished retry, not the dead run.
        again = api.post("/api/trigger-orchestrator", json=DENTISTS, headers=AUTH)
        assert (again.status_code, again.json()["jobId"]) == (200, retry.json()["jobId"])
