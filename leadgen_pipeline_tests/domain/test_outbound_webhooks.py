"""Outbound webhook rules: event ids, lead versions, Standard Webhooks signatures, retries."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from leadgen_pipeline.domain.outbound_webhooks import (
    InvalidSubscription,
    OutboundEventType,
    RetryPolicy,
    body_bytes,
    budget_reached_event,
    delivery_id,
    event_id,
    lead_changes,
    new_secret,
    search_failed_event,
    secret_key,
    sign,
    signed_headers,
    validate_events,
    validate_url_shape,
    verify,
)

MOMENT = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
SECRET = new_secret(bytes(range(32)))
LEAD = {
    "place_id": "ChIJa",
    "origin_search_id": "plumber@austin-tx",
    "name": "Acme Plumbing",
    "phone_e164": "+15125550100",
    "email": "info@acme.example",
    "email_deliverable": "mx",
    "website": "https://acme.example/",
    "owner_name": None,
    "owner_title": None,
    "socials": {},
    "quality_score": 70,
    "country_code": "US",
    "is_target": False,
}


def stored(row, version=1):
    return {**row, "version": version}


def test_a_new_lead_is_version_one_and_one_lead_created():
    changes = lead_changes("plumber@austin-tx", {}, [LEAD], MOMENT)
    assert changes.versions == {"ChIJa": 1}
    [event] = changes.events
    assert event.event_type == OutboundEventType.LEAD_CREATED
    assert event.event_id == event_id(OutboundEventType.LEAD_CREATED, "ChIJa", "1")
    assert event.payload["type"] == "lead.created"
    assert event.payload["timestamp"] == "2026-12-02T18:00:00Z"
    data = event.payload["data"]
    assert (data["placeId"], data["version"], data["phone"], data["qualityScore"]) == (
        "ChIJa",
        1,
        "+15125550100",
        70,
    )


def test_an_unchanged_lead_keeps_its_version_and_tells_nothing():
    changes = lead_changes("other@x", {"ChIJa": stored(LEAD, 3)}, [LEAD], MOMENT)
    assert changes.versions == {"ChIJa": 3} and changes.events == []


def test_a_changed_lead_is_the_next_version_naming_what_changed():
    after = LEAD | {"email": "owner@acme.example", "quality_score": 80}
    changes = lead_changes("other@x", {"ChIJa": stored(LEAD, 2)}, [after], MOMENT)
    [event] = changes.events
    assert changes.versions == {"ChIJa": 3}
    assert event.event_type == OutboundEventType.LEAD_UPDATED
    assert event.event_id == event_id(OutboundEventType.LEAD_UPDATED, "ChIJa", "3")
    data = event.payload["data"]
    assert data["changed"] == ["email", "qualityScore"]
    assert (data["searchId"], data["originSearchId"]) == ("other@x", "plumber@austin-tx")


def test_a_target_flag_the_upsert_keeps_is_not_a_change():
    changes = lead_changes("x", {"ChIJa": stored(LEAD | {"is_target": True})}, [LEAD], MOMENT)
    assert changes.events == []


def test_event_ids_are_derived_from_what_happened():
    assert event_id(OutboundEventType.LEAD_CREATED, "a", "1") == event_id(
        OutboundEventType.LEAD_CREATED, "a", "1"
    )
    assert event_id(OutboundEventType.LEAD_CREATED, "a", "1") != event_id(
        OutboundEventType.LEAD_UPDATED, "a", "1"
    )
    assert event_id(OutboundEventType.LEAD_CREATED, "ab", "c") != event_id(
        OutboundEventType.LEAD_CREATED, "a", "bc"
    )
    assert delivery_id("evt_1", "whs_1") != delivery_id("evt_1", "whs_2")
    one = search_failed_event("s", "run-1", "search", "boom", [], MOMENT)
    again = search_failed_event("s", "run-1", "search", "boom", [], MOMENT.replace(hour=19))
    assert one.event_id == again.event_id
    budget = budget_reached_event("monthly", "2026-12", 50.0, 50.2, MOMENT)
    assert budget.event_id != budget_reached_event("monthly", "2027-01", 50, 50, MOMENT).event_id
    assert budget.payload["data"] == {
        "budgetId": "monthly",
        "period": "2026-12",
        "limitUsd": 50.0,
        "spentUsd": 50.2,
        "searchId": None,
    }


def test_the_signature_is_hmac_sha256_of_id_timestamp_body_keyed_by_the_decoded_secret():
    body = body_bytes({"b": 1, "a": "ü"})
    assert body == '{"a":"ü","b":1}'.encode()
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = hmac.new(key, b"evt_1.1764698400." + body, hashlib.sha256).digest()
    assert sign(SECRET, "evt_1", 1764698400, body) == "v1," + base64.b64encode(expected).decode()


def test_a_receiver_accepts_a_fresh_signed_body_and_nothing_else():
    body = body_bytes({"type": "lead.created"})
    headers = signed_headers(SECRET, "evt_1", 1000, body)
    assert verify(SECRET, headers, body, now=1000)
    assert verify(SECRET, headers, body, now=1299)
    assert not verify(SECRET, headers, body, now=1301)  # too old: a replay
    assert not verify(SECRET, headers, body + b" ", now=1000)
    assert not verify(new_secret(bytes(32)), headers, body, now=1000)
    assert not verify(SECRET, headers | {"webhook-id": "evt_2"}, body, now=1000)
    rotated = headers | {"webhook-signature": f"v1,AAAA {headers['webhook-signature']}"}
    assert verify(SECRET, rotated, body, now=1000)


@pytest.mark.parametrize(
    "secret",
    ["abc", "whsec_not base64!", "whsec_" + base64.b64encode(bytes(8)).decode(), "whsec_"],
)
def test_a_secret_must_be_whsec_and_24_to_64_bytes_of_base64(secret):
    with pytest.raises(InvalidSubscription):
        secret_key(secret)


def test_a_generated_secret_is_a_valid_one():
    assert secret_key(new_secret(bytes(range(32)))) == bytes(range(32))


def test_backoff_doubles_with_jitter_up_to_its_cap_and_the_last_try_is_known():
    policy = RetryPolicy(max_attempts=4, base_s=60, max_s=150)
    assert [policy.delay_after(n, 0.999999) for n in (1, 2, 3)] == pytest.approx([60, 120, 150])
    assert [policy.delay_after(n, 0.0) for n in (1, 2, 3)] == [30, 60, 75]
    assert [policy.is_last(n) for n in (1, 3, 4, 5)] == [False, False, True, True]
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_events_must_be_known_and_at_least_one():
    assert validate_events(["lead.created", "lead.created", "budget.reached"]) == [
        "lead.created",
        "budget.reached",
    ]
    for events in ([], ["lead.deleted"]):
        with pytest.raises(InvalidSubscription):
            validate_events(events)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example/",
        "https://user:pw@crm.example/",
        "https:///path",
        "https://crm.example:0/",
        "https://crm.example:99999/",
        "https://crm.example/a b",
        "https://crm.example/" + "a" * 2048,
    ],
)
def test_a_subscriber_url_must_be_plain_http_or_https(url):
    with pytest.raises(InvalidSubscription):
        validate_url_shape(url)


def test_a_plain_https_url_passes():
    assert validate_url_shape("https://crm.example/hooks?k=1") == "https://crm.example/hooks?k=1"
