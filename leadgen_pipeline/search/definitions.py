"""The search stage's Dagster definitions."""

import dagster as dg

from leadgen_pipeline.search.assets import ai_intelligence, places_results, prospects
from leadgen_pipeline.search.checks import search_checks
from leadgen_pipeline.search.jobs import request_search, search_job
from leadgen_pipeline.search.retention import places_retention
from leadgen_pipeline.search.schedules import (
    clear_expired_places,
    refresh_before_places_expiry,
    refresh_searches,
)
from leadgen_pipeline.search.sensors import search_requests

defs = dg.Definitions(
    assets=[places_results, prospects, ai_intelligence],
    asset_checks=search_checks,
    jobs=[search_job, request_search, places_retention],
    sensors=[search_requests],
    schedules=[refresh_searches, clear_expired_places, refresh_before_places_expiry],
)
