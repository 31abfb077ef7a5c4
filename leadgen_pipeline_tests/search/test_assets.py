"""The search workflow materialised through Dagster, on PostgreSQL and on SQLite."""

import dagster as dg
import pytest
import sqlalchemy as sa

from leadgen_pipeline.enrichment.assets import enriched_prospects
from leadgen_pipeline.enrichment.checks import enrichment_checks
from leadgen_pipeline.leads.checks import lead_checks
from leadgen_pipeline.search.assets import ai_intelligence, places_results
from leadgen_pipeline.search.checks import search_checks
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import intelligence_store, search_store, spend_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_pipeline_tests.support.pipeline import metadata_of, run_search
from leadgen_pipeline_tests.support.searches import register_search, table_counts
from leadgen_sandbox import FaultConfig


def test_a_search_runs_end_to_end_and_a_rerun_changes_no_counts(
    instance, resources, database_url, sandbox
):
    key = register_search(
        instance, database_url, "plumber", "Austin, TX", "Okafor and Sons Plumbing"
    )
    result = run_search(instance, resources, key)
    assert result.success

    first = table_counts(database_url)
    assert first["searches"] == 1
    assert first["places_results"] == 3
    assert first["prospects"] == first["search_prospects"] == 60
    assert first["ai_intelligence"] == 1
    assert 0 < first["leads"] <= 60
    assert first["lead_collections"] == 1
    assert first["lead_collection_members"] == first["leads"]

    search_meta = metadata_of(result, places_results)
    assert search_meta["coverage"].startswith("capped")
    assert (search_meta["pages_fetched"], search_meta["results"], search_meta["api_calls"]) == (
        3,
        60,
        3,
    )
    intelligence_meta = metadata_of(result, ai_intelligence)
    assert intelligence_meta["target"] == "Okafor & Sons Plumbing"
    assert intelligence_meta["target_match"] == "named"

    with engine_for(database_url).connect() as conn:
        search = search_store.get_search(conn, key)
        intelligence = intelligence_store.get_intelligence(conn, key)
        target_lead = conn.execute(
            sa.select(t.leads).where(t.leads.c.place_id == intelligence.target_place_id)
        ).one()
    assert (search.status, search.result_count, search.result_capped) == ("searched", 60, True)
    assert intelligence.competitor_analysis["target"]["name"] == "Okafor & Sons Plumbing"
    assert intelligence.intelligence["products_and_services"]
    assert target_lead.is_target

    checks = result.get_asset_check_evaluations()
    assert len(checks) == len(search_checks + enrichment_checks + lead_checks)
    assert all(check.passed for check in checks), [c.metadata for c in checks if not c.passed]
    enrichment = metadata_of(result, enriched_prospects)
    assert enrichment["processed"] == 60
    assert enrichment["failed"] == 0
    assert enrichment["llm_needed"] > 0
    assert first["prospect_contacts"] > first["leads"]
    # Every billable call is in the ledger once, at the cost the clients counted.
    with engine_for(database_url).connect() as conn:
        ledger = spend_store.spend_summary(conn, search_id=key)
    expected = (
        search_meta["api_cost_usd"] + intelligence_meta["llm_cost_usd"] + enrichment["api_cost_usd"]
    )
    assert ledger["in_flight"] == 0
    assert ledger["cost_usd"] == pytest.approx(expected, abs=1e-5)
    assert ledger["by_sku"]["places:Text Search Enterprise"]["calls"] == 3
    assert search_meta["spend_search_usd"] == pytest.approx(search_meta["api_cost_usd"])

    assert run_search(instance, resources, key).success
    assert table_counts(database_url) == first


def test_a_search_with_few_results_is_complete(instance, resources, database_url):
    key = register_search(instance, database_url, "bakery", "Springfield, IL")
    result = run_search(instance, resources, key)
    assert metadata_of(result, places_results)["coverage"] == "complete"
    assert table_counts(database_url)["prospects"] == 5


def test_a_search_with_no_results_stores_an_empty_collection(instance, resources, database_url):
    key = register_search(instance, database_url, "zzz widget", "Austin, TX")
    assert run_search(instance, resources, key).success
    c = table_counts(database_url)
    assert (c["prospects"], c["ai_intelligence"], c["leads"], c["lead_collections"]) == (0, 0, 0, 1)


def test_a_malformed_api_response_fails_the_step_and_writes_nothing(
    instance, resources, database_url, sandbox
):
    key = register_search(instance, database_url, "roofer", "Portland, OR")
    sandbox.set_faults("places", FaultConfig(malformed_rate=1.0))
    result = run_search(instance, resources, key, assets=[places_results], raise_on_error=False)
    assert not result.success
    c = table_counts(database_url)
    assert (c["places_results"], c["prospects"]) == (0, 0)
    with engine_for(database_url).connect() as conn:
        search = search_store.get_search(conn, key)
    assert search.status == "failed"
    assert "not JSON" in search.last_error


def test_a_partition_without_a_search_row_fails_clearly(instance, resources):
    instance.add_dynamic_partitions(search_partitions.name, ["ghost@nowhere"])
    result = run_search(
        instance, resources, "ghost@nowhere", assets=[places_results], raise_on_error=False
    )
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "no searches row" in failure.step_failure_data.error.message
    assert not [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]


def test_keys_never_reach_the_event_log_or_the_database(instance, resources, database_url):
    key = register_search(instance, database_url, "roofer", "Portland, OR")
    result = run_search(instance, resources, key)
    records = instance.get_records_for_run(result.run_id, limit=10_000).records
    event_log = "\n".join(str(record.event_log_entry) for record in records)
    run_config = str(instance.get_run_by_id(result.run_id).run_config)
    with engine_for(database_url).connect() as conn:
        stored = "\n".join(
            str(row) for table in t.metadata.sorted_tables for row in conn.execute(sa.select(table))
        )
    for secret in (PLACES_KEY, LLM_KEY):
        assert secret not in event_log
        assert secret not in run_config
        assert secret not in stored
