"""Enrichment fixtures: real clients on the sandbox, a database with one search's prospects."""

import pytest

from leadgen_pipeline.clients.host_politeness import HostPoliteness
from leadgen_pipeline.clients.llm import LLMClient
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.resilience import RetrySettings
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins

FAST = RetrySettings(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture
def places(sandbox):
    return PlacesClient(api_key="k", base_url=sandbox.places_url, retry=FAST)


@pytest.fixture
def llm(sandbox):
    return LLMClient(api_key="k", model="gpt-4o-mini", base_url=sandbox.llm_url, retry=FAST)


@pytest.fixture
def fetcher(sandbox):
    # Short deadlines keep the hostile sites (slow, huge) quick to give up on; the
    # sandbox's one web host stands for every business's server.
    return WebsiteFetcher(
        guard=AddressGuard(allowed_origins=parse_allowed_origins(sandbox.web_url)),
        politeness=HostPoliteness(max_in_flight_per_host=16, min_interval_s=0),
        # The deadline past the timeout, as in production (15 s, 10 s): a server
        # that does not answer is a transient timeout, not a final cut.
        page_deadline_s=1.5,
        read_timeout_s=1.0,
        max_bytes=200_000,
    )
