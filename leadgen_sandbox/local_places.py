"""Places answers for businesses and cities outside the US, in each country's own format.

Google writes an address in the requested language where it has one: the country name
("Deutschland" for `languageCode=de`, "Germany" otherwise), and for Japan the whole
order ("日本、〒104-0061 東京都中央区銀座1丁目2\u22123" in Japanese, "1-chōme-2-3 Ginza,
Chuo City, Tokyo 104-0061, Japan" in English). Streets keep their local names.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from leadgen_sandbox.geography import city_viewport
from leadgen_sandbox.locales import LOCALES, Locale
from leadgen_sandbox.world_data import City

if TYPE_CHECKING:
    from leadgen_sandbox.dataset import Business, LocalAddress

Component = tuple[str, str, list[str]]


def answer_language(locale: Locale, language_code: str | None) -> str:
    """The language Places answers an address in: the requested one if it has the
    country's name in it, else English."""
    language = (language_code or "en").split("-")[0].lower()
    return language if language in locale.country_names else "en"


def _country(locale: Locale, language: str) -> str:
    return locale.country_names[answer_language(locale, language)]


def _city_name(locale: Locale, language: str) -> str:
    return locale.city_names.get(answer_language(locale, language), locale.city_names["en"])


def _japanese_number(address: LocalAddress) -> tuple[str, str]:
    chome, _, rest = address.number.partition("-")
    return chome, rest


def formatted_address(business: Business, language: str) -> str:
    assert business.local_address is not None
    locale = LOCALES[business.country]
    address, postal = business.local_address, business.postal_code
    country = _country(locale, language)
    city = _city_name(locale, language)
    match business.country:
        case "DE":
            return f"{address.route} {address.number}, {postal} {city}, {country}"
        case "FR":
            return f"{address.number} {address.route}, {postal} {city}, {country}"
        case "ES":
            return f"{address.route_short}, {address.number}, {postal} {city}, {country}"
        case "BR":
            return (
                f"{address.route_short}, {address.number} - {address.district}, "
                f"{city} - SP, {postal}, {country}"
            )
        case "JP":
            chome, rest = _japanese_number(address)
            if answer_language(locale, language) == "ja":
                rest = rest.replace("-", "\u2212")  # Google writes a minus sign
                place = f"{address.district}{address.route}{chome}丁目{rest}"
                return f"{country}、〒{postal} 東京都{place}"
            return (
                f"{chome}-chōme-{rest} {address.route_en}, {address.district_en}, "
                f"Tokyo {postal}, {country}"
            )
    raise ValueError(f"no address format for {business.country}")


def short_address(business: Business, language: str) -> str:
    locale = LOCALES[business.country]
    if business.pure_service_area:
        return _city_name(locale, language)
    full = formatted_address(business, language)
    if business.country == "JP":
        if answer_language(locale, language) == "ja":
            return full.partition(" ")[2].removeprefix("東京都")
        return full.rpartition(", Tokyo")[0]
    # Drop the country and the postal code: "Friedrichstraße 12, Berlin".
    head = full.rsplit(", ", 1)[0]
    postal = business.postal_code
    return head.replace(f"{postal} ", "").replace(f", {postal}", "")


def address_components(business: Business, language: str) -> list[dict[str, Any]]:
    """Google's addressComponents for the business, most specific first."""
    assert business.local_address is not None
    locale = LOCALES[business.country]
    lang = answer_language(locale, language)
    address = business.local_address
    components: list[Component] = []
    if business.country == "JP":
        chome, rest = _japanese_number(address)
        banchi, _, go = rest.partition("-")
        town = address.route if lang == "ja" else address.route_en
        ward = address.district if lang == "ja" else address.district_en
        components += [
            (go, go, ["premise"]),
            (banchi, banchi, ["sublocality_level_4", "sublocality", "political"]),
            (f"{chome}丁目" if lang == "ja" else f"{chome}-chōme",) * 2
            + (["sublocality_level_2", "sublocality", "political"],),
            (town, town, ["sublocality_level_1", "sublocality", "political"]),
            (ward, ward, ["locality", "political"]),
        ]
    else:
        components += [
            (address.number, address.number, ["street_number"]),
            (address.route, address.route_short, ["route"]),
            (
                address.district,
                address.district,
                ["sublocality_level_1", "sublocality", "political"],
            ),
            (_city_name(locale, lang),) * 2 + (["locality", "political"],),
        ]
    if business.pure_service_area:  # no public address: the town it serves
        components = [c for c in components if "locality" in c[2]]
    components += _admin_areas(locale, lang)
    components += [
        (_country(locale, lang), locale.country, ["country", "political"]),
        (business.postal_code, business.postal_code, ["postal_code"]),
    ]
    return [
        {"longText": long, "shortText": short, "types": types, "languageCode": lang}
        for long, short, types in components
    ]


def _admin_areas(locale: Locale, language: str) -> list[Component]:
    areas = []
    for long, short, kind in locale.admin_areas:
        if locale.country == "JP" and language != "ja":
            long = short = "Tokyo"
        areas.append((long, short, [kind, "political"]))
    return areas


def locality_json(city: City, language_code: str) -> dict[str, Any]:
    """The Place a Text Search for the city's name returns: a locality with its viewport."""
    locale = LOCALES[city.country]
    lang = answer_language(locale, language_code)
    place_id = (
        "ChIJ"
        + base64.urlsafe_b64encode(
            hashlib.sha256(f"locality\x1f{city.name}\x1f{city.country}".encode()).digest()
        ).decode()[:23]
    )
    name = _city_name(locale, lang)
    country = _country(locale, lang)
    components: list[Component] = [(name, name, ["locality", "political"])]
    if city.country == "JP":  # Tokyo is a prefecture (都): Google answers the area itself
        components = []
    components += _admin_areas(locale, lang)
    components.append((country, city.country, ["country", "political"]))
    if city.country == "BR":
        formatted = f"{name} - {'State of São Paulo' if lang == 'en' else 'SP'}, {country}"
    elif city.country == "JP" and lang == "ja":
        formatted = f"{country}、{name}"
    else:
        formatted = f"{name}, {country}"
    types = (
        ["administrative_area_level_1", "political"]
        if city.country == "JP"
        else ["locality", "political"]
    )
    return {
        "name": f"places/{place_id}",
        "id": place_id,
        "types": types,
        "formattedAddress": formatted,
        "shortFormattedAddress": name,
        "addressComponents": [
            {"longText": long, "shortText": short, "types": kinds, "languageCode": lang}
            for long, short, kinds in components
        ],
        "location": {"latitude": city.latitude, "longitude": city.longitude},
        "viewport": city_viewport(city).to_json(),
        "googleMapsUri": f"https://maps.google.com/?q={city.name.replace(' ', '+')}",
        "displayName": {"text": name, "languageCode": lang},
    }
