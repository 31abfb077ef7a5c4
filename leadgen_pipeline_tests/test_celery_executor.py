"""Many machines on Dagster's own engine: a backfill executed by dagster-celery's executor.

Ten searches are backfilled with `dagster job backfill`, as an operator would:
each partition becomes a run launched by the instance's run launcher, and
each run sends its steps (`LEADGEN_EXECUTOR=celery`) through the RabbitMQ
broker of this machine to two Celery workers, processes of their own as on
two machines. Runs, workers and this test share only what machines share:
the Dagster instance and the application database in PostgreSQL (the Places
quota and the enrichment queue with them) and the broker. The result must
be the database an in-process run of the same searches leaves, every
prospect finished, and no request refused by the quota.

It takes minutes on a shared two-core machine (fourteen Python processes start),
so `make test` leaves it out (marker `celery`) and `make bench` runs it
(bench/celery_backfill.py); `pytest -m celery` runs it alone. Without a broker
it is skipped, except on CI (CI=true), where that is a failure.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from leadgen_pipeline.definitions import CELERY_BROKER_ENV, CELERY_QUEUE_ENV, EXECUTOR_ENV
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.celery_workers import (
    BROKER_URL,
    celery_workers,
    delete_queue,
    require_broker,
    unique_queue,
)
from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL
from leadgen_pipeline_tests.support.dbdump import (
    assert_no_leftover_work,
    assert_same_business_data,
    normalised_dump,
)
from leadgen_pipeline_tests.support.searches import register_search, run_searches
from leadgen_sandbox import FaultConfig
from leadgen_sandbox.environment import patched_environ, sandbox_environ
from leadgen_sandbox.postgres import throwaway_postgres_database

SEARCHES = [
    ("bakery", "Springfield, IL"),
    ("roofer", "Portland, OR"),
    ("florist", "Boise, ID"),
    ("locksmith", "Tulsa, OK"),
    ("tailor", "Omaha, NE"),
    ("optician", "Reno, NV"),
    ("bike shop", "Madison, WI"),
    ("upholsterer", "Mobile, AL"),
    ("piano tuner", "Eugene, OR"),
    ("farrier", "Fargo, ND"),
]
PLACES_QUOTA_PER_SECOND = 20
WORKERS = 2
BACKFILL_SECONDS = 600.0

INSTANCE_YAML = """\
storage:
  postgres:
    postgres_url:
      env: DAGSTER_PG_URL
# Runs start as soon as the backfill submits them (no daemon here): each a process
# the code location's server starts, as the DefaultRunLauncher does in production.
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
run_launcher:
  module: dagster._core.launcher
  class: DefaultRunLauncher
telemetry:
  enabled: false
"""


@pytest.fixture
def broker_queue() -> Iterator[str]:
    require_broker()
    queue = unique_queue()
    yield queue
    delete_queue(queue)


@pytest.fixture
def databases() -> Iterator[tuple[str, str, str]]:
    """(Dagster instance, application database of the celery run, of the in-process run)."""
    with (
        throwaway_postgres_database(PG_ADMIN_URL, "leadgen_celery_dagster") as dagster_url,
        throwaway_postgres_database(PG_ADMIN_URL, "leadgen_celery_app") as app_url,
        throwaway_postgres_database(PG_ADMIN_URL, "leadgen_inprocess_app") as reference_url,
    ):
        yield dagster_url, app_url, reference_url


def wait_for_runs(instance: dg.DagsterInstance, count: int, within_s: float) -> list[dg.DagsterRun]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        runs = instance.get_runs()
        if len(runs) >= count and all(run.is_finished for run in runs):
            return runs
        time.sleep(1)
    states = [run.status.value for run in instance.get_runs()]
    raise TimeoutError(f"the backfill's runs did not finish within {within_s:g} s: {states}")


def workers_that_ran_steps(instance: dg.DagsterInstance, run_ids: list[str]) -> set[str]:
    """The Celery workers named in the runs' "Executing steps ... in celery worker" events."""
    workers = set()
    for run_id in run_ids:
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
            data = record.dagster_event.engine_event_data if record.dagster_event else None
            entry = (data.metadata if data else {}).get("Celery worker")
            if entry is not None:
                workers.add(entry.value)
    return workers


@pytest.mark.celery
def test_a_backfill_on_two_celery_workers_leaves_the_in_process_database(
    sandbox, broker_queue, databases, tmp_path
):
    dagster_url, app_url, reference_url = databases
    sandbox.set_faults("places", FaultConfig(quota_per_second=PLACES_QUOTA_PER_SECOND))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    env = {
        **_inherited_environment(),
        **sandbox_environ(sandbox),
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_URL": dagster_url.replace("postgresql://", "postgresql+psycopg2://", 1),
        "LEADGEN_DATABASE_URL": app_url,
        "LEADGEN_DATA_DIR": str(tmp_path / "data"),
        "LEADGEN_PLACES_REQUESTS_PER_SECOND": str(PLACES_QUOTA_PER_SECOND),
        EXECUTOR_ENV: "celery",
        CELERY_BROKER_ENV: BROKER_URL,
        CELERY_QUEUE_ENV: broker_queue,
    }
    with (
        patched_environ({"DAGSTER_PG_URL": env["DAGSTER_PG_URL"]}),
        dg.DagsterInstance.from_config(str(home)) as instance,
    ):
        keys = [register_search(instance, app_url, *search) for search in SEARCHES]
        with celery_workers(WORKERS, broker_queue, env, tmp_path) as worker_names:
            started = time.monotonic()
            # The command submits a run per partition to the code location's server it
            # starts, and returns once that server has seen its runs finish.
            backfill = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("dagster")),
                    "job",
                    "backfill",
                    "-m",
                    "leadgen_pipeline.definitions",
                    "-j",
                    "search",
                    "--partitions",
                    ",".join(keys),
                    "--noprompt",
                ],
                env=env,
                stdout=(tmp_path / "backfill.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            try:
                runs = wait_for_runs(instance, len(keys), BACKFILL_SECONDS)
                assert backfill.wait(60) == 0, (tmp_path / "backfill.log").read_text()
            finally:
                if backfill.poll() is None:
                    backfill.kill()
                    backfill.wait(5)
        print(f"backfill of {len(runs)} runs: {time.monotonic() - started:.1f} s")
        assert sorted(run.tags["dagster/partition"] for run in runs) == sorted(keys)
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs), [
            (run.tags["dagster/partition"], run.status.value) for run in runs
        ]
        assert workers_that_ran_steps(instance, [run.run_id for run in runs]) == set(worker_names)

    assert sandbox.stats("places").rate_limited == 0
    assert_no_leftover_work(app_url)
    with engine_for(app_url).connect() as conn:
        prospects = conn.execute(sa.text("SELECT count(*) FROM prospects")).scalar_one()
    assert prospects > 100

    # The same searches, each in one process with the in-process executor.
    run_searches(reference_url, sandbox, tmp_path / "reference_data", SEARCHES)
    assert_same_business_data(app_url, normalised_dump(reference_url))


def _inherited_environment() -> dict[str, str]:
    """PATH and the like for the child processes; nothing of this test's own settings."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LEADGEN_", "DAGSTER_"))
    }
