"""What a Places request costs: the SKU its field mask triggers, at list price. ONE table;
and what an LLM token costs, by model.

Google bills a Text Search or Place Details request at the highest SKU that any
field in its mask triggers ("field mask billing"); `nextPageToken` is not a
place field and triggers nothing. The tiers and their fields below follow
Google's SKU pages; prices are the list price of the first volume band, in USD
per 1,000 requests, as read on the page and date each SKU names. Prices
change: update a row, its `read_on` and its `source` together.
"""

from __future__ import annotations

from dataclasses import dataclass

SKU_DETAILS_URL = "https://developers.google.com/maps/billing-and-pricing/sku-details/places"
# The page the Text Search prices were read from (Google's own docs, older SKU
# names: "ID Only" = Essentials (IDs Only), "Basic" = Pro, "Advanced" = Enterprise).
TEXT_SEARCH_PRICES_URL = (
    "https://developers.google.cn/maps/documentation/places/web-service/preview-billing"
)
PRICES_READ_ON = "2026-12-02"
# Carried from the product's earlier table (clients/places.py), not re-read on PRICES_READ_ON.
EARLIER_TABLE = "carried from the product's earlier price table (2026-11), not re-read"


@dataclass(frozen=True)
class Sku:
    name: str  # Google's SKU name, as on the bill
    usd_per_1000: float
    source: str
    read_on: str

    @property
    def usd_per_call(self) -> float:
        return self.usd_per_1000 / 1000


# Tiers, cheapest first; a mask bills at the last tier any of its fields is in.
TIERS = ("IDs Only", "Pro", "Enterprise", "Enterprise + Atmosphere")

PLACES_SKUS: dict[str, Sku] = {
    sku.name: sku
    for sku in (
        Sku("Text Search Essentials (IDs Only)", 0.0, TEXT_SEARCH_PRICES_URL, PRICES_READ_ON),
        Sku("Text Search Pro", 32.0, TEXT_SEARCH_PRICES_URL, PRICES_READ_ON),
        Sku("Text Search Enterprise", 35.0, TEXT_SEARCH_PRICES_URL, PRICES_READ_ON),
        Sku("Text Search Enterprise + Atmosphere", 40.0, SKU_DETAILS_URL, EARLIER_TABLE),
        Sku("Place Details Essentials (IDs Only)", 0.0, SKU_DETAILS_URL, EARLIER_TABLE),
        Sku("Place Details Pro", 17.0, SKU_DETAILS_URL, EARLIER_TABLE),
        Sku("Place Details Enterprise", 20.0, SKU_DETAILS_URL, EARLIER_TABLE),
        Sku("Place Details Enterprise + Atmosphere", 25.0, SKU_DETAILS_URL, EARLIER_TABLE),
    )
}

# Place fields by the lowest tier that triggers them in a Text Search. Place Details
# bills a few of the Pro fields here (address, location, types, viewport) at its
# cheaper Essentials SKU; the product's details mask is Enterprise either way, so
# this one table prices them at Pro: an estimate never below the bill.
FIELD_TIERS: dict[str, str] = {
    **dict.fromkeys(("id", "name", "attributions"), "IDs Only"),
    **dict.fromkeys(
        (
            "accessibilityOptions",
            "addressComponents",
            "addressDescriptor",
            "adrFormatAddress",
            "businessStatus",
            "containingPlaces",
            "displayName",
            "formattedAddress",
            "googleMapsLinks",
            "googleMapsUri",
            "iconBackgroundColor",
            "iconMaskBaseUri",
            "location",
            "photos",
            "plusCode",
            "postalAddress",
            "primaryType",
            "primaryTypeDisplayName",
            "pureServiceAreaBusiness",
            "shortFormattedAddress",
            "subDestinations",
            "types",
            "utcOffsetMinutes",
            "viewport",
        ),
        "Pro",
    ),
    **dict.fromkeys(
        (
            "currentOpeningHours",
            "currentSecondaryOpeningHours",
            "internationalPhoneNumber",
            "nationalPhoneNumber",
            "priceLevel",
            "priceRange",
            "rating",
            "regularOpeningHours",
            "regularSecondaryOpeningHours",
            "userRatingCount",
            "websiteUri",
        ),
        "Enterprise",
    ),
    **dict.fromkeys(
        (
            "allowsDogs",
            "curbsidePickup",
            "delivery",
            "dineIn",
            "editorialSummary",
            "evChargeOptions",
            "fuelOptions",
            "generativeSummary",
            "goodForChildren",
            "goodForGroups",
            "goodForWatchingSports",
            "liveMusic",
            "menuForChildren",
            "outdoorSeating",
            "parkingOptions",
            "paymentOptions",
            "reservable",
            "restroom",
            "reviews",
            "reviewSummary",
            "servesBeer",
            "servesBreakfast",
            "servesBrunch",
            "servesCocktails",
            "servesCoffee",
            "servesDessert",
            "servesDinner",
            "servesLunch",
            "servesVegetarianFood",
            "servesWine",
            "takeout",
        ),
        "Enterprise + Atmosphere",
    ),
}


class UnpricedField(ValueError):
    """A field mask names a field this table does not price: refuse rather than guess low."""


def mask_tier(field_mask: str, *, search: bool) -> str:
    """The tier a mask bills at (search masks are `places.`-prefixed)."""
    tier = 0
    for raw in field_mask.split(","):
        path = raw.strip()
        if not path or (search and path == "nextPageToken"):
            continue
        if search:
            if not path.startswith("places."):
                raise UnpricedField(f"not a Text Search place field: {path!r}")
            path = path.removeprefix("places.")
        field = path.split(".")[0]
        if field == "*":
            return TIERS[-1]
        if field not in FIELD_TIERS:
            raise UnpricedField(f"no price is known for the Places field {field!r}")
        tier = max(tier, TIERS.index(FIELD_TIERS[field]))
    return TIERS[tier]


def text_search_sku(field_mask: str) -> Sku:
    tier = mask_tier(field_mask, search=True)
    return PLACES_SKUS[f"Text Search {'Essentials (IDs Only)' if tier == 'IDs Only' else tier}"]


def place_details_sku(field_mask: str) -> Sku:
    tier = mask_tier(field_mask, search=False)
    return PLACES_SKUS[f"Place Details {'Essentials (IDs Only)' if tier == 'IDs Only' else tier}"]


# USD per million tokens (input, output) at list price, by model; a model not listed is
# priced at the LLM client's configured fallback (DEFAULT_LLM_PRICES_PER_MTOK unless set).
LLM_PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1": (2.00, 8.00),
}
DEFAULT_LLM_PRICES_PER_MTOK = (0.15, 0.60)


def llm_prices(
    model: str, fallback: tuple[float, float] = DEFAULT_LLM_PRICES_PER_MTOK
) -> tuple[float, float]:
    """(input, output) USD per million tokens for `model`."""
    return LLM_PRICES_PER_MTOK.get(model, fallback)


def llm_cost_usd(
    prices_per_mtok: tuple[float, float], prompt_tokens: float, completion_tokens: float
) -> float:
    price_in, price_out = prices_per_mtok
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
