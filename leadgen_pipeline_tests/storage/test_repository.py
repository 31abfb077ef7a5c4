from dataclasses import replace

import sqlalchemy as sa

from leadgen_pipeline.domain.leads import LeadCandidate, Sourced, collection_stats, score_lead
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import lead_store, prospect_store, queue_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline_tests.support.prospects import FIELD, REQUEST, prospect


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_registering_a_search_twice_updates_one_row(engine):
    search_store.register_search(engine, REQUEST, "test")
    search_store.register_search(engine, replace(REQUEST, target_business="Other"), "test")
    with engine.connect() as conn:
        row = search_store.get_search(conn, REQUEST.partition_key)
    assert count(engine, t.searches) == 1
    assert (row.target_business, row.status, row.text_query) == (
        "Other",
        "requested",
        "plumber in Austin, TX",
    )


def test_pages_are_replaced_not_appended(engine):
    search_store.register_search(engine, REQUEST, "test")
    pages = [
        ({"body": {"textQuery": "q"}}, {"places": [{"id": "a"}]}),
        ({"body": {}}, {"places": []}),
    ]
    search_store.save_search_pages(engine, REQUEST.partition_key, pages, "run-1", 1, False)
    search_store.save_search_pages(engine, REQUEST.partition_key, pages[:1], "run-2", 1, False)
    with engine.connect() as conn:
        stored = search_store.load_search_pages(conn, REQUEST.partition_key)
        search = search_store.get_search(conn, REQUEST.partition_key)
    assert stored == [{"places": [{"id": "a"}]}]
    assert (search.status, search.pages_fetched, search.last_run_id) == ("searched", 1, "run-2")


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


def _scored(p, **contacts):
    return score_lead(LeadCandidate(p, **contacts))


def test_leads_upsert_keeps_origin_and_target_flag(engine):
    other = parse_search_request("plumber", "Round Rock, TX")
    for request in (REQUEST, other):
        search_store.register_search(engine, request, "test")
        prospect_store.store_search_prospects(engine, request.partition_key, FIELD)
    phone = Sourced("+15124692300", "places_search")
    lead_store.upsert_leads(
        engine, REQUEST.partition_key, [_scored(FIELD[0], phone=phone)], target_place_id="a"
    )
    lead_store.upsert_leads(
        engine, other.partition_key, [_scored(FIELD[0], phone=phone)], target_place_id=None
    )
    lead_store.upsert_leads(
        engine, other.partition_key, [_scored(FIELD[0], phone=phone)], target_place_id=None
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.leads)).all()
    assert len(rows) == 1
    assert rows[0].origin_search_id == REQUEST.partition_key
    assert rows[0].is_target is True
    assert rows[0].provenance == {"phone": {"source": "places_search", "url": None}}


def test_collection_membership_is_exactly_the_searchs_leads(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    phone = Sourced("+15124692300", "places_search")
    lead_store.upsert_leads(
        engine, REQUEST.partition_key, [_scored(p, phone=phone) for p in FIELD], None
    )
    search = {"id": REQUEST.partition_key, "keyword": "plumber", "location": "Austin, TX"}
    for _ in range(2):
        with engine.connect() as conn:
            rows = lead_store.search_lead_rows(conn, REQUEST.partition_key)
        lead_store.save_collection(
            engine, search, collection_stats(rows), [(r["place_id"], r["rank"]) for r in rows]
        )
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD[1:])
    with engine.connect() as conn:
        rows = lead_store.search_lead_rows(conn, REQUEST.partition_key)
    lead_store.save_collection(
        engine, search, collection_stats(rows), [(r["place_id"], r["rank"]) for r in rows]
    )
    with engine.connect() as conn:
        members = lead_store.collection_lead_rows(conn, REQUEST.partition_key)
        collections = lead_store.list_collections(conn)
    assert [(m["place_id"], m["rank"]) for m in members] == [("b", 1), ("c", 2)]
    assert len(collections) == 1 and collections[0]["lead_count"] == 2


def test_enqueueing_many_prospects_goes_in_chunks_and_keeps_the_higher_priority(engine):
    from leadgen_pipeline.storage.queue_store import ENQUEUE_CHUNK

    many = [prospect(f"p{i:05d}", f"P{i}") for i in range(ENQUEUE_CHUNK * 2 + 7)]
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, many)
    ids = [p.place_id for p in many]
    assert queue_store.enqueue_enrichment(engine, [*ids, "unknown"], "low", "test") == len(many)
    assert queue_store.enqueue_enrichment(engine, ids[:3], "high", "test") == 3
    assert queue_store.enqueue_enrichment(engine, ids[:3], "normal", "test") == 3
    with engine.connect() as conn:
        assert queue_store.queued_counts(conn) == {0: 3, 2: len(many) - 3}
        statuses = set(conn.execute(sa.select(t.prospects.c.enrichment_status)).scalars())
    assert statuses == {"queued"}
