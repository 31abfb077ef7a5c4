"""The refresh schedule, evaluated against a real database."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.schedules import REFRESH_RUNS_PER_TICK, refresh_searches
from leadgen_pipeline.storage import schema as t
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
