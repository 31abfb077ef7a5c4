"""The Places client against a loopback server speaking Google's documented v1 format.

The sandbox plays a well-behaved Places; these answers are the documented cases it
does not (yet) play: an empty answer `{}`, page tokens refused half way, google.rpc
errors with RetryInfo, 403 SERVICE_DISABLED, places with fields left out.
"""

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.resilience import ProviderError, RetrySettings
from leadgen_pipeline.domain.places import (
    DETAILS_FIELD_MASK,
    SEARCH_FIELD_MASK,
    prospect_from_place,
    ranked_prospects,
)
from leadgen_pipeline.domain.tiling import found_places
from leadgen_pipeline_tests.support.loopback import answer, loopback_server

FAST = RetrySettings(max_attempts=4, base_delay_s=0.01, max_delay_s=0.05)
KEY = "AIzaSy-test-key-0123456789"
SEARCH = "/v1/places:searchText"


def rpc_error(code: int, status: str, message: str, *details: dict) -> bytes:
    return json.dumps(
        {"error": {"code": code, "message": message, "status": status, "details": list(details)}}
    ).encode()


def error_info(reason: str) -> dict:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "places.googleapis.com"},
    }


def place(n: int) -> dict:
    return {"id": f"ChIJplace{n:04d}", "displayName": {"text": f"Place {n}"}}


def client_for(server, **kwargs) -> PlacesClient:
    return PlacesClient(api_key=KEY, base_url=server.url, timeout_s=2.0, retry=FAST, **kwargs)


def test_an_empty_answer_is_an_empty_object():
    with loopback_server() as server:
        server.routes[SEARCH] = lambda h: answer(h, 200, b"{}")
        pages = list(
            client_for(server).search_text_pages("yurt maker in Nome, AK", SEARCH_FIELD_MASK)
        )
    assert [page.places for page in pages] == [[]]
    assert ranked_prospects(page.response for page in pages) == []


def test_every_page_resends_the_first_request_and_its_mask():
    bodies, masks = [], []

    def search(handler):
        body = json.loads(handler.body)
        bodies.append(body)
        masks.append(handler.headers["X-Goog-FieldMask"])
        number = 1 if "pageToken" not in body else int(body["pageToken"][1:])
        payload = {"places": [place(number * 100 + i) for i in range(20)]}
        if number < 3:
            payload["nextPageToken"] = f"p{number + 1}"
        answer(handler, 200, json.dumps(payload).encode())

    with loopback_server() as server:
        server.routes[SEARCH] = search
        pages = list(
            client_for(server).search_text_pages(
                "plumber", SEARCH_FIELD_MASK, language_code="de", region_code="DE"
            )
        )
    assert len(pages) == 3 and len(set(masks)) == 1 and "nextPageToken" in masks[0].split(",")
    first = bodies[0]
    for later in bodies[1:]:
        assert {k: v for k, v in later.items() if k != "pageToken"} == first
    assert [b.get("pageToken") for b in bodies] == [None, "p2", "p3"]


def test_a_refused_page_token_restarts_the_query_once_without_repeating_pages():
    calls = []

    def search(handler):
        body = json.loads(handler.body)
        token = body.get("pageToken")
        calls.append(token)
        if token == "stale-2":
            answer(handler, 400, rpc_error(400, "INVALID_ARGUMENT", "Invalid page token."))
            return
        # The first answer's token is stale; the restarted query's are good.
        number = 1 if token is None else int(token[-1])
        payload = {"places": [place(number * 100 + i) for i in range(20)]}
        if number < 3:
            prefix = "stale-" if calls.count(None) == 1 else "good-"
            payload["nextPageToken"] = f"{prefix}{number + 1}"
        answer(handler, 200, json.dumps(payload).encode())

    with loopback_server() as server:
        server.routes[SEARCH] = search
        client = client_for(server)
        pages = list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert calls == [None, "stale-2", None, "good-2", "good-3"]
    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[1].request["body"]["pageToken"] == "good-2"
    assert len(ranked_prospects(page.response for page in pages)) == 60
    assert client.usage.snapshot()["statuses"] == {"200": 4, "400": 1}


def test_a_page_token_refused_twice_surfaces_as_a_non_retryable_error():
    def search(handler):
        body = json.loads(handler.body)
        if "pageToken" in body:
            answer(handler, 400, rpc_error(400, "INVALID_ARGUMENT", "Invalid page token."))
            return
        payload = {"places": [place(i) for i in range(20)], "nextPageToken": "t"}
        answer(handler, 200, json.dumps(payload).encode())

    with loopback_server() as server:
        server.routes[SEARCH] = search
        client = client_for(server)
        with pytest.raises(ProviderError, match="Invalid page token") as raised:
            list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert (raised.value.status, raised.value.retryable) == (400, False)
    assert server.hits[SEARCH] == 4  # page 1, refused, page 1 again, refused: no retries


def test_a_revoked_key_on_a_later_page_does_not_restart():
    def search(handler):
        if "pageToken" in json.loads(handler.body):
            body = rpc_error(
                400, "INVALID_ARGUMENT", "API key expired.", error_info("API_KEY_EXPIRED")
            )
            answer(handler, 400, body)
            return
        payload = {"places": [place(i) for i in range(20)], "nextPageToken": "t"}
        answer(handler, 200, json.dumps(payload).encode())

    with loopback_server() as server:
        server.routes[SEARCH] = search
        with pytest.raises(ProviderError) as raised:
            list(client_for(server).search_text_pages("plumber", SEARCH_FIELD_MASK))
    assert raised.value.reason == "API_KEY_EXPIRED" and server.hits[SEARCH] == 2


def test_permission_denied_fails_at_once_with_google_message_and_no_key():
    message = (
        "Places API (New) has not been used in project 123 before or it is disabled. "
        f"Enable it by visiting https://console.developers.google.com/ then retry. key={KEY}"
    )
    with loopback_server() as server:
        server.routes[SEARCH] = lambda h: answer(
            h, 403, rpc_error(403, "PERMISSION_DENIED", message, error_info("SERVICE_DISABLED"))
        )
        client = client_for(server)
        with pytest.raises(ProviderError) as raised:
            list(client.search_text_pages("plumber", SEARCH_FIELD_MASK))
    error = raised.value
    assert (error.status, error.reason, error.retryable) == (403, "SERVICE_DISABLED", False)
    assert "PERMISSION_DENIED" in str(error) and "has not been used in project" in str(error)
    assert KEY not in str(error)
    assert server.hits[SEARCH] == 1
    assert server.request_headers[SEARCH]["X-Goog-Api-Key"] == KEY  # sent as a header only


def test_resource_exhausted_is_retried_after_google_retry_info():
    state = {"n": 0}

    def search(handler):
        state["n"] += 1
        if state["n"] == 1:
            retry_info = {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": "0.3s",
            }
            body = rpc_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded",
                error_info("RATE_LIMIT_EXCEEDED"),
                retry_info,
            )
            answer(handler, 429, body)
            return
        answer(handler, 200, json.dumps({"places": [place(1)]}).encode())

    with loopback_server() as server:
        server.routes[SEARCH] = search
        client = client_for(server)
        started = time.monotonic()
        pages = list(client.search_text_pages("plumber", SEARCH_FIELD_MASK))
        waited = time.monotonic() - started
    assert len(pages[0].places) == 1
    assert waited >= 0.3  # the 0.3 s Google asked for, though the backoff alone is <= 0.01 s
    assert client.usage.snapshot()["statuses"] == {"200": 1, "429": 1}


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_honour_an_http_date_retry_after(status):
    def search(handler):
        if server.hits[SEARCH] == 1:
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=400), usegmt=True)
            body = rpc_error(status, "UNAVAILABLE", "The service is currently unavailable.")
            answer(handler, status, body, headers={"Retry-After": when})
            return
        answer(handler, 200, b"{}")

    with loopback_server() as server:
        server.routes[SEARCH] = search
        with pytest.raises(ProviderError) as raised:
            # 400 s is past max_retry_after_s: a hard failure, not a sleep.
            list(client_for(server).search_text_pages("plumber", SEARCH_FIELD_MASK))
    assert raised.value.retryable and raised.value.retry_after_s > 300
    assert server.hits[SEARCH] == 1


def test_null_places_and_extra_response_fields_are_accepted():
    payload = {
        "places": None,
        "contextualContents": [],
        "routingSummaries": [],
        "searchUri": "https://maps.google.com/?q=x",
    }
    with loopback_server() as server:
        server.routes[SEARCH] = lambda h: answer(h, 200, json.dumps(payload).encode())
        page = client_for(server).search_text_page("Nowhere", "places.id")
    assert page.places == []


def test_place_details_takes_a_resource_name_and_refuses_a_search_mask():
    details = {"name": "places/ChIJabc", "id": "ChIJabc", "displayName": {"text": "A"}}
    with loopback_server() as server:
        server.routes["/v1/places/*"] = lambda h: answer(h, 200, json.dumps(details).encode())
        client = client_for(server)
        assert client.place_details("places/ChIJabc", DETAILS_FIELD_MASK)["id"] == "ChIJabc"
        assert server.hits["/v1/places/ChIJabc"] == 1
        assert server.request_headers["/v1/places/ChIJabc"]["X-Goog-FieldMask"] == (
            DETAILS_FIELD_MASK
        )
        with pytest.raises(ValueError, match=r"without 'places\.'"):
            client.place_details("ChIJabc", "places.id,places.displayName")
    assert client.usage.snapshot()["calls"] == 1


def test_places_with_only_what_google_guarantees_parse():
    places = [
        # displayName without languageCode; no location (a service-area business).
        {"id": "ChIJa", "displayName": {"text": "A"}},
        # The resource name alone; an unknown status; unknown extra fields.
        {
            "name": "places/ChIJb",
            "displayName": {"text": "B", "languageCode": "de"},
            "businessStatus": "FUTURE_OPENING",
            "someNewField": {"x": 1},
        },
        # Proto3 JSON leaves out a zero: this one is on the prime meridian.
        {"id": "ChIJc", "displayName": {"text": "C"}, "location": {"latitude": 51.48}},
        {
            "id": "ChIJd",
            "displayName": {"text": "D"},
            "businessStatus": "BUSINESS_STATUS_UNSPECIFIED",
        },
    ]
    a, b, c, d = ranked_prospects([{"places": places}])
    assert (a.latitude, a.longitude, a.business_status) == (None, None, None)
    assert (b.place_id, b.business_status) == ("ChIJb", "FUTURE_OPENING")
    assert (c.latitude, c.longitude) == (51.48, 0.0)
    assert d.business_status is None
    found = found_places(places)
    assert [(f.place_id, f.located) for f in found] == [
        ("ChIJa", False),
        ("ChIJb", False),
        ("ChIJc", True),
        ("ChIJd", False),
    ]
    assert (
        prospect_from_place({"id": "x", "displayName": {"text": "x"}, "location": {}}).latitude
        is None
    )
