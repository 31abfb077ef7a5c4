"""The outbound webhook endpoints: subscriptions (secret shown once), dead letters, replays."""

import dataclasses
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.domain.outbound_webhooks import OutboundEventType, build_event
from leadgen_pipeline.storage import outbound_webhook_store as store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.api import AUTH, api_settings

RECEIVER = "http://127.0.0.1:9"  # allowed below; nothing is sent in these tests
SUBSCRIPTIONS = "/api/webhook-subscriptions"


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    settings = dataclasses.replace(api_settings(database_url), webhook_allowed_hosts=RECEIVER)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def subscribe(api: TestClient, **body) -> dict:
    response = api.post(
        SUBSCRIPTIONS,
        json={"url": f"{RECEIVER}/in", "events": ["lead.created"]} | body,
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_subscription_shows_its_secret_once_and_never_again(api, caplog):
    caplog.set_level(logging.DEBUG)
    created = subscribe(api, events=["lead.created", "search.failed"], description="CRM")
    assert created["secret"].startswith("whsec_")
    assert created["id"].startswith("whs_")
    listed = api.get(SUBSCRIPTIONS, headers=AUTH)
    assert listed.status_code == 200
    [subscription] = listed.json()["subscriptions"]
    assert subscription == {k: v for k, v in created.items() if k != "secret"}
    assert created["secret"] not in listed.text
    assert created["secret"] not in caplog.text


def test_a_given_secret_is_kept_and_a_bad_one_refused(api):
    secret = "whsec_" + "A" * 32  # 24 bytes of zeros, in base64
    assert subscribe(api, secret=secret)["secret"] == secret
    refused = api.post(
        SUBSCRIPTIONS,
        json={"url": f"{RECEIVER}/in", "events": ["lead.created"], "secret": "hunter2"},
        headers=AUTH,
    )
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_subscription"
    assert "hunter2" not in refused.text


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"url": "http://127.0.0.1:8080/in", "events": ["lead.created"]}, "invalid_subscription"),
        ({"url": "http://10.0.0.1/in", "events": ["lead.created"]}, "invalid_subscription"),
        ({"url": f"{RECEIVER}/in", "events": ["lead.deleted"]}, "invalid_subscription"),
        ({"url": f"{RECEIVER}/in", "events": []}, "invalid_request"),
        ({"url": f"{RECEIVER}/in", "events": "lead.created"}, "invalid_request"),
        ({"url": f"{RECEIVER}/in", "events": ["lead.created"], "extra": 1}, "invalid_request"),
    ],
)
def test_a_bad_subscription_is_refused_and_nothing_is_stored(api, body, error):
    response = api.post(SUBSCRIPTIONS, json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"] == error
    assert api.get(SUBSCRIPTIONS, headers=AUTH).json() == {"subscriptions": []}


def test_every_endpoint_needs_the_token(api):
    assert api.get(SUBSCRIPTIONS).status_code == 401
    assert api.get("/api/webhook-deliveries").status_code == 401
    assert api.post(SUBSCRIPTIONS, json={}).status_code == 401
    assert api.delete(f"{SUBSCRIPTIONS}/whs_{'0' * 24}").status_code == 401


def test_the_same_idempotency_key_subscribes_once_and_answers_the_same(api):
    body = {"url": f"{RECEIVER}/in", "events": ["lead.created"]}
    headers = AUTH | {"Idempotency-Key": "sub-1"}
    first = api.post(SUBSCRIPTIONS, json=body, headers=headers)
    again = api.post(SUBSCRIPTIONS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get(SUBSCRIPTIONS, headers=AUTH).json()["subscriptions"]) == 1


def test_a_removed_subscription_is_gone_from_the_list(api):
    created = subscribe(api)
    assert api.delete(f"{SUBSCRIPTIONS}/{created['id']}", headers=AUTH).status_code == 204
    assert api.delete(f"{SUBSCRIPTIONS}/{created['id']}", headers=AUTH).status_code == 404
    assert api.get(SUBSCRIPTIONS, headers=AUTH).json() == {"subscriptions": []}


def test_dead_deliveries_are_listed_and_replayed_once(api, database_url):
    engine = engine_for(database_url)
    created = subscribe(api)
    event = build_event(
        OutboundEventType.LEAD_CREATED, ("ChIJa", "1"), {"placeId": "ChIJa"}, utcnow()
    )
    store.emit_events(engine, [event])
    [due] = store.claim_due_deliveries(engine, utcnow(), 10, 10, timedelta(minutes=1))
    store.record_attempt(engine, due, utcnow(), 500, "HTTP 500", 3, "dead", None)

    dead = api.get("/api/webhook-deliveries", params={"status": "dead"}, headers=AUTH)
    assert dead.status_code == 200
    [delivery] = dead.json()["deliveries"]
    assert delivery["eventId"] == event.event_id and delivery["eventType"] == "lead.created"
    assert (delivery["subscriptionId"], delivery["status"], delivery["attempts"]) == (
        created["id"],
        "dead",
        1,
    )
    assert delivery["lastStatusCode"] == 500 and delivery["url"] == f"{RECEIVER}/in"
    assert "secret" not in dead.text

    replay = f"/api/webhook-deliveries/{delivery['id']}/replay"
    replayed = api.post(replay, headers=AUTH)
    assert replayed.status_code == 202
    assert replayed.json() == {"id": delivery["id"], "status": "pending"}
    assert api.post(replay, headers=AUTH).status_code == 409
    pending = api.get("/api/webhook-deliveries", params={"status": "pending"}, headers=AUTH)
    assert [d["id"] for d in pending.json()["deliveries"]] == [delivery["id"]]
    assert api.get("/api/webhook-deliveries", params={"status": "dead"}, headers=AUTH).json() == {
        "deliveries": []
    }
    missing = api.post(f"/api/webhook-deliveries/dlv_{'0' * 32}/replay", headers=AUTH)
    assert missing.status_code == 404
    assert api.post("/api/webhook-deliveries/nonsense/replay", headers=AUTH).status_code == 422
    assert (
        api.get("/api/webhook-deliveries", params={"status": "lost"}, headers=AUTH).status_code
        == 422
    )
