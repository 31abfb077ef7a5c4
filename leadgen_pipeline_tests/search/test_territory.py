"""The history of a territory: a search run twice over a world that changed in between."""

from leadgen_pipeline.storage import territory_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.pipeline import run_search, sandbox_resources
from leadgen_pipeline_tests.support.searches import ROOFERS_PORTLAND, register_search, table_counts

ROOFERS_QUERY = "roofer in Portland, OR"


def feed(database_url: str, key: str) -> list[tuple]:
    with engine_for(database_url).connect() as conn:
        rows = territory_store.territory_changes_since(conn, key, None)
    return sorted((r["place_id"], r["kind"], r["field"], r["before"], r["after"]) for r in rows)


def test_a_rerun_reports_exactly_the_new_the_closed_and_the_changed_phone(instance, pg_url, world):
    key = register_search(instance, pg_url, *ROOFERS_PORTLAND, coverage="full")
    resources = sandbox_resources(pg_url, world)
    assert run_search(instance, resources, key).success
    assert feed(pg_url, key) == []  # the first run is the baseline

    roofers = world.dataset.businesses_for_query(ROOFERS_QUERY)
    closing = roofers[2]
    listed = next(b for b in roofers[3:] if b.phone_listed)
    new_phone = "+15035550142"
    world.dataset.update_business(closing.place_id, business_status="CLOSED_PERMANENTLY")
    world.dataset.update_business(listed.place_id, phone_e164=new_phone)
    opened = world.dataset.add_business(ROOFERS_QUERY)
    second = run_search(instance, resources, key)
    assert second.success

    assert feed(pg_url, key) == sorted(
        [
            (closing.place_id, "closed", "", "OPERATIONAL", "CLOSED_PERMANENTLY"),
            (listed.place_id, "changed", "phone", listed.phone_e164, new_phone),
            (opened.place_id, "new", "", None, None),
        ]
    )
    with engine_for(pg_url).connect() as conn:
        [row] = [
            r
            for r in territory_store.territory_changes_since(conn, key, None)
            if r["kind"] == "new"
        ]
    assert row["run_id"] == second.run_id and row["name"] == opened.name

    # Unchanged world: a third run adds nothing, and no table grows.
    counts = table_counts(pg_url)
    assert run_search(instance, resources, key).success
    assert table_counts(pg_url) == counts


def test_a_place_no_longer_returned_is_gone_when_coverage_was_complete(instance, pg_url, world):
    key = register_search(instance, pg_url, *ROOFERS_PORTLAND, coverage="full")
    resources = sandbox_resources(pg_url, world)
    opened = world.dataset.add_business(ROOFERS_QUERY)
    assert run_search(instance, resources, key).success
    world.dataset.remove_business(opened.place_id)  # Places no longer lists it
    assert run_search(instance, resources, key).success
    assert (opened.place_id, "gone", "", None, None) in feed(pg_url, key)
