"""Leads and collections: idempotent writes, exact membership."""

import threading
from concurrent.futures import ThreadPoolExecutor

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
from leadgen_pipeline.storage.database import engine_for
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


def outbox(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.outbound_events.c.event_type, t.outbound_events.c.payload).order_by(
                t.outbound_events.c.occurred_at, t.outbound_events.c.event_id
            )
        ).all()
    return [(row.event_type, row.payload["data"]) for row in rows]


def test_new_and_changed_leads_are_told_once_each_in_the_outbox(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    phone = Sourced("+15124692300", "places_search")
    first = [_scored(p, phone=phone) for p in FIELD[:2]]
    changes = lead_store.upsert_leads(engine, REQUEST.partition_key, first, None)
    assert changes.versions == {FIELD[0].place_id: 1, FIELD[1].place_id: 1}
    # The same leads again (a re-run): nothing new to tell.
    again = lead_store.upsert_leads(engine, REQUEST.partition_key, first, None)
    assert again.events == []
    other_phone = Sourced("+15124692399", "place_details")
    changed = [_scored(FIELD[0], phone=other_phone), first[1]]
    lead_store.upsert_leads(engine, REQUEST.partition_key, changed, None)
    lead_store.upsert_leads(engine, REQUEST.partition_key, changed, None)

    told = outbox(engine)
    assert [kind for kind, _ in told] == ["lead.created", "lead.created", "lead.updated"]
    updated = told[2][1]
    assert (updated["placeId"], updated["version"], updated["changed"]) == (
        FIELD[0].place_id,
        2,
        ["phone"],
    )
    assert updated["phone"] == "+15124692399"
    with engine.connect() as conn:
        versions = dict(conn.execute(sa.select(t.leads.c.place_id, t.leads.c.version)).all())
    assert versions == {FIELD[0].place_id: 2, FIELD[1].place_id: 1}


def test_two_runs_writing_the_same_new_leads_at_once_tell_each_once(pg_url):
    engine = engine_for(pg_url)
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    phone = Sourced("+15124692300", "places_search")
    scored = [_scored(p, phone=phone) for p in FIELD]
    start = threading.Barrier(2)

    def write(_: int) -> None:
        start.wait()
        lead_store.upsert_leads(engine, REQUEST.partition_key, scored, None)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, range(2)))
    told = outbox(engine)
    assert sorted(data["placeId"] for _, data in told) == sorted(p.place_id for p in FIELD)
    assert {kind for kind, _ in told} == {"lead.created"}


def test_a_phone_number_typed_as_its_country_writes_it_finds_the_lead(engine):
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    phones = ["+493012345678", "+15124692300", "+81312345678"]
    scored = [
        _scored(p, phone=Sourced(phone, "places_search"))
        for p, phone in zip(FIELD, phones, strict=True)
    ]
    lead_store.upsert_leads(engine, REQUEST.partition_key, scored, None)
    search = {"id": REQUEST.partition_key, "keyword": "plumber", "location": "Austin, TX"}
    with engine.connect() as conn:
        rows = lead_store.search_lead_rows(conn, REQUEST.partition_key)
    lead_store.save_collection(
        engine, search, collection_stats(rows), [(r["place_id"], r["rank"]) for r in rows]
    )

    def found(text):
        with engine.connect() as conn:
            _, members = lead_store.collection_leads(
                conn, REQUEST.partition_key, lead_store.LeadFilters(text=text)
            )
        return [m["phone_e164"] for m in members]

    assert found("030 1234 5678") == ["+493012345678"]
    assert found("0049 30 12345678") == ["+493012345678"]
    assert found("(512) 469-2300") == ["+15124692300"]
    assert found("03-1234-5678") == ["+81312345678"]
    assert found("+1 512") == []  # too few digits to mean a number; no lead says "+1 512"
