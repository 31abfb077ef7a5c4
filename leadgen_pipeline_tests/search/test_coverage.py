"""Coverage past the 60-result cap, on the sandbox's geography, through Dagster."""

import dagster as dg
import pytest
import sqlalchemy as sa

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.domain.places import ranked_prospects
from leadgen_pipeline.domain.pricing import PLACES_SKUS
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.search.assets import places_results, prospects
from leadgen_pipeline.search.coverage import CoverageRun, cover_area
from leadgen_pipeline.search.tags import STOPPED_TAG
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store, spend_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.fake_keys import PLACES_KEY
from leadgen_pipeline_tests.support.pipeline import metadata_of, sandbox_resources
from leadgen_pipeline_tests.support.searches import register_search
from leadgen_sandbox import Sandbox
from leadgen_sandbox.geography import city_viewport
from leadgen_sandbox.world_data import CITIES

HOUSTON = ("plumber", "Houston, TX")


def search_places(
    instance, database_url, sandbox, key, *, raise_on_error: bool = True
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [places_results, prospects],
        resources=sandbox_resources(database_url, sandbox),
        instance=instance,
        partition_key=key,
        raise_on_error=raise_on_error,
    )


def found_place_ids(database_url: str, key: str) -> list[str]:
    with engine_for(database_url).connect() as conn:
        links = t.search_prospects
        query = sa.select(links.c.place_id).where(links.c.search_id == key)
        return list(conn.execute(query).scalars())


def houston_truth(sandbox: Sandbox) -> set[str]:
    viewport = city_viewport(CITIES["houston tx"])
    return {
        b.place_id
        for b in sandbox.dataset.businesses_for_query("plumber in Houston, TX")
        if not b.pure_service_area and viewport.contains(b.latitude, b.longitude)
    }


def test_a_territory_past_the_cap_is_covered_and_a_refresh_costs_less(instance, pg_url, world):
    key = register_search(instance, pg_url, *HOUSTON, coverage="full")
    first = search_places(instance, pg_url, world, key)
    assert first.success
    truth = houston_truth(world)
    assert len(truth) >= 500
    found = found_place_ids(pg_url, key)
    assert len(found) == len(set(found))  # no duplicate place ids
    assert len(truth & set(found)) >= 0.99 * len(truth)
    report = metadata_of(first, places_results)["coverage_report"]
    assert report["status"] == "complete"
    assert report["requests_per_100_places"] <= 12
    assert report["requests_by_kind"]["locate"] == 1 and report["requests_by_kind"]["area"] == 3
    assert report["service_area_businesses"] >= 1  # from the whole-area query
    assert report["estimated_cost_usd"] > 0
    assert set(report["requests_by_sku"]) == {"Text Search Pro", "Text Search Enterprise"}
    with engine_for(pg_url).connect() as conn:
        search = search_store.get_search(conn, key)
        tiles = search_store.search_tiles(conn, key)
    assert search.coverage_status == "complete"
    assert search.country_code == "US" and search.language_code == "en"
    assert search_store.search_area(search._mapping) is not None
    assert sum(tile["requests"] for tile in tiles) == report["requests_by_kind"]["tiles"]
    assert any(tile["saturated"] for tile in tiles)

    # The territory changes: three plumbers open, spread over the city.
    opened = [
        world.dataset.add_business("plumber in Houston, TX", 29.61, -95.60),
        world.dataset.add_business("plumber in Houston, TX", 29.76, -95.37),
        world.dataset.add_business("plumber in Houston, TX", 29.98, -95.10),
    ]
    second = search_places(instance, pg_url, world, key)
    assert second.success
    refreshed = set(found_place_ids(pg_url, key))
    assert {business.place_id for business in opened} <= refreshed
    second_report = metadata_of(second, places_results)["coverage_report"]
    assert second_report["reused_plan"] is True
    assert second_report["text_search_requests"] < report["text_search_requests"]


def test_a_location_that_resolves_to_nothing_fails_before_any_search(instance, database_url, world):
    key = register_search(instance, database_url, "plumber", "Zzzville, TX", coverage="full")
    result = dg.materialize(
        [places_results],
        resources=sandbox_resources(database_url, world),
        instance=instance,
        partition_key=key,
        raise_on_error=False,
    )
    assert not result.success
    assert world.stats("places").requests_total == 1  # the look-up alone
    with engine_for(database_url).connect() as conn:
        search = search_store.get_search(conn, key)
        pages = conn.execute(sa.select(sa.func.count()).select_from(t.places_results)).scalar()
    assert search.status == "failed" and "knows no area" in search.last_error
    assert pages == 0


def test_a_point_denser_than_the_cap_is_reported_incomplete(instance, pg_url, world):
    key = register_search(instance, pg_url, "lawyer", "New York, NY", coverage="full")
    result = search_places(instance, pg_url, world, key)
    report = metadata_of(result, places_results)["coverage_report"]
    assert report["dense_points"] >= 1
    assert report["status"].startswith("incomplete (") and "minimum size" in report["status"]
    with engine_for(pg_url).connect() as conn:
        assert search_store.get_search(conn, key).result_capped is True


def test_a_search_stopped_by_its_cap_resumes_and_completes_paying_each_page_once(
    instance, pg_url, world
):
    # What the whole search asks, run once without a ledger: the pages and the places.
    resources = sandbox_resources(pg_url, world)
    truth_client = PlacesClient(api_key=PLACES_KEY, base_url=world.places_url)
    uncapped = cover_area(
        truth_client, *HOUSTON, "plumber in Houston, TX", resources["places"].tiling_settings()
    )
    expected_places = {
        p.place_id for p in ranked_prospects(page[1] for page in uncapped.stored_pages()[1:])
    }
    needed = len(uncapped.stored_pages())
    assert needed > 20

    cap = 0.5  # about 15 of the search's pages
    key = register_search(instance, pg_url, *HOUSTON, coverage="full")
    search_store.register_search(
        engine_for(pg_url), parse_search_request(*HOUSTON, max_cost_usd=cap), "test"
    )
    stopped = search_places(instance, pg_url, world, key, raise_on_error=False)
    assert not stopped.success
    [failure] = [e for e in stopped.all_events if e.event_type_value == "STEP_FAILURE"]
    stop = failure.step_failure_data.user_failure_data
    assert "budget reached" in stop.description and "maxCostUsd" in stop.description
    meta = stop.metadata
    assert meta["stopped"].value == "budget" and meta["cap"].value == "search"
    assert instance.get_run_by_id(stopped.run_id).tags[STOPPED_TAG] == "budget"
    with engine_for(pg_url).connect() as conn:
        search = search_store.get_search(conn, key)
        kept = len(search_store.stopped_pages(conn, key))
        spent = spend_store.spend_summary(conn, search_id=key)
    assert (search.status, search.coverage_status) == ("stopped", "stopped: budget")
    assert "budget reached" in search.last_error
    assert cap - 0.035 < spent["cost_usd"] <= cap
    # Every page paid for is kept (the look-up is priced at Pro, the rest at Enterprise).
    assert 0 < kept == spent["calls"] < needed

    # The cap is raised by requesting the search again; the run resumes and completes.
    search_store.register_search(
        engine_for(pg_url), parse_search_request(*HOUSTON, max_cost_usd=10), "test"
    )
    resumed = search_places(instance, pg_url, world, key)
    assert resumed.success
    with engine_for(pg_url).connect() as conn:
        search = search_store.get_search(conn, key)
        pages = conn.execute(
            sa.select(sa.func.count()).where(t.places_results.c.search_id == key)
        ).scalar_one()
        paid = spend_store.spend_summary(conn, search_id=key)
    assert search.coverage_status == "complete" and search.status == "searched"
    # Nothing paid twice: the pages of the stopped run answered again from storage.
    assert paid["calls"] == pages == needed
    assert paid["cost_usd"] == pytest.approx(uncapped_cost(uncapped))
    # Nothing lost: the same places as one uncapped run.
    found = found_place_ids(pg_url, key)
    assert len(found) == len(set(found)) and set(found) == expected_places
    meta = metadata_of(resumed, places_results)
    assert meta["spend_search_usd"] == pytest.approx(paid["cost_usd"])
    assert meta["spend_run_usd"] == pytest.approx(paid["cost_usd"] - spent["cost_usd"])


def uncapped_cost(run: CoverageRun) -> float:
    return sum(PLACES_SKUS[page[0]["sku"]].usd_per_call for page in run.stored_pages())
