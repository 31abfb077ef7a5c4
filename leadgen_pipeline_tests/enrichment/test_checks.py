"""Enrichment's checks pass on clean data and fail on the fault each guards against."""

from leadgen_pipeline.domain.enrichment import ContactValue, EnrichmentOutcome
from leadgen_pipeline.enrichment.checks import enrichment_checks, llm_owners_stated_in_page_text
from leadgen_pipeline.storage import queue_store
from leadgen_pipeline_tests.support.prospects import (
    failed_checks,
    run_check,
    store_field_with_a_lead,
)


def test_clean_data_passes_every_check(database_url):
    store_field_with_a_lead(database_url)
    assert failed_checks(enrichment_checks, database_url) == {}


def test_an_llm_owner_missing_from_its_page_text_fails(database_url):
    engine = store_field_with_a_lead(database_url)
    for place_id, owner in (("a", "Maria Lopez"), ("b", "Invented Person")):
        outcome = EnrichmentOutcome(
            "enriched",
            (ContactValue("owner", owner, "llm:website_extraction", "http://x/about"),),
            report={"llm": {"text": "Ask for Maria Lopez when you call."}},
        )
        queue_store.save_enrichment(engine, place_id, outcome, "run-1", None)
    result = run_check(llm_owners_stated_in_page_text, database_url)
    assert not result.passed
    assert result.metadata["first"].value == ["b: 'Invented Person'"]
