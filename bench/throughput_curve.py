"""Benchmark: prospects per second against the Places quota (10, 20, 50, 100/s), and where
the machine, not the quota, becomes the limit.

Each point drains its own population in its own throwaway database with
`EnrichmentRunner` and production's settings, every listing without phone and
website (so each prospect buys exactly one Place Details, then crawls its
website and, for about a fifth, asks the LLM), 150 ms on every server of the
sandbox (websites on 64 loopback hosts, production's politeness), our Places
limiter at the sandbox's quota, the LLM's high enough never to bind. While the
quota is the limit, prospects/s over the quota sits at the limiter's ceiling
(0.93); where it falls away, something of this machine is the limit. What it
is: the CPU the drain's process uses (one core is all the interpreter lock
gives Python code), the sandbox's, the machine's in all (other people's work
included), and, at the highest quota, py-spy's samples of the drain's process:
the functions its threads were running on the CPU.
"""

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    CpuMeter,
    Deadline,
    Quotas,
    RateProbe,
    Report,
    SandboxProcess,
    product_resources,
    progress,
    store_population,
    throwaway_database,
    unlimited_places_client,
    without_phone_and_website,
)
from bench.quota_use import DrainTimeline, production_runner
from leadgen_pipeline.clients import rate_limit
from leadgen_pipeline.clients.rate_limit import build_rate_limit
from leadgen_pipeline.storage import queue_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import FaultConfig

QUOTAS = (10, 20, 50, 100)
LATENCY_MS = 150
LLM_QUOTA = 200
SECONDS_AT_QUOTA = 15  # each point drains what its quota allows in this long
MAX_PROSPECTS = 900
KEYWORDS = {10: "plumber", 20: "electrician", 50: "roofer", 100: "dentist"}
PROFILE_RATE_HZ = 97
TOP_FUNCTIONS = 10


@dataclass
class Point:
    quota: int
    prospects: int
    seconds: float
    places_requests: int
    steady_places_rate: float
    rate_limited: int
    late_discards: int
    cpu: CpuMeter
    profile: dict[str, Any] | None

    @property
    def rate(self) -> float:
        return self.prospects / self.seconds


def profile_while(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` (every thread, on-CPU only) for `seconds`, collapsed stacks."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(int(seconds), 1)),
            "--rate",
            str(PROFILE_RATE_HZ),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def read_profile(path: Path, seconds: float) -> dict[str, Any]:
    """Top on-CPU functions (the frame a sample was in, by file and function) and how many
    threads were on the CPU on average."""
    by_function: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        samples += count
        leaf = stack.split(";")[-1]
        by_function[leaf] += count
        location = leaf.partition("(")[2]
        by_package[_package(location)] += count
    return {
        "on-CPU samples": samples,
        "threads on the CPU, average": round(samples / PROFILE_RATE_HZ / seconds, 2),
        "by package, share of samples": {
            name: round(count / samples, 3) for name, count in by_package.most_common(8)
        },
        "top functions, share of samples": {
            name: round(count / samples, 3)
            for name, count in by_function.most_common(TOP_FUNCTIONS)
        },
    }


def _package(location: str) -> str:
    """py-spy's 'psycopg/connection.py:479)' -> 'psycopg'; 'socket.py:706)' -> 'python
    stdlib'; our code by its subpackage ('leadgen_pipeline/domain')."""
    path = location.split(":")[0].split("site-packages/")[-1]
    parts = path.split("/")
    if len(parts) == 1 or "/lib/python3" in path:
        return "python stdlib"
    if parts[0] == "leadgen_pipeline":
        return "/".join(parts[:2])
    return parts[0]


def drain_point(sandbox: SandboxProcess, quota: int, profile: bool) -> Point:
    prospects = min(quota * SECONDS_AT_QUOTA, MAX_PROSPECTS)
    with throwaway_database("curve") as database_url:
        engine = engine_for(database_url)
        progress(f"quota {quota}/s: storing {prospects} prospects")
        _, ranked = store_population(
            engine,
            unlimited_places_client(sandbox.urls),
            f"{KEYWORDS[quota]} #bulk{prospects}",
            "Austin, TX",
            without_phone_and_website,
        )
        queue_store.enqueue_enrichment(engine, [p.place_id for p in ranked], "normal", "bench")
        with product_resources(
            sandbox.urls, database_url, Quotas(places=quota, llm=LLM_QUOTA)
        ) as clients:
            runner = production_runner(engine, clients, "bench-curve")
            time.sleep(1.1)  # the previous point's requests leave the server's window
            sandbox.reset()
            for server, server_quota in (("places", quota), ("llm", LLM_QUOTA), ("web", None)):
                faults = FaultConfig(quota_per_second=server_quota, latency_ms=LATENCY_MS)
                sandbox.set_faults(server, faults)
            progress(f"quota {quota}/s: EnrichmentRunner drains {prospects} prospects")
            timeline = DrainTimeline(Deadline(240, f"drain at {quota}/s"))
            with tempfile.TemporaryDirectory() as folder:
                spy = None
                if profile:
                    expected = prospects / min(quota * 0.9, 40)
                    spy = profile_while(os.getpid(), expected, Path(folder) / "profile.txt")
                with RateProbe(sandbox, "places") as probe, CpuMeter(sandbox.pid) as cpu:
                    tally = runner.drain(on_progress=timeline)
                figures = None
                if spy is not None:
                    spy.wait(60)
                    figures = read_profile(Path(folder) / "profile.txt", cpu.seconds)
            late = clients.places.client.rate_limit.late_admissions_discarded  # type: ignore[union-attr]
    return Point(
        quota=quota,
        prospects=tally.processed,
        seconds=cpu.seconds,
        places_requests=probe.requests,
        steady_places_rate=probe.steady_rate(),
        rate_limited=probe.rate_limited,
        late_discards=late,
        cpu=cpu,
        profile=figures,
    )


def admission_capacity(samples: int = 300) -> float:
    """Admissions per second one thread gets from a PostgreSQL-shared quota that never makes
    it wait: the most a process can admit one at a time, each admission being one round
    trip to the database (lock, count, insert and commit in one pipeline)."""
    with throwaway_database("admissions") as database_url:
        quota = build_rate_limit("capacity", 1_000_000, 1.0, database_url=database_url)
        try:
            started = time.monotonic()
            for _ in range(samples):
                quota.acquire()
            return samples / (time.monotonic() - started)
        finally:
            quota.close()


def run() -> list[Report]:
    report = Report(
        "throughput_curve",
        f"prospects/s against the Places quota, {LATENCY_MS} ms on every server, every prospect "
        "buying Place Details then crawling its site",
    )
    window_ms = 1000 + rate_limit.WINDOW_MARGIN_MS + rate_limit.POSTGRES_BUFFER_MS + 1
    ceiling = 1000 / window_ms
    points = []
    capacity = admission_capacity()
    with SandboxProcess() as sandbox:
        for quota in QUOTAS:
            points.append(drain_point(sandbox, quota, profile=quota == max(QUOTAS)))
    for point in points:
        report.ratio(f"at {point.quota:>3}/s: prospects/s / quota", point.rate / point.quota, "")
    for point in points:
        report.add_raw(
            {
                f"at {point.quota}/s": {
                    "prospects": point.prospects,
                    "seconds": round(point.seconds, 1),
                    "prospects/s": round(point.rate, 1),
                    "Places requests": point.places_requests,
                    "steady Places rate / quota": round(point.steady_places_rate / point.quota, 3),
                    "429s": point.rate_limited,
                    "late admissions discarded": point.late_discards,
                    "CPU cores, the drain's process": round(point.cpu.own_cores, 2),
                    "CPU cores, the sandbox's process": round(point.cpu.other_cores, 2),
                    "machine busy (all cores, everyone's work)": round(point.cpu.machine_busy, 2),
                }
            }
        )
    bound = [p.quota for p in points if p.rate / p.quota < 0.8 * ceiling]
    report.add_raw(
        {
            "limiter ceiling (quota bound)": round(ceiling, 3),
            "admissions/s one process can get from the shared quota (no waiting)": round(capacity),
            "first quota where the machine, not the quota, is the limit": bound[0]
            if bound
            else "none up to the highest",
        }
    )
    top = points[-1]
    if top.profile is not None:
        report.add_raw({f"py-spy at {top.quota}/s": top.profile})
    report.print()
    return [report]


if __name__ == "__main__":
    run()
