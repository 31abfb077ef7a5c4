"""The upsert every store uses: plain rows, and many rows through COPY on PostgreSQL."""

import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import COPY_FROM_ROWS, upsert, utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.concurrency import database_errors_at_once


def queue_rows(count, priority):
    now = utcnow()
    return [
        {"place_id": f"p{i:04d}", "priority": priority, "requested_at": now, "requested_by": "t"}
        for i in range(count)
    ]


def prospect_rows(count):
    return [
        {
            "place_id": f"p{i:04d}",
            "name": f"P{i}",
            "types": ["plumber"],
            "first_seen_at": utcnow(),
            "updated_at": utcnow(),
            "enrichment_status": "pending",
            "enrichment_attempts": 0,
        }
        for i in range(count)
    ]


def test_two_copy_upserts_into_one_table_in_one_transaction_each_apply_once(engine):
    count = COPY_FROM_ROWS + 10
    with engine.begin() as conn:
        upsert(conn, t.prospects, prospect_rows(count), ["place_id"])
        upsert(conn, t.enrichment_queue, queue_rows(count, 2), ["place_id"])
        # The same keys again: the first upsert's rows must not be applied a second
        # time (PostgreSQL refuses to update a row twice in one statement).
        upsert(conn, t.enrichment_queue, queue_rows(count, 0), ["place_id"])
    with engine.connect() as conn:
        priorities = conn.execute(sa.select(t.enrichment_queue.c.priority)).scalars().all()
    assert sorted(set(priorities)) == [0] and len(priorities) == count


def test_a_committed_copy_upsert_leaves_its_staging_twin_without_pages(pg_url):
    # Emptied by DELETE alone, the twin kept every dead row (nothing vacuums a
    # temporary table) and each later upsert on the connection scanned them all.
    with engine_for(pg_url).connect() as conn:
        for _ in range(3):
            upsert(conn, t.prospects, prospect_rows(COPY_FROM_ROWS), ["place_id"])
            conn.commit()
        size = conn.exec_driver_sql("SELECT pg_relation_size('stage_prospects')").scalar_one()
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.prospects)).scalar_one()
    assert size == 0 and stored == COPY_FROM_ROWS


def test_overlapping_upserts_at_once_wait_for_each_other_instead_of_deadlocking(pg_url):
    # Rows given in opposite orders, one writer through COPY and one row by row: each
    # writes in key order, so neither holds a row the other locked first. Written in
    # the order given, these deadlocked within a few rounds.
    engine = engine_for(pg_url)
    rows = prospect_rows(COPY_FROM_ROWS + 20)
    few = rows[-(COPY_FROM_ROWS - 1) :]

    def writer(given):
        def write():
            with engine.begin() as conn:
                upsert(conn, t.prospects, given, ["place_id"])

        return write

    errors = database_errors_at_once([writer(rows), writer(few[::-1]), writer(rows[::-1])])
    assert errors == []
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.prospects)).scalar_one()
    assert stored == len(rows)
