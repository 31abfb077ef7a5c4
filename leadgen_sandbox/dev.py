"""`make dev`: the Dagster UI and daemon, the HTTP API, and the sandbox for APIs without keys.

Every address is printed at the start, and "ready" once the UI and the API answer.
Ctrl+C (SIGINT) or SIGTERM stops all of it: each child runs in its own session
(its own process group), so the whole tree below it (Dagster's webserver,
daemon, code servers and run workers) is stopped as one, first politely, then
for good. The children start under `env --default-signal=INT,TERM`: a shell that
starts `make dev` in the background makes it ignore those signals, which the
children would inherit, and `dagster dev` would then ignore SIGTERM.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

import requests

from leadgen_sandbox.environment import patched_environ, services_from_environment

DAGSTER_PORT = os.environ.get("LEADGEN_DAGSTER_PORT", "3000")
API_PORT = os.environ.get("LEADGEN_API_PORT", "8000")
HOST = "127.0.0.1"
# How long each child gets to stop after SIGTERM before its whole group is killed.
STOP_GRACE_S = 20.0
READY_TIMEOUT_S = 180.0
POLL_S = 0.2


class StopFlag:
    """Set by SIGINT or SIGTERM; the supervising loop polls it."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signal_name = signal.Signals(signum).name


def start_child(command: Sequence[str]) -> subprocess.Popen[bytes]:
    """`command` in a session of its own, with INT and TERM at their default actions."""
    return subprocess.Popen(["env", "--default-signal=INT,TERM", *command], start_new_session=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal is still a member
        return True
    return True


def _wait_group(pgid: int, deadline: float) -> bool:
    """Wait until the process group `pgid` is empty; False if the deadline passed first."""
    while _group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def stop_children(children: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child (it stops its own children), then its group; SIGKILL what is left."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.0, deadline - time.monotonic()))
        # The leader is gone (or late): whatever it left in its group is told to stop too.
        _signal_group(child.pid, signal.SIGTERM)
    for child in children:
        child.poll()  # reaped, a stopped leader no longer counts as a member of its group
        if not _wait_group(child.pid, deadline):
            print(f"pid {child.pid}'s process group did not stop in time: killing it", flush=True)
            _signal_group(child.pid, signal.SIGKILL)
            child.wait(5)
            _wait_group(child.pid, time.monotonic() + 5)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def addresses() -> dict[str, str]:
    api = f"http://{HOST}:{API_PORT}"
    return {
        "Dagster UI": f"http://{HOST}:{DAGSTER_PORT}",
        "HTTP API": api,
        "API docs (OpenAPI)": f"{api}/docs",
        "directory": f"{api}/directory",
    }


def main() -> int:
    stop = StopFlag()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    with (
        services_from_environment() as notes,
        patched_environ({"LEADGEN_DAGSTER_URL": f"http://{HOST}:{DAGSTER_PORT}"}),
    ):
        for note in notes:
            print(note, flush=True)
        if not os.environ.get("LEADGEN_API_TOKEN"):
            print(
                "LEADGEN_API_TOKEN is not set: the API's mutating endpoints answer 503 "
                "until you export one",
                flush=True,
            )
        for name, url in addresses().items():
            print(f"{name + ':':<20} {url}", flush=True)
        print("Ctrl+C stops all of it.", flush=True)
        dagster = [sys.executable, "-m", "dagster", "dev", "-m", "leadgen_pipeline.definitions"]
        api = [sys.executable, "-m", "leadgen_pipeline.cli", "serve", "--port", API_PORT]
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            children["dagster dev"] = start_child([*dagster, "-h", HOST, "-p", DAGSTER_PORT])
            children["leadgen serve"] = start_child(api)
            return supervise(children, stop)
        finally:
            # A second Ctrl+C must not interrupt the stopping itself.
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)
            stop_children(list(children.values()))
            print("stopped", flush=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def supervise(children: dict[str, subprocess.Popen[bytes]], stop: StopFlag) -> int:
    """Say when the UI and the API answer, then wait for a signal (0) or a child's exit
    (a failure: its status, and everything stops)."""
    urls = addresses()
    ready_checks = (f"{urls['Dagster UI']}/server_info", urls["API docs (OpenAPI)"])
    started = time.monotonic()
    ready = False
    while stop.signal_name is None:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with status {child.returncode}: stopping", flush=True)
                return child.returncode or 1
        if not ready and time.monotonic() - started < READY_TIMEOUT_S:
            ready = all(_answers(url) for url in ready_checks)
            if ready:
                print(f"ready: open {urls['Dagster UI']}", flush=True)
        time.sleep(POLL_S)
    print(f"{stop.signal_name}: stopping", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
