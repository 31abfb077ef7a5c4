"""The Places client against the sandbox's Places v1 server, faults included."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.rate_limit import build_rate_limit
from leadgen_pipeline.clients.resilience import ProviderError, RetrySettings
from leadgen_pipeline.domain.places import DETAILS_FIELD_MASK, SEARCH_FIELD_MASK
from leadgen_pipeline.domain.tiling import Rectangle
from leadgen_sandbox import FaultConfig, Sandbox

FAST_RETRIES = RetrySettings(max_attempts=4, base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture
def client(sandbox):
    return PlacesClient(
        api_key="test-places-key", base_url=sandbox.places_url, timeout_s=2.0, retry=FAST_RETRIES
    )


def test_a_search_reads_every_page_up_to_the_cap(client):
    pages = list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert [len(page.places) for page in pages] == [20, 20, 20]
    assert "pageToken" not in pages[0].request["body"]
    assert pages[1].request["body"]["pageToken"]
    assert all("test-places-key" not in str(page.request) for page in pages)
    assert client.usage.snapshot()["calls"] == 3
    assert client.usage.snapshot()["cost_usd"] == pytest.approx(3 * 0.035)


def test_a_small_search_is_one_page(client):
    pages = list(client.search_text_pages("bakery in Springfield, IL", SEARCH_FIELD_MASK))
    assert len(pages) == 1 and len(pages[0].places) == 5


def test_only_masked_fields_come_back(client):
    mask = "places.id,places.displayName,nextPageToken"
    place = next(iter(client.search_text_pages("roofer in Portland, OR", mask))).places[0]
    assert set(place) == {"id", "displayName"}


def test_the_mask_must_allow_pagination(client):
    with pytest.raises(ValueError, match="nextPageToken"):
        list(client.search_text_pages("roofer in Portland, OR", "places.id"))


def test_place_details(client):
    place_id = next(
        iter(client.search_text_pages("roofer in Portland, OR", SEARCH_FIELD_MASK))
    ).places[0]["id"]
    details = client.place_details(place_id, DETAILS_FIELD_MASK)
    assert details["id"] == place_id
    assert "rating" not in details  # not in the details mask


def test_an_unknown_place_is_a_non_retryable_404(client):
    with pytest.raises(ProviderError) as raised:
        client.place_details("ChIJdoesnotexist000000000", DETAILS_FIELD_MASK)
    assert (raised.value.status, raised.value.retryable) == (404, False)
    assert client.usage.snapshot()["calls"] == 1


def test_an_invalid_key_fails_at_once_without_echoing_the_key(sandbox):
    client = PlacesClient(api_key="invalid-key", base_url=sandbox.places_url, retry=FAST_RETRIES)
    with pytest.raises(ProviderError) as raised:
        list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert raised.value.status == 400
    assert raised.value.reason == "API_KEY_INVALID"
    assert client.usage.snapshot()["calls"] == 1


def test_server_errors_are_retried_then_surface(client, sandbox):
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    with pytest.raises(ProviderError) as raised:
        list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert raised.value.status in (500, 503) and raised.value.retryable
    usage = client.usage.snapshot()
    assert (usage["calls"], usage["retries"], usage["failures"]) == (4, 3, 1)
    assert usage["cost_usd"] == 0  # failed calls are not billed


def test_malformed_bodies_are_retried_then_surface(client, sandbox):
    sandbox.set_faults("places", FaultConfig(malformed_rate=1.0))
    with pytest.raises(ProviderError) as raised:
        list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert raised.value.reason == "MALFORMED"
    assert client.usage.snapshot()["calls"] == 4


def test_a_hanging_server_times_out_and_is_retried():
    # Its own sandbox: the hung requests finish after the test and would be
    # counted in the shared sandbox's stats.
    with Sandbox() as hanging:
        hanging.set_faults("places", FaultConfig(timeout_rate=1.0, hang_seconds=1))
        client = PlacesClient(
            api_key="k",
            base_url=hanging.places_url,
            timeout_s=0.2,
            retry=RetrySettings(max_attempts=2, base_delay_s=0.01),
        )
        with pytest.raises(ProviderError, match="Timeout"):
            client.place_details("ChIJanything", DETAILS_FIELD_MASK)
    assert client.usage.snapshot()["statuses"] == {"ReadTimeout": 2}


def test_intermittent_faults_are_ridden_out(client, sandbox):
    sandbox.set_faults("places", FaultConfig(error_rate=0.3, malformed_rate=0.2, seed=7))
    pages = list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    assert sum(len(page.places) for page in pages) == 60
    assert client.usage.snapshot()["retries"] > 0


def test_pacing_to_the_quota_causes_no_429(sandbox):
    """Our limiter at the server's quota: every request admitted first time."""
    sandbox.set_faults("places", FaultConfig(quota_per_second=20))
    client = PlacesClient(
        api_key="k",
        base_url=sandbox.places_url,
        retry=FAST_RETRIES,
        rate_limit=build_rate_limit("places_test", 20, 1.0, database_url=None),
    )
    for _ in range(30):
        list(client.search_text_pages("bakery in Springfield, IL", SEARCH_FIELD_MASK))
    assert sandbox.stats("places").rate_limited == 0
    assert client.usage.snapshot()["statuses"] == {"200": 30}


def test_without_pacing_the_quota_answers_429_and_retries_absorb_it(sandbox):
    sandbox.set_faults("places", FaultConfig(quota_per_second=20))
    client = PlacesClient(
        api_key="k",
        base_url=sandbox.places_url,
        # Enough attempts that every request outlasts the others' contention.
        retry=RetrySettings(max_attempts=30, base_delay_s=0.05, max_delay_s=1.0),
    )

    def search(_: int) -> list:
        return list(client.search_text_pages("bakery in Springfield, IL", SEARCH_FIELD_MASK))

    # Four at once: faster than the quota however slow this machine is today.
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(search, range(40)))
    assert sandbox.stats("places").rate_limited > 0
    assert client.usage.snapshot()["statuses"]["200"] == 40


def test_backoff_grows_and_honours_retry_after():
    from leadgen_pipeline.clients.resilience import backoff_delay

    settings = RetrySettings(base_delay_s=1.0, max_delay_s=8.0)
    rng = random.Random(1)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0]
    for attempt, ceiling in enumerate(ceilings, start=1):
        assert 0 <= backoff_delay(attempt, settings, None, rng) <= ceiling
    assert backoff_delay(1, settings, 3.0, rng) >= 3.0


def test_each_request_is_counted_at_the_sku_its_mask_triggers(client):
    list(client.search_text_pages("plumber in Austin, TX", "places.id,nextPageToken"))
    list(client.search_text_pages("bakery in Springfield, IL", "places.location,nextPageToken"))
    list(client.search_text_pages("bakery in Springfield, IL", SEARCH_FIELD_MASK))
    usage = client.usage.snapshot()
    assert usage["requests_by_sku"] == {
        "Text Search Enterprise": 1,
        "Text Search Essentials (IDs Only)": 3,
        "Text Search Pro": 1,
    }
    assert usage["cost_by_sku_usd"]["Text Search Essentials (IDs Only)"] == 0.0
    assert usage["cost_usd"] == pytest.approx(0.032 + 0.035)


def test_a_restricted_search_sends_the_rectangle_on_every_page(client):
    houston = Rectangle(29.4904, -95.6998, 30.0304, -95.0398)
    pages = list(
        client.search_text_pages(
            "plumber",
            "places.id,places.location,nextPageToken",
            location_restriction=houston,
            language_code="en",
            region_code="US",
        )
    )
    assert len(pages) == 3
    for page in pages:
        body = page.request["body"]
        assert body["locationRestriction"] == {"rectangle": houston.to_places()}
        assert (body["languageCode"], body["regionCode"]) == ("en", "US")
        for place in page.places:
            assert houston.contains(place["location"]["latitude"], place["location"]["longitude"])


def test_restriction_and_bias_together_are_refused_before_any_request(client):
    box = Rectangle(29.5, -95.7, 30.0, -95.0)
    with pytest.raises(ValueError, match="not both"):
        list(
            client.search_text_pages(
                "plumber", SEARCH_FIELD_MASK, location_restriction=box, location_bias=box
            )
        )
    assert client.usage.snapshot()["calls"] == 0


def test_one_page_resolves_a_place_name(client):
    page = client.search_text_page(
        "Houston, TX", "places.id,places.types,places.viewport,places.addressComponents", 5
    )
    [locality] = page.places
    assert "locality" in locality["types"]
    assert client.usage.snapshot()["requests_by_sku"] == {"Text Search Pro": 1}


def test_a_disabled_api_is_a_non_retryable_403_with_googles_message(sandbox):
    client = PlacesClient(api_key="disabled-key", base_url=sandbox.places_url, retry=FAST_RETRIES)
    with pytest.raises(ProviderError) as raised:
        list(client.search_text_pages("plumber in Austin, TX", SEARCH_FIELD_MASK))
    error = raised.value
    assert (error.status, error.reason, error.retryable) == (403, "SERVICE_DISABLED", False)
    assert "PERMISSION_DENIED" in str(error) and "disabled-key" not in str(error)
    assert client.usage.snapshot()["calls"] == 1


def _raw_search(sandbox, body, mask="places.id"):
    import requests

    return requests.post(
        f"{sandbox.places_url}/v1/places:searchText",
        json=body,
        headers={"X-Goog-Api-Key": "k", "X-Goog-FieldMask": mask},
        timeout=5,
    )


@pytest.mark.parametrize(
    ("rectangle", "status"),
    [
        # google.geo.type.Viewport: low = high is a single point, a valid (closed) region.
        (
            {
                "low": {"latitude": 29.7, "longitude": -95.4},
                "high": {"latitude": 29.7, "longitude": -95.4},
            },
            200,
        ),
        # low.longitude 180, high.longitude -180: an empty longitude range, an error.
        (
            {
                "low": {"latitude": 29.0, "longitude": 180},
                "high": {"latitude": 30.0, "longitude": -180},
            },
            400,
        ),
        # low.latitude > high.latitude: empty.
        (
            {
                "low": {"latitude": 30.0, "longitude": -96},
                "high": {"latitude": 29.0, "longitude": -95},
            },
            400,
        ),
    ],
)
def test_the_sandbox_reads_rectangles_as_google_documents_viewports(sandbox, rectangle, status):
    response = _raw_search(
        sandbox, {"textQuery": "plumber", "locationRestriction": {"rectangle": rectangle}}
    )
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_the_sandbox_caps_page_size_but_refuses_an_out_of_range_max_result_count(sandbox):
    capped = _raw_search(sandbox, {"textQuery": "plumber in Austin, TX", "pageSize": 25})
    assert capped.status_code == 200 and len(capped.json()["places"]) == 20
    refused = _raw_search(sandbox, {"textQuery": "plumber in Austin, TX", "maxResultCount": 25})
    assert refused.status_code == 400
    # With pageSize given, maxResultCount is ignored.
    both = _raw_search(
        sandbox, {"textQuery": "plumber in Austin, TX", "pageSize": 5, "maxResultCount": 25}
    )
    assert both.status_code == 200 and len(both.json()["places"]) == 5
