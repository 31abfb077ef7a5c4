"""The HTTP API under test: its settings and secrets, signed webhooks, a live Dagster to drive."""

import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from leadgen_pipeline.api.security import webhook_signature
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.clients.dagster_graphql import DagsterClient, OrchestratorUnavailable

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


def signed(body: bytes, source: str = "crm", timestamp: float | None = None) -> dict[str, str]:
    """The headers a sender puts on `body` sent to /api/webhooks/`source` (now, by default)."""
    sent_at = str(int(time.time() if timestamp is None else timestamp))
    return {
        "X-Leadgen-Timestamp": sent_at,
        "X-Leadgen-Signature": webhook_signature(WEBHOOK_SECRET, sent_at, source, body),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_code_location(url: str, process: subprocess.Popen, log: Path) -> None:
    dagster = DagsterClient(url, timeout_seconds=5)
    deadline = time.monotonic() + DAGSTER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"{url}/server_info", timeout=2).raise_for_status()
            dagster.job_location("search")
            return
        except (requests.RequestException, OrchestratorUnavailable):
            time.sleep(0.5)
    pytest.fail(f"dagster dev did not load the code location:\n{log.read_text()[-3000:]}")
