"""What a search saw of its places, and the feed of changes: idempotent, on both back ends."""

from datetime import timedelta

from leadgen_pipeline.domain.territory import (
    ChangeKind,
    Listing,
    contact_changes,
    listing_changes,
    listing_of,
)
from leadgen_pipeline.storage import territory_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline_tests.support.prospects import FIELD, REQUEST, store_field

KEY = REQUEST.partition_key


def observe(engine, listings: list[Listing], run_id: str, *, complete: bool) -> None:
    """One run's listings compared and recorded, as the prospects asset does."""
    with territory_store.observing(engine, KEY):
        with engine.connect() as conn:
            baseline = territory_store.is_baseline(conn, KEY)
            before = territory_store.listing_observations(conn, KEY)
        changes = listing_changes(before, listings, baseline=baseline, complete=complete)
        territory_store.record_listings(engine, KEY, run_id, listings, changes, complete=complete)


def kinds(engine, since=None) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = territory_store.territory_changes_since(conn, KEY, since)
    return [(r["place_id"], r["kind"], r["field"]) for r in rows]


def test_a_capped_run_forgets_nothing_and_a_retry_records_nothing_twice(database_url):
    engine = store_field(database_url)
    everyone = [listing_of(p) for p in FIELD]
    observe(engine, everyone, "run-1", complete=True)
    assert kinds(engine) == []  # the baseline

    # A capped run sees only "a": "b" and "c" are not gone, and stay known.
    observe(engine, everyone[:1], "run-2", complete=False)
    assert kinds(engine) == []
    observe(engine, everyone, "run-3", complete=True)
    assert kinds(engine) == []  # not "new" again

    observe(engine, everyone[1:], "run-4", complete=True)
    observe(engine, everyone[1:], "run-4", complete=True)  # the step retried
    assert kinds(engine) == [("a", "gone", "")]
    with engine.connect() as conn:
        assert set(territory_store.listing_observations(conn, KEY)) == {"b", "c"}


def test_contacts_are_compared_from_their_second_observation(database_url):
    engine = store_field(database_url)
    observe(engine, [listing_of(p) for p in FIELD], "run-1", complete=True)
    for run_id, email in (("run-1", "info@a.example"), ("run-2", "sales@a.example")):
        seen = {"a": {"email": email, "owner": None}}
        with engine.connect() as conn:
            before = territory_store.contact_observations(conn, KEY)
        changes = contact_changes(before, seen.items())
        territory_store.record_contacts(engine, KEY, run_id, seen, changes)
    with engine.connect() as conn:
        [change] = territory_store.territory_changes_since(conn, KEY, None)
        marks = territory_store.recent_change_kinds(
            conn, KEY, ["a", "b"], utcnow() - timedelta(days=1)
        )
    assert (change["kind"], change["field"], change["before"], change["after"]) == (
        ChangeKind.CHANGED,
        "email",
        "info@a.example",
        "sales@a.example",
    )
    assert change["name"] == "A"
    assert marks == {"a": {"changed"}}
    assert kinds(engine, since=utcnow() + timedelta(seconds=1)) == []
