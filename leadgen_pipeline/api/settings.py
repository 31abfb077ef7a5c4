"""The HTTP API's settings, from the environment (see README: Configuration)."""

import os
from dataclasses import dataclass, field

from leadgen_pipeline.clients.webhooks import WEBHOOK_ALLOWED_HOSTS_ENV
from leadgen_pipeline.storage.database import database_url_from_env

API_TOKEN_ENV = "LEADGEN_API_TOKEN"
WEBHOOK_SECRET_ENV = "LEADGEN_WEBHOOK_SECRET"
DAGSTER_URL_ENV = "LEADGEN_DAGSTER_URL"
FRESHNESS_ENV = "LEADGEN_SEARCH_FRESHNESS_HOURS"
STATUS_CACHE_ENV = "LEADGEN_STATUS_CACHE_SECONDS"
STATUS_THREADS_ENV = "LEADGEN_STATUS_READ_THREADS"
STATUS_IN_FLIGHT_ENV = "LEADGEN_STATUS_IN_FLIGHT"


@dataclass(frozen=True)
class ApiSettings:
    database_url: str
    # The Dagster webserver whose GraphQL API launches and reports runs.
    dagster_url: str = "http://127.0.0.1:3000"
    # None: the mutating endpoints answer 503 instead of running unauthenticated.
    api_token: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    # A search run within this many hours is reused instead of spending quota again.
    search_freshness_hours: float = 24.0
    dagster_timeout_seconds: float = 15.0
    # A job's status is read at most once per this many seconds (0: every poll),
    # by at most this many threads at once (0: the thread pool every sync route
    # shares, as before they had their own); api/status_cache.py.
    status_cache_seconds: float = 2.0
    status_read_threads: int = 8
    # Status polls served at once; more wait their turn (api/guards.py).
    status_in_flight: int = 4
    # Outbound webhook subscribers exempt from the private-address guard (as the
    # delivery step's: the same variable).
    webhook_allowed_hosts: str = ""

    @classmethod
    def from_env(cls) -> "ApiSettings":
        return cls(
            database_url=database_url_from_env(),
            dagster_url=os.environ.get(DAGSTER_URL_ENV, cls.dagster_url),
            api_token=os.environ.get(API_TOKEN_ENV) or None,
            webhook_secret=os.environ.get(WEBHOOK_SECRET_ENV) or None,
            search_freshness_hours=float(
                os.environ.get(FRESHNESS_ENV, str(cls.search_freshness_hours))
            ),
            status_cache_seconds=float(
                os.environ.get(STATUS_CACHE_ENV, str(cls.status_cache_seconds))
            ),
            status_read_threads=int(os.environ.get(STATUS_THREADS_ENV, cls.status_read_threads)),
            status_in_flight=int(os.environ.get(STATUS_IN_FLIGHT_ENV, cls.status_in_flight)),
            webhook_allowed_hosts=os.environ.get(WEBHOOK_ALLOWED_HOSTS_ENV, ""),
        )
