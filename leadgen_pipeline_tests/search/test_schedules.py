"""The refresh schedule, evaluated against a real database."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.retention import RETENTION_DAYS_ENV, RETENTION_REFRESH_ENV
from leadgen_pipeline.search.schedules import (
    REFRESH_RUNS_PER_TICK,
    clear_expired_places,
    refresh_before_places_expiry,
    refresh_searches,
)
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline_tests.support.prospects import REQUEST, store_field


def test_the_refresh_schedule_reruns_the_oldest_searches_in_bounded_runs(database_url):
    engine = store_field(database_url)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(sa.update(t.searches).values(last_searched_at=old))
    context = dg.build_schedule_context(
        scheduled_execution_time=old + timedelta(days=30),
        resources={"database": DatabaseResource(url=database_url)},
    )
    [request] = refresh_searches(context)
    assert request.partition_key == REQUEST.partition_key
    assert request.run_key == f"refresh:{REQUEST.partition_key}:2020-01-31"
    assert REFRESH_RUNS_PER_TICK == 20


def test_the_retention_is_cleared_every_day_once(database_url):
    tick = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    request = clear_expired_places(dg.build_schedule_context(scheduled_execution_time=tick))
    assert request.run_key == "retention:2026-12-01"


def test_searches_are_refreshed_before_their_places_data_expires_only_when_configured(
    database_url, monkeypatch
):
    engine = store_field(database_url)

    def tick() -> dg.ScheduleEvaluationContext:
        return dg.build_schedule_context(
            scheduled_execution_time=utcnow(),
            resources={"database": DatabaseResource(url=database_url)},
        )

    with engine.begin() as conn:
        conn.execute(sa.update(t.searches).values(last_searched_at=utcnow() - timedelta(days=28)))
    monkeypatch.delenv(RETENTION_REFRESH_ENV, raising=False)
    skipped = refresh_before_places_expiry(tick())
    assert isinstance(skipped, dg.SkipReason) and RETENTION_REFRESH_ENV in skipped.skip_message

    monkeypatch.setenv(RETENTION_REFRESH_ENV, "true")
    [request] = refresh_before_places_expiry(tick())
    assert request.partition_key == REQUEST.partition_key
    assert request.tags["leadgen/requested_by"] == "schedule:retention"
    monkeypatch.setenv(RETENTION_DAYS_ENV, "60")  # not due yet under a longer retention
    assert isinstance(
        refresh_before_places_expiry(tick()),
        dg.SkipReason,
    )
