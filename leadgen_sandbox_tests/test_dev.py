"""`make dev` (leadgen_sandbox.dev): every address printed and answering, and SIGTERM or
Ctrl+C leaves no process of it behind."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from leadgen_pipeline_tests.support.api import free_port
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT
from leadgen_pipeline_tests.support.processes import descendants

pytestmark = pytest.mark.slow

READY_TIMEOUT_S = 150
STOP_TIMEOUT_S = 60


def processes_with_environment(marker: str) -> list[int]:
    """Live processes whose environment holds `marker` (every descendant inherits it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue  # ended meanwhile, or not ours to read
    return found


def wait_for_line(log: Path, pattern: str, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if re.search(pattern, text, re.MULTILINE):
            return text
        if process.poll() is not None:
            pytest.fail(f"make dev exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"no {pattern!r} in {READY_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl+C"])
def test_make_dev_prints_every_address_and_stops_with_no_orphans(stop: str, tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    marker = f"DAGSTER_HOME={home}"
    dagster_port, api_port = free_port(), free_port()
    environment = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("GOOGLE_PLACES_API_KEY", "OPENAI_API_KEY")
        },
        "DAGSTER_HOME": str(home),
        "LEADGEN_DATA_DIR": str(tmp_path),
        "LEADGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'leadgen.sqlite3'}",
        "LEADGEN_DAGSTER_PORT": str(dagster_port),
        "LEADGEN_API_PORT": str(api_port),
    }
    log = tmp_path / "dev.log"
    with log.open("wb") as output:
        # Its own session, as a terminal's foreground job has its own process group.
        dev = subprocess.Popen(
            [sys.executable, "-m", "leadgen_sandbox.dev"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        printed = wait_for_line(log, r"^ready: ", dev)
        urls = dict(re.findall(r"^([A-Za-z ()]+):\s+(http://\S+)$", printed, re.MULTILINE))
        assert urls["Dagster UI"] == f"http://127.0.0.1:{dagster_port}"
        assert urls["HTTP API"] == f"http://127.0.0.1:{api_port}"
        sandbox = re.findall(
            r"sandbox's (Places server|LLM server|business websites)\S* (?:at )?(http://\S+)",
            printed,
        )
        assert {name for name, _ in sandbox} == {"Places server", "LLM server", "business websites"}
        for url in [*urls.values(), *(url for _, url in sandbox)]:
            # Every address answers over HTTP (the sandbox roots with a 404: still theirs).
            assert requests.get(url, timeout=10).status_code in (200, 404), url
        assert requests.get(urls["API docs (OpenAPI)"], timeout=10).ok
        tree = descendants(dev.pid)
        assert len(tree) >= 5, "dagster dev, its webserver, daemon and code server, the API"
        assert set(processes_with_environment(marker)) >= set(tree) - {dev.pid}

        if stop == "SIGTERM":
            dev.send_signal(signal.SIGTERM)
        else:
            os.killpg(dev.pid, signal.SIGINT)  # what a terminal sends its foreground job
        assert dev.wait(STOP_TIMEOUT_S) == 0
        left = processes_with_environment(marker)
        assert left == [], subprocess.run(
            ["ps", "-o", "pid,ppid,pgid,cmd", "-p", ",".join(map(str, left))],
            capture_output=True,
            text=True,
        ).stdout
        assert "stopped" in log.read_text()
    finally:
        for pid in processes_with_environment(marker):
            os.kill(pid, signal.SIGKILL)
