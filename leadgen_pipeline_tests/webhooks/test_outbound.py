"""Outbound webhooks end to end on PostgreSQL: a real search writes lead events, the delivery
step sends them signed to a receiver on loopback, retries, dead-letters, replays."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import dagster as dg
import pytest
import sqlalchemy as sa
import standardwebhooks

from leadgen_pipeline.domain.outbound_webhooks import (
    InvalidSubscription,
    OutboundEventType,
    RetryPolicy,
    build_event,
    verify,
)
from leadgen_pipeline.resources import DatabaseResource, OutboundWebhooksResource
from leadgen_pipeline.storage import outbound_webhook_store as store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.webhooks.outbound import DeliverySettings, deliver_due, subscribe
from leadgen_pipeline.webhooks.sensors import deliver_outbound_webhooks
from leadgen_pipeline_tests.support.searches import ROOFERS_PORTLAND, run_searches
from leadgen_pipeline_tests.support.webhook_receiver import webhook_receiver


def lead_ids(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(t.leads.c.place_id)).scalars())


def later(days: int):
    """A moment past every retry's wait: the delivery step's clock, moved on."""
    return utcnow() + timedelta(days=days)


def test_each_new_lead_reaches_the_receiver_once_signed_though_it_fails_twice(
    pg_url, sandbox, tmp_path
):
    engine = engine_for(pg_url)
    with webhook_receiver(fail_first=2) as receiver:
        webhooks = OutboundWebhooksResource(allowed_origins=receiver.url)
        _, secret = subscribe(engine, webhooks.guard, f"{receiver.url}/crm", ["lead.created"])
        run_searches(pg_url, sandbox, tmp_path, [ROOFERS_PORTLAND])
        # The first tick through the sensor, as the daemon runs it.
        context = dg.build_sensor_context(
            resources={"database": DatabaseResource(url=pg_url), "outbound_webhooks": webhooks}
        )
        first = deliver_outbound_webhooks(context)
        reports = [
            deliver_due(engine, webhooks.sender, webhooks.settings(), later(d)) for d in (1, 2, 3)
        ]
        # The same search again: its leads are not new, so nothing more is sent.
        run_searches(pg_url, sandbox, tmp_path, [ROOFERS_PORTLAND])
        after_rerun = deliver_due(engine, webhooks.sender, webhooks.settings(), later(4))

    leads = lead_ids(engine)
    assert leads, "the search promoted no leads"
    assert "0 delivered" in first.skip_message and f"{len(leads)} to retry" in first.skip_message
    assert [r.delivered for r in reports] == [0, len(leads), 0]
    assert after_rerun.delivered + after_rerun.retrying == 0
    accepted = receiver.accepted()
    per_id = Counter(r.headers["webhook-id"] for r in accepted)
    assert set(per_id.values()) == {1} and len(per_id) == len(leads)
    assert {r.event["data"]["placeId"] for r in accepted} == leads
    assert {r.event["type"] for r in accepted} == {"lead.created"}
    reference = standardwebhooks.Webhook(secret)
    for r in accepted:
        # As a receiver verifies: with the reference implementation, and with ours.
        assert reference.verify(r.body, r.headers)["data"]["version"] == 1
        assert verify(secret, r.headers, r.body, now=time.time())
        assert not verify(secret, r.headers, r.body + b" ", now=time.time())
        assert receiver.tries(r.headers["webhook-id"]) == 3
    with engine.connect() as conn:
        statuses = Counter(d["status"] for d in store.list_deliveries(conn, limit=1000))
        attempts = conn.execute(
            sa.select(sa.func.count()).select_from(t.webhook_delivery_attempts)
        ).scalar_one()
    assert statuses == {"delivered": len(leads)}
    assert attempts == 3 * len(leads)
    # Unsubscribed events are in the outbox all the same: one completion per run.
    with engine.connect() as conn:
        told = Counter(conn.execute(sa.select(t.outbound_events.c.event_type)).scalars())
    assert told["lead.created"] == len(leads) and told["search.completed"] == 2


def event(number: int):
    return build_event(
        OutboundEventType.SEARCH_COMPLETED, ("s", str(number)), {"n": number}, utcnow()
    )


FAST = DeliverySettings(policy=RetryPolicy(max_attempts=3, base_s=1, max_s=1))


def test_a_delivery_is_dead_after_its_last_try_and_a_replay_sends_it_again(pg_url):
    engine = engine_for(pg_url)
    with webhook_receiver(always_fail=True) as receiver:
        webhooks = OutboundWebhooksResource(allowed_origins=receiver.url)
        subscribe(engine, webhooks.guard, receiver.url, ["search.completed"])
        store.emit_events(engine, [event(1)])
        reports = [deliver_due(engine, webhooks.sender, FAST, later(d)) for d in (0, 1, 2, 3)]
        assert [(r.retrying, r.dead) for r in reports] == [(1, 0), (1, 0), (0, 1), (0, 0)]
        with engine.connect() as conn:
            [dead] = store.list_deliveries(conn, status="dead")
        assert dead["attempts"] == 3 and dead["last_status_code"] == 500
        assert dead["last_error"].startswith("HTTP 500")

        receiver.always_fail = False
        assert store.replay_delivery(engine, dead["id"]) == "replayed"
        assert store.replay_delivery(engine, dead["id"]) == "not_dead"
        assert store.replay_delivery(engine, "dlv_missing") == "not_found"
        replayed = deliver_due(engine, webhooks.sender, FAST, later(4))
    assert replayed.delivered == 1
    with engine.connect() as conn:
        [delivery] = store.list_deliveries(conn)
        log = store.delivery_attempts(conn, dead["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert [(a["attempt"], a["status_code"]) for a in log] == [
        (1, 500),
        (2, 500),
        (3, 500),
        (4, 200),
    ]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_a_receiver_that_hangs_does_not_hold_up_the_others(pg_url):
    engine = engine_for(pg_url)
    with webhook_receiver(hang=True) as stuck, webhook_receiver() as healthy:
        webhooks = OutboundWebhooksResource(
            allowed_origins=f"{stuck.url},{healthy.url}", read_timeout_seconds=0.5
        )
        subscribe(engine, webhooks.guard, stuck.url, ["search.completed"])
        subscribe(engine, webhooks.guard, healthy.url, ["search.completed"])
        store.emit_events(engine, [event(n) for n in range(5)])
        # One worker: the stuck receiver's first timeout is all it may cost the tick.
        settings = DeliverySettings(workers=1)
        report = deliver_due(engine, webhooks.sender, settings)
        assert len(healthy.accepted()) == 5
    assert (report.delivered, report.retrying, report.deferred) == (5, 1, 4)
    with engine.connect() as conn:
        stuck_deliveries = [d for d in store.list_deliveries(conn) if d["url"] == stuck.url]
    assert sorted(d["attempts"] for d in stuck_deliveries) == [0, 0, 0, 0, 1]
    assert {d["status"] for d in stuck_deliveries} == {"pending"}
    assert [d["last_error"] for d in stuck_deliveries if d["attempts"]] == ["ReadTimeout"]


def test_the_guard_is_asked_again_at_delivery_time(pg_url):
    engine = engine_for(pg_url)
    with webhook_receiver() as receiver:
        allowed = OutboundWebhooksResource(allowed_origins=receiver.url)
        subscribe(engine, allowed.guard, receiver.url, ["search.completed"])
        store.emit_events(engine, [event(1)])
        # The allow list no longer names the receiver: loopback is refused before any
        # connection is made.
        report = deliver_due(engine, OutboundWebhooksResource().sender, FAST)
    assert report.retrying == 1 and receiver.received == []
    with engine.connect() as conn:
        [delivery] = store.list_deliveries(conn)
    assert delivery["last_error"].startswith("blocked: ")


def test_events_are_stored_once_and_go_only_to_subscriptions_in_force_that_asked(pg_url):
    engine = engine_for(pg_url)
    guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
    wanted, _ = subscribe(engine, guard, "http://127.0.0.1:9/a", ["search.completed"])
    subscribe(engine, guard, "http://127.0.0.1:9/b", ["lead.created"])
    removed, _ = subscribe(engine, guard, "http://127.0.0.1:9/c", ["search.completed"])
    assert store.remove_subscription(engine, removed["id"])
    assert not store.remove_subscription(engine, removed["id"])
    assert store.emit_events(engine, [event(1), event(1)]) == [event(1).event_id]
    assert store.emit_events(engine, [event(1)]) == []
    with engine.connect() as conn:
        deliveries = store.list_deliveries(conn)
        listed = store.list_subscriptions(conn)
    assert [d["subscription_id"] for d in deliveries] == [wanted["id"]]
    assert len(listed) == 2 and all("secret" not in s for s in listed)


def test_removing_a_subscription_cancels_what_it_was_still_owed(pg_url):
    engine = engine_for(pg_url)
    guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
    subscription, _ = subscribe(engine, guard, "http://127.0.0.1:9/", ["search.completed"])
    store.emit_events(engine, [event(1)])
    store.remove_subscription(engine, subscription["id"])
    with engine.connect() as conn:
        [delivery] = store.list_deliveries(conn)
    assert delivery["status"] == "cancelled"
    assert deliver_due(engine, OutboundWebhooksResource().sender, FAST).delivered == 0
    assert store.replay_delivery(engine, delivery["id"]) == "subscription_removed"


def test_budget_reached_is_told_once_per_budget_and_period(pg_url):
    engine = engine_for(pg_url)
    guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
    subscribe(engine, guard, "http://127.0.0.1:9/", ["budget.reached"])
    assert store.emit_budget_reached(engine, "monthly", "2026-12", 50.0, 50.4)
    assert not store.emit_budget_reached(engine, "monthly", "2026-12", 50.0, 51.0)
    assert store.emit_budget_reached(engine, "monthly", "2027-01", 50.0, 50.1)
    with engine.connect() as conn:
        payloads = conn.execute(sa.select(t.outbound_events.c.payload)).scalars().all()
    assert sorted(p["data"]["period"] for p in payloads) == ["2026-12", "2027-01"]
    assert all(p["type"] == "budget.reached" for p in payloads)


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1:9/", "http://user:pw@127.0.0.1:9/", "http://127.0.0.1:9/a b", "http:///x"],
)
def test_a_subscription_with_a_bad_url_is_refused_and_nothing_is_stored(pg_url, url):
    engine = engine_for(pg_url)
    guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
    with pytest.raises(InvalidSubscription):
        subscribe(engine, guard, url, ["lead.created"])
    with engine.connect() as conn:
        assert store.list_subscriptions(conn, include_removed=True) == []


def test_a_large_batch_is_stored_and_fanned_out_once(pg_url):
    # Past base.upsert's COPY threshold, with a repeat inside the batch and a re-run.
    engine = engine_for(pg_url)
    guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
    subscribe(engine, guard, "http://127.0.0.1:9/a", ["search.completed"])
    subscribe(engine, guard, "http://127.0.0.1:9/b", ["search.completed", "lead.created"])
    batch = [event(n) for n in range(120)] + [event(7)]
    assert len(store.emit_events(engine, batch)) == 120
    assert store.emit_events(engine, batch) == []
    with engine.connect() as conn:
        deliveries = store.list_deliveries(conn, limit=1000)
    assert len(deliveries) == 240
    assert len({(d["event_id"], d["subscription_id"]) for d in deliveries}) == 240


def test_two_delivery_steps_at_once_never_claim_the_same_delivery(pg_url):
    engine = engine_for(pg_url)
    guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
    subscribe(engine, guard, "http://127.0.0.1:9/a", ["search.completed"])
    subscribe(engine, guard, "http://127.0.0.1:9/b", ["search.completed"])
    store.emit_events(engine, [event(n) for n in range(60)])
    start = threading.Barrier(4)

    def claim(_: int) -> set[str]:
        start.wait()
        claimed = store.claim_due_deliveries(engine, utcnow(), 100, 100, timedelta(minutes=1))
        return {d.id for d in claimed}

    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(claim, range(4)))
    # Each claimed by one step alone (those a step saw taken are left to the next round).
    taken = set().union(*claims)
    assert sum(len(c) for c in claims) == len(taken) >= 100
