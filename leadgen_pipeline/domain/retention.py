"""Retention of Google's data: what of Places' content is cleared, and from when.

Google's Places terms let a product keep place ids indefinitely, but most other Places
content only for a limited time (30 days is the usual figure). What the product found
itself on a business's own website (emails, phones, owners, social profiles) and the
provenance of each value is not Places content, and is kept.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

DEFAULT_RETENTION_DAYS = 30
# How long before its data expires a search is refreshed, when refreshing is configured.
REFRESH_MARGIN = timedelta(days=3)
# The contact sources that are Google's: the search listing and Place Details.
PLACES_SOURCES = frozenset({"places_search", "place_details"})
# What a cleared prospect's listing holds: its name and types cannot be NULL.
CLEARED_LISTING: dict[str, Any] = {
    "name": "",
    "formatted_address": None,
    "latitude": None,
    "longitude": None,
    "primary_type": None,
    "types": [],
    "business_status": None,
    "phone_e164": None,
    "national_phone": None,
    "website": None,
    "google_maps_uri": None,
    "rating": None,
    "user_rating_count": None,
}


class InvalidRetention(ValueError):
    """A retention that is not a whole number of days, at least one."""


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Places content written before this moment is past the retention."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidRetention(f"the retention is a whole number of days, at least 1, not {days!r}")
    return now - timedelta(days=days)


def refresh_due_before(now: datetime, days: int) -> datetime:
    """With refresh configured, a search last run before this is re-run: a few days before
    its data expires (half the retention, for a retention of under a week)."""
    retention = now - retention_cutoff(now, days)
    return now - retention + min(REFRESH_MARGIN, retention / 2)


def is_places_source(source: str | None) -> bool:
    return source in PLACES_SOURCES


def lead_without_places_values(
    provenance: Mapping[str, Any], contacts: list[Mapping[str, Any]] | None
) -> dict[str, Any]:
    """A lead's columns once Google's values are gone: its name and website were the
    listing's; its phone too when the listing gave it. What the website gave stays."""
    kept_provenance = {
        name: origin
        for name, origin in provenance.items()
        if not is_places_source((origin or {}).get("source"))
    }
    cleared: dict[str, Any] = {
        "name": CLEARED_LISTING["name"],
        "website": None,
        "provenance": kept_provenance,
        "contacts": [c for c in contacts or [] if not is_places_source(c.get("source"))],
    }
    if "phone" in provenance and "phone" not in kept_provenance:
        cleared["phone_e164"] = None
    return cleared
