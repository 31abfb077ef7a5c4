"""Prospects and search requests built in code, for tests that need no Places call."""

from dataclasses import replace
from typing import Any

import dagster as dg
from dagster._core.execution.context.invocation import (
    DirectAssetCheckExecutionContext,
)
from sqlalchemy.engine import Engine

from leadgen_pipeline.domain.leads import LeadCandidate, Sourced, score_lead
from leadgen_pipeline.domain.places import Prospect
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.storage import lead_store, prospect_store, search_store
from leadgen_pipeline.storage.database import engine_for

BASE = Prospect(
    place_id="",
    name="",
    formatted_address=None,
    latitude=None,
    longitude=None,
    primary_type="plumber",
    types=("plumber",),
    business_status="OPERATIONAL",
    phone_e164="+15124692300",
    national_phone=None,
    website="https://x.com",
    google_maps_uri=None,
    rating=None,
    user_rating_count=None,
)


def prospect(
    place_id: str,
    name: str,
    rating: float | None = None,
    reviews: int | None = None,
    **changes: Any,
) -> Prospect:
    """An operating plumber with a phone and a website, changed as given."""
    return replace(
        BASE, place_id=place_id, name=name, rating=rating, user_rating_count=reviews, **changes
    )


# A stored search and its three results, for storage, check and sensor tests.
REQUEST = parse_search_request("plumber", "Austin, TX", "Lone Star")
FIELD = [prospect("a", "A", 4.5, 10), prospect("b", "B", 4.0, 5), prospect("c", "C", None, None)]


def store_field(database_url: str) -> Engine:
    """REQUEST stored with FIELD as its results."""
    engine = engine_for(database_url)
    search_store.register_search(engine, REQUEST, "test")
    prospect_store.store_search_prospects(engine, REQUEST.partition_key, FIELD)
    return engine


def store_field_with_a_lead(database_url: str) -> Engine:
    """REQUEST stored with FIELD as its results, the first promoted to a lead."""
    engine = store_field(database_url)
    lead = score_lead(LeadCandidate(FIELD[0], phone=Sourced("+15124692300", "places_search")))
    lead_store.upsert_leads(engine, REQUEST.partition_key, [lead], None)
    return engine


def run_check(
    check: dg.AssetChecksDefinition, database_url: str, partition_key: str = REQUEST.partition_key
) -> dg.AssetCheckResult:
    """An asset check evaluated directly on the database as it is, for one search's partition
    (REQUEST's unless told)."""
    context = DirectAssetCheckExecutionContext(
        op_execution_context=dg.build_op_context(partition_key=partition_key)
    )
    return check(context, database=DatabaseResource(url=database_url))


def failed_checks(
    checks: list[dg.AssetChecksDefinition], database_url: str
) -> dict[str, dg.AssetCheckResult]:
    """The checks that do not pass on the database as it is, by name."""
    results = {check.check_key.name: run_check(check, database_url) for check in checks}
    return {name: result for name, result in results.items() if not result.passed}
