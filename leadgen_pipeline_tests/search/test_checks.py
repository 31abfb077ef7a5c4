"""The search stage's checks pass on clean data and fail on the fault each guards against."""

import sqlalchemy as sa

from leadgen_pipeline.search.checks import search_checks, search_results_unique
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline_tests.support.prospects import (
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
