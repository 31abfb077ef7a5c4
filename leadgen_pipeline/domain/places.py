"""Google Places (v1) data: the fields each step asks for, and places -> prospects.

Places bills a request at the highest SKU any requested field triggers. The
competitor analysis needs `rating` and `userRatingCount`, which are already
Enterprise fields, so the search asks for the other Enterprise contact fields
(phones, website, hours) too: they cost nothing more on that request and save
a Place Details call per prospect later. Reviews (Enterprise + Atmosphere) are
never asked for.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from leadgen_pipeline.domain.contacts import normalise_phone

PLACE_FIELDS: tuple[str, ...] = (
    "id",
    "displayName",
    "formattedAddress",
    # The country of each business: its national phone numbers are read in it.
    "addressComponents",
    "location",
    "types",
    "primaryType",
    "businessStatus",
    "googleMapsUri",
    "rating",
    "userRatingCount",
    "nationalPhoneNumber",
    "internationalPhoneNumber",
    "websiteUri",
    "regularOpeningHours",
)
SEARCH_FIELD_MASK = ",".join([*(f"places.{field}" for field in PLACE_FIELDS), "nextPageToken"])
# Enrichment re-reads only what goes stale or was missing from the search.
DETAILS_FIELD_MASK = ",".join(
    [
        "id",
        "displayName",
        "addressComponents",
        "businessStatus",
        "nationalPhoneNumber",
        "internationalPhoneNumber",
        "websiteUri",
        "regularOpeningHours",
    ]
)


class MalformedPlace(ValueError):
    """A place object that lacks what every place must have."""


@dataclass(frozen=True)
class Prospect:
    place_id: str
    name: str
    formatted_address: str | None
    latitude: float | None
    longitude: float | None
    primary_type: str | None
    types: tuple[str, ...]
    business_status: str | None
    phone_e164: str | None
    national_phone: str | None
    website: str | None
    google_maps_uri: str | None
    rating: float | None
    user_rating_count: int | None
    # ISO 3166 code of the business's country, from Places; None when Places tells none.
    country_code: str | None = None


def phone_to_e164(
    international: str | None, national: str | None, region: str | None
) -> str | None:
    """E.164 form of the first valid number among the place's phone fields; the national
    number is read only in a known country."""
    for raw, needs_region in ((international, False), (national, True)):
        if raw and (region or not needs_region) and (e164 := normalise_phone(raw, region or "ZZ")):
            return e164
    return None


def place_country(place: Mapping[str, Any]) -> str | None:
    """The country of a place: its ``country`` address component, else the country of
    its international phone number ("+49 30 ..." is Germany)."""
    components = place.get("addressComponents")
    if isinstance(components, list):
        for component in components:
            if (
                isinstance(component, Mapping)
                and "country" in (component.get("types") or [])
                and isinstance(short := component.get("shortText"), str)
                and re.fullmatch(r"[A-Za-z]{2}", short)
            ):
                return short.upper()
    international = place.get("internationalPhoneNumber")
    if isinstance(international, str):
        try:
            number = phonenumbers.parse(international, None)
        except phonenumbers.NumberParseException:
            return None
        region = phonenumbers.region_code_for_number(number)
        return region if region and region != "001" else None
    return None


def prevailing_country(pages: Iterable[Mapping[str, Any]]) -> str | None:
    """The country most of the pages' places are in: a search's country when no area was
    looked up (coverage top), so that national numbers are read in it."""
    countries = Counter(
        country
        for page in pages
        for place in page.get("places") or []
        if isinstance(place, Mapping) and (country := place_country(place))
    )
    return countries.most_common(1)[0][0] if countries else None


def _optional_number(place: Mapping[str, Any], field: str, kind: type) -> Any:
    value = place.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPlace(f"place {place.get('id')!r}: {field} is not a number: {value!r}")
    return kind(value)


def _optional_text(place: Mapping[str, Any], field: str) -> str | None:
    value = place.get(field)
    if value is not None and not isinstance(value, str):
        raise MalformedPlace(f"place {place.get('id')!r}: {field} is not text: {value!r}")
    return value or None


# Google place ids are URL-safe base64 text ("ChIJ..."). One that is not would
# break the Place Details URL it goes into, and fail its prospect on every retry.
PLACE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,256}$"
_PLACE_ID = re.compile(PLACE_ID_PATTERN)


def is_place_id(text: str) -> bool:
    return bool(_PLACE_ID.match(text))


# Google's BusinessStatus enum: BUSINESS_STATUS_UNSPECIFIED (unused default), OPERATIONAL,
# CLOSED_TEMPORARILY, CLOSED_PERMANENTLY; newer values (e.g. FUTURE_OPENING) are kept as
# told, and count as neither operational nor closed.
UNSPECIFIED_BUSINESS_STATUS = "BUSINESS_STATUS_UNSPECIFIED"


def place_id_of(place: Mapping[str, Any]) -> str | None:
    """A place's id: `id`, else the id in its resource name `name` ("places/{id}")."""
    place_id = place.get("id")
    if isinstance(place_id, str) and place_id:
        return place_id
    name = place.get("name")
    if isinstance(name, str) and name.startswith("places/") and name.count("/") == 1:
        return name.removeprefix("places/") or None
    return None


def lat_lng(value: object) -> tuple[float, float] | None:
    """(latitude, longitude) of a google.type.LatLng, or None.

    Proto3 JSON leaves out a member at its default, so {"latitude": 51.5} is on the prime
    meridian: one missing member reads as 0; both missing, or a non-number, is no point.
    """
    if not isinstance(value, Mapping):
        return None
    lat, lng = value.get("latitude"), value.get("longitude")
    if lat is None and lng is None:
        return None
    lat, lng = (0.0 if lat is None else lat), (0.0 if lng is None else lng)
    for number in (lat, lng):
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None
    return float(lat), float(lng)


def prospect_from_place(place: Mapping[str, Any], region: str | None = None) -> Prospect:
    """Normalise one Places v1 `Place` object; raises MalformedPlace on a broken one.

    National numbers are read in the place's own country (``place_country``); ``region``
    (the searched area's country, if known) stands in only for a place that tells none.
    """
    if not isinstance(place, Mapping):
        raise MalformedPlace(f"a place must be an object, got {type(place).__name__}")
    place_id = place_id_of(place)
    if place_id is None:
        raise MalformedPlace("a place has no id")
    if not is_place_id(place_id):
        raise MalformedPlace(f"place id {place_id[:80]!r} is not URL-safe base64 text")
    display_name = place.get("displayName")
    name = display_name.get("text") if isinstance(display_name, Mapping) else None
    if not isinstance(name, str) or not name.strip():
        raise MalformedPlace(f"place {place_id!r} has no displayName.text")
    location = place.get("location")
    if isinstance(location, Mapping):
        for member in ("latitude", "longitude"):
            _optional_number(location, member, float)  # a non-number is malformed
    elif location is not None:
        raise MalformedPlace(f"place {place_id!r}: location is not a LatLng: {location!r:.80}")
    point = lat_lng(location)
    types = place.get("types") or []
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise MalformedPlace(f"place {place_id!r}: types is not a list of text")
    national = _optional_text(place, "nationalPhoneNumber")
    international = _optional_text(place, "internationalPhoneNumber")
    country = place_country(place) or region
    status = _optional_text(place, "businessStatus")
    return Prospect(
        place_id=place_id,
        name=name.strip(),
        formatted_address=_optional_text(place, "formattedAddress"),
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        primary_type=_optional_text(place, "primaryType"),
        types=tuple(types),
        business_status=None if status == UNSPECIFIED_BUSINESS_STATUS else status,
        phone_e164=phone_to_e164(international, national, country),
        national_phone=national,
        website=_optional_text(place, "websiteUri"),
        google_maps_uri=_optional_text(place, "googleMapsUri"),
        rating=_optional_number(place, "rating", float),
        user_rating_count=_optional_number(place, "userRatingCount", int),
        country_code=country,
    )


def ranked_prospects(
    pages: Iterable[Mapping[str, Any]], region: str | None = None
) -> list[Prospect]:
    """Prospects of a search in result order, each place once (first rank wins)."""
    seen: dict[str, Prospect] = {}
    for page in pages:
        places = page.get("places") or []  # an empty answer is {}
        if not isinstance(places, list):
            raise MalformedPlace("a results page's 'places' is not a list")
        for place in places:
            prospect = prospect_from_place(place, region)
            seen.setdefault(prospect.place_id, prospect)
    return list(seen.values())
