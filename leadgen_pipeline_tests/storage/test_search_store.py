"""Searches and their raw pages: idempotent writes."""

from dataclasses import replace

import sqlalchemy as sa

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
