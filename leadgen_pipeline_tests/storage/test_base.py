"""The upsert every store uses: plain rows, and many rows through COPY on PostgreSQL."""

import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import COPY_FROM_ROWS, upsert, utcnow


def queue_rows(count, priority):
    now = utcnow()
    return [
        {"place_id": f"p{i:04d}", "priority": priority, "requested_at": now, "requested_by": "t"}
        for i in range(count)
    ]


def test_two_copy_upserts_into_one_table_in_one_transaction_each_apply_once(engine):
    count = COPY_FROM_ROWS + 10
    prospects = [
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
    with engine.begin() as conn:
        upsert(conn, t.prospects, prospects, ["place_id"])
        upsert(conn, t.enrichment_queue, queue_rows(count, 2), ["place_id"])
        # The same keys again: the first upsert's rows must not be applied a second
        # time (PostgreSQL refuses to update a row twice in one statement).
        upsert(conn, t.enrichment_queue, queue_rows(count, 0), ["place_id"])
    with engine.connect() as conn:
        priorities = conn.execute(sa.select(t.enrichment_queue.c.priority)).scalars().all()
    assert sorted(set(priorities)) == [0] and len(priorities) == count
