"""The sandbox's geography: localities, strict rectangles, soft bias, service-area businesses."""

from typing import Any

import pytest
import requests

from leadgen_sandbox import Sandbox
from leadgen_sandbox.geography import Viewport, city_viewport
from leadgen_sandbox.world_data import CITIES
from leadgen_sandbox_tests.support import (
    PLUMBERS_AUSTIN,
    assert_google_error,
    details,
    search,
)

HOUSTON_PLUMBERS = "plumber in Houston, TX"
LOCALITY_MASK = (
    "places.id,places.displayName,places.types,places.location,places.viewport,"
    "places.addressComponents"
)


def every_page(http: requests.Session, sandbox: Sandbox, body: dict[str, Any]) -> list[dict]:
    body, places = dict(body), []
    while True:
        payload = search(http, sandbox, body, "places.id,places.location,nextPageToken").json()
        places += payload.get("places", [])
        if "nextPageToken" not in payload:
            return places
        body["pageToken"] = payload["nextPageToken"]


def rectangle(south: float, west: float, north: float, east: float) -> dict[str, Any]:
    return {"rectangle": Viewport(south, west, north, east).to_json()}


def test_a_place_name_returns_its_locality_with_a_viewport(
    sandbox: Sandbox, http: requests.Session
) -> None:
    payload = search(http, sandbox, {"textQuery": "Austin, TX"}, LOCALITY_MASK).json()
    [locality] = payload["places"]
    assert locality["types"] == ["locality", "political"]
    assert locality["displayName"]["text"] == "Austin"
    assert locality["viewport"] == city_viewport(CITIES["austin tx"]).to_json()
    country = next(c for c in locality["addressComponents"] if "country" in c["types"])
    assert country["shortText"] == "US"
    assert set(locality) <= {
        "id",
        "displayName",
        "types",
        "location",
        "viewport",
        "addressComponents",
    }
    nothing = search(http, sandbox, {"textQuery": "Zzzville, TX"}, LOCALITY_MASK).json()
    assert nothing == {}


def test_a_restriction_is_strict_and_a_bias_only_orders(
    sandbox: Sandbox, http: requests.Session
) -> None:
    truth = sandbox.dataset.businesses_for_query(HOUSTON_PLUMBERS)
    box = Viewport(29.70, -95.45, 29.74, -95.40)
    inside = {
        b.place_id
        for b in truth
        if not b.pure_service_area and box.contains(b.latitude, b.longitude)
    }
    assert 0 < len(inside) < 60
    found = every_page(
        http,
        sandbox,
        {"textQuery": "plumber", "locationRestriction": rectangle(29.70, -95.45, 29.74, -95.40)},
    )
    assert {p["id"] for p in found} == inside
    biased = every_page(
        http,
        sandbox,
        {"textQuery": HOUSTON_PLUMBERS, "locationBias": rectangle(29.70, -95.45, 29.74, -95.40)},
    )
    assert len(biased) == 60
    assert {p["id"] for p in biased[: len(inside)]} == inside  # inside first, nothing else changes


def test_the_large_pair_has_hundreds_inside_its_viewport_and_some_just_outside(
    sandbox: Sandbox,
) -> None:
    businesses = sandbox.dataset.businesses_for_query(HOUSTON_PLUMBERS)
    viewport = city_viewport(CITIES["houston tx"])
    located = [b for b in businesses if not b.pure_service_area]
    inside = [b for b in located if viewport.contains(b.latitude, b.longitude)]
    assert len(inside) >= 500
    assert len(located) - len(inside) >= 5  # the next town over
    assert len(businesses) - len(located) >= 5  # pure service-area businesses
    # Office buildings: several businesses at one address.
    spots = {}
    for business in located:
        spots.setdefault((business.latitude, business.longitude), []).append(business)
    assert max(len(group) for group in spots.values()) >= 3


def test_service_area_businesses_only_when_asked_and_never_in_a_rectangle(
    sandbox: Sandbox, http: requests.Session
) -> None:
    service_area = {
        b.place_id
        for b in sandbox.dataset.businesses_for_query(HOUSTON_PLUMBERS)
        if b.pure_service_area
    }
    with Sandbox(result_cap=None) as uncapped:
        plain = every_page(http, uncapped, {"textQuery": HOUSTON_PLUMBERS})
        asked = every_page(
            http,
            uncapped,
            {"textQuery": HOUSTON_PLUMBERS, "includePureServiceAreaBusinesses": True},
        )
        boxed = every_page(
            http,
            uncapped,
            {
                "textQuery": "plumber",
                "includePureServiceAreaBusinesses": True,
                "locationRestriction": {"rectangle": city_viewport(CITIES["houston tx"]).to_json()},
            },
        )
    assert not service_area & {p["id"] for p in plain}
    assert service_area <= {p["id"] for p in asked}
    assert not service_area & {p["id"] for p in boxed}
    assert all("location" not in p for p in asked if p["id"] in service_area)


def test_a_dense_tower_holds_more_than_one_query_returns(sandbox: Sandbox) -> None:
    lawyers = sandbox.dataset.businesses_for_query("lawyer in New York, NY")
    spots = {}
    for business in lawyers:
        spots.setdefault((business.latitude, business.longitude), []).append(business)
    assert max(len(group) for group in spots.values()) >= 75


@pytest.mark.parametrize(
    "body",
    [
        {
            "locationRestriction": {
                "rectangle": {
                    "low": {"latitude": 30.3, "longitude": -97.8},
                    "high": {"latitude": 30.2, "longitude": -97.7},
                }
            }
        },
        {
            "locationRestriction": {
                "rectangle": {
                    "low": {"latitude": 91, "longitude": -97.8},
                    "high": {"latitude": 92, "longitude": -97.7},
                }
            }
        },
        # Corners missing: both are required ({"low": {}} is a corner at 0, 0: proto3).
        {"locationRestriction": {"rectangle": {}}},
        {"locationRestriction": {"rectangle": {"high": {"latitude": 1, "longitude": 2}}}},
        {
            "locationRestriction": {
                "rectangle": {
                    "low": {"latitude": "n", "longitude": 1},
                    "high": {"latitude": 1, "longitude": 2},
                }
            }
        },
        {
            "locationRestriction": {
                "circle": {"center": {"latitude": 30, "longitude": -97}, "radius": 100}
            }
        },
        {
            "locationBias": {
                "circle": {"center": {"latitude": 30, "longitude": -97}, "radius": 60000}
            }
        },
    ],
)
def test_malformed_locations_are_refused(
    sandbox: Sandbox, http: requests.Session, body: dict[str, Any]
) -> None:
    response = search(http, sandbox, {"textQuery": "plumber", **body}, "places.id")
    assert_google_error(response, 400, "INVALID_ARGUMENT")


def test_a_page_token_is_tied_to_its_rectangle(sandbox: Sandbox, http: requests.Session) -> None:
    first_box = {
        "textQuery": "plumber",
        "locationRestriction": {"rectangle": city_viewport(CITIES["houston tx"]).to_json()},
    }
    first = search(http, sandbox, first_box, "places.id,nextPageToken").json()
    moved = {
        **first_box,
        "locationRestriction": rectangle(29.5, -95.7, 29.8, -95.3),
        "pageToken": first["nextPageToken"],
    }
    assert_google_error(search(http, sandbox, moved, "places.id"), 400, "INVALID_ARGUMENT")


def test_the_world_changes_between_two_runs(http: requests.Session) -> None:
    # A sandbox of its own: the shared one keeps its known populations unchanged.
    with Sandbox() as sandbox:
        check_world_changes(sandbox, http)


def check_world_changes(sandbox: Sandbox, http: requests.Session) -> None:
    admin = f"{sandbox.places_url}/_sandbox/places/businesses"
    added = http.post(
        admin, json={"query": PLUMBERS_AUSTIN, "latitude": 30.31, "longitude": -97.71}
    )
    assert added.status_code == 200
    place = added.json()["place"]
    assert place["location"] == {"latitude": 30.31, "longitude": -97.71}
    box = {
        "textQuery": "plumber",
        "locationRestriction": rectangle(30.305, -97.715, 30.315, -97.705),
    }
    assert place["id"] in {p["id"] for p in every_page(http, sandbox, box)}
    victim = sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)[3]
    changed = http.patch(
        f"{admin}/{victim.place_id}",
        json={"business_status": "CLOSED_PERMANENTLY", "phone_e164": "+15125550199"},
    )
    assert changed.status_code == 200
    assert changed.json()["place"]["businessStatus"] == "CLOSED_PERMANENTLY"
    assert sandbox.dataset.business_by_id(victim.place_id).phone_e164 == "+15125550199"
    assert http.patch(f"{admin}/{victim.place_id}", json={"place_id": "x"}).status_code == 400
    assert http.patch(f"{admin}/ChIJnope", json={"name": "x"}).status_code == 404
    assert len(sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)) == 76
    assert http.delete(f"{admin}/{victim.place_id}").status_code == 200
    assert victim.place_id not in {
        b.place_id for b in sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)
    }
    assert_google_error(details(http, sandbox, victim.place_id, "id"), 404, "NOT_FOUND")
    assert http.delete(f"{admin}/{victim.place_id}").status_code == 404
