"""Benchmark 6: the HTTP API under 200 pollers: does a hammered status endpoint stall the rest?

A real `dagster dev` (webserver and daemon) runs the product's code location on
the sandbox and a throwaway PostgreSQL database; one search runs through the
API, so its job has a real run with step stats and parents to read. Then the
API (`leadgen serve`, one uvicorn worker, as production runs each worker) is
measured twice, in the same run:

- shipped: status polls let in 4 at a time, job statuses cached for 2 s
  (kept serialised) and read on 8 threads of their own;
- CONTRAST: every poll let in at once, no cache, and status reads on the
  thread pool every sync route shares (LEADGEN_STATUS_IN_FLIGHT=100000,
  LEADGEN_STATUS_CACHE_SECONDS=0, LEADGEN_STATUS_READ_THREADS=0): what the API
  did before, when 200 pollers of the status endpoint held all 40 of the
  pool's threads while /api/collections waited for one.

In each, a probe reads /api/collections ten times a second (on a schedule, not
waiting for answers, so a stall shows in every request it holds up), first
alone, then while 200 clients (asyncio, in a process of their own) poll the job's
status as fast as they are answered (HTTP/1.1 by hand on asyncio streams, so
the load generator itself stays light). The figures: the probe's latency under
load against its latency alone, and the pollers' own latency and throughput.

    .venv/bin/python -m bench.api_under_load
"""

import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.common import (
    REPO_ROOT,
    Deadline,
    Report,
    SandboxProcess,
    SandboxUrls,
    percentile,
    progress,
    throwaway_database,
)

TOKEN = "bench-token"
POLLERS = 200
LOAD_SECONDS = 20.0
PROBE_ALONE_SECONDS = 8.0
PROBE_INTERVAL_S = 0.1
PROBE_THREADS = 64
SEARCH = {"keyword": "bakery", "location": "Springfield, IL"}
CONFIGURATIONS = {
    "shipped": {},
    "contrast": {
        "LEADGEN_STATUS_IN_FLIGHT": "100000",
        "LEADGEN_STATUS_CACHE_SECONDS": "0",
        "LEADGEN_STATUS_READ_THREADS": "0",
    },
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(url: str, deadline: Deadline, process: subprocess.Popen[bytes]) -> None:
    while True:
        deadline.check()
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            requests.get(url, timeout=2).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.5)


@contextmanager
def service(
    command: list[str], environment: dict[str, str], ready_url: str, log: Path
) -> Iterator[None]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(ready_url, Deadline(120, f"starting {command[2:4]}"), process)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def dagster_dev(
    sandbox: SandboxUrls, database_url: str, home: Path
) -> tuple[list[str], dict[str, str], int]:
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    command = [
        "env",
        "--default-signal=INT,TERM",
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "leadgen_pipeline.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    environment = {
        **os.environ,
        **sandbox.env(),
        "DAGSTER_HOME": str(home),
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DATA_DIR": str(home / "data"),
    }
    return command, environment, port


def api_command(port: int) -> list[str]:
    return [
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


def api_environment(database_url: str, dagster_url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DAGSTER_URL": dagster_url,
        "LEADGEN_API_TOKEN": TOKEN,
        **extra,
    }


def run_search(api_url: str) -> str:
    answer = requests.post(
        f"{api_url}/api/trigger-orchestrator",
        json=SEARCH,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    answer.raise_for_status()
    job_id = answer.json()["jobId"]
    deadline = Deadline(300, "the search run")
    while True:
        deadline.check()
        status = requests.get(f"{api_url}/api/orchestration/status/{job_id}", timeout=30).json()
        if status["status"] == "completed":
            return job_id
        if status["status"] == "failed":
            raise RuntimeError(f"the search run failed: {status}")
        time.sleep(1)


def probe(api_url: str, seconds: float) -> list[float]:
    """/api/collections latencies (ms): one request every PROBE_INTERVAL_S for `seconds`,
    each on a thread of its own, whether the previous ones have been answered or not (a
    probe that waited for each answer would take few samples during a stall, and hide it)."""
    latencies: list[float] = []

    def one() -> None:
        started = time.perf_counter()
        requests.get(f"{api_url}/api/collections", timeout=120).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)

    with ThreadPoolExecutor(PROBE_THREADS) as pool:
        futures = []
        start = time.monotonic()
        for sent in range(int(seconds / PROBE_INTERVAL_S)):
            time.sleep(max(0.0, start + sent * PROBE_INTERVAL_S - time.monotonic()))
            futures.append(pool.submit(one))
        for future in futures:
            future.result()
    return latencies


async def poll_status(host: str, port: int, path: str, end: float, stats: dict[str, Any]) -> None:
    """One poller: one keep-alive connection, one request at a time, until `end`. HTTP/1.1
    by hand over asyncio streams: a generator much lighter than the server it loads."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < end:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            stats["latencies"].append((time.perf_counter() - started) * 1000)
            if not head.startswith(b"HTTP/1.1 200"):
                stats["errors"] += 1
    finally:
        writer.close()


def pollers(api_url: str, job_id: str, clients: int, seconds: float, out: Any) -> None:
    """In a process of its own: `clients` pollers of the job's status for `seconds`."""
    host, port = api_url.removeprefix("http://").split(":")
    stats: dict[str, Any] = {"latencies": [], "errors": 0}
    path = f"/api/orchestration/status/{job_id}"

    async def main() -> None:
        end = time.monotonic() + seconds
        await asyncio.gather(
            *(poll_status(host, int(port), path, end, stats) for _ in range(clients))
        )

    asyncio.run(main())
    out.put(stats)


def measure(api_url: str, job_id: str) -> dict[str, Any]:
    alone = probe(api_url, PROBE_ALONE_SECONDS)
    results: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    load = multiprocessing.get_context("spawn").Process(
        target=pollers, args=(api_url, job_id, POLLERS, LOAD_SECONDS, results)
    )
    load.start()
    time.sleep(3)  # the pollers connected and busy
    loaded = probe(api_url, LOAD_SECONDS - 6)
    polled = results.get(timeout=LOAD_SECONDS + 180)
    load.join(30)
    status_ms = polled["latencies"]
    return {
        "collections_alone_p50": percentile(alone, 50),
        "collections_alone_p95": percentile(alone, 95),
        "collections_loaded_p50": percentile(loaded, 50),
        "collections_loaded_p95": percentile(loaded, 95),
        "collections_loaded_p99": percentile(loaded, 99),
        "collections_loaded_max": max(loaded),
        "status_p50": percentile(status_ms, 50),
        "status_p95": percentile(status_ms, 95),
        "status_per_second": len(status_ms) / LOAD_SECONDS,
        "status_errors": polled["errors"],
    }


def run() -> list[Report]:
    report = Report("api_under_load", f"/api/collections while {POLLERS} clients poll a status")
    with (
        SandboxProcess() as sandbox,
        throwaway_database("api_load") as database_url,
        tempfile.TemporaryDirectory(prefix="leadgen-bench-api-") as folder,
    ):
        home = Path(folder)
        command, environment, dagster_port = dagster_dev(sandbox.urls, database_url, home)
        dagster_url = f"http://127.0.0.1:{dagster_port}"
        progress("starting dagster dev")
        with service(command, environment, f"{dagster_url}/server_info", home / "dagster.log"):
            figures: dict[str, dict[str, Any]] = {}
            job_id = ""
            for name, extra in CONFIGURATIONS.items():
                port = free_port()
                api_url = f"http://127.0.0.1:{port}"
                environment = api_environment(database_url, dagster_url, extra)
                with service(
                    api_command(port),
                    environment,
                    f"{api_url}/openapi.json",
                    home / f"api-{name}.log",
                ):
                    if not job_id:
                        progress("running one search through the API")
                        job_id = run_search(api_url)
                    progress(
                        f"{name}: probing /api/collections alone, then under {POLLERS} pollers"
                    )
                    figures[name] = measure(api_url, job_id)
    shipped, contrast = figures["shipped"], figures["contrast"]
    for label, figure in (
        ("shipped", shipped),
        ("CONTRAST no gate, no cache, shared pool", contrast),
    ):
        for q in ("p50", "p95"):
            report.ratio(
                f"collections {q} under load / alone ({label})",
                figure[f"collections_loaded_{q}"] / figure[f"collections_alone_{q}"],
            )
    for q in ("p95", "p99", "max"):
        report.ratio(
            f"collections {q} under load, contrast / shipped",
            contrast[f"collections_loaded_{q}"] / shipped[f"collections_loaded_{q}"],
        )
    report.ratio("status p95, contrast / shipped", contrast["status_p95"] / shipped["status_p95"])
    report.ratio(
        "statuses answered per second, shipped / contrast",
        shipped["status_per_second"] / contrast["status_per_second"],
    )
    for name, values in figures.items():
        report.add_raw({f"{name} {key}": value for key, value in values.items()})
    return [report]


if __name__ == "__main__":
    for finished in run():
        finished.print()
