"""What the sandbox's tests share: known queries, and Places calls as the real client makes them."""

from typing import Any

import requests

from leadgen_sandbox import Sandbox

# A known query of the data set: 75 plumbers, more than the 60 Places returns.
PLUMBERS_AUSTIN = "plumber in Austin, TX"

KEY = {"X-Goog-Api-Key": "test-key"}


def search(
    http: requests.Session, sandbox: Sandbox, body: dict[str, Any], mask: str | None
) -> requests.Response:
    headers = {**KEY, **({"X-Goog-FieldMask": mask} if mask is not None else {})}
    return http.post(f"{sandbox.places_url}/v1/places:searchText", json=body, headers=headers)


def details(
    http: requests.Session, sandbox: Sandbox, place_id: str, mask: str
) -> requests.Response:
    headers = {**KEY, "X-Goog-FieldMask": mask}
    return http.get(f"{sandbox.places_url}/v1/places/{place_id}", headers=headers)


def assert_google_error(response: requests.Response, code: int, status: str) -> dict[str, Any]:
    assert response.status_code == code
    error = response.json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert error["message"]
    info = error["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["domain"] == "googleapis.com"
    return error
