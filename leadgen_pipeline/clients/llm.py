"""LLM client over any OpenAI-compatible endpoint, with structured (JSON-schema) output."""

from dataclasses import dataclass, field
from typing import Generic, TypeVar

import openai
import pydantic

from leadgen_pipeline.clients.rate_limit import RateLimit
from leadgen_pipeline.clients.resilience import (
    ProviderError,
    RetrySettings,
    Usage,
    call_with_retries,
)
from leadgen_pipeline.domain.pricing import DEFAULT_LLM_PRICES_PER_MTOK, llm_cost_usd, llm_prices

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class Completion(Generic[ModelT]):
    parsed: ModelT
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


def _retry_after(error: openai.APIStatusError) -> float | None:
    headers = error.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


@dataclass
class LLMClient:
    api_key: str = field(repr=False)
    model: str
    base_url: str | None = None  # None: api.openai.com
    timeout_s: float = 60.0
    max_output_tokens: int = 1200
    fallback_prices_per_mtok: tuple[float, float] = DEFAULT_LLM_PRICES_PER_MTOK
    retry: RetrySettings = field(default_factory=RetrySettings)
    rate_limit: RateLimit | None = None
    usage: Usage = field(default_factory=Usage)
    _sdk: openai.OpenAI | None = field(default=None, repr=False)

    @property
    def sdk(self) -> openai.OpenAI:
        # The SDK's own retries are off: ours count every attempt, pace it
        # through the shared limiter and honour retry-after the same way for
        # every outside API.
        if self._sdk is None:
            self._sdk = openai.OpenAI(
                api_key=self.api_key, base_url=self.base_url, timeout=self.timeout_s, max_retries=0
            )
        return self._sdk

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        return llm_cost_usd(
            llm_prices(self.model, self.fallback_prices_per_mtok), prompt_tokens, completion_tokens
        )

    def parse(self, schema: type[ModelT], system: str, user: str) -> Completion[ModelT]:
        """One structured completion validated against `schema` (strict JSON schema)."""

        def attempt() -> Completion[ModelT]:
            if self.rate_limit is not None:
                self.rate_limit.acquire()
            try:
                response = self.sdk.chat.completions.parse(
                    model=self.model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": user},
                    ],
                    response_format=schema,
                    max_completion_tokens=self.max_output_tokens,
                    temperature=0,
                )
            except openai.APIStatusError as error:
                self.usage.record_call(str(error.status_code))
                raise ProviderError(
                    f"LLM call failed: HTTP {error.status_code} {error.code or ''}".strip(),
                    status=error.status_code,
                    reason=str(error.code) if error.code else None,
                    retryable=error.status_code in (408, 409, 429) or error.status_code >= 500,
                    retry_after_s=_retry_after(error),
                ) from None
            except openai.APIConnectionError as error:
                self.usage.record_call(type(error).__name__)
                raise ProviderError(
                    f"LLM call failed: {type(error).__name__}", retryable=True
                ) from None
            except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as error:
                self.usage.record_call("200")
                raise ProviderError(
                    f"LLM answer unusable: {type(error).__name__}", reason="FINISH_REASON"
                ) from None
            except (
                pydantic.ValidationError,
                ValueError,
                LookupError,
                AttributeError,
                TypeError,
            ) as error:
                # A body that is not the promised JSON, or not a chat completion at
                # all (no choices, no message): worth another try.
                self.usage.record_call("200")
                raise ProviderError(
                    f"LLM answer does not match the schema: {type(error).__name__}",
                    reason="MALFORMED",
                    retryable=True,
                ) from None
            usage = response.usage
            prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
            cost = self.cost_usd(prompt, completion)
            self.usage.record_call("200")
            self.usage.record_tokens(prompt, completion, cost)
            if not response.choices or response.choices[0].message is None:
                raise ProviderError("LLM answer has no message", reason="MALFORMED", retryable=True)
            message = response.choices[0].message
            if message.refusal or message.parsed is None:
                raise ProviderError("LLM refused to answer", reason="REFUSAL")
            return Completion(message.parsed, prompt, completion, cost)

        return call_with_retries(attempt, self.retry, self.usage)
