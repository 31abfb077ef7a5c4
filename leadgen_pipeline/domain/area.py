"""A search's area, from the Places answer to a Text Search for its location.

A Text Search for a place name alone ("Austin, TX", "Berlin", "75001") returns the
locality (or administrative area, or postal code) with its `viewport`: the area
of a search comes from Places itself, with the country it lies in, which sets the
search's `regionCode` and `languageCode`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.languages import get_official_languages

from leadgen_pipeline.domain.tiling import InvalidRectangle, Rectangle

# What the look-up asks for: a Pro-tier mask (no contact fields), one page.
AREA_FIELD_MASK = (
    ",".join(
        f"places.{field}"
        for field in ("id", "displayName", "formattedAddress", "types", "location", "viewport")
    )
    + ",places.addressComponents"
)
AREA_LOOKUP_PAGE_SIZE = 5
# Place types that name an area a search can cover, most specific last.
AREA_TYPES = frozenset(
    {
        "locality",
        "sublocality",
        "postal_code",
        "postal_town",
        "neighborhood",
        "administrative_area_level_1",
        "administrative_area_level_2",
        "administrative_area_level_3",
        "colloquial_area",
        "country",
    }
)


class UnresolvedLocation(ValueError):
    """The location names no area Places knows: refuse before any other spend."""


@dataclass(frozen=True)
class SearchArea:
    name: str
    rectangle: Rectangle
    country_code: str | None
    place_id: str | None

    @property
    def region_code(self) -> str | None:
        return self.country_code

    @property
    def language_code(self) -> str | None:
        """The country's first official language (CLDR), e.g. "de" for DE; None if unknown."""
        if not self.country_code:
            return None
        languages = get_official_languages(self.country_code, de_facto=True)
        return languages[0] if languages else None


def resolve_area(location: str, places: Sequence[Mapping[str, Any]]) -> SearchArea:
    """The first answered place that is an area with a usable viewport."""
    for place in places:
        types = place.get("types")
        if not isinstance(types, list) or not AREA_TYPES & set(types):
            continue
        viewport = place.get("viewport")
        if not isinstance(viewport, Mapping):
            continue
        try:
            rectangle = Rectangle.from_places(viewport)
        except InvalidRectangle:
            continue
        display = place.get("displayName")
        name = display.get("text") if isinstance(display, Mapping) else None
        address = place.get("formattedAddress")
        return SearchArea(
            name=str(address or name or location),
            rectangle=rectangle,
            country_code=_country_code(place.get("addressComponents")),
            place_id=place.get("id") if isinstance(place.get("id"), str) else None,
        )
    raise UnresolvedLocation(
        f"Places knows no area called {location!r} (no locality, administrative area or "
        "postal code with a viewport answered); check the spelling or name a city"
    )


def _country_code(components: object) -> str | None:
    if not isinstance(components, list):
        return None
    for component in components:
        if isinstance(component, Mapping) and "country" in (component.get("types") or []):
            code = component.get("shortText")
            if isinstance(code, str) and len(code) == 2 and code.isalpha():
                return code.upper()
    return None
