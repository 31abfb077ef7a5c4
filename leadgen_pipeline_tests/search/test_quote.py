"""Quotes on the sandbox, held against what the run then spends."""

from datetime import timedelta

import sqlalchemy as sa

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.domain.enrichment import STALE_AFTER_DAYS
from leadgen_pipeline.domain.pricing import text_search_sku
from leadgen_pipeline.domain.quote import Quote
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.search.quote import PROBE_FIELD_MASK, quote_search
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.fake_keys import PLACES_KEY
from leadgen_pipeline_tests.support.pipeline import run_search
from leadgen_pipeline_tests.support.searches import register_search
from leadgen_pipeline_tests.support.spend import spent_by_run
from leadgen_sandbox import Sandbox

MODEL = "gpt-4o-mini"
PLUMBERS_AUSTIN = ("plumber", "Austin, TX")  # 74 places: past the cap, tiled
ELECTRICIANS_AUSTIN = ("electrician", "Austin, TX")  # 45 places: below the cap


def quote(database_url: str, keyword: str, location: str, places: PlacesClient | None = None):
    request = parse_search_request(keyword, location, None, "full")
    return quote_search(engine_for(database_url), request, MODEL, places)


def places_requests(sandbox: Sandbox) -> int:
    return sandbox.stats("places").requests_total


def age_enrichment(database_url: str) -> None:
    """Every prospect enriched past the stale limit: the next run enriches them all again."""
    with engine_for(database_url).begin() as conn:
        conn.execute(
            sa.update(t.prospects).values(
                enriched_at=utcnow() - timedelta(days=STALE_AFTER_DAYS + 1)
            )
        )


def within(quoted: Quote, spent: float, tolerance: float) -> bool:
    return abs(quoted.cost_usd.expected - spent) <= tolerance * spent


def test_a_quote_from_history_lands_within_25_percent_of_what_the_run_spends(
    instance, resources, database_url, sandbox
):
    key = register_search(instance, database_url, *PLUMBERS_AUSTIN, coverage="full")
    first = run_search(instance, resources, key)
    assert first.success

    # A re-run while the prospects are fresh: the stored tile plan, no enrichment.
    before = places_requests(sandbox)
    quoted = quote(database_url, *PLUMBERS_AUSTIN)
    assert places_requests(sandbox) == before  # the quote asked Places nothing
    inputs = quoted.inputs.figures()
    assert inputs["places"].source == "history" and inputs["places"].expected == 74
    assert inputs["tile_plan_requests"].source == "plan"
    assert quoted.expected.prospects_enriched == 0
    rerun = run_search(instance, resources, key)
    assert rerun.success
    assert within(quoted, spent_by_run(rerun), 0.25), (quoted.as_dict(), spent_by_run(rerun))
    assert quoted.cost_usd.expected < spent_by_run(first)  # the first run paid the enrichment

    # Stale prospects: the run enriches all 74 again, priced from the past ratios.
    age_enrichment(database_url)
    quoted = quote(database_url, *PLUMBERS_AUSTIN)
    inputs = quoted.inputs.figures()
    assert {inputs[name].source for name in ("place_details_share", "llm_share")} == {"history"}
    assert quoted.expected.prospects_enriched == 74
    result = run_search(instance, resources, key)
    assert result.success
    spent = spent_by_run(result)
    assert within(quoted, spent, 0.25), (quoted.as_dict(), spent)
    assert quoted.low.cost_usd <= spent <= quoted.high.cost_usd


def test_a_search_never_run_is_probed_for_free_and_its_spend_falls_in_the_range(
    instance, resources, database_url, sandbox
):
    places = PlacesClient(api_key=PLACES_KEY, base_url=sandbox.places_url)
    quoted = quote(database_url, *ELECTRICIANS_AUSTIN, places)
    usage = places.usage.snapshot()
    # 45 places: three pages of place ids, billed at $0.
    assert usage["requests_by_sku"] == {text_search_sku(PROBE_FIELD_MASK).name: 3}
    assert usage["cost_usd"] == 0.0
    assert quoted.probe is not None and quoted.probe.places == 45
    assert quoted.as_dict()["probe"]["requests"] == 3
    assert quoted.inputs.places.source == "probe" and quoted.inputs.places.expected == 45
    assert quoted.expected.text_search == {"locate": 1, "area": 3, "tiles": 0}

    key = register_search(instance, database_url, *ELECTRICIANS_AUSTIN, coverage="full")
    result = run_search(instance, resources, key)
    spent = spent_by_run(result)
    assert quoted.low.cost_usd <= spent <= quoted.high.cost_usd, (quoted.as_dict(), spent)


def test_a_search_never_run_and_not_probed_is_quoted_from_the_defaults(pg_url, sandbox):
    before = places_requests(sandbox)
    quoted = quote(pg_url, *PLUMBERS_AUSTIN)
    assert places_requests(sandbox) == before
    assert {figure.source for figure in quoted.inputs.figures().values()} == {"default"}
    assert quoted.probe is None and "not probed" in quoted.notes[0]
    assert quoted.low.cost_usd < quoted.cost_usd.expected < quoted.high.cost_usd
