"""Leads and collections: idempotent writes, exact membership."""

import sqlalchemy as sa

from leadgen_pipeline.domain.enrichment import ContactValue
from leadgen_pipeline.domain.leads import (
    LeadCandidate,
    Sourced,
    collection_stats,
    lead_candidates,
    score_lead,
)
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import lead_store, prospect_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline_tests.support.prospects import FIELD, REQUEST


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


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
        _, members = lead_store.collection_leads(conn, REQUEST.partition_key)
        collections = lead_store.list_collections(conn)
    assert [(m["place_id"], m["rank"]) for m in members] == [("b", 1), ("c", 2)]
    assert len(collections) == 1 and collections[0]["lead_count"] == 2


def test_a_lead_carries_its_country_email_verdict_and_every_typed_contact(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    contacts = {
        FIELD[0].place_id: [
            ContactValue(
                "email",
                "info@austinpipepros.com",
                "website:mailto",
                "https://www.austinpipepros.com/",
                signals={"deliverable": "yes", "role_account": True, "disposable": False},
            ),
            ContactValue("phone", "+15124692300", "website:tel", contact_type="landline_or_mobile"),
        ]
    }
    scored = [score_lead(c) for c in lead_candidates(FIELD[:1], contacts, None, None)]
    lead_store.upsert_leads(engine, REQUEST.partition_key, scored, target_place_id=None)
    with engine.connect() as conn:
        [row] = lead_store.search_lead_rows(conn, REQUEST.partition_key)
    assert row["email_deliverable"] == "yes"
    assert [
        (c["kind"], c["type"], (c["signals"] or {}).get("deliverable")) for c in row["contacts"]
    ] == [
        ("email", None, "yes"),
        ("phone", "landline_or_mobile", None),
    ]
