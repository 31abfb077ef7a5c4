"""Enrichment through Dagster: faults on every outside system, then a re-run for the rest."""

import sqlalchemy as sa

from leadgen_pipeline.enrichment.assets import enriched_prospects, queued_enrichment
from leadgen_pipeline.storage import prospect_store, queue_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.pipeline import metadata_of, run_job, run_search
from leadgen_pipeline_tests.support.searches import register_search
from leadgen_sandbox import FaultConfig

# Places fails now and then (the client's retries ride it out); a website page
# lost to a fault fails its prospect for a later retry; the LLM is down for
# good, so every prospect that needed it fails.
FAULTS = {
    "places": FaultConfig(quota_per_second=40, error_rate=0.1, seed=1),
    "llm": FaultConfig(error_rate=1.0),
    "web": FaultConfig(
        error_rate=0.2, timeout_rate=0.05, malformed_rate=0.1, hang_seconds=2, seed=3
    ),
}


def prospect_rows(database_url):
    with engine_for(database_url).connect() as conn:
        return conn.execute(sa.select(t.prospects)).all()


def test_under_faults_every_prospect_ends_terminal_and_a_rerun_takes_only_the_failed(
    instance, resources, database_url, sandbox
):
    key = register_search(instance, database_url, "electrician", "Austin, TX")
    for server, faults in FAULTS.items():
        sandbox.set_faults(server, faults)
    first = run_search(instance, resources, key, raise_on_error=False)
    # The intelligence step needs the LLM and fails; enrichment does not depend on it.
    failed_steps = {e.step_key for e in first.all_events if e.is_step_failure}
    assert failed_steps == {"ai_intelligence"}
    assert first.asset_materializations_for_node("enriched_prospects")
    rows = prospect_rows(database_url)
    assert len(rows) == len({r.place_id for r in rows}) == 45
    assert {r.enrichment_status for r in rows} <= {"enriched", "skipped", "failed"}
    assert all(r.enrichment_error for r in rows if r.enrichment_status in ("skipped", "failed"))
    failed = {r.place_id for r in rows if r.enrichment_status == "failed"}
    assert failed, "the LLM outage should have failed the prospects that needed it"
    reasons = {r.enrichment_error.split(":")[0] for r in rows if r.place_id in failed}
    # Lost website pages fail a prospect too, so the retry comes back for them.
    assert reasons <= {"LLM call failed", "website unavailable"}
    assert "LLM call failed" in reasons
    assert all(r.next_attempt_at is not None for r in rows if r.place_id in failed)

    for server in FAULTS:
        sandbox.set_faults(server, FaultConfig())
    second = run_search(instance, resources, key)
    enrichment = metadata_of(second, enriched_prospects)
    assert enrichment["queued"] == len(failed)
    assert enrichment["processed"] == len(failed)
    assert {r.enrichment_status for r in prospect_rows(database_url)} <= {"enriched", "skipped"}


def test_a_batch_drain_refreshes_nothing_it_did_not_touch(instance, resources, database_url):
    key = register_search(instance, database_url, "bakery", "Springfield, IL")
    assert run_search(instance, resources, key).success
    engine = engine_for(database_url)
    with engine.connect() as conn:
        place_ids = [p.place_id for p in prospect_store.ranked_search_prospects(conn, key)]
    assert (
        queue_store.enqueue_enrichment(
            engine, [*place_ids[:2], "ChIJunknown"], "high", "api", "job-1"
        )
        == 2
    )
    result = run_job(
        instance,
        resources,
        "enrich_queue",
        run_config={"ops": {"queued_enrichment": {"config": {"max_prospects": 10}}}},
    )
    meta = metadata_of(result, queued_enrichment)
    assert (meta["processed"], meta["searches"]) == (2, [key])
