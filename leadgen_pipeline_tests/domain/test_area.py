import pytest

from leadgen_pipeline.domain.area import UnresolvedLocation, resolve_area
from leadgen_pipeline.domain.tiling import Rectangle

BERLIN = {
    "id": "ChIJAVkDPzdOqEcRcDteW0YgIQQ",
    "displayName": {"text": "Berlin", "languageCode": "de"},
    "formattedAddress": "Berlin, Germany",
    "types": ["locality", "political"],
    "viewport": {
        "low": {"latitude": 52.3382, "longitude": 13.0883},
        "high": {"latitude": 52.6755, "longitude": 13.7611},
    },
    "addressComponents": [
        {"longText": "Berlin", "shortText": "Berlin", "types": ["locality", "political"]},
        {"longText": "Germany", "shortText": "DE", "types": ["country", "political"]},
    ],
}


def test_the_first_area_is_taken_with_its_country_and_language():
    business = {"id": "x", "types": ["restaurant"], "viewport": BERLIN["viewport"]}
    area = resolve_area("Berlin", [business, BERLIN])
    assert area.name == "Berlin, Germany"
    assert area.rectangle == Rectangle(52.3382, 13.0883, 52.6755, 13.7611)
    assert (area.region_code, area.language_code) == ("DE", "de")


def test_an_area_without_a_country_still_resolves():
    area = resolve_area("Somewhere", [{**BERLIN, "addressComponents": []}])
    assert area.country_code is None and area.language_code is None


@pytest.mark.parametrize(
    "places",
    [
        [],
        [{"id": "x", "types": ["plumber"], "viewport": BERLIN["viewport"]}],
        [{**BERLIN, "viewport": {"low": {"latitude": 5, "longitude": 1}}}],
        [
            {
                **BERLIN,
                "viewport": {
                    "low": {"latitude": 5, "longitude": 1},
                    "high": {"latitude": 4, "longitude": 2},
                },
            }
        ],
    ],
)
def test_no_usable_area_is_a_clear_refusal(places):
    with pytest.raises(UnresolvedLocation, match="knows no area"):
        resolve_area("Nowhere", places)
