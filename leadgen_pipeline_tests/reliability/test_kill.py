"""Scenario 2: the `search` run SIGKILLed half way through enrichment, marked failed as
run monitoring would, re-executed from failure: the same data as an uninterrupted run."""

import time
from collections import Counter

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.dbdump import (
    assert_no_leftover_work,
    assert_same_business_data,
)
from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_pipeline_tests.support.processes import (
    command_lines,
    descendants,
    kill_process_group,
    product_environment,
    start_search_process,
)
from leadgen_pipeline_tests.support.search_process import (
    prepare_dagster_home,
    reexecute_from_failure,
)
from leadgen_pipeline_tests.support.searches import enrichment_status_counts, register_search
from leadgen_sandbox import FaultConfig

DENTISTS = ("dentist", "Denver, CO", None)  # 30 places
PROSPECTS = 30
# Each website answer takes 150 ms, so enrichment lasts seconds: long enough to
# be caught half way by a poll every 20 ms.
WEB_LATENCY = FaultConfig(latency_ms=150)
KILL_WINDOW = (5, 22)  # finished prospects (enriched or skipped) when the kill lands
START_DEADLINE_S = 90.0


def wait_until_half_way(process, database_url: str) -> Counter[str]:
    """Poll the database until enrichment is under way: some prospects done, some not."""
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed half way"
        counts = enrichment_status_counts(database_url)
        done = counts["enriched"] + counts["skipped"]
        if sum(counts.values()) == PROSPECTS and KILL_WINDOW[0] <= done <= KILL_WINDOW[1]:
            return counts
        time.sleep(0.02)
    raise AssertionError(f"enrichment never got half way in {START_DEADLINE_S} s")


def test_a_run_killed_half_way_and_reexecuted_from_failure_matches_an_uninterrupted_run(
    sandbox, fresh_pg, clean_reference, tmp_path, monkeypatch
):
    expected = clean_reference(*DENTISTS)
    url = fresh_pg("killed")
    environment = product_environment(
        sandbox, url, prepare_dagster_home(tmp_path / "dagster_home"), tmp_path / "data"
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with dg.DagsterInstance.get() as instance:
        key = register_search(instance, url, *DENTISTS)
        sandbox.set_faults("web", WEB_LATENCY)
        process = start_search_process(environment, key, tmp_path / "search.log")
        try:
            at_kill = wait_until_half_way(process, url)
            lines = command_lines(descendants(process.pid))
        finally:
            kill_process_group(process)
        assert process.returncode == -9
        assert all(PLACES_KEY not in line and LLM_KEY not in line for line in lines.values())

        [killed] = instance.get_runs()
        assert killed.status == dg.DagsterRunStatus.STARTED  # nobody told Dagster
        after_kill = enrichment_status_counts(url)
        unfinished = after_kill["running"] + after_kill["queued"]
        assert unfinished > 0, f"nothing was left to resume: {after_kill}"
        instance.report_run_failed(killed, "killed with SIGKILL by the reliability test")

        retry = reexecute_from_failure(instance, killed.run_id)
        assert retry.success
        reexecuted = {
            e.step_key for e in retry.all_events if e.event_type == dg.DagsterEventType.STEP_START
        }
        # Finished steps are not redone; the one killed in flight and those after it are.
        assert "places_results" not in reexecuted and "prospects" not in reexecuted
        assert {"enriched_prospects", "leads", "lead_collections"} <= reexecuted
        [enrichment] = [
            m
            for m in retry.asset_materializations_for_node("enriched_prospects")
            if m.partition == key
        ]
        processed = enrichment.metadata["processed"].value
        print(f"killed with {dict(after_kill)}; the re-execution enriched {processed}")
        # The re-execution enriched what the kill left unfinished, and nothing finished twice.
        assert processed == unfinished, (at_kill, after_kill, processed)
        assert instance.get_run_by_id(retry.run_id).status == dg.DagsterRunStatus.SUCCESS

    with engine_for(url).connect() as conn:
        attempts = conn.execute(sa.select(t.prospects.c.enrichment_attempts)).scalars().all()
    assert set(attempts) == {1}, "a prospect was enriched twice (or never)"
    assert_no_leftover_work(url)
    assert_same_business_data(url, expected)
