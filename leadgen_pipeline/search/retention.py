"""Retention of Google's data: the job that clears Places content past the limit.

The limit is `LEADGEN_PLACES_RETENTION_DAYS` (default 30), or the run's `days`. Clearing
buys nothing; re-running searches before their data expires (the
`refresh_before_places_expiry` schedule) spends Places quota, so it runs only when
`LEADGEN_PLACES_RETENTION_REFRESH` says so (docs/decisions.md, "Retention").
"""

import os

import dagster as dg
from pydantic import Field

from leadgen_pipeline.domain.retention import (
    DEFAULT_RETENTION_DAYS,
    InvalidRetention,
    retention_cutoff,
)
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import retention_store
from leadgen_pipeline.storage.base import utcnow

RETENTION_DAYS_ENV = "LEADGEN_PLACES_RETENTION_DAYS"
RETENTION_REFRESH_ENV = "LEADGEN_PLACES_RETENTION_REFRESH"


def retention_days() -> int:
    """The configured retention in days; a value that is no whole number is refused."""
    raw = os.environ.get(RETENTION_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        return int(raw)
    except ValueError:
        raise InvalidRetention(
            f"{RETENTION_DAYS_ENV}={raw!r}: the retention is a whole number of days"
        ) from None


def refresh_configured() -> bool:
    return os.environ.get(RETENTION_REFRESH_ENV, "").strip().lower() in {"1", "true", "yes"}


class RetentionConfig(dg.Config):
    days: int | None = Field(
        default=None,
        description=f"Clear Places content older than this many days (default: "
        f"{RETENTION_DAYS_ENV}, else {DEFAULT_RETENTION_DAYS}).",
    )


@dg.op
def clear_expired_places_data(
    context: dg.OpExecutionContext, config: RetentionConfig, database: DatabaseResource
) -> dg.Output[dict[str, int]]:
    """Clear the Places content older than the retention; place ids and what the product
    found itself are kept."""
    try:
        days = config.days if config.days is not None else retention_days()
        cutoff = retention_cutoff(utcnow(), days)
    except InvalidRetention as error:
        raise dg.Failure(str(error), allow_retries=False) from None
    counts = retention_store.clear_expired_places_data(database.engine, cutoff)
    context.log.info(f"cleared Places content written before {cutoff:%Y-%m-%d %H:%M} UTC: {counts}")
    return dg.Output(
        counts, metadata={"retention_days": days, "cutoff": cutoff.isoformat(), **counts}
    )


@dg.job(description="Clear Google Places content older than the retention (default 30 days).")
def places_retention() -> None:
    clear_expired_places_data()
