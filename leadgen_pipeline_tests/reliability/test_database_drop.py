"""Scenario 3: PostgreSQL drops every connection of the run while it enriches; the step
retries and the run completes with the same data as an uninterrupted run.

Two drops, from another connection, while prospects are being enriched:

1. every backend of the run's database is terminated while most are idle in
   their pools (the application engine's, the rate limiter's): the next use
   of each must notice and reconnect;
2. the test takes an exclusive lock on `prospects` for a moment, so the
   run's workers pile up inside statements, and terminates them there: those
   statements fail, and the enrichment step must fail and be retried
   (STEP_RETRY; LEADGEN_STEP_RETRY_DELAY_SECONDS is 0.05 s in tests), its
   retry resuming the run's claims.
"""

import threading
import time
from collections import Counter

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL
from leadgen_pipeline_tests.support.dbdump import (
    assert_no_leftover_work,
    assert_same_business_data,
)
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_pipeline_tests.support.pipeline import run_search, sandbox_resources
from leadgen_pipeline_tests.support.searches import (
    prospect_states,
    register_search,
    step_failures,
)
from leadgen_sandbox import FaultConfig

DENTISTS = ("dentist", "Denver, CO", None)  # 30 places
MID_STATEMENT_TRIES = 4
WEB_LATENCY = FaultConfig(latency_ms=150)  # enrichment lasts seconds
LOCK_HOLD_S = 1.0  # long enough for the 8 workers to block on the locked table
RUN_DEADLINE_S = 120.0

TERMINATE_OTHERS = sa.text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = :db AND pid <> pg_backend_pid()"
)


def terminate_backends(admin: sa.Engine, database: str) -> int:
    """Terminate every connection to `database`; how many were terminated."""
    with admin.connect() as conn:
        return sum(1 for ok in conn.execute(TERMINATE_OTHERS, {"db": database}).scalars() if ok)


def terminate_backends_mid_statement(database_url: str, database: str) -> tuple[int, int]:
    """Lock `prospects`, let the run's statements queue behind the lock, terminate every
    other backend; (backends waiting on the lock, backends terminated)."""
    locker = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with locker.begin() as conn:
            conn.exec_driver_sql("LOCK TABLE prospects IN ACCESS EXCLUSIVE MODE")
            time.sleep(LOCK_HOLD_S)
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar_one()
            terminated = conn.execute(TERMINATE_OTHERS, {"db": database}).scalars()
            return waiting, sum(1 for ok in terminated if ok)
    finally:
        locker.dispose()


def enrichment_under_way(url: str) -> bool:
    with engine_for(url).connect() as conn:
        counts = Counter(
            dict(
                conn.execute(
                    sa.select(t.prospects.c.enrichment_status, sa.func.count()).group_by(
                        t.prospects.c.enrichment_status
                    )
                ).all()
            )
        )
    done = counts["enriched"] + counts["skipped"] + counts["failed"]
    return sum(counts.values()) == 30 and 0 < done < 20


# What a prospect's failure reason says when it was the database, not the prospect, that failed.
DATABASE_ERROR_NAMES = ("AdminShutdown", "OperationalError", "InterfaceError", "PoolTimeout")


def assert_no_prospect_failed_for_the_database(url: str) -> None:
    blamed = [
        (s.place_id, s.enrichment_error)
        for s in prospect_states(url)
        if s.enrichment_status == "failed"
        and (s.enrichment_error or "").startswith(DATABASE_ERROR_NAMES)
    ]
    if blamed:
        raise ProductBug(
            2,
            f"{len(blamed)} prospects were failed for the database's error instead of the "
            f"step being retried: {blamed[:3]}",
        )


def test_dropped_database_connections_mid_run_heal_into_a_correct_database(
    sandbox, fresh_pg, keys_env, clean_reference
):
    expected = clean_reference(*DENTISTS)
    url = fresh_pg("dropped")
    database = sa.engine.make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    outcome: dict[str, dg.ExecuteInProcessResult | BaseException] = {}
    with dg.instance_for_test() as instance:
        key = register_search(instance, url, *DENTISTS)
        resources = sandbox_resources(url, sandbox)
        sandbox.set_faults("web", WEB_LATENCY)

        def run() -> None:
            try:
                outcome["result"] = run_search(instance, resources, key, raise_on_error=False)
            except BaseException as error:  # reported by the main thread
                outcome["error"] = error

        runner = threading.Thread(target=run, name="search-run", daemon=True)
        runner.start()
        deadline = time.monotonic() + RUN_DEADLINE_S
        while runner.is_alive() and not enrichment_under_way(url):
            assert time.monotonic() < deadline, "enrichment never got under way"
            time.sleep(0.02)
        assert runner.is_alive(), "the run ended before its connections could be dropped"
        idle_drop = terminate_backends(admin, database)
        time.sleep(0.3)
        # The lock catches the run's statements only while it is writing (not
        # between a step's failure and its retry): try a few times.
        waiting = busy_drop = 0
        for _ in range(MID_STATEMENT_TRIES):
            if not runner.is_alive():
                break
            waiting, busy_drop = terminate_backends_mid_statement(url, database)
            if waiting:
                break
            time.sleep(0.5)
        runner.join(RUN_DEADLINE_S)
        assert not runner.is_alive(), f"the run did not finish in {RUN_DEADLINE_S} s"
    admin.dispose()

    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert isinstance(result, dg.ExecuteInProcessResult)
    retries = [
        e.step_key
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    print(
        f"terminated {idle_drop} mostly idle backends, then {busy_drop} with {waiting} "
        f"blocked mid-statement; steps retried: {retries}"
    )
    assert idle_drop > 0, "no connection was there to drop"
    assert result.success, step_failures(result)
    assert_no_prospect_failed_for_the_database(url)
    if waiting:
        # The statements killed in flight failed the step, and its retry finished the work.
        assert "enriched_prospects" in retries
    assert_no_leftover_work(url)
    assert_same_business_data(url, expected)
