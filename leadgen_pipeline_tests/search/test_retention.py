"""Retention of Google's data: a real search's Places content cleared once past the limit,
what the product found itself kept, and the search whole again after a re-run."""

from datetime import timedelta

import dagster as dg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.domain.retention import PLACES_SOURCES
from leadgen_pipeline.search.assets import places_results, prospects
from leadgen_pipeline.search.retention import RETENTION_DAYS_ENV
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import territory_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.api import api_settings
from leadgen_pipeline_tests.support.pipeline import metadata_of, run_job, run_search
from leadgen_pipeline_tests.support.searches import ROOFERS_PORTLAND, register_search, table_counts

AGED = timedelta(days=40)
# Every moment Places content is dated by, and the search's own.
DATED = {
    t.places_results: "fetched_at",
    t.prospects: "updated_at",
    t.prospect_contacts: "found_at",
    t.ai_intelligence: "created_at",
    t.searches: "last_searched_at",
    t.territory_observations: "listing_observed_at",
}


def age_everything(database_url: str, by: timedelta) -> None:
    """Every dated row made `by` older (in Python: SQLite has no timestamp arithmetic)."""
    with engine_for(database_url).begin() as conn:
        for table, column in DATED.items():
            keys = list(table.primary_key.columns)
            for row in conn.execute(sa.select(*keys, table.c[column])).all():
                if row[-1] is None:
                    continue
                match = [key == value for key, value in zip(keys, row, strict=False)]
                conn.execute(sa.update(table).where(*match).values({column: row[-1] - by}))


def clear(instance, resources, days: int | None = None, **kwargs) -> dg.ExecuteInProcessResult:
    config = {"ops": {"clear_expired_places_data": {"config": {"days": days}}}}
    return run_job(instance, resources, "places_retention", run_config=config, **kwargs)


def cleared_counts(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    return result.output_for_node("clear_expired_places_data")


def rows(database_url: str, table: sa.Table) -> list[sa.Row]:
    with engine_for(database_url).connect() as conn:
        return list(conn.execute(sa.select(table)))


def test_places_content_past_the_retention_is_cleared_and_the_rest_kept(
    instance, resources, database_url
):
    key = register_search(instance, database_url, *ROOFERS_PORTLAND, coverage="full")
    assert run_search(instance, resources, key).success
    before = table_counts(database_url)
    website_contacts = [
        c for c in rows(database_url, t.prospect_contacts) if c.source not in PLACES_SOURCES
    ]
    assert website_contacts and before["search_tiles"] == 0  # 12 roofers: no tiling needed

    # Fresh data is left alone.
    fresh = clear(instance, resources)
    assert not any(cleared_counts(fresh).values())
    assert table_counts(database_url) == before

    age_everything(database_url, AGED)
    cleared = cleared_counts(clear(instance, resources))
    assert (
        cleared["listings"] == before["prospects"] and cleared["pages"] == before["places_results"]
    )
    assert cleared["reports"] == 1 and cleared["search_areas"] == 1

    listings = rows(database_url, t.prospects)
    assert {p.place_id for p in listings} == {
        c.place_id for c in rows(database_url, t.search_prospects)
    }  # every place id kept
    assert all(p.places_cleared_at is not None for p in listings)
    assert {(p.name, p.phone_e164, p.website, p.rating, p.formatted_address) for p in listings} == {
        ("", None, None, None, None)
    }
    contacts = rows(database_url, t.prospect_contacts)
    assert not [c for c in contacts if c.source in PLACES_SOURCES]
    assert {(c.place_id, c.kind, c.value, c.url) for c in contacts} == {
        (c.place_id, c.kind, c.value, c.url) for c in website_contacts
    }
    leads = rows(database_url, t.leads)
    assert leads and all(lead.name == "" and lead.website is None for lead in leads)
    assert all(
        contact["source"] not in PLACES_SOURCES for lead in leads for contact in lead.contacts
    )
    assert any(lead.email for lead in leads)  # found on the websites: kept
    after = table_counts(database_url)
    assert (after["places_results"], after["ai_intelligence"]) == (0, 0)
    [search] = rows(database_url, t.searches)
    assert search.area_name is None and "area" not in search.coverage_report
    assert search.result_count == before["prospects"]  # the search's own figures are kept

    with TestClient(create_app(api_settings(database_url))) as client:
        page = client.get(f"/directory/{key}").text
    assert page.count("Name cleared (Google data past retention)") == len(leads)

    # Run again, nothing more to clear; the prospects step alone refuses to read the
    # cleared pages as "no results".
    assert cleared_counts(clear(instance, resources))["listings"] == 0
    replay = run_search(instance, resources, key, assets=[prospects], raise_on_error=False)
    assert not replay.success
    assert len(rows(database_url, t.search_prospects)) == before["search_prospects"]

    # A re-run makes the search whole, and the cleared listings are no false changes.
    rerun = run_search(instance, resources, key)
    assert rerun.success
    assert all(p.name and p.places_cleared_at is None for p in rows(database_url, t.prospects))
    # Google's contacts come back with the listing (leads read it); the contact rows
    # Places gave return when the re-enrichment schedule next enriches the prospect.
    assert table_counts(database_url) == before | {"prospect_contacts": len(website_contacts)}
    restored = rows(database_url, t.leads)
    assert all(lead.name for lead in restored) and any(lead.website for lead in restored)
    assert metadata_of(rerun, prospects)["territory_changes"] == {}
    with engine_for(database_url).connect() as conn:
        assert territory_store.territory_changes_since(conn, key, None) == []


@pytest.mark.parametrize(("days", "setting"), [(0, None), (-1, None), (None, "a month")])
def test_a_retention_that_is_no_whole_number_of_days_is_refused_and_changes_nothing(
    instance, resources, database_url, monkeypatch, days, setting
):
    key = register_search(instance, database_url, *ROOFERS_PORTLAND)
    assert run_search(instance, resources, key, assets=[places_results, prospects]).success
    age_everything(database_url, AGED)
    before = rows(database_url, t.prospects)
    if setting is not None:
        monkeypatch.setenv(RETENTION_DAYS_ENV, setting)
    result = clear(instance, resources, days, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "whole number of days" in failure.step_failure_data.error.message
    assert rows(database_url, t.prospects) == before
