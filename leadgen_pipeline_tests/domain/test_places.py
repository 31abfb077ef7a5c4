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
    assert phone_to_e164(international, national, "US") == expected


def test_a_national_number_is_read_only_in_a_known_country():
    assert phone_to_e164(None, "(512) 469-2300", None) is None
    assert phone_to_e164(None, "030 1234567", "DE") == "+49301234567"


def place_in(country_component, international=None, national=None):
    place = {"id": "p1", "displayName": {"text": "Bäckerei"}}
    if country_component:
        place["addressComponents"] = [
            {"longText": "Berlin", "shortText": "Berlin", "types": ["locality", "political"]},
            {
                "longText": country_component[0],
                "shortText": country_component[1],
                "types": ["country", "political"],
            },
        ]
    if international:
        place["internationalPhoneNumber"] = international
    if national:
        place["nationalPhoneNumber"] = national
    return place


def test_each_place_reads_its_phone_in_its_own_country_whatever_the_search_region():
    german = prospect_from_place(place_in(("Germany", "DE"), national="030 1234567"), "US")
    assert (german.country_code, german.phone_e164) == ("DE", "+49301234567")
    british = prospect_from_place(place_in(None, international="+44 20 7946 0321"))
    assert british.country_code == "GB"
    unknown = prospect_from_place(place_in(None, national="(02) 5550 1234"))
    assert (unknown.country_code, unknown.phone_e164) == (None, None)
    searched = prospect_from_place(place_in(None, national="(02) 5550 1234"), "AU")
    assert (searched.country_code, searched.phone_e164) == ("AU", "+61255501234")


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
