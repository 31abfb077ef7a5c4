"""Dagster as a machine runs it, one process per part: code server, webserver, daemon.

`dagster dev` starts the three together and stops them together; a machine
restart kills them apart, with the run processes the code server started. The
stack lets a test kill each part (SIGKILL, no goodbye) and start it again on
the same ports, home and workspace, as the machine's service manager would.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import requests

from leadgen_pipeline.clients.dagster_graphql import DagsterClient, OrchestratorUnavailable
from leadgen_pipeline_tests.support.api import free_port
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT
from leadgen_pipeline_tests.support.processes import descendants

LOCATION_MODULE = "leadgen_pipeline_tests.support.dagster_location"
START_TIMEOUT_S = 120
BIN = Path(sys.executable).parent


class DagsterStack:
    def __init__(self, home: Path, environment: dict[str, str]) -> None:
        self.home = home
        self.environment = {**os.environ, **environment, "DAGSTER_HOME": str(home)}
        self.grpc_port = free_port()
        self.web_port = free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.workspace = home / "workspace.yaml"
        self.workspace.write_text(
            "load_from:\n"
            "  - grpc_server:\n"
            "      host: 127.0.0.1\n"
            f"      port: {self.grpc_port}\n"
            "      location_name: leadgen\n"
        )
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        # The instance's storage created once, here: three processes creating a
        # fresh SQLite instance at once race on its schema migrations.
        with dg.DagsterInstance.from_config(str(home)):
            pass

    def _commands(self) -> dict[str, list[str]]:
        return {
            "code_server": [
                sys.executable, "-m", "dagster", "api", "grpc", "-m", LOCATION_MODULE,
                "-h", "127.0.0.1", "-p", str(self.grpc_port), "--location-name", "leadgen",
            ],
            "webserver": [
                str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(self.web_port),
                "-w", str(self.workspace),
            ],
            "daemon": [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
        }  # fmt: skip

    def start(self, *parts: str) -> None:
        """Start the parts (all three by default), each in a session of its own, and wait
        until the webserver serves the code location."""
        for part in parts or ("code_server", "webserver", "daemon"):
            log = (self.home / f"{part}.log").open("ab")
            self.processes[part] = subprocess.Popen(
                self._commands()[part],
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
        self.wait_until_serving()

    def wait_until_serving(self) -> None:
        dagster = DagsterClient(self.url, timeout_seconds=5)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for part, process in self.processes.items():
                if process.poll() is not None:
                    raise AssertionError(f"{part} exited:\n{self.log(part)[-3000:]}")
            try:
                requests.get(f"{self.url}/server_info", timeout=2).raise_for_status()
                dagster.job_location("search")
                return
            except (requests.RequestException, OrchestratorUnavailable):
                time.sleep(0.5)
        raise AssertionError(f"the webserver did not serve the code:\n{self.log('webserver')}")

    def log(self, part: str) -> str:
        return (self.home / f"{part}.log").read_text(errors="replace")

    def children_of(self, part: str) -> list[int]:
        """The live processes a part started (the code server starts each run's process)."""
        parent = self.processes[part].pid
        return [pid for pid in descendants(parent) if pid != parent]

    def kill(self, *parts: str) -> None:
        """SIGKILL the parts' whole process groups: no handler runs, nothing is reported."""
        for part in parts:
            process = self.processes.pop(part)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def stop(self) -> None:
        for part in list(self.processes):
            process = self.processes.pop(part)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
