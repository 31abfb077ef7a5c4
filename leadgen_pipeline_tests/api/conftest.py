"""API fixtures: the app on a test database, and a real Dagster (webserver + daemon) on loopback."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline_tests.support.api import (
    api_settings,
    free_port,
    wait_for_code_location,
)
from leadgen_pipeline_tests.support.databases import empty_database
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT
from leadgen_sandbox.environment import sandbox_environ


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The API on an empty database (PostgreSQL and SQLite), with Dagster unreachable."""
    with TestClient(create_app(api_settings(database_url)), raise_server_exceptions=False) as c:
        yield c


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
    port = free_port()
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
        "leadgen_pipeline_tests.support.dagster_location",
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
        wait_for_code_location(url, process, log)
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
