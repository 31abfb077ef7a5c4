"""Each data-quality check passes on clean data and fails on the fault it guards against."""

import sqlalchemy as sa

from leadgen_pipeline.domain.enrichment import ContactValue, EnrichmentOutcome
from leadgen_pipeline.domain.leads import LeadCandidate, Sourced, score_lead
from leadgen_pipeline.enrichment.checks import (
    lead_contacts_valid,
    leads_traceable,
    llm_owners_stated_in_page_text,
    search_results_unique,
)
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import repository as repo
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.storage.test_repository import FIELD, REQUEST


def seeded(database_url):
    engine = engine_for(database_url)
    repo.register_search(engine, REQUEST, "test")
    repo.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    lead = score_lead(LeadCandidate(FIELD[0], phone=Sourced("+15124692300", "places_search")))
    repo.upsert_leads(engine, REQUEST.partition_key, [lead], None)
    return engine, DatabaseResource(url=database_url)


def test_clean_data_passes_every_check(database_url):
    _, database = seeded(database_url)
    for check in (
        search_results_unique,
        lead_contacts_valid,
        leads_traceable,
        llm_owners_stated_in_page_text,
    ):
        assert check(database=database).passed, check.__name__


def test_a_rank_used_twice_fails(database_url):
    engine, database = seeded(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(t.search_prospects).values(rank=1))
    result = search_results_unique(database=database)
    assert not result.passed and result.metadata["first"].value == [REQUEST.partition_key]


def test_an_invalid_email_or_phone_fails(database_url):
    engine, database = seeded(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(t.leads).values(email="logo@2x.png", phone_e164="+1555"))
    result = lead_contacts_valid(database=database)
    assert not result.passed and result.metadata["offenders"].value == 2


def test_a_lead_no_search_lists_fails(database_url):
    engine, database = seeded(database_url)
    with engine.begin() as conn:
        conn.execute(sa.delete(t.search_prospects))
    assert leads_traceable(database=database).metadata["first"].value == ["a"]


def test_an_llm_owner_missing_from_its_page_text_fails(database_url):
    engine, database = seeded(database_url)
    for place_id, owner in (("a", "Maria Lopez"), ("b", "Invented Person")):
        outcome = EnrichmentOutcome(
            "enriched",
            (ContactValue("owner", owner, "llm:website_extraction", "http://x/about"),),
            report={"llm": {"text": "Ask for Maria Lopez when you call."}},
        )
        repo.save_enrichment(engine, place_id, outcome, "run-1", None)
    result = llm_owners_stated_in_page_text(database=database)
    assert not result.passed
    assert result.metadata["first"].value == ["b: 'Invented Person'"]
