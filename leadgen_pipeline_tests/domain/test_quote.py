"""The quote's arithmetic: requests by kind and SKU, enrichment, ranges, inputs' sources."""

import pytest

from leadgen_pipeline.domain.pricing import PLACES_SKUS
from leadgen_pipeline.domain.quote import (
    DEFAULT,
    HISTORY,
    PROBE,
    Figure,
    ProbeResult,
    QuoteDefaults,
    QuoteInputs,
    QuotePrices,
    history_places,
    learned_ratios,
    per_unit,
    plan_requests,
    probed_places,
    quote_run,
    share,
)

PRICES = QuotePrices(
    locate=PLACES_SKUS["Text Search Pro"],
    search=PLACES_SKUS["Text Search Enterprise"],
    place_details=PLACES_SKUS["Place Details Enterprise"],
    llm_model="gpt-4o-mini",
    llm_per_mtok=(0.15, 0.60),
)
DEFAULTS = QuoteDefaults()
NONE = Figure(0, 0, 0)  # a share or a token count of nothing: isolates what is tested


def exact(places: float) -> Figure:
    return Figure(places, places, places, PROBE)


def search_only(coverage: str, places: Figure, **more) -> QuoteInputs:
    return QuoteInputs(
        coverage,
        places,
        place_details_share=NONE,
        llm_share=NONE,
        intelligence_prompt_tokens=NONE,
        intelligence_completion_tokens=NONE,
        **more,
    )


@pytest.mark.parametrize(("places", "pages"), [(0, 1), (12, 1), (20, 1), (21, 2), (45, 3), (60, 3)])
def test_top_coverage_pays_one_request_a_page_of_20_and_no_look_up(places, pages):
    quote = quote_run(search_only("top", exact(places)), PRICES)
    assert quote.expected.text_search == {"locate": 0, "area": pages, "tiles": 0}
    assert quote.cost_usd.expected == pytest.approx(pages * 0.035)
    assert quote.requests_by_sku() == {"Text Search Enterprise": pages}


def test_top_coverage_stops_at_the_cap_however_many_places_exist():
    quote = quote_run(search_only("top", exact(500)), PRICES)
    assert quote.expected.text_search["area"] == 3 and quote.expected.places == 60


def test_full_coverage_below_the_cap_pays_the_look_up_and_the_pages():
    quote = quote_run(search_only("full", exact(45)), PRICES)
    assert quote.expected.text_search == {"locate": 1, "area": 3, "tiles": 0}
    assert quote.requests_by_sku() == {"Text Search Enterprise": 3, "Text Search Pro": 1}
    assert quote.cost_usd.expected == pytest.approx(0.032 + 3 * 0.035)


def test_full_coverage_past_the_cap_tiles_at_the_rate_per_place_without_a_plan():
    rate = Figure(0.08, 0.06, 0.1, HISTORY)
    quote = quote_run(search_only("full", exact(500), tile_requests_per_place=rate), PRICES)
    assert quote.expected.text_search["tiles"] == 40
    assert (quote.low.text_search["tiles"], quote.high.text_search["tiles"]) == (30, 50)


def test_a_stored_plan_replaces_the_rate():
    plan = plan_requests([52, 30, 59, 5], DEFAULTS)  # 3 + 2 + 3 + 1 pages
    assert plan.expected == 9 and plan.source == "plan"
    quote = quote_run(search_only("full", exact(146), tile_plan_requests=plan), PRICES)
    assert quote.expected.text_search["tiles"] == 9
    assert "tile_requests_per_place" not in quote.inputs.figures()


def test_enrichment_counts_new_and_due_prospects_not_fresh_ones():
    inputs = QuoteInputs(
        "full",
        exact(50),
        known_prospects=40,
        due_prospects=5,
        place_details_share=Figure(0.1, 0.1, 0.1),
        llm_share=Figure(0.5, 0.5, 0.5),
    )
    expected = quote_run(inputs, PRICES).expected
    # 10 places the search did not list before, and 5 of its own gone stale or failed.
    assert expected.prospects_enriched == 15
    assert expected.place_details == pytest.approx(1.5)
    assert expected.llm_calls == {"intelligence": 1, "extraction": 7.5}
    assert expected.cost_by_part["place_details"] == pytest.approx(1.5 * 0.020)


def test_llm_cost_is_tokens_at_the_models_prices():
    inputs = QuoteInputs(
        "top",
        exact(10),
        place_details_share=NONE,
        llm_share=Figure(1, 1, 1),
        extraction_prompt_tokens=Figure(1000, 1000, 1000),
        extraction_completion_tokens=Figure(100, 100, 100),
        intelligence_prompt_tokens=Figure(2000, 2000, 2000),
        intelligence_completion_tokens=Figure(500, 500, 500),
    )
    expected = quote_run(inputs, PRICES).expected
    assert (expected.prompt_tokens, expected.completion_tokens) == (12_000, 1_500)
    assert expected.cost_by_part["llm"] == pytest.approx((12_000 * 0.15 + 1_500 * 0.60) / 1e6)


def test_a_search_that_finds_nothing_asks_no_llm():
    quote = quote_run(QuoteInputs("full", exact(0)), PRICES)
    assert quote.expected.llm_calls == {"intelligence": 0, "extraction": 0}
    assert quote.cost_usd.expected == pytest.approx(0.032 + 0.035)


def test_the_range_holds_the_expected_and_widens_with_the_binomial_spread():
    quote = quote_run(QuoteInputs("full", exact(100)), PRICES)
    assert quote.low.cost_usd < quote.cost_usd.expected < quote.high.cost_usd
    # Even an exact share leaves a search's own prospects to chance.
    exact_share = QuoteInputs("full", exact(100), place_details_share=Figure(0.05, 0.05, 0.05))
    spread = quote_run(exact_share, PRICES)
    assert spread.low.place_details < 5 < spread.high.place_details <= 100


def test_the_document_names_every_input_with_its_source():
    document = quote_run(QuoteInputs("full", DEFAULTS.places), PRICES).as_dict()
    assert document["inputs"]["places"]["source"] == DEFAULT
    assert set(document["cost_by_part_usd"]) == {"places_search", "place_details", "llm"}
    assert set(document["requests"]["text_search"]) == {"locate", "area", "tiles"}
    assert document["probe"] is None


def test_history_places_drift_and_a_capped_run_is_a_lower_bound():
    assert history_places(74, False, DEFAULTS) == Figure(
        74, 74 * 0.85, 74 * 1.15, HISTORY, "the last run found 74"
    )
    capped = history_places(60, True, DEFAULTS)
    assert (capped.low, capped.expected, capped.high) == (60, 120, 1200)


def test_a_probe_counts_exactly_below_the_cap_and_only_saturation_at_it():
    below = probed_places(ProbeResult(45, 3, "Text Search Essentials (IDs Only)"), DEFAULTS)
    assert (below.low, below.expected, below.high, below.source) == (45, 45, 45, PROBE)
    at_cap = probed_places(ProbeResult(60, 3, "Text Search Essentials (IDs Only)"), DEFAULTS)
    assert at_cap.low == 60 and at_cap.expected == 120 and at_cap.source == "probe+default"


def test_shares_and_means_come_from_history_once_there_is_enough_of_it():
    default = DEFAULTS.place_details_share
    assert share(1, 10, default, min_total=20) is default
    learned = share(10, 100, default, min_total=20)
    assert learned.expected == 0.1 and learned.source == HISTORY
    assert 0 <= learned.low < 0.1 < learned.high <= 1
    assert per_unit(0, 0, default, 0.25, "calls") is default
    assert per_unit(900, 3, default, 0.25, "calls") == Figure(
        300, 225, 375, HISTORY, "mean over 3 calls"
    )


def test_learned_ratios_fall_back_to_the_defaults_one_by_one():
    nothing = {"prospects": 0, "place_details": 0, "llm_calls": 0}
    empty = learned_ratios(
        0, 0, nothing | {"prompt_tokens": 0, "completion_tokens": 0}, (0, 0, 0), DEFAULTS
    )
    assert {figure.source for figure in empty.values()} == {DEFAULT}
    enriched = {
        "prospects": 74,
        "place_details": 2,
        "llm_calls": 23,
        "prompt_tokens": 8300,
        "completion_tokens": 703,
    }
    learned = learned_ratios(6, 74, enriched, (1, 263, 154), DEFAULTS)
    assert {figure.source for figure in learned.values()} == {HISTORY}
    assert learned["place_details_share"].expected == pytest.approx(2 / 74)
    assert learned["llm_share"].note == "23 of 74 past prospects"
    assert learned["extraction_prompt_tokens"].expected == pytest.approx(8300 / 23)
    assert learned["tile_requests_per_place"].expected == pytest.approx(6 / 74)
    assert learned["intelligence_completion_tokens"].expected == 154
