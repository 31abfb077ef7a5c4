"""Dagster resources: one per outside system, each owning its client's limits.

Keys reach these only through `EnvVar`, so they are never stored in run
config, printed in the launchpad or written to the event log.
"""

import os
from typing import Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr
from sqlalchemy.engine import Engine

from leadgen_pipeline.clients.dns import MailDomainResolver
from leadgen_pipeline.clients.host_politeness import HostPoliteness
from leadgen_pipeline.clients.llm import LLMClient
from leadgen_pipeline.clients.places import PLACES_API_URL, PlacesClient
from leadgen_pipeline.clients.rate_limit import RateLimit, build_rate_limit
from leadgen_pipeline.clients.resilience import RetrySettings
from leadgen_pipeline.clients.spend import SpendMeter
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins
from leadgen_pipeline.clients.webhooks import WEBHOOK_ALLOWED_HOSTS_ENV, WebhookSender
from leadgen_pipeline.domain.outbound_webhooks import RetryPolicy
from leadgen_pipeline.domain.tiling import TilingSettings
from leadgen_pipeline.monitoring.heartbeat import start_run_heartbeat
from leadgen_pipeline.storage.database import data_dir, engine_for
from leadgen_pipeline.webhooks.outbound import DeliverySettings


class DatabaseResource(ConfigurableResource):
    """The application database (PostgreSQL, or the embedded SQLite file).

    In a run, it also starts the run's heartbeat (monitoring/heartbeat.py):
    every step of ours uses the database, so it is set up when the run starts.
    """

    url: str
    # The cap on every run's and process's spend per UTC day (LEADGEN_DAILY_BUDGET_USD);
    # None: no daily cap. Checked from the spend ledger before each billable call.
    daily_budget_usd: float | None = None

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    def spend_meter(self, context: InitResourceContext) -> SpendMeter:
        """The ledger and budgets the run's Places and LLM calls go through."""
        run_id = context.run.run_id if context.run is not None else None
        return SpendMeter(self.engine, run_id, self.daily_budget_usd)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # Not a teardown: a resource with one must be opened as a context manager
        # everywhere (sensor tests too); the heartbeat ends with the run instead.
        if context.run is not None and context.instance is not None:
            start_run_heartbeat(self.engine, context.instance, context.run)


class RateLimitedResource(ConfigurableResource):
    """Settings every rate-limited API client shares."""

    database: DatabaseResource
    max_requests: int
    per_seconds: float = 1.0
    # False keeps the quota in process memory: only for a single-process tool.
    share_rate_limit: bool = True
    timeout_seconds: float = 10.0
    max_attempts: int = 5
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0

    _rate_limits: list[RateLimit] = PrivateAttr(default_factory=list)

    def _rate_limit(self, bucket: str) -> RateLimit:
        rate_limit = build_rate_limit(
            bucket,
            self.max_requests,
            self.per_seconds,
            database_url=self.database.url if self.share_rate_limit else None,
            sqlite_dir=data_dir(),
        )
        self._rate_limits.append(rate_limit)
        return rate_limit

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        while self._rate_limits:
            self._rate_limits.pop().close()

    def _retry(self) -> RetrySettings:
        return RetrySettings(self.max_attempts, self.backoff_base_seconds, self.backoff_max_seconds)


class PlacesResource(RateLimitedResource):
    """Google Places API (New): text search and Place Details."""

    api_key: str
    base_url: str = PLACES_API_URL
    max_requests: int = 10
    # Places answers 429 without Retry-After and counts its quotas per minute:
    # ten attempts, full-jitter backoff capped at 30 s, wait about a minute in
    # all before a call gives up (five, the default, wait a few seconds).
    max_attempts: int = 10
    # The most results Places returns for one query; a search that reaches it
    # has not seen every business (see docs on coverage).
    result_cap: int = 60
    max_pages: int = 10
    # Coverage "top" only ("full" takes the region and language from the resolved area):
    # a CLDR region code biasing results and formatting addresses; None lets Places
    # read the place from the query ("Elektriker in Berlin").
    region_code: str | None = None
    # Coverage "full": a split never makes a tile side shorter than this, and one search
    # asks at most this many tiles (a safety stop, reported as incomplete).
    min_tile_side_m: float = 50.0
    max_tile_queries: int = 2000
    _client: PlacesClient | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._client = PlacesClient(
            api_key=self.api_key,
            base_url=self.base_url.rstrip("/"),
            timeout_s=self.timeout_seconds,
            retry=self._retry(),
            rate_limit=self._rate_limit("google_places"),
            spend=self.database.spend_meter(context),
        )

    def tiling_settings(self) -> TilingSettings:
        return TilingSettings(
            min_tile_side_m=self.min_tile_side_m, max_tile_queries=self.max_tile_queries
        )

    @property
    def client(self) -> PlacesClient:
        if self._client is None:
            raise RuntimeError("PlacesResource used outside of a Dagster execution")
        return self._client


class LLMResource(RateLimitedResource):
    """Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, LiteLLM)."""

    api_key: str
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    max_requests: int = 5
    timeout_seconds: float = 60.0
    _client: LLMClient | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._client = LLMClient(
            api_key=self.api_key,
            model=self.model,
            base_url=self.base_url,
            timeout_s=self.timeout_seconds,
            retry=self._retry(),
            rate_limit=self._rate_limit("llm"),
            spend=self.database.spend_meter(context),
        )

    @property
    def client(self) -> LLMClient:
        if self._client is None:
            raise RuntimeError("LLMResource used outside of a Dagster execution")
        return self._client


class WebsiteFetcherResource(ConfigurableResource):
    """Business websites: guarded against private addresses, capped in size and time, polite
    per host.

    Websites are thousands of hosts with no quota to share, so there is no
    requests-per-second limit across runs: each host gets at most
    `max_in_flight_per_host` requests at once, `host_requests_per_second` (or
    its robots.txt Crawl-delay), and the process at most `max_connections`.
    """

    # Origins exempt from the private-address guard, e.g. the sandbox's
    # "http://127.0.0.1:8703". Empty in production.
    allowed_origins: str = ""
    max_bytes: int = 1_000_000
    page_deadline_seconds: float = 15.0
    # Every page of one site, robots.txt and waits for the host's turn included.
    site_budget_seconds: float = 20.0
    timeout_seconds: float = 10.0
    max_redirects: int = 5
    max_in_flight_per_host: int = 2
    host_requests_per_second: float = 4.0
    # Sized for the machine: each connection may hold a page (max_bytes) in memory.
    max_connections: int = 64
    _fetcher: WebsiteFetcher | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._fetcher = WebsiteFetcher(
            guard=AddressGuard(allowed_origins=parse_allowed_origins(self.allowed_origins)),
            max_bytes=self.max_bytes,
            page_deadline_s=self.page_deadline_seconds,
            site_budget_s=self.site_budget_seconds,
            connect_timeout_s=min(self.timeout_seconds, 5.0),
            read_timeout_s=self.timeout_seconds,
            max_redirects=self.max_redirects,
            politeness=HostPoliteness(
                max_in_flight_per_host=self.max_in_flight_per_host,
                min_interval_s=1.0 / self.host_requests_per_second,
                max_connections=self.max_connections,
            ),
        )

    @property
    def fetcher(self) -> WebsiteFetcher:
        if self._fetcher is None:
            raise RuntimeError("WebsiteFetcherResource used outside of a Dagster execution")
        return self._fetcher


class OutboundWebhooksResource(ConfigurableResource):
    """Subscribers' URLs (outbound webhooks): the website fetcher's address guard, timeouts,
    and the retry policy and per-tick limits of the delivery step."""

    # Origins exempt from the private-address guard, e.g. a CRM on the private
    # network, or a test receiver on loopback. Empty in production.
    allowed_origins: str = ""
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 10.0
    max_attempts: int = 10
    backoff_base_seconds: float = 60.0
    backoff_max_seconds: float = 6 * 3600.0
    max_per_tick: int = 1000
    max_per_subscription: int = 250
    workers: int = 4
    tick_budget_seconds: float = 20.0

    @property
    def guard(self) -> AddressGuard:
        return AddressGuard(allowed_origins=parse_allowed_origins(self.allowed_origins))

    def sender(self) -> WebhookSender:
        return WebhookSender(
            guard=self.guard,
            connect_timeout_s=self.connect_timeout_seconds,
            read_timeout_s=self.read_timeout_seconds,
        )

    def settings(self) -> DeliverySettings:
        return DeliverySettings(
            policy=RetryPolicy(
                self.max_attempts, self.backoff_base_seconds, self.backoff_max_seconds
            ),
            max_per_tick=self.max_per_tick,
            max_per_subscription=self.max_per_subscription,
            workers=self.workers,
            tick_budget_s=self.tick_budget_seconds,
        )


WEBHOOK_MAX_ATTEMPTS_ENV = "LEADGEN_WEBHOOK_MAX_ATTEMPTS"
WEBHOOK_BACKOFF_ENV = "LEADGEN_WEBHOOK_BACKOFF_SECONDS"


def outbound_webhooks_from_env() -> OutboundWebhooksResource:
    """Outbound webhook settings from the environment, the same for the delivery sensor,
    the API and the CLI (README: Configuration)."""
    return OutboundWebhooksResource(
        allowed_origins=os.environ.get(WEBHOOK_ALLOWED_HOSTS_ENV, ""),
        max_attempts=int(os.environ.get(WEBHOOK_MAX_ATTEMPTS_ENV, "10")),
        backoff_base_seconds=float(os.environ.get(WEBHOOK_BACKOFF_ENV, "60")),
    )


class DnsResource(ConfigurableResource):
    """The DNS resolver mail domains are looked up through (MX, then A).

    `resolver` is "ip[:port]" (several comma-separated); empty means no lookups at all,
    and every email's deliverability is "unknown". The machine's own resolver
    configuration is never read.
    """

    resolver: str = ""
    timeout_seconds: float = 3.0
    _client: MailDomainResolver | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._client = MailDomainResolver.from_spec(self.resolver, self.timeout_seconds)

    @property
    def client(self) -> MailDomainResolver | None:
        return self._client


def usage_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a client spent between two `Usage.snapshot()`s (resources live per run or per step)."""

    def minus(now: float, then: float) -> float:
        return round(now - then, 6) if isinstance(now, float) else now - then

    delta: dict[str, Any] = {}
    for key, value in after.items():
        if isinstance(value, dict):
            earlier = before.get(key, {})
            delta[key] = {
                k: minus(v, earlier.get(k, 0))
                for k, v in value.items()
                if minus(v, earlier.get(k, 0))
            }
        else:
            delta[key] = minus(value, before.get(key, 0))
    return delta
