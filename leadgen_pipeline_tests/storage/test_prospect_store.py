"""Prospects and the searches that list them: idempotent writes that keep enrichment state."""

from dataclasses import replace

import pytest
import sqlalchemy as sa

from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import prospect_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.concurrency import database_errors_at_once
from leadgen_pipeline_tests.support.prospects import FIELD, REQUEST


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_storing_prospects_is_idempotent_and_follows_the_latest_ranks(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    assert count(engine, t.prospects) == 3
    assert count(engine, t.search_prospects) == 3
    # The next run finds c first, a again with a new rating, and no longer b.
    rerun = [replace(FIELD[2], rating=3.0), replace(FIELD[0], rating=4.8)]
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, rerun)
    with engine.connect() as conn:
        ranked = prospect_store.ranked_search_prospects(conn, REQUEST.partition_key)
    assert [(p.place_id, p.rating) for p in ranked] == [("c", 3.0), ("a", 4.8)]
    assert count(engine, t.prospects) == 3  # b stays a prospect; only its link went
    assert ranked[0].types == ("plumber",)


def test_enrichment_state_survives_a_new_search_result(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.prospects).values(enrichment_status="enriched", enrichment_attempts=1)
        )
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    with engine.connect() as conn:
        statuses = set(conn.execute(sa.select(t.prospects.c.enrichment_status)).scalars())
    assert statuses == {"enriched"}


def test_a_large_search_rerun_smaller_and_reordered(engine):
    many = [replace(FIELD[0], place_id=f"m{i:03d}", types=("plumber", f"t{i}")) for i in range(80)]
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, many)
    rerun = [replace(p, rating=2.5) for p in reversed(many[:60])]
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, rerun)
    with engine.connect() as conn:
        ranked = prospect_store.ranked_search_prospects(conn, REQUEST.partition_key)
    assert [p.place_id for p in ranked] == [p.place_id for p in rerun]
    assert {p.rating for p in ranked} == {2.5}
    assert ranked[0].types == ("plumber", "t59")
    assert count(engine, t.prospects) == 80


def test_listings_come_back_exactly_as_stored(engine):
    """Every character and number survives the store (PostgreSQL's goes through JSON)."""
    odd = [
        replace(
            FIELD[0],
            place_id="ChIJ-ü",
            name='Bäckerei "Zur Mühle" \\ Öko 東京 مخبز 🍞',
            formatted_address="Straße 1\n10115 Berlin",
            latitude=52.520006599999995,
            longitude=-0.000001,
            types=("bakery", 'quote"d', "back\\slash"),
            rating=4.9,
            user_rating_count=2_147_483_647,
            national_phone=None,
            website=None,
            country_code="DE",
        ),
        replace(FIELD[1], place_id="plain", primary_type=None, business_status=None),
    ]
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, odd)
    with engine.connect() as conn:
        stored = prospect_store.ranked_search_prospects(conn, REQUEST.partition_key)
    assert stored == odd


def test_a_search_whose_results_cannot_be_stored_changes_nothing(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    twice = [replace(FIELD[2], rating=1.0), *FIELD]  # one place listed twice
    with pytest.raises(ValueError, match="more than once: c"):
        prospect_store.store_search_prospects(engine, REQUEST.partition_key, twice)
    if engine.dialect.name == "postgresql":
        # PostgreSQL refuses a NUL in text: the statement fails at its last listing.
        broken = [replace(p, rating=1.0) for p in FIELD[:-1]] + [replace(FIELD[-1], name="a\x00b")]
        with pytest.raises(sa.exc.DBAPIError):
            prospect_store.store_search_prospects(engine, REQUEST.partition_key, broken)
    with engine.connect() as conn:
        stored = prospect_store.ranked_search_prospects(conn, REQUEST.partition_key)
    assert stored == FIELD


def test_overlapping_searches_stored_at_once_never_deadlock(pg_url):
    """Two searches listing the same 200 places in opposite orders (plumber and plumbing in
    one city, say), stored at the same time, again and again."""
    engine = engine_for(pg_url)
    shared = [replace(FIELD[0], place_id=f"shared-{i:03d}") for i in range(200)]
    other = parse_search_request("plumbing", REQUEST.location)
    for request in (REQUEST, other):
        search_store.register_search(engine, request, "test")
    errors = database_errors_at_once(
        [
            lambda: prospect_store.store_search_prospects(engine, REQUEST.partition_key, shared),
            lambda: prospect_store.store_search_prospects(
                engine, other.partition_key, shared[::-1]
            ),
        ]
    )
    assert errors == []
    with engine.connect() as conn:
        listed = prospect_store.ranked_search_prospects(conn, other.partition_key)
    assert [p.place_id for p in listed] == [p.place_id for p in shared[::-1]]
