"""Benchmark 3: one search end to end through Dagster: Dagster's overhead against our own work.

The `search` job of the real Definitions runs one partition on a throwaway
Dagster instance (SQLite, in a temporary folder) with the application data in
a throwaway PostgreSQL database and a zero-latency sandbox. Our work is the sum
of the steps' compute times from the event log (each STEP_SUCCESS carries
its op's duration); the rest of the run's wall time is Dagster's: planning,
step orchestration, resource set-up, event writes and, with the multiprocess
executor, a fresh Python process per step.

Our rate limits are lifted so that the steps' time is work, not pacing (with
production's limits a step waits on its quota, and Dagster's share shrinks);
the search is "electrician in Austin, TX" (45 places, four hostile websites,
no slow one), re-enriched in full by every run (stale_after_days=0).
"""

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg

from bench.common import Report, SandboxProcess, progress, throwaway_database
from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox.environment import patched_environ

KEYWORD, LOCATION = "electrician", "Austin, TX"
LIFTED_LIMIT = "1000"
RUN_CONFIG: dict[str, Any] = {
    "ops": {"enriched_prospects": {"config": {"stale_after_days": 0}}},
    # The console would print every event; the event log keeps them all the same.
    "loggers": {"console": {"config": {"log_level": "WARNING"}}},
}
MULTIPROCESS_RUN_CONFIG: dict[str, Any] = {
    **RUN_CONFIG,
    "execution": {"config": {"max_concurrent": 2}},
}


def search_job() -> dg.JobDefinition:
    """The `search` job of the real Definitions, built from the current environment."""
    return build_definitions().resolve_job_def("search")


def search_job_multiprocess() -> dg.JobDefinition:
    """The same job with the multiprocess executor named outright, whatever the code
    location's default; module level, so that Dagster can rebuild it in each step
    process (`dg.reconstructable`)."""
    return search_job().with_executor_def(dg.multiprocess_executor)


def time_split(instance: dg.DagsterInstance, run_id: str, wall_seconds: float) -> dict[str, Any]:
    """The run's wall time split into the steps' compute and the rest, from the event log."""
    successes = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    compute = {
        entry.step_key: entry.dagster_event.event_specific_data.duration_ms / 1000
        for entry in successes
        if entry.dagster_event is not None and entry.step_key is not None
    }
    run = instance.get_run_by_id(run_id)
    our_work = sum(compute.values())
    step_processes = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_WORKER_STARTED)
    return {
        "status": run.status.value if run else "missing",
        "step processes": len(step_processes),
        "wall_seconds": round(wall_seconds, 2),
        "our_work_seconds": round(our_work, 2),
        "dagster_seconds": round(wall_seconds - our_work, 2),
        "steps": {step: round(seconds, 2) for step, seconds in sorted(compute.items())},
    }


def run_in_process(instance: dg.DagsterInstance, partition_key: str) -> dict[str, Any]:
    """execute_in_process: every step in this process, one after another."""
    started = time.monotonic()
    result = search_job().execute_in_process(
        instance=instance, partition_key=partition_key, run_config=RUN_CONFIG, raise_on_error=False
    )
    return time_split(instance, result.run_id, time.monotonic() - started)


def run_as_launched(instance: dg.DagsterInstance, partition_key: str) -> dict[str, Any]:
    """execute_job with the code location's own executor (in process), as `dagster dev`
    and the daemon run the job: the run in a process of its own, its steps in turn."""
    return _execute_job(instance, search_job, RUN_CONFIG, partition_key)


def run_multiprocess(instance: dg.DagsterInstance, partition_key: str) -> dict[str, Any]:
    """execute_job with the multiprocess executor (Dagster's default, which the code
    location replaced): each step in a fresh Python process that loads the code again."""
    return _execute_job(instance, search_job_multiprocess, MULTIPROCESS_RUN_CONFIG, partition_key)


def _execute_job(
    instance: dg.DagsterInstance,
    job: Callable[[], dg.JobDefinition],
    run_config: dict[str, Any],
    partition_key: str,
) -> dict[str, Any]:
    started = time.monotonic()
    result = dg.execute_job(
        dg.reconstructable(job),
        instance,
        run_config=run_config,
        tags={"dagster/partition": partition_key},
    )
    return time_split(instance, result.run_id, time.monotonic() - started)


def code_location_import_seconds() -> float:
    """How long a fresh Python process takes to import the code location: what each step
    process of the multiprocess executor pays before its step starts."""
    probe = (
        "import time; started = time.perf_counter(); import leadgen_pipeline.definitions; "
        "print(time.perf_counter() - started)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return float(result.stdout.strip().splitlines()[-1])


def run() -> list[Report]:
    report = Report(
        "pipeline_overhead",
        f"one search ({KEYWORD} in {LOCATION}) end to end through Dagster, zero-latency sandbox",
    )
    request = parse_search_request(KEYWORD, LOCATION)
    with (
        SandboxProcess() as sandbox,
        throwaway_database("overhead") as database_url,
        tempfile.TemporaryDirectory(prefix="leadgen-bench-dagster-") as home,
    ):
        env = {
            **sandbox.urls.env(),
            "LEADGEN_DATABASE_URL": database_url,
            "LEADGEN_DATA_DIR": home,
            "LEADGEN_PLACES_REQUESTS_PER_SECOND": LIFTED_LIMIT,
            "LEADGEN_LLM_REQUESTS_PER_SECOND": LIFTED_LIMIT,
        }
        # Step processes of the multiprocess executor read the same environment.
        with patched_environ(env):
            search_store.register_search(engine_for(database_url), request, requested_by="bench")
            instance_dir = Path(home) / "instance"
            instance_dir.mkdir()
            (instance_dir / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            instance = dg.DagsterInstance.local_temp(tempdir=str(instance_dir))
            instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
            runs = {}
            for label, execute in (
                ("in-process, first run", run_in_process),
                ("in-process, second run", run_in_process),
                ("execute_job, the code location's executor", run_as_launched),
                ("execute_job, multiprocess executor", run_multiprocess),
            ):
                progress(f"search run: {label}")
                runs[label] = execute(instance, request.partition_key)
            instance.dispose()
            import_seconds = code_location_import_seconds()
    for label, split in runs.items():
        report.ratio(
            f"our work / wall ({label})", split["our_work_seconds"] / split["wall_seconds"]
        )
    for label, split in runs.items():
        report.add_raw({label: split})
    report.add_raw({"code location import in a fresh process, seconds": round(import_seconds, 2)})
    report.note(
        "our work = sum of the steps' compute (STEP_SUCCESS duration); the rest of the wall "
        "time is Dagster's (planning, events, resources, step processes)"
    )
    report.print()
    return [report]


if __name__ == "__main__":
    run()
