"""The LLM client (the official openai SDK) against the sandbox's chat-completions server."""

import pytest

from leadgen_pipeline.clients.llm import LLMClient
from leadgen_pipeline.clients.resilience import ProviderError, RetrySettings
from leadgen_pipeline.domain.intelligence import SYSTEM_PROMPT, BusinessIntelligence
from leadgen_sandbox import FaultConfig

FAST_RETRIES = RetrySettings(max_attempts=4, base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture
def client(sandbox):
    return LLMClient(
        api_key="test-llm-key", model="gpt-4o-mini", base_url=sandbox.llm_url, retry=FAST_RETRIES
    )


def a_business(sandbox):
    return sandbox.dataset.businesses_for_query("roofer in Portland, OR")[0]


def test_structured_output_parses_into_the_schema(client, sandbox):
    business = a_business(sandbox)
    completion = client.parse(
        BusinessIntelligence, SYSTEM_PROMPT, f"Target business: {business.name}\nProfile it."
    )
    assert isinstance(completion.parsed, BusinessIntelligence)
    assert completion.parsed.products_and_services == list(business.services)
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
    assert completion.cost_usd == pytest.approx(
        (completion.prompt_tokens * 0.15 + completion.completion_tokens * 0.60) / 1_000_000
    )
    usage = client.usage.snapshot()
    assert usage["prompt_tokens"] == completion.prompt_tokens
    assert usage["cost_usd"] == pytest.approx(completion.cost_usd, abs=1e-6)


def test_unknown_models_are_priced_at_the_fallback(sandbox):
    client = LLMClient(
        api_key="k",
        model="llama3.1:8b",
        base_url=sandbox.llm_url,
        fallback_prices_per_mtok=(1.0, 2.0),
    )
    assert client.cost_usd(1_000_000, 1_000_000) == 3.0


def test_rate_limits_are_retried_honouring_retry_after(client, sandbox):
    sandbox.set_faults("llm", FaultConfig(quota_per_second=2))
    for _ in range(5):
        client.parse(
            BusinessIntelligence, SYSTEM_PROMPT, f"Target business: {a_business(sandbox).name}"
        )
    usage = client.usage.snapshot()
    assert usage["statuses"]["200"] == 5
    assert usage["statuses"]["429"] == usage["retries"] > 0


def test_an_invalid_key_is_not_retried(sandbox):
    client = LLMClient(
        api_key="invalid-key", model="gpt-4o-mini", base_url=sandbox.llm_url, retry=FAST_RETRIES
    )
    with pytest.raises(ProviderError) as raised:
        client.parse(BusinessIntelligence, SYSTEM_PROMPT, "anything")
    assert (raised.value.status, raised.value.retryable) == (401, False)
    assert "invalid-key" not in str(raised.value)
    assert client.usage.snapshot()["calls"] == 1


@pytest.mark.parametrize(
    ("fault", "reason"), [({"malformed_rate": 1.0}, "MALFORMED"), ({"error_rate": 1.0}, None)]
)
def test_broken_answers_are_retried_then_surface(client, sandbox, fault, reason):
    sandbox.set_faults("llm", FaultConfig(**fault))
    with pytest.raises(ProviderError) as raised:
        client.parse(BusinessIntelligence, SYSTEM_PROMPT, "anything")
    assert raised.value.retryable
    if reason:
        assert raised.value.reason == reason
    assert client.usage.snapshot()["calls"] == FAST_RETRIES.max_attempts
