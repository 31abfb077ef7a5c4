"""The enrichment queue: chunked enqueueing, priorities kept, claims as leases."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadgen_pipeline.domain.enrichment import ContactValue, EnrichmentOutcome
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import prospect_store, queue_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.queue_store import CLAIM_LEASE
from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL
from leadgen_pipeline_tests.support.prospects import REQUEST, prospect
from leadgen_sandbox.postgres import throwaway_postgres_database


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_enqueueing_many_prospects_goes_in_chunks_and_keeps_the_higher_priority(engine):
    from leadgen_pipeline.storage.queue_store import ENQUEUE_CHUNK

    many = [prospect(f"p{i:05d}", f"P{i}") for i in range(ENQUEUE_CHUNK * 2 + 7)]
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, many)
    ids = [p.place_id for p in many]
    assert queue_store.enqueue_enrichment(engine, [*ids, "unknown"], "low", "test") == len(many)
    # 60 rows go through COPY (storage.base.COPY_FROM_ROWS), 3 as plain rows: both keep
    # the higher priority.
    for some in (ids[:3], ids[3:63]):
        assert queue_store.enqueue_enrichment(engine, some, "high", "test") == len(some)
        assert queue_store.enqueue_enrichment(engine, some, "normal", "test") == len(some)
    with engine.connect() as conn:
        assert queue_store.queued_counts(conn) == {0: 63, 2: len(many) - 63}
        statuses = set(conn.execute(sa.select(t.prospects.c.enrichment_status)).scalars())
    assert statuses == {"queued"}


def test_a_claim_is_a_lease_renewed_by_its_holder_and_freed_when_it_dies(engine):
    search_store.register_search(engine, REQUEST, "test")
    field = [prospect(f"p{i}", f"P{i}") for i in range(4)]
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, field)
    queue_store.enqueue_enrichment(engine, [p.place_id for p in field], "normal", "test")
    now = utcnow()
    assert queue_store.claim_enrichment(engine, "run-a", 2, now - CLAIM_LEASE) == ["p0", "p1"]
    queue_store.start_enrichment(engine, "p0")
    with engine.connect() as conn:
        assert queue_store.queued_counts(conn, now) == {1: 2}
        # Once the lease has run out unrenewed, the claims count as waiting again...
        assert queue_store.queued_counts(conn, now + CLAIM_LEASE + timedelta(seconds=1)) == {1: 4}
    # ... and another claimer may take them; renewed, they stay the holder's.
    assert queue_store.renew_claims(engine, "run-a") == 2
    assert queue_store.claim_enrichment(engine, "run-b", 4, utcnow() - CLAIM_LEASE) == ["p2", "p3"]
    assert queue_store.claim_enrichment(engine, "run-c", 4, utcnow() + timedelta(seconds=1)) == [
        "p0",
        "p1",
        "p2",
        "p3",
    ]
    # Released (its run died): unclaimed, and the prospect it had started is queued again.
    assert queue_store.release_claims(engine, "run-c") == 4
    with engine.connect() as conn:
        holders = set(conn.execute(sa.select(t.enrichment_queue.c.claimed_by)).scalars())
        statuses = set(conn.execute(sa.select(t.prospects.c.enrichment_status)).scalars())
        assert queue_store.queued_counts(conn) == {1: 4}
    assert holders == {None}
    assert statuses == {"queued"}


def test_contacts_are_stored_with_their_type_and_signals(engine):
    shop = prospect("p1", "Bäckerei")
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, [shop])
    signals = {"deliverable": "no", "mail_domain": "none", "role_account": True}
    outcome = EnrichmentOutcome(
        "enriched",
        (
            ContactValue("email", "info@example-baeckerei.de", "website:mailto", signals=signals),
            ContactValue("phone", "+491712345678", "website:tel", contact_type="mobile"),
            ContactValue(
                "social:linkedin",
                "https://www.linkedin.com/in/lena",
                "website:link",
                contact_type="person",
            ),
        ),
    )
    queue_store.save_enrichment(engine, "p1", outcome, "run-1", None)
    queue_store.save_enrichment(engine, "p1", outcome, "run-2", None)
    with engine.connect() as conn:
        stored = prospect_store.contacts_by_place(conn, ["p1"])["p1"]
    assert sorted((c.kind, c.contact_type, c.signals) for c in stored) == [
        ("email", None, signals),
        ("phone", "mobile", None),
        ("social:linkedin", "person", None),
    ]


def wait_for_a_lock_wait(engine, seconds=10.0):
    """Until a session of this database waits for a lock."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError(f"nothing waited for a lock within {seconds} s")


@pytest.fixture
def en_us_pg_url() -> Iterator[str]:
    """A database collated as most production servers are (en-US, here by ICU): its
    indexes order "ChIJa" before "ChIJB", where byte order (collation "C") is the reverse."""
    options = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    with throwaway_postgres_database(PG_ADMIN_URL, "leadgen_test_en_us", options) as url:
        yield url


def test_enqueueing_locks_shared_prospects_in_key_order_as_a_store_does(en_us_pg_url):
    """A store locks prospects in key order (code points: "ChIJB" before "ChIJa"); an
    enqueue's UPDATE would lock them in its plan's order ("ChIJa" first, by the index or
    by the table). While another transaction holds "ChIJB", the enqueue must wait for it
    holding nothing, not hold "ChIJa" and wait: that other transaction (a store of a
    search listing both) would deadlock taking "ChIJa"."""
    engine = engine_for(en_us_pg_url)
    first, second = prospect("ChIJB-first-by-key", "B"), prospect("ChIJa-first-by-index", "A")
    other = parse_search_request("plumbing", REQUEST.location)
    for request, found in ((REQUEST, second), (other, first)):  # "ChIJa" written first
        search_store.register_search(engine, request, "test")
        prospect_store.store_search_prospects(engine, request.partition_key, [found])
    p = t.prospects
    with engine.connect() as holder:
        # Held as a store holds it (an update of its listing: FOR NO KEY UPDATE).
        holder.execute(
            sa.select(p.c.place_id)
            .where(p.c.place_id == first.place_id)
            .with_for_update(key_share=True)
        )
        with ThreadPoolExecutor(1) as pool:
            enqueued = pool.submit(
                queue_store.enqueue_enrichment,
                engine,
                [second.place_id, first.place_id],
                "normal",
                "test",
            )
            wait_for_a_lock_wait(engine)  # the enqueue runs until it waits for "ChIJB"
            assert not enqueued.done()
            # "ChIJa" is free: the enqueue has not locked it before "ChIJB".
            holder.execute(
                sa.select(p.c.place_id)
                .where(p.c.place_id == second.place_id)
                .with_for_update(key_share=True, nowait=True)
            )
            holder.commit()
            assert enqueued.result(timeout=10) == 2
