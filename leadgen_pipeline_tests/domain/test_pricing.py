import pytest

from leadgen_pipeline.domain import pricing
from leadgen_pipeline.domain.places import DETAILS_FIELD_MASK, SEARCH_FIELD_MASK
from leadgen_pipeline.domain.pricing import (
    PLACES_SKUS,
    PRICE_VERSION,
    PRICES_READ_ON,
    UnpricedField,
    llm_call_estimate_usd,
    llm_cost_usd,
    place_details_sku,
    text_search_sku,
)


def test_a_mask_bills_at_its_highest_field():
    assert text_search_sku("places.id,nextPageToken").name == "Text Search Essentials (IDs Only)"
    assert text_search_sku("places.id,places.location,nextPageToken").name == "Text Search Pro"
    assert text_search_sku("places.location,places.rating").name == "Text Search Enterprise"
    assert text_search_sku("places.id,places.reviews").name == "Text Search Enterprise + Atmosphere"
    assert text_search_sku("places.*").name == "Text Search Enterprise + Atmosphere"


def test_sub_fields_bill_as_their_field():
    assert text_search_sku("places.displayName.text").name == "Text Search Pro"


def test_the_product_masks_are_priced():
    assert text_search_sku(SEARCH_FIELD_MASK).usd_per_call == pytest.approx(0.035)
    assert place_details_sku(DETAILS_FIELD_MASK).name == "Place Details Enterprise"
    assert text_search_sku("places.id").usd_per_call == 0.0


def test_an_unknown_field_is_refused_not_priced_low():
    with pytest.raises(UnpricedField):
        text_search_sku("places.id,places.somethingNew")
    with pytest.raises(UnpricedField):
        text_search_sku("displayName")  # a details-style path in a search mask


def test_every_sku_names_where_and_when_its_price_was_read():
    for sku in PLACES_SKUS.values():
        assert sku.source.startswith("https://developers.google.")
        assert sku.read_on


def test_the_price_table_has_a_version_that_changes_with_any_price(monkeypatch):
    assert PRICE_VERSION.startswith(PRICES_READ_ON + ".")
    monkeypatch.setitem(pricing.LLM_PRICES_PER_MTOK, "gpt-4o-mini", (0.16, 0.60))
    assert pricing._price_version() != PRICE_VERSION


def test_an_llm_call_is_reserved_at_no_less_than_it_can_cost():
    # A prompt of 4,000 characters is about 1,000 tokens; the reservation assumes 2,000
    # and every output token.
    most = llm_call_estimate_usd((0.15, 0.60), 4000, 1200)
    assert most >= llm_cost_usd((0.15, 0.60), 1500, 1200)
