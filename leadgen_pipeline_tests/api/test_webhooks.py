"""Webhooks: verified, stored once, and acted on once by webhook_events_sensor."""

import json
import time

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import prospect_store, queue_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.schema import webhook_events
from leadgen_pipeline.webhooks.sensors import webhook_events_sensor
from leadgen_pipeline_tests.support.api import WEBHOOK_SECRET, signed
from leadgen_pipeline_tests.support.searches import ROOFERS_PORTLAND, run_searches

SEARCH_EVENT = {
    "id": "evt_001",
    "type": "search.requested",
    "data": {"keyword": "Electrician", "location": "Austin, TX", "targetBusiness": "Volt Bros"},
}


def post_event(client, event: dict, source: str = "crm", headers: dict | None = None):
    body = json.dumps(event).encode()
    return client.post(
        f"/api/webhooks/{source}",
        content=body,
        headers=headers if headers else signed(body, source),
    )


def stored_events(database_url: str) -> list:
    with engine_for(database_url).connect() as conn:
        return list(conn.execute(sa.select(webhook_events)))


def tick(database_url: str) -> dg.SkipReason:
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=database_url)}
        )
        return webhook_events_sensor(context)


def test_a_bad_or_missing_signature_is_401_and_stores_nothing(client, database_url):
    body = json.dumps(SEARCH_EVENT).encode()
    forged = {"X-Leadgen-Signature": "sha256=" + "0" * 64}
    other_secret = {"X-Leadgen-Signature": signed(body)["X-Leadgen-Signature"].replace("a", "b", 1)}
    for headers in ({}, forged, other_secret, {"X-Leadgen-Signature": "garbage"}):
        response = client.post("/api/webhooks/crm", content=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"] == "invalid_signature"
    # A valid signature of a different body does not carry over.
    tampered = client.post(
        "/api/webhooks/crm", content=body.replace(b"Austin", b"Boston"), headers=signed(body)
    )
    assert tampered.status_code == 401
    assert stored_events(database_url) == []


def test_a_replayed_event_is_stored_once(client, database_url, capsys):
    first = post_event(client, SEARCH_EVENT)
    again = post_event(client, SEARCH_EVENT)
    assert (first.status_code, first.json()) == (202, {"eventId": "evt_001", "duplicate": False})
    assert (again.status_code, again.json()) == (200, {"eventId": "evt_001", "duplicate": True})
    [event] = stored_events(database_url)
    assert (event.source, event.event_id, event.event_type) == (
        "crm",
        "evt_001",
        SEARCH_EVENT["type"],
    )
    assert event.payload["data"]["keyword"] == "Electrician"
    assert event.claimed_at is None
    # The same event sent (and signed) for another source is the same event.
    across = post_event(client, SEARCH_EVENT, source="forms")
    assert (across.status_code, across.json()["duplicate"]) == (200, True)
    assert len(stored_events(database_url)) == 1
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    received = [line for line in logged if line.get("event") == "WEBHOOK_RECEIVED"]
    assert [line["duplicate"] for line in received] == [False, True, True]
    assert WEBHOOK_SECRET not in json.dumps(logged)


def test_the_sensor_acts_on_a_search_request_once(client, database_url):
    post_event(client, SEARCH_EVENT)
    post_event(client, SEARCH_EVENT)

    first = tick(database_url)
    assert "crm/evt_001: search_requested:electrician@austin-tx" in first.skip_message
    engine = engine_for(database_url)
    with engine.connect() as conn:
        search = search_store.get_search(conn, "electrician@austin-tx")
    assert search.requested_by == "webhook:crm"
    assert search.status == "requested"  # the search_requests sensor launches it
    assert search.target_business == "Volt Bros"

    second = tick(database_url)
    assert second.skip_message == "no new webhook events"
    with engine.connect() as conn:
        assert (
            search_store.get_search(conn, "electrician@austin-tx").requested_at
            == search.requested_at
        )
    [event] = stored_events(database_url)
    assert event.outcome == "search_requested:electrician@austin-tx"
    assert event.processed_at is not None and event.error is None


def test_a_reenrich_request_queues_the_known_prospects_at_its_priority(
    client, database_url, sandbox, tmp_path
):
    [search_id] = run_searches(database_url, sandbox, tmp_path, [ROOFERS_PORTLAND])
    engine = engine_for(database_url)
    with engine.connect() as conn:
        place_ids = [p.place_id for p in prospect_store.ranked_search_prospects(conn, search_id)][
            :3
        ]
    event = {
        "id": "evt_reenrich",
        "type": "prospect.reenrich_requested",
        "data": {"placeIds": [*place_ids, "ChIJnot-a-prospect"], "priority": "high"},
    }
    assert post_event(client, event, source="hubspot").status_code == 202
    tick(database_url)
    with engine.connect() as conn:
        queued = conn.execute(
            sa.select(t.enrichment_queue.c.place_id, t.enrichment_queue.c.priority)
        ).all()
    assert sorted(queued) == sorted(
        (place_id, queue_store.PRIORITIES["high"]) for place_id in place_ids
    )
    [stored] = stored_events(database_url)
    assert stored.outcome == "enrichment_queued:3"
    assert stored.error == "1 of 4 place ids are not known prospects"


def test_an_invalid_event_is_422_and_stores_nothing(client, database_url):
    invalid = [
        {"id": "e1", "type": "prospect.deleted", "data": {}},
        {"id": "e2", "type": "search.requested", "data": {"keyword": "plumber"}},
        {"id": "e3", "type": "search.requested", "data": {"keyword": "a|b", "location": "x"}},
        {"id": "e4", "type": "prospect.reenrich_requested", "data": {"placeIds": []}},
        {"id": "", "type": "search.requested", "data": {}},
        ["not", "an", "object"],
    ]
    for event in invalid:
        response = post_event(client, event)
        assert response.status_code == 422, event
    not_json = b"{nope"
    assert (
        client.post("/api/webhooks/crm", content=not_json, headers=signed(not_json)).status_code
        == 422
    )
    assert stored_events(database_url) == []


def test_a_bad_source_and_an_oversized_body_are_refused(client, database_url):
    assert post_event(client, SEARCH_EVENT, source="Bad Source!").status_code == 422
    huge = json.dumps({**SEARCH_EVENT, "data": {"pad": "x" * 70_000}}).encode()
    response = client.post("/api/webhooks/crm", content=huge, headers=signed(huge))
    assert response.status_code == 413
    assert stored_events(database_url) == []


def test_an_event_signed_for_one_source_is_refused_on_another(client, database_url):
    body = json.dumps(SEARCH_EVENT).encode()
    for_crm = signed(body, "crm")
    assert client.post("/api/webhooks/crm", content=body, headers=for_crm).status_code == 202
    replayed = client.post("/api/webhooks/forms", content=body, headers=for_crm)
    assert replayed.status_code == 401
    assert replayed.json()["error"] == "invalid_signature"
    assert [e.source for e in stored_events(database_url)] == ["crm"]


def test_a_timestamp_outside_the_window_or_missing_is_refused(client, database_url):
    body = json.dumps(SEARCH_EVENT).encode()
    now = time.time()
    # 305 s: past the 300 s window by more than the time the request takes to arrive
    # (the header carries whole seconds).
    for sent_at in (now - 305, now + 305, now - 86_400, 0):
        response = client.post(
            "/api/webhooks/crm", content=body, headers=signed(body, "crm", sent_at)
        )
        assert response.status_code == 401, sent_at
        assert response.json()["error"] == "stale_timestamp"
    headers = signed(body, "crm")
    for timestamp in (None, "", "abc", "1.5e9", "-1", "+1700000000", " 1700000000x"):
        bad = (
            {**headers, "X-Leadgen-Timestamp": timestamp}
            if timestamp is not None
            else {"X-Leadgen-Signature": headers["X-Leadgen-Signature"]}
        )
        response = client.post("/api/webhooks/crm", content=body, headers=bad)
        assert response.status_code == 401, timestamp
    # A timestamp changed after signing breaks the signature.
    moved = {**headers, "X-Leadgen-Timestamp": str(int(headers["X-Leadgen-Timestamp"]) - 1)}
    assert client.post("/api/webhooks/crm", content=body, headers=moved).status_code == 401
    # Within the window, either way, is fine.
    assert (
        client.post("/api/webhooks/crm", content=body, headers=signed(body, "crm", now - 250))
    ).status_code == 202
    assert len(stored_events(database_url)) == 1


def test_an_event_replayed_to_every_source_is_acted_on_once(client, database_url):
    body = json.dumps(SEARCH_EVENT).encode()
    answers = [
        client.post(f"/api/webhooks/{source}", content=body, headers=signed(body, source))
        for source in ("crm", "forms", "hubspot", "crm")
    ]
    assert [a.status_code for a in answers] == [202, 200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True, True]
    tick(database_url)
    [event] = stored_events(database_url)
    assert event.source == "crm" and event.outcome.startswith("search_requested")


def test_webhook_events_are_strict(client, database_url):
    for event in (
        {**SEARCH_EVENT, "extra": 1},
        {**SEARCH_EVENT, "data": {**SEARCH_EVENT["data"], "force": True}},
        {"id": 5, "type": "search.requested", "data": SEARCH_EVENT["data"]},
        {
            "id": "e9",
            "type": "prospect.reenrich_requested",
            "data": {"placeIds": ["a"], "priority": 0},
        },
    ):
        assert post_event(client, event).status_code == 422, event
    assert stored_events(database_url) == []
