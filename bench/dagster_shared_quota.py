"""Two real Dagster runs at once, multiprocess executor, one shared quota, PostgreSQL storage.

A throwaway Dagster instance whose dagster.yaml is deploy/dagster.docker.yaml
(the compose deployment's: PostgreSQL storage from DAGSTER_PG_* variables,
queued runs, concurrency pools), pointed at a throwaway PostgreSQL database;
only its compute-log folder is moved into a temporary directory. The pools'
limits are set with the same commands the compose file's dagster-init service
runs. Then two `dagster job execute` processes launch the `enrich_queue` job
at the same time, each a real run with the multiprocess executor (the step in
its own process, 8 enrichment workers in it), draining one queue and sharing
the Places quota through the application database. The sandbox enforces 20
Place Details requests per sliding second (100 ms each) on both together, and
every listing lacks phone and website, so every prospect calls Places.

Shows: both runs SUCCESS, what each drained, the combined rate against the
quota, and the 429s the sandbox sent.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from sqlalchemy.engine import make_url

from bench.common import (
    REPO_ROOT,
    RateProbe,
    Report,
    SandboxProcess,
    progress,
    store_population,
    throwaway_database,
    unlimited_places_client,
    without_phone_and_website,
)
from bench.quota_use import QUOTA, QUOTA_PER_SECOND
from leadgen_pipeline.local_services import patched_environ
from leadgen_pipeline.sandbox import FaultConfig
from leadgen_pipeline.storage import repository as repo
from leadgen_pipeline.storage.database import engine_for

RUNS = 2
PROSPECTS = 400
MAX_PROSPECTS_PER_RUN = 300  # more than half: the runs race for the same queue
RUN_SECONDS = 300.0
POOL_LIMITS = {"google_places": 4, "llm": 2, "enrichment": 2}
RUN_CONFIG: dict[str, Any] = {
    "ops": {"queued_enrichment": {"config": {"max_prospects": MAX_PROSPECTS_PER_RUN}}},
    "execution": {"config": {"multiprocess": {"max_concurrent": 4}}},
}


def instance_home(folder: Path) -> Path:
    """A DAGSTER_HOME whose dagster.yaml is the compose deployment's own."""
    config = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.docker.yaml").read_text())
    config["compute_logs"]["config"]["base_dir"] = str(folder / "compute_logs")
    home = folder / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def dagster_cli(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster")), *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def run_cli(*args: str, env: dict[str, str], log: Path) -> None:
    process = dagster_cli(*args, env=env, log=log)
    if process.wait(120) != 0:
        raise RuntimeError(f"`dagster {' '.join(args)}` failed; see {log}")


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
            # Places sets the pace here; at 20/s the website limiter would (quota_use).
            "LEADGEN_WEB_REQUESTS_PER_SECOND": "500",
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
        queued = repo.enqueue_search_prospects(engine, search_id, repo.utcnow())
        config_file = folder / "run_config.yaml"
        config_file.write_text(yaml.safe_dump(RUN_CONFIG))

        sandbox.reset()
        sandbox.set_faults("places", QUOTA)
        sandbox.set_faults("llm", FaultConfig(quota_per_second=QUOTA_PER_SECOND))
        progress(f"{RUNS} enrich_queue runs start together on {queued} queued prospects")
        job = ("job", "execute", "-m", "leadgen_pipeline.definitions", "-j", "enrich_queue")
        with RateProbe(sandbox, "places") as probe:
            started = time.monotonic()
            runs = [
                dagster_cli(*job, "-c", str(config_file), env=env, log=folder / f"run-{n}.log")
                for n in range(RUNS)
            ]
            try:
                exit_codes = [process.wait(RUN_SECONDS) for process in runs]
            finally:
                for process in runs:
                    if process.poll() is None:
                        process.kill()
                        process.wait(10)
            seconds = time.monotonic() - started
        for n, code in enumerate(exit_codes):
            if code != 0:
                tail = (folder / f"run-{n}.log").read_text(errors="replace").splitlines()[-15:]
                report.note(f"run {n} exited {code}; its log ends:\n" + "\n".join(tail))
        with engine.connect() as conn:
            left_in_queue = sum(repo.queued_counts(conn).values())

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
            "wall seconds (both runs, process start to exit)": round(seconds, 1),
            "exit codes of `dagster job execute`": exit_codes,
            "queued at start": queued,
            "left in the queue": left_in_queue,
            **{f"run {r['run_id'][:8]}": r for r in runs_seen},
        }
    )
    report.print()
    return [report]


if __name__ == "__main__":
    run()
