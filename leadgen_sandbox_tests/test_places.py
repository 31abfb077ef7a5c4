"""The Places v1 server, called with requests as the real client would."""

from typing import Any

import pytest
import requests

from leadgen_sandbox import Sandbox
from leadgen_sandbox_tests.support import (
    KEY,
    PLUMBERS_AUSTIN,
    assert_google_error,
    details,
    search,
)


def test_field_mask_is_required(sandbox: Sandbox, http: requests.Session) -> None:
    response = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN}, mask=None)
    error = assert_google_error(response, 400, "INVALID_ARGUMENT")
    assert "FieldMask" in error["message"]


def test_mask_may_come_from_the_fields_query_parameter(
    sandbox: Sandbox, http: requests.Session
) -> None:
    response = http.post(
        f"{sandbox.places_url}/v1/places:searchText",
        params={"fields": "places.id", "key": "test-key"},
        json={"textQuery": PLUMBERS_AUSTIN},
    )
    assert response.status_code == 200
    assert all(set(place) == {"id"} for place in response.json()["places"])


def test_only_masked_fields_are_returned(sandbox: Sandbox, http: requests.Session) -> None:
    response = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN}, "places.id,places.displayName")
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"places"}  # nextPageToken not masked, so absent
    assert len(payload["places"]) == 20
    for place in payload["places"]:
        assert set(place) == {"id", "displayName"}
        assert set(place["displayName"]) == {"text", "languageCode"}


def test_sub_field_masks_and_star(sandbox: Sandbox, http: requests.Session) -> None:
    nested = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN}, "places.displayName.text")
    assert nested.json()["places"][0] == {
        "displayName": {"text": nested.json()["places"][0]["displayName"]["text"]}
    }
    everything = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN}, "*").json()
    assert "nextPageToken" in everything
    first = everything["places"][0]
    assert {"id", "name", "formattedAddress", "location", "types", "googleMapsUri"} <= set(first)
    assert first["name"] == f"places/{first['id']}"
    assert None not in first.values()


def test_fields_a_place_lacks_are_omitted(sandbox: Sandbox, http: requests.Session) -> None:
    mask = "places.id,places.websiteUri,places.nationalPhoneNumber"
    places = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN, "pageSize": 20}, mask).json()
    by_id = {b.place_id: b for b in sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)}
    for place in places["places"]:
        business = by_id[place["id"]]
        assert ("websiteUri" in place) == (business.website_uri is not None)
        assert ("nationalPhoneNumber" in place) == business.phone_listed


def test_unknown_mask_fields_are_rejected(sandbox: Sandbox, http: requests.Session) -> None:
    for mask in ("places.id,places.ownerName", "displayName", "places.id,bogus"):
        response = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN}, mask)
        assert_google_error(response, 400, "INVALID_ARGUMENT")


def test_pagination_reaches_the_cap_of_60(sandbox: Sandbox, http: requests.Session) -> None:
    mask = "places.id,nextPageToken"
    body: dict[str, Any] = {"textQuery": PLUMBERS_AUSTIN, "pageSize": 20}
    ids: list[str] = []
    pages = 0
    while True:
        payload = search(http, sandbox, body, mask).json()
        ids += [place["id"] for place in payload["places"]]
        pages += 1
        if "nextPageToken" not in payload:
            break
        body = {**body, "pageToken": payload["nextPageToken"]}
    businesses = sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)
    assert len(businesses) == 75
    assert pages == 3
    assert ids == [b.place_id for b in businesses[:60]]


def test_page_size_rules(sandbox: Sandbox, http: requests.Session) -> None:
    def count(size: int) -> int:
        body = {"textQuery": PLUMBERS_AUSTIN, "pageSize": size}
        return len(search(http, sandbox, body, "places.id").json()["places"])

    assert count(7) == 7
    assert count(0) == 20
    assert count(50) == 20
    negative = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN, "pageSize": -1}, "places.id")
    assert_google_error(negative, 400, "INVALID_ARGUMENT")


def test_small_and_empty_results(sandbox: Sandbox, http: requests.Session) -> None:
    mask = "places.id,nextPageToken"
    bakery = search(http, sandbox, {"textQuery": "bakery in Springfield, IL"}, mask).json()
    assert len(bakery["places"]) == 5
    assert "nextPageToken" not in bakery
    assert search(http, sandbox, {"textQuery": "zzz widgets in Austin, TX"}, mask).json() == {}


def test_follow_up_pages_must_repeat_the_request(sandbox: Sandbox, http: requests.Session) -> None:
    mask = "places.id,nextPageToken"
    first = search(http, sandbox, {"textQuery": PLUMBERS_AUSTIN, "minRating": 3}, mask).json()
    token = first["nextPageToken"]
    same = {"textQuery": PLUMBERS_AUSTIN, "minRating": 3, "pageToken": token, "pageSize": 5}
    assert search(http, sandbox, same, mask).status_code == 200
    for changed in (
        {"textQuery": "electrician in Austin, TX", "minRating": 3, "pageToken": token},
        {"textQuery": PLUMBERS_AUSTIN, "pageToken": token},
        {"textQuery": PLUMBERS_AUSTIN, "minRating": 3, "openNow": True, "pageToken": token},
    ):
        assert_google_error(search(http, sandbox, changed, mask), 400, "INVALID_ARGUMENT")
    bad = {"textQuery": PLUMBERS_AUSTIN, "minRating": 3, "pageToken": "not-a-token"}
    assert_google_error(search(http, sandbox, bad, mask), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"textQuery": "   "},
        {"textQuery": PLUMBERS_AUSTIN, "unknownParam": 1},
        {"textQuery": PLUMBERS_AUSTIN, "minRating": "high"},
        {"textQuery": PLUMBERS_AUSTIN, "rankPreference": "BEST"},
        {
            "textQuery": PLUMBERS_AUSTIN,
            "locationBias": {"circle": {"center": {"latitude": 30, "longitude": -97}}},
            "locationRestriction": {"rectangle": {"low": {}, "high": {}}},
        },
    ],
)
def test_invalid_search_bodies(
    sandbox: Sandbox, http: requests.Session, body: dict[str, Any]
) -> None:
    assert_google_error(search(http, sandbox, body, "places.id"), 400, "INVALID_ARGUMENT")


def test_malformed_json_body(sandbox: Sandbox, http: requests.Session) -> None:
    response = http.post(
        f"{sandbox.places_url}/v1/places:searchText",
        data=b'{"textQuery": ',
        headers={**KEY, "X-Goog-FieldMask": "places.id", "Content-Type": "application/json"},
    )
    assert_google_error(response, 400, "INVALID_ARGUMENT")


def test_optional_parameters_are_accepted_and_filters_apply(
    sandbox: Sandbox, http: requests.Session
) -> None:
    body = {
        "textQuery": PLUMBERS_AUSTIN,
        "languageCode": "en",
        "regionCode": "US",
        "rankPreference": "RELEVANCE",
        "includedType": "plumber",
        "strictTypeFiltering": True,
        "openNow": False,
        "minRating": 4.5,
        "locationBias": {"circle": {"center": {"latitude": 30.27, "longitude": -97.74}}},
    }
    places = search(http, sandbox, body, "places.rating").json()["places"]
    assert places and all(place["rating"] >= 4.5 for place in places)


def test_key_errors(sandbox: Sandbox, http: requests.Session) -> None:
    url = f"{sandbox.places_url}/v1/places:searchText"
    body = {"textQuery": PLUMBERS_AUSTIN}
    missing = http.post(url, json=body, headers={"X-Goog-FieldMask": "places.id"})
    assert_google_error(missing, 403, "PERMISSION_DENIED")
    invalid = http.post(
        url, json=body, headers={"X-Goog-Api-Key": "invalid-key", "X-Goog-FieldMask": "places.id"}
    )
    error = assert_google_error(invalid, 400, "INVALID_ARGUMENT")
    assert error["details"][0]["reason"] == "API_KEY_INVALID"


def test_place_details(sandbox: Sandbox, http: requests.Session) -> None:
    business = sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)[1]
    mask = "id,displayName,formattedAddress,internationalPhoneNumber,websiteUri,rating"
    place = details(http, sandbox, business.place_id, mask).json()
    assert place["id"] == business.place_id
    assert place["displayName"]["text"] == business.name
    assert place["formattedAddress"] == business.formatted_address
    assert place.get("internationalPhoneNumber") == business.international_phone_number
    assert place.get("websiteUri") == business.website_uri
    assert set(place) <= set(mask.split(","))
    hours = details(http, sandbox, business.place_id, "regularOpeningHours").json()
    assert len(hours["regularOpeningHours"]["weekdayDescriptions"]) == 7


def test_place_details_errors(sandbox: Sandbox, http: requests.Session) -> None:
    business = sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)[0]
    assert_google_error(details(http, sandbox, "ChIJ" + "0" * 23, "id"), 404, "NOT_FOUND")
    assert_google_error(
        details(http, sandbox, business.place_id, "places.id"), 400, "INVALID_ARGUMENT"
    )
    no_mask = http.get(f"{sandbox.places_url}/v1/places/{business.place_id}", headers=KEY)
    assert_google_error(no_mask, 400, "INVALID_ARGUMENT")


def test_uncapped_sandbox_pages_through_a_bulk_population(http: requests.Session) -> None:
    with Sandbox(result_cap=None) as uncapped:
        body: dict[str, Any] = {"textQuery": "plumber #bulk500 in Austin, TX"}
        ids: list[str] = []
        while True:
            payload = search(http, uncapped, body, "places.id,nextPageToken").json()
            ids += [place["id"] for place in payload["places"]]
            if "nextPageToken" not in payload:
                break
            body["pageToken"] = payload["nextPageToken"]
    assert len(set(ids)) == 500


def test_two_sandboxes_serve_identical_data(sandbox: Sandbox, http: requests.Session) -> None:
    def normalised(running: Sandbox) -> list[dict[str, Any]]:
        body = {"textQuery": "dentist in Denver, CO"}
        places = search(http, running, body, "places.*").json()["places"]
        for place in places:
            if "websiteUri" in place:
                place["websiteUri"] = place["websiteUri"].removeprefix(running.web_url)
        return places

    with Sandbox() as other:
        assert normalised(sandbox) == normalised(other)
