import pytest

from leadgen_pipeline.domain.places import (
    SEARCH_FIELD_MASK,
    MalformedPlace,
    phone_to_e164,
    prospect_from_place,
    ranked_prospects,
)

PLACE = {
    "id": "ChIJabc",
    "displayName": {"text": " Lone Star Plumbing ", "languageCode": "en"},
    "formattedAddress": "1 Main St, Austin, TX 78701, USA",
    "location": {"latitude": 30.26, "longitude": -97.74},
    "types": ["plumber", "point_of_interest"],
    "primaryType": "plumber",
    "businessStatus": "OPERATIONAL",
    "nationalPhoneNumber": "(512) 555-0143",
    "internationalPhoneNumber": "+1 512-555-0143",
    "websiteUri": "https://lonestarplumbing.com/",
    "rating": 4.6,
    "userRatingCount": 120,
}


def test_a_full_place_normalises_to_a_prospect():
    prospect = prospect_from_place(PLACE)
    assert prospect.place_id == "ChIJabc"
    assert prospect.name == "Lone Star Plumbing"
    assert prospect.types == ("plumber", "point_of_interest")
    assert prospect.latitude == 30.26
    assert prospect.rating == 4.6
    assert prospect.user_rating_count == 120
    assert prospect.website == "https://lonestarplumbing.com/"


def test_missing_fields_are_none_not_errors():
    prospect = prospect_from_place({"id": "x", "displayName": {"text": "Bare"}})
    assert prospect.phone_e164 is None
    assert prospect.rating is None
    assert prospect.types == ()


@pytest.mark.parametrize(
    ("international", "national", "expected"),
    [
        ("+1 123-456-7890", None, None),  # no US area code starts with 1
        ("+1 512-469-2300", None, "+15124692300"),
        (None, "(512) 469-2300", "+15124692300"),
        ("not a phone", "(512) 469-2300", "+15124692300"),
        (None, "12345", None),
        ("+44 20 7031 3000", None, "+442070313000"),
        (None, None, None),
    ],
)
def test_phones_become_e164_only_when_valid(international, national, expected):
    assert phone_to_e164(international, national) == expected


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"displayName": {"text": "x"}}, "no id"),
        ({"id": "x"}, "no displayName"),
        ({"id": "ChIJ/../x", "displayName": {"text": "x"}}, "not URL-safe"),
        ({"id": "ChIJ abc", "displayName": {"text": "x"}}, "not URL-safe"),
        ({"id": "x" * 257, "displayName": {"text": "x"}}, "not URL-safe"),
        ({"id": "x", "displayName": "x"}, "no displayName"),
        ({"id": "x", "displayName": {"text": "x"}, "rating": "high"}, "rating is not a number"),
        ({"id": "x", "displayName": {"text": "x"}, "rating": True}, "rating is not a number"),
        ({"id": "x", "displayName": {"text": "x"}, "types": "plumber"}, "types"),
        ({"id": "x", "displayName": {"text": "x"}, "websiteUri": 3}, "websiteUri is not text"),
        ("a string", "must be an object"),
    ],
)
def test_malformed_places_are_refused(broken, message):
    with pytest.raises(MalformedPlace, match=message):
        prospect_from_place(broken)


def test_ranked_prospects_keep_the_first_rank_of_a_repeated_place():
    pages = [
        {"places": [PLACE, {"id": "b", "displayName": {"text": "B"}}]},
        {"places": [{"id": "c", "displayName": {"text": "C"}}, {**PLACE, "rating": 1.0}]},
        {},
    ]
    ranked = ranked_prospects(pages)
    assert [p.place_id for p in ranked] == ["ChIJabc", "b", "c"]
    assert ranked[0].rating == 4.6


def test_a_page_whose_places_is_not_a_list_is_malformed():
    with pytest.raises(MalformedPlace):
        ranked_prospects([{"places": {"id": "x"}}])


def test_search_mask_asks_for_pagination_and_no_atmosphere_fields():
    fields = SEARCH_FIELD_MASK.split(",")
    assert "nextPageToken" in fields
    assert all(f.startswith("places.") for f in fields if f != "nextPageToken")
    assert not any("reviews" in f or "editorialSummary" in f for f in fields)
