"""The leads stage's checks pass on clean data and fail on the fault each guards against."""

import sqlalchemy as sa

from leadgen_pipeline.leads.checks import lead_checks, lead_contacts_valid, leads_traceable
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline_tests.support.prospects import (
    failed_checks,
    run_check,
    store_field_with_a_lead,
)


def test_clean_data_passes_every_check(database_url):
    store_field_with_a_lead(database_url)
    assert failed_checks(lead_checks, database_url) == {}


def test_an_invalid_email_or_phone_fails(database_url):
    engine = store_field_with_a_lead(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(t.leads).values(email="logo@2x.png", phone_e164="+1555"))
    result = run_check(lead_contacts_valid, database_url)
    assert not result.passed and result.metadata["offenders"].value == 2


def test_a_lead_no_search_lists_fails(database_url):
    engine = store_field_with_a_lead(database_url)
    with engine.begin() as conn:
        conn.execute(sa.delete(t.search_prospects))
    assert run_check(leads_traceable, database_url).metadata["first"].value == ["a"]


def test_a_lead_check_reads_only_its_own_search(database_url):
    engine = store_field_with_a_lead(database_url)
    with engine.begin() as conn:
        conn.execute(sa.update(t.leads).values(email="logo@2x.png"))
    assert not run_check(lead_contacts_valid, database_url).passed
    assert run_check(lead_contacts_valid, database_url, "roofer@portland-or").passed
