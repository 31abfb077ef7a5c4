"""Fault injection and stats, on the real client paths."""

import json
import time

import openai
import pytest
import requests

from leadgen_sandbox import FaultConfig, Sandbox
from leadgen_sandbox_tests.support import PLUMBERS_AUSTIN

PLACES_HEADERS = {"X-Goog-Api-Key": "test-key", "X-Goog-FieldMask": "places.id"}


def search(http: requests.Session, sandbox: Sandbox, timeout: float = 5) -> requests.Response:
    return http.post(
        f"{sandbox.places_url}/v1/places:searchText",
        json={"textQuery": PLUMBERS_AUSTIN},
        headers=PLACES_HEADERS,
        timeout=timeout,
    )


def test_error_rate_one_fails_every_request(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    responses = [search(http, sandbox) for _ in range(6)]
    assert {r.status_code for r in responses} <= {500, 503}
    for response in responses:
        error = response.json()["error"]
        assert error["status"] in ("INTERNAL", "UNAVAILABLE")
    stats = sandbox.stats("places")
    assert stats.requests_total == 6
    assert sum(stats.by_status.get(code, 0) for code in (500, 503)) == 6
    assert stats.faults_injected == {"server_error": 6}


def test_llm_server_errors_use_openai_bodies(sandbox: Sandbox) -> None:
    sandbox.set_faults("llm", FaultConfig(error_rate=1.0))
    llm = openai.OpenAI(base_url=sandbox.llm_url, api_key="test-key", max_retries=0)
    with pytest.raises(openai.InternalServerError) as raised:
        llm.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.body["type"] == "server_error"


def test_web_server_errors(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_faults("web", FaultConfig(error_rate=1.0))
    response = http.get(f"{sandbox.web_url}/robots.txt")
    assert response.status_code in (500, 503)
    assert response.headers["Content-Type"].startswith("text/html")


def test_quota_rejects_requests_beyond_the_rate(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_faults("places", FaultConfig(quota_per_second=3))
    statuses = [search(http, sandbox).status_code for _ in range(8)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses.count(429) >= 4
    limited = search(http, sandbox)
    error = limited.json()["error"]
    assert (limited.status_code, error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert sandbox.stats("places").rate_limited == statuses.count(429) + 1
    time.sleep(1.05)
    assert search(http, sandbox).status_code == 200


def test_malformed_bodies(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_faults("places", FaultConfig(malformed_rate=1.0, seed=3))
    for _ in range(4):
        response = search(http, sandbox)
        assert response.status_code == 200
        with pytest.raises(ValueError):
            json.loads(response.content)
    assert sandbox.stats("places").faults_injected == {"malformed": 4}


def test_latency_is_added(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_faults("places", FaultConfig(latency_ms=150))
    started = time.monotonic()
    assert search(http, sandbox).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_faults_are_reproducible_from_the_seed(sandbox: Sandbox, http: requests.Session) -> None:
    def statuses() -> list[int]:
        sandbox.set_faults("places", FaultConfig(error_rate=0.5, seed=42))
        return [search(http, sandbox).status_code for _ in range(12)]

    first = statuses()
    assert first == statuses()
    assert 200 in first and set(first) - {200}


def test_hanging_requests_time_out_and_stop_is_prompt(http: requests.Session) -> None:
    hanging = Sandbox().start()
    hanging.set_faults("places", FaultConfig(timeout_rate=1.0))  # hangs 30 s by default
    with pytest.raises(requests.exceptions.ReadTimeout):
        search(http, hanging, timeout=0.3)
    started = time.monotonic()
    hanging.stop()
    assert time.monotonic() - started < 3


def test_admin_endpoints_steer_from_another_client(
    sandbox: Sandbox, http: requests.Session
) -> None:
    admin = f"{sandbox.places_url}/_sandbox"
    configured = http.post(f"{admin}/faults", json={"error_rate": 1.0, "seed": 5})
    assert configured.status_code == 200
    assert sandbox.faults("places") == FaultConfig(error_rate=1.0, seed=5)
    assert http.get(f"{admin}/faults").json()["faults"]["error_rate"] == 1.0
    assert search(http, sandbox).status_code in (500, 503)
    stats = http.get(f"{admin}/stats")  # never subject to faults, never counted
    assert stats.status_code == 200
    assert stats.json()["requests_total"] == 1
    assert http.post(f"{admin}/faults", json={"error_rate": 2}).status_code == 400
    assert http.post(f"{admin}/faults", json={"nonsense": 1}).status_code == 400
    assert http.post(f"{admin}/reset").status_code == 200
    assert search(http, sandbox).status_code == 200
    assert http.get(f"{admin}/stats").json() == {
        "requests_total": 1,
        "by_status": {"200": 1},
        "rate_limited": 0,
        "faults_injected": {},
    }
    assert http.get(f"{sandbox.web_url}/_sandbox/stats").status_code == 200
    assert http.get(f"{sandbox.llm_url.removesuffix('/v1')}/_sandbox/nope").status_code == 404


def test_stats_count_by_status(sandbox: Sandbox, http: requests.Session) -> None:
    search(http, sandbox)
    http.post(f"{sandbox.places_url}/v1/places:searchText", json={}, headers=PLACES_HEADERS)
    http.get(f"{sandbox.web_url}/robots.txt")
    places = sandbox.stats("places")
    assert (places.requests_total, dict(places.by_status)) == (2, {200: 1, 400: 1})
    assert sandbox.stats("web").requests_total == 1
    sandbox.reset_stats("web")
    assert sandbox.stats("web").requests_total == 0
    assert sandbox.stats("places").requests_total == 2


@pytest.mark.parametrize(
    "config",
    [
        {"error_rate": -0.1},
        {"error_rate": 0.6, "malformed_rate": 0.6},
        {"quota_per_second": 0},
        {"latency_ms": -1},
    ],
)
def test_fault_config_is_validated(config: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FaultConfig(**config)
