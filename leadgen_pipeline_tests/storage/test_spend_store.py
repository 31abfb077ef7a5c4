"""The spend ledger: reservations under the caps, settling, totals; on both back ends."""

from datetime import timedelta

import sqlalchemy as sa

from leadgen_pipeline.domain.budget import RESERVATION_LEASE, day_start
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store, spend_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.spend_store import Call

CAPPED = parse_search_request("plumber", "Austin, TX", max_cost_usd=0.1)


def call(call_id: str, price: float = 0.035, search_id: str | None = None) -> Call:
    return Call(call_id, "places", "Text Search Enterprise", price, "v1", search_id, "run-1")


def test_a_call_is_reserved_then_settled_once(engine):
    assert spend_store.reserve(engine, call("a"), daily_cap_usd=None) is None
    # The same call id again (a retried write) is still one call.
    assert spend_store.reserve(engine, call("a"), daily_cap_usd=None) is None
    with engine.connect() as conn:
        assert spend_store.spend_summary(conn)["in_flight"] == 1
    spend_store.settle(engine, "a", 0.035, "200")
    spend_store.settle(engine, "a", 0.035, "200")
    with engine.connect() as conn:
        summary = spend_store.spend_summary(conn, run_id="run-1")
    assert (summary["calls"], summary["cost_usd"], summary["in_flight"]) == (1, 0.035, 0)
    assert summary["by_sku"] == {"places:Text Search Enterprise": {"calls": 1, "cost_usd": 0.035}}


def test_the_daily_cap_counts_settled_cost_and_calls_in_flight(engine):
    assert spend_store.reserve(engine, call("a", 0.4), daily_cap_usd=1.0) is None
    spend_store.settle(engine, "a", 0.4, "200")
    assert spend_store.reserve(engine, call("b", 0.4), daily_cap_usd=1.0) is None  # in flight
    refused = spend_store.reserve(engine, call("c", 0.4), daily_cap_usd=1.0)
    assert refused is not None and refused.cap == "daily"
    assert refused.committed_usd == 0.8
    with engine.connect() as conn:
        assert spend_store.spend_summary(conn)["calls"] == 2  # the refused call wrote nothing
    # A call that cost less than it reserved gives the difference back.
    spend_store.settle(engine, "b", 0.0, "503")
    assert spend_store.reserve(engine, call("c", 0.4), daily_cap_usd=1.0) is None


def test_the_day_keeps_a_running_total_and_counts_calls_settled_before_it(engine):
    assert spend_store.reserve(engine, call("a", 0.3), daily_cap_usd=None) is None
    spend_store.settle(engine, "a", 0.25, "200")
    spend_store.settle(engine, "a", 0.25, "200")  # settled once
    now = utcnow()
    with engine.begin() as conn:
        assert conn.execute(sa.select(t.spend_days.c.settled_usd)).scalars().all() == [0.25]
        # A call settled before the running total existed (sql/012) is not counted in it,
        # and yesterday's total is not today's.
        conn.execute(
            sa.insert(t.spend_ledger).values(
                call_id="settled-before",
                created_at=now,
                provider="places",
                sku="Text Search Enterprise",
                requests=1,
                reserved_usd=0.5,
                cost_usd=0.5,
                price_version="v1",
            )
        )
        conn.execute(
            sa.insert(t.spend_days).values(
                day_start=day_start(now) - timedelta(days=1), settled_usd=100.0
            )
        )
    refused = spend_store.reserve(engine, call("b", 0.3), daily_cap_usd=1.0)
    assert refused is not None and refused.committed_usd == 0.75
    assert spend_store.reserve(engine, call("b", 0.25), daily_cap_usd=1.0) is None


def test_a_reservation_of_a_dead_process_stops_holding_the_budget(engine):
    assert spend_store.reserve(engine, call("lost", 0.9), daily_cap_usd=1.0) is None
    assert spend_store.reserve(engine, call("b", 0.2), daily_cap_usd=1.0) is not None
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.spend_ledger).values(
                created_at=utcnow() - RESERVATION_LEASE - timedelta(seconds=1)
            )
        )
    assert spend_store.reserve(engine, call("b", 0.2), daily_cap_usd=1.0) is None


def test_the_search_cap_is_read_from_the_search_and_raised_by_a_new_request(engine):
    search_store.register_search(engine, CAPPED, "test")
    key = CAPPED.partition_key
    assert spend_store.reserve(engine, call("a", 0.06, key), daily_cap_usd=None) is None
    refused = spend_store.reserve(engine, call("b", 0.06, key), daily_cap_usd=None)
    assert refused is not None and refused.cap == "search"
    # Other searches' calls do not count against it.
    assert spend_store.reserve(engine, call("c", 0.06), daily_cap_usd=None) is None
    search_store.register_search(
        engine, parse_search_request("plumber", "Austin, TX", max_cost_usd=1), "test"
    )
    assert spend_store.reserve(engine, call("b", 0.06, key), daily_cap_usd=None) is None


def test_totals_by_search_day_and_month(engine):
    for call_id, search_id in (("a", "s1"), ("b", "s1"), ("c", None)):
        spend_store.reserve(engine, call(call_id, 0.5, search_id), daily_cap_usd=None)
        spend_store.settle(engine, call_id, 0.5, "200")
    today = utcnow()
    with engine.connect() as conn:
        by_search = spend_store.spend_totals(conn, "search")
        by_day = spend_store.spend_totals(conn, "day", since=today - timedelta(days=1))
        by_month = spend_store.spend_totals(conn, "month")
        tomorrow = spend_store.spend_totals(conn, "day", since=today + timedelta(days=1))
    assert [(row["key"], row["calls"], row["cost_usd"]) for row in by_search] == [
        ("(none)", 1, 0.5),
        ("s1", 2, 1.0),
    ]
    assert [(row["key"], row["calls"]) for row in by_day] == [(f"{today:%Y-%m-%d}", 3)]
    assert [(row["key"], row["cost_usd"]) for row in by_month] == [(f"{today:%Y-%m}", 1.5)]
    assert tomorrow == []
