import pytest

from leadgen_pipeline.domain.places import DETAILS_FIELD_MASK, SEARCH_FIELD_MASK
from leadgen_pipeline.domain.pricing import (
    PLACES_SKUS,
    UnpricedField,
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
