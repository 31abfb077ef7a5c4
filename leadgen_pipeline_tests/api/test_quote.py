"""POST /api/quote: a strict body, refusals before any call, a quote that spends nothing."""

import pytest

from leadgen_pipeline_tests.support.api import AUTH
from leadgen_sandbox.environment import sandbox_environ

ROOFERS = {"keyword": "roofer", "location": "Portland, OR"}  # 12 places: one page


@pytest.fixture
def places_env(sandbox, database_url, tmp_path, monkeypatch):
    """The API's environment pointing a probe at the sandbox's Places server."""
    for name, value in sandbox_environ(sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEADGEN_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADGEN_DATA_DIR", str(tmp_path))


def test_a_quote_for_a_search_never_run_is_the_defaults_and_calls_nothing(client, sandbox):
    before = sandbox.stats("places").requests_total
    response = client.post("/api/quote", json=ROOFERS, headers=AUTH)
    assert response.status_code == 200, response.text
    quote = response.json()
    assert (quote["searchId"], quote["coverage"]) == ("roofer@portland-or", "full")
    assert quote["costUsd"]["low"] < quote["costUsd"]["expected"] < quote["costUsd"]["high"]
    assert quote["inputs"]["places"]["source"] == "default"
    assert set(quote["requests"]["textSearch"]) == {"locate", "area", "tiles"}
    assert quote["requestsBySku"]["Text Search Pro"] == 1
    assert "probe" not in quote  # none made
    assert sandbox.stats("places").requests_total == before


def test_a_probe_counts_the_places_at_no_cost_once_per_idempotency_key(client, sandbox, places_env):
    before = sandbox.stats("places").requests_total
    headers = AUTH | {"Idempotency-Key": "quote-roofers-1"}
    response = client.post("/api/quote", json=ROOFERS | {"probe": True}, headers=headers)
    assert response.status_code == 200, response.text
    again = client.post("/api/quote", json=ROOFERS | {"probe": True}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == response.json()
    quote = response.json()
    assert quote["probe"] == {
        "requests": 1,
        "sku": "Text Search Essentials (IDs Only)",
        "costUsd": 0.0,
        "places": 12,
        "saturated": False,
    }
    assert quote["inputs"]["places"] == {
        "expected": 12,
        "low": 12,
        "high": 12,
        "source": "probe",
        "note": "counted by the probe",
    }
    assert quote["requests"]["textSearch"]["area"]["expected"] == 1
    assert sandbox.stats("places").requests_total == before + 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"keyword": "  ", "location": "Portland, OR"}, "invalid_search_request"),
        ({"keyword": "roofer|x", "location": "Portland, OR"}, "invalid_search_request"),
        ({"keyword": "roofer"}, "invalid_request"),
        (ROOFERS | {"probe": "yes"}, "invalid_request"),
        (ROOFERS | {"coverage": "all"}, "invalid_request"),
        (ROOFERS | {"targetBusiness": "Keystone Roofing"}, "invalid_request"),
    ],
)
def test_a_bad_quote_request_is_422_before_any_call(client, sandbox, places_env, body, error):
    before = sandbox.stats("places").requests_total
    response = client.post(
        "/api/quote", json=body | {"probe": body.get("probe", True)}, headers=AUTH
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == error
    assert sandbox.stats("places").requests_total == before


def test_a_probe_without_a_places_key_is_503_and_a_quote_needs_the_token(
    client, sandbox, monkeypatch
):
    monkeypatch.delenv("GOOGLE_PLACES_API_KEY", raising=False)
    response = client.post("/api/quote", json=ROOFERS | {"probe": True}, headers=AUTH)
    assert response.status_code == 503
    assert response.json()["error"] == "probe_unavailable"
    assert client.post("/api/quote", json=ROOFERS).status_code == 401
