"""The search stage's checks pass on clean data and fail on the fault each guards against."""

import sqlalchemy as sa

from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.search.checks import search_checks, search_results_unique
from leadgen_pipeline.storage import prospect_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline_tests.support.prospects import (
    FIELD,
    REQUEST,
    failed_checks,
    run_check,
    store_field_with_a_lead,
)


def test_clean_data_passes_every_check(database_url):
    store_field_with_a_lead(database_url)
    assert failed_checks(search_checks, database_url) == {}


def test_a_rank_used_twice_fails(database_url):
    engine = store_field_with_a_lead(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(t.search_prospects).values(rank=1))
    result = run_check(search_results_unique, database_url)
    assert not result.passed and result.metadata["first"].value == [REQUEST.partition_key]


def test_the_check_reads_only_its_own_search(database_url):
    """Checks are partitioned: another search's fault fails that search's check only."""
    engine = store_field_with_a_lead(database_url)
    other = parse_search_request("roofer", "Austin, TX")
    search_store.register_search(engine, other, "test")
    prospect_store.store_search_prospects(engine, other.partition_key, FIELD)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.search_prospects)
            .where(t.search_prospects.c.search_id == other.partition_key)
            .values(rank=1)
        )
    assert run_check(search_results_unique, database_url).passed
    failed = run_check(search_results_unique, database_url, other.partition_key)
    assert not failed.passed and failed.metadata["first"].value == [other.partition_key]
