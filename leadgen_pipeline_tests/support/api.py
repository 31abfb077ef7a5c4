"""The HTTP API under test: its settings and secrets, signed webhooks, a live Dagster to drive."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ApiServer:
    """`leadgen serve` as production runs it: uvicorn in a process of its own."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory_kib(self, field: str = "VmRSS") -> int:
        """A /proc/PID/status memory figure of the server process (VmRSS now, VmHWM peak)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} for process {self.pid}")


@contextmanager
def api_server(
    database_url: str, log: Path, dagster_url: str = UNREACHABLE_DAGSTER_URL
) -> Iterator[ApiServer]:
    """The HTTP API (`leadgen serve`, one worker) on a free loopback port, configured like
    `api_settings` through its environment variables."""
    port = free_port()
    environment = {
        **os.environ,
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DAGSTER_URL": dagster_url,
        "LEADGEN_API_TOKEN": API_TOKEN,
        "LEADGEN_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    command = [
        sys.executable,
        "-m",
        "leadgen_pipeline.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    server = ApiServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the API exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                requests.get(f"{server.url}/openapi.json", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    pytest.fail(f"the API did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
