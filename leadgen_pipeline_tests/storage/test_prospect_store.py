"""Prospects and the searches that list them: idempotent writes that keep enrichment state."""

from dataclasses import replace

import sqlalchemy as sa

from leadgen_pipeline.storage import prospect_store, search_store
from leadgen_pipeline.storage import schema as t
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


def test_many_prospects_are_upserted_through_copy_alike(engine):
    """From COPY_FROM_ROWS rows on, PostgreSQL upserts go through COPY: same result."""
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
