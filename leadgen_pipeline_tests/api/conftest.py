"""API fixtures: the app on a test database, and a real Dagster (webserver + daemon) on loopback."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.api.orchestrator import DagsterOrchestrator, OrchestratorUnavailable
from leadgen_pipeline.api.security import webhook_signature
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline_tests.directory.searches import empty_database
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT
from leadgen_sandbox.environment import sandbox_environ

API_TOKEN = "test-token-DO-NOT-LEAK-5e1d"
WEBHOOK_SECRET = "test-webhook-secret-DO-NOT-LEAK-0c4b"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
DAGSTER_START_TIMEOUT_S = 90
# An address nothing listens on: Dagster "down".
UNREACHABLE_DAGSTER_URL = "http://127.0.0.1:9"


def api_settings(database_url: str, dagster_url: str = UNREACHABLE_DAGSTER_URL) -> ApiSettings:
    return ApiSettings(
        database_url=database_url,
        dagster_url=dagster_url,
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
        dagster_timeout_seconds=10,
    )


def signed(body: bytes) -> dict[str, str]:
    return {"X-Leadgen-Signature": webhook_signature(WEBHOOK_SECRET, body)}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The API on an empty database (PostgreSQL and SQLite), with Dagster unreachable."""
    with TestClient(create_app(api_settings(database_url)), raise_server_exceptions=False) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_code_location(url: str, process: subprocess.Popen, log: Path) -> None:
    orchestrator = DagsterOrchestrator(url, timeout_seconds=5)
    deadline = time.monotonic() + DAGSTER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"{url}/server_info", timeout=2).raise_for_status()
            orchestrator.job_location("search")
            return
        except (requests.RequestException, OrchestratorUnavailable):
            time.sleep(0.5)
    pytest.fail(f"dagster dev did not load the code location:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def live_database_url(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied, for the live Dagster of one test module."""
    return empty_database(postgres_url)


@pytest.fixture(scope="module")
def dagster_url(
    live_database_url: str, sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`dagster dev` (webserver and daemon) on a free loopback port, for one test module.

    Module-scoped, so its sensors watch the database only while that module's
    tests run. Started under `env --default-signal=INT,TERM`: run in the
    background, dagster dev otherwise ignores SIGTERM.
    """
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    data_dir = tmp_path_factory.mktemp("data")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        **sandbox_environ(sandbox),
        "DAGSTER_HOME": str(home),
        "LEADGEN_DATABASE_URL": live_database_url,
        "LEADGEN_DATA_DIR": str(data_dir),
        "LEADGEN_STEP_RETRY_DELAY_SECONDS": "0.05",
    }
    log = home / "dagster-dev.log"
    command = [
        "env",
        "--default-signal=INT,TERM",
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "leadgen_pipeline_tests.api.dagster_location",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_code_location(url, process, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def live_client(live_database_url: str, dagster_url: str) -> Iterator[TestClient]:
    """The API, in-process, driving the real Dagster over GraphQL."""
    app = create_app(api_settings(live_database_url, dagster_url))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
