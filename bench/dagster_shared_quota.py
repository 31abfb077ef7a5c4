"""Two real Dagster runs at once, multiprocess executor, one shared quota, PostgreSQL storage.

A throwaway Dagster instance whose dagster.yaml is deploy/dagster.docker.yaml
(the compose deployment's: PostgreSQL storage from DAGSTER_PG_* variables,
queued runs, concurrency pools), pointed at a throwaway PostgreSQL database;
only its compute-log folder is moved into a temporary directory. The pools'
limits are set with the same commands the compose file's dagster-init service
runs. Then two processes start the product's `enrich_queue` job at the same
time, each a real run on that instance through `dg.execute_job` (what
`dagster job execute` does) with the multiprocess executor named outright
(the step in its own process, 8 enrichment workers in it), draining one queue
and sharing the Places quota through the application database. The sandbox enforces 20
Place Details requests per sliding second (100 ms each) on both together, and
every listing lacks phone and website, so every prospect calls Places.

Shows: both runs SUCCESS, what each drained, the combined rate against the
quota, and the 429s the sandbox sent.
"""

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from sqlalchemy.engine import make_url

from bench.common import (
    REPO_ROOT,
    Deadline,
    RateProbe,
    Report,
    SandboxProcess,
    collect_results,
    progress,
    stop_children,
    store_population,
    throwaway_database,
    unlimited_places_client,
    without_phone_and_website,
)
from bench.quota_use import QUOTA, QUOTA_PER_SECOND
from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.storage import queue_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import FaultConfig
from leadgen_sandbox.environment import patched_environ

RUNS = 2
PROSPECTS = 400
MAX_PROSPECTS_PER_RUN = 300  # more than half: the runs race for the same queue
RUN_SECONDS = 300.0
POOL_LIMITS = {"google_places": 4, "llm": 2, "enrichment": 2}
RUN_CONFIG: dict[str, Any] = {
    "ops": {"queued_enrichment": {"config": {"max_prospects": MAX_PROSPECTS_PER_RUN}}},
    "execution": {"config": {"max_concurrent": 4}},
}


def instance_home(folder: Path) -> Path:
    """A DAGSTER_HOME whose dagster.yaml is the compose deployment's own."""
    config = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.docker.yaml").read_text())
    config["compute_logs"]["config"]["base_dir"] = str(folder / "compute_logs")
    home = folder / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def run_cli(*args: str, env: dict[str, str], log: Path) -> None:
    """A `dagster` command on the instance, as the compose file's dagster-init runs it."""
    with log.open("ab") as output:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("dagster")), *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    if result.returncode != 0:
        raise RuntimeError(f"`dagster {' '.join(args)}` failed; see {log}")


def enrich_queue_multiprocess() -> dg.JobDefinition:
    """The product's enrich_queue job with the multiprocess executor named outright, whatever
    the code location's default; module level, for `dg.reconstructable`."""
    job = build_definitions().resolve_job_def("enrich_queue")
    return job.with_executor_def(dg.multiprocess_executor)


def execute_run_in_child(
    dagster_home: str, start_together: Barrier, results: "Queue[dict[str, Any]]"
) -> None:
    """Child process: one run of enrich_queue on the instance (environment inherited)."""
    with dg.DagsterInstance.from_config(dagster_home) as instance:
        start_together.wait(120)
        result = dg.execute_job(
            dg.reconstructable(enrich_queue_multiprocess), instance, run_config=RUN_CONFIG
        )
        results.put({"run_id": result.run_id, "success": result.success})


def dagster_pg_env(database_url: str) -> dict[str, str]:
    """The DAGSTER_PG_* variables dagster.docker.yaml reads, for a database URL."""
    url = make_url(database_url)
    return {
        "DAGSTER_PG_HOST": url.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": url.database or "",
        "DAGSTER_PG_USER": url.username or "",
        "DAGSTER_PG_PASSWORD": url.password or "",
    }


def materialized(instance: dg.DagsterInstance, run_id: str) -> dict[str, Any]:
    """What the run's queued_enrichment materialisation says it drained."""
    events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    for entry in events:
        materialization = entry.asset_materialization
        if materialization is not None:
            metadata = materialization.metadata
            return {
                key: metadata[key].value
                for key in ("processed", "enriched", "skipped", "failed", "places_calls")
                if key in metadata
            }
    return {}


def read_runs(env: dict[str, str]) -> list[dict[str, Any]]:
    """Each run as the instance recorded it: status, step processes, what it drained."""
    instance_env = {key: env[key] for key in env if key.startswith("DAGSTER_PG_")}
    with (
        patched_environ(instance_env),
        dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance,
    ):
        return [
            {
                "run_id": record.run_id,
                "job": record.job_name,
                "status": record.status.value,
                # The multiprocess executor reports each step process it starts.
                "step processes": len(
                    instance.all_logs(
                        record.run_id, of_type=dg.DagsterEventType.STEP_WORKER_STARTED
                    )
                ),
                **materialized(instance, record.run_id),
            }
            for record in instance.get_runs()
        ]


def run() -> list[Report]:
    report = Report(
        "dagster_shared_quota",
        f"{RUNS} concurrent enrich_queue runs (multiprocess executor, dagster-postgres) "
        f"sharing one {QUOTA_PER_SECOND}/s Places quota",
    )
    with (
        SandboxProcess() as sandbox,
        throwaway_database("dagster") as dagster_url,
        throwaway_database("dagster_app") as app_url,
        tempfile.TemporaryDirectory(prefix="leadgen-bench-runs-") as tmp,
    ):
        folder = Path(tmp)
        log = folder / "dagster.log"
        env = {
            **os.environ,
            **sandbox.urls.env(),
            **dagster_pg_env(dagster_url),
            "DAGSTER_HOME": str(instance_home(folder)),
            "LEADGEN_DATABASE_URL": app_url,
            "LEADGEN_DATA_DIR": str(folder / "data"),
            "LEADGEN_PLACES_REQUESTS_PER_SECOND": str(QUOTA_PER_SECOND),
            "LEADGEN_LLM_REQUESTS_PER_SECOND": str(QUOTA_PER_SECOND),
        }
        progress("instance: dagster instance migrate, pool limits (as dagster-init does)")
        run_cli("instance", "migrate", env=env, log=log)
        for pool, limit in POOL_LIMITS.items():
            run_cli("instance", "concurrency", "set", pool, str(limit), env=env, log=log)

        engine = engine_for(app_url)
        search_id, _ = store_population(
            engine,
            unlimited_places_client(sandbox.urls),
            f"plumber #bulk{PROSPECTS}",
            "Austin, TX",
            without_phone_and_website,
        )
        queued = queue_store.enqueue_search_prospects(engine, search_id, utcnow())

        sandbox.reset()
        sandbox.set_faults("places", QUOTA)
        sandbox.set_faults("llm", FaultConfig(quota_per_second=QUOTA_PER_SECOND))
        progress(f"{RUNS} enrich_queue runs start together on {queued} queued prospects")
        context = multiprocessing.get_context("spawn")
        start_together = context.Barrier(RUNS + 1)
        results: Queue[dict[str, Any]] = context.Queue()
        children = [
            context.Process(
                target=execute_run_in_child,
                args=(env["DAGSTER_HOME"], start_together, results),
                name=f"run-{n}",
            )
            for n in range(RUNS)
        ]
        # The children, and the step processes they start, read this environment.
        with patched_environ(env):
            for child in children:
                child.start()
        try:
            start_together.wait(120)
            with RateProbe(sandbox, "places") as probe:
                started = time.monotonic()
                launched = collect_results(results, children, Deadline(RUN_SECONDS, "two runs"))
                seconds = time.monotonic() - started
        finally:
            stop_children(children)
        with engine.connect() as conn:
            left_in_queue = sum(queue_store.queued_counts(conn).values())

        runs_seen = read_runs(env)

    report.ratio(
        "combined rate / quota (steady, 10%-90% of requests)",
        probe.steady_rate() / QUOTA_PER_SECOND,
        ">= 0.9",
    )
    succeeded = sum(1 for r in runs_seen if r["status"] == "SUCCESS")
    report.ratio("runs that succeeded / runs launched", succeeded / RUNS, "1")
    report.add_raw(
        {
            "429s the server sent (target 0)": probe.rate_limited,
            "places requests": probe.requests,
            "wall seconds (both runs, start to finish)": round(seconds, 1),
            "runs reported by the two processes": launched,
            "queued at start": queued,
            "left in the queue": left_in_queue,
            **{f"run {r['run_id'][:8]}": r for r in runs_seen},
        }
    )
    report.print()
    return [report]


if __name__ == "__main__":
    run()
