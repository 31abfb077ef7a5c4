"""Fault injection and request accounting for one sandbox server."""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class FaultConfig:
    """What a server does wrong. Every rate is a share of requests, drawn from ``seed``."""

    latency_ms: int = 0  # added to every response
    # Requests beyond this rate (sliding window) get 429 in the server's native format.
    quota_per_second: float | None = None
    error_rate: float = 0.0  # answered 500 or 503
    timeout_rate: float = 0.0  # hang for hang_seconds, then answer
    malformed_rate: float = 0.0  # answered 200 with a broken body
    seed: int = 0
    hang_seconds: float = 30.0

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.timeout_rate, self.malformed_rate)
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("error_rate, timeout_rate and malformed_rate must be within [0, 1]")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError("error_rate + timeout_rate + malformed_rate must not exceed 1")
        if self.latency_ms < 0 or self.hang_seconds < 0:
            raise ValueError("latency_ms and hang_seconds must not be negative")
        if self.quota_per_second is not None and self.quota_per_second <= 0:
            raise ValueError("quota_per_second must be positive (or None for no quota)")

    @classmethod
    def from_json(cls, data: object) -> FaultConfig:
        """Build from an admin request body; fields not given take their defaults."""
        if not isinstance(data, Mapping):
            raise ValueError("fault config must be a JSON object")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault config fields: {', '.join(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)


class FaultKind(StrEnum):
    NONE = "none"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    HANG = "hang"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class QuotaState:
    """The request quota as a client sees it; servers turn it into rate-limit headers."""

    limit: int
    remaining: int
    reset_seconds: float  # until a slot frees up


@dataclass(frozen=True)
class FaultDecision:
    kind: FaultKind
    latency_seconds: float
    hang_seconds: float = 0.0
    error_status: int = 500
    malformed_truncate: bool = True  # else garbage bytes
    quota: QuotaState | None = None


class FaultInjector:
    """Decides, per request, which fault (if any) a server injects; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._random = random.Random(0)
        self._admitted: deque[float] = deque()

    @property
    def config(self) -> FaultConfig:
        with self._lock:
            return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)
            self._admitted.clear()

    def decide(self) -> FaultDecision:
        with self._lock:
            config = self._config
            latency = config.latency_ms / 1000
            quota = self._admit(config.quota_per_second)
            if quota is not None and quota.remaining < 0:
                clamped = QuotaState(quota.limit, 0, quota.reset_seconds)
                return FaultDecision(FaultKind.RATE_LIMITED, latency, quota=clamped)
            draw = self._random.random()
            if draw < config.error_rate:
                status = self._random.choice((500, 503))
                return FaultDecision(
                    FaultKind.SERVER_ERROR, latency, error_status=status, quota=quota
                )
            draw -= config.error_rate
            if draw < config.timeout_rate:
                return FaultDecision(
                    FaultKind.HANG, latency, hang_seconds=config.hang_seconds, quota=quota
                )
            draw -= config.timeout_rate
            if draw < config.malformed_rate:
                truncate = self._random.random() < 0.5
                return FaultDecision(
                    FaultKind.MALFORMED, latency, malformed_truncate=truncate, quota=quota
                )
            return FaultDecision(FaultKind.NONE, latency, quota=quota)

    def _admit(self, quota_per_second: float | None) -> QuotaState | None:
        """Count the request against a sliding-window quota; remaining < 0 means refused.

        A quota below one a second becomes one request per 1/quota seconds.
        """
        if quota_per_second is None:
            return None
        window = max(1.0, 1.0 / quota_per_second)
        limit = max(1, round(quota_per_second * window))
        now = time.monotonic()
        while self._admitted and self._admitted[0] <= now - window:
            self._admitted.popleft()
        if len(self._admitted) >= limit:
            reset = self._admitted[0] + window - now
            return QuotaState(limit, -1, max(reset, 0.001))
        self._admitted.append(now)
        reset = self._admitted[0] + window - now
        return QuotaState(limit, limit - len(self._admitted), max(reset, 0.001))


@dataclass(frozen=True)
class SandboxStats:
    """What one server answered since start or the last reset (admin endpoints excluded)."""

    requests_total: int
    by_status: Mapping[int, int]
    rate_limited: int  # 429 answers
    faults_injected: Mapping[str, int]  # by FaultKind value

    def to_json(self) -> dict[str, object]:
        return {
            "requests_total": self.requests_total,
            "by_status": {str(status): count for status, count in sorted(self.by_status.items())},
            "rate_limited": self.rate_limited,
            "faults_injected": dict(self.faults_injected),
        }


class StatsRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_status: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()

    def record(self, status: int, fault: FaultKind) -> None:
        with self._lock:
            self._by_status[status] += 1
            if fault is not FaultKind.NONE:
                self._faults[fault.value] += 1

    def snapshot(self) -> SandboxStats:
        with self._lock:
            return SandboxStats(
                requests_total=sum(self._by_status.values()),
                by_status=dict(self._by_status),
                rate_limited=self._by_status[429],
                faults_injected=dict(self._faults),
            )

    def reset(self) -> None:
        with self._lock:
            self._by_status.clear()
            self._faults.clear()


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, as HTTP Retry-After wants."""
    return str(max(1, math.ceil(seconds)))
