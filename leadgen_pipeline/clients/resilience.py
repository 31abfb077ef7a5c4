"""Retries with exponential backoff and jitter, and usage accounting, for every client."""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class ProviderError(Exception):
    """A provider (Places, the LLM) refused or failed a call.

    `retryable` marks faults worth another attempt (429, 5xx, network errors,
    malformed bodies); `retry_after_s` carries the server's own hint.
    The message never holds request headers, so no key can leak through it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.retryable = retryable
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class RetrySettings:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    # A server asking for a longer pause than this is treated as a hard
    # failure: the step fails and its retry policy (or a person) takes over.
    max_retry_after_s: float = 120.0


def backoff_delay(
    attempt: int, settings: RetrySettings, retry_after_s: float | None, rng: random.Random
) -> float:
    """Full-jitter exponential backoff for `attempt` (1-based), never below retry-after."""
    ceiling = min(settings.max_delay_s, settings.base_delay_s * 2 ** (attempt - 1))
    delay = rng.uniform(0, ceiling)
    return max(delay, retry_after_s or 0.0)


@dataclass
class Usage:
    """What a client spent: calls, outcomes, tokens and estimated cost. Thread-safe."""

    calls: int = 0
    retries: int = 0
    failures: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    # Billed calls and their estimated cost by the provider's SKU (e.g. "Text Search Pro").
    requests_by_sku: Counter[str] = field(default_factory=Counter)
    cost_by_sku: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_call(self, status: str, cost_usd: float = 0.0, sku: str | None = None) -> None:
        with self._lock:
            self.calls += 1
            self.statuses[status] += 1
            self.cost_usd += cost_usd
            if sku is not None:
                self.requests_by_sku[sku] += 1
                self.cost_by_sku[sku] += cost_usd

    def record_tokens(self, prompt: int, completion: int, cost_usd: float) -> None:
        with self._lock:
            self.prompt_tokens += prompt
            self.completion_tokens += completion
            self.cost_usd += cost_usd

    def record_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.calls,
                "retries": self.retries,
                "failures": self.failures,
                "statuses": dict(sorted(self.statuses.items())),
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": round(self.cost_usd, 6),
                "requests_by_sku": dict(sorted(self.requests_by_sku.items())),
                "cost_by_sku_usd": {
                    sku: round(cost, 6) for sku, cost in sorted(self.cost_by_sku.items())
                },
            }


def call_with_retries(
    attempt_call: Callable[[], T],
    settings: RetrySettings,
    usage: Usage,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run `attempt_call` until it succeeds, a non-retryable ProviderError, or attempts run out."""
    rng = rng or random.Random()
    for attempt in range(1, settings.max_attempts + 1):
        try:
            return attempt_call()
        except ProviderError as error:
            too_long = (error.retry_after_s or 0) > settings.max_retry_after_s
            if not error.retryable or too_long or attempt == settings.max_attempts:
                usage.record_failure()
                raise
            usage.record_retry()
            sleep(backoff_delay(attempt, settings, error.retry_after_s, rng))
    raise AssertionError("unreachable: the loop returns or raises")
