"""Searches and their raw pages: idempotent writes."""

from dataclasses import replace

import sqlalchemy as sa

from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store
from leadgen_pipeline_tests.support.prospects import REQUEST


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


def test_a_second_spelling_of_a_key_is_the_same_search_and_keeps_the_first(engine):
    first = parse_search_request("cafe", "Zurich")
    second = parse_search_request("Café", "Zürich")
    assert first.partition_key == second.partition_key == "cafe@zurich"
    stored_first = search_store.register_search(engine, first, "test")
    stored_second = search_store.register_search(engine, second, "test")
    assert "requested_as" not in stored_first
    assert stored_second["text_query"] == "cafe in Zurich"
    assert stored_second["requested_as"] == "Café in Zürich"
    with engine.connect() as conn:
        row = search_store.get_search(conn, "cafe@zurich")
    assert count(engine, t.searches) == 1
    assert (row.keyword, row.location, row.text_query) == ("cafe", "Zurich", "cafe in Zurich")


def test_searches_whose_keys_differ_by_a_mark_are_two_rows(engine):
    for keyword in ("ジム", "シム"):
        search_store.register_search(engine, parse_search_request(keyword, "東京"), "test")
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(t.searches.c.id)).scalars())
    assert ids == {"ジム@東京", "シム@東京"}
