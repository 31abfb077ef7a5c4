"""The history of a territory: what changed for a search's places between two of its runs.

Pure comparisons of what a search saw before with what a run sees now. A search's
first run is its baseline (nothing is new on it); a place is "gone" only when the run
covered the whole area, since a capped or failed run did not look everywhere.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from leadgen_pipeline.domain.places import Prospect

# Google's businessStatus values that mean the business is not trading.
CLOSED_STATUSES = frozenset({"CLOSED_TEMPORARILY", "CLOSED_PERMANENTLY"})
# Contact fields the listing (Places) gives, and those enrichment finds on the business's pages.
LISTING_FIELDS = ("phone", "website")
CONTACT_FIELDS = ("email", "owner")


class ChangeKind(StrEnum):
    NEW = "new"  # first seen by this search (after its first run)
    GONE = "gone"  # no longer returned by a run that covered the whole area
    CLOSED = "closed"  # businessStatus became CLOSED_TEMPORARILY or CLOSED_PERMANENTLY
    REOPENED = "reopened"  # from a closed status back to trading
    CHANGED = "changed"  # a contact field (`field`) changed value


@dataclass(frozen=True)
class Change:
    place_id: str
    kind: ChangeKind
    field: str = ""  # the contact field of a CHANGED, else ""
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Listing:
    """What a run saw of a place in Places: its status and listed contacts."""

    place_id: str
    business_status: str | None
    phone: str | None
    website: str | None


def listing_of(prospect: Prospect) -> Listing:
    return Listing(
        prospect.place_id, prospect.business_status, prospect.phone_e164, prospect.website
    )


@dataclass(frozen=True)
class Observed:
    """What the search saw of a place before; `listing` None when that is unknown (never
    seen with its listing, or cleared by retention)."""

    place_id: str
    listing: Listing | None


def listing_changes(
    before: Mapping[str, Observed],
    now: Sequence[Listing],
    *,
    baseline: bool,
    complete: bool,
) -> list[Change]:
    """New, closed, reopened and changed (phone, website) places of a run, and gone ones
    when the run's coverage was complete. A baseline run records nothing."""
    if baseline:
        return []
    changes: list[Change] = []
    for listing in now:
        seen = before.get(listing.place_id)
        if seen is None:
            changes.append(Change(listing.place_id, ChangeKind.NEW))
        elif seen.listing is not None:
            changes += _status_change(seen.listing, listing)
            changes += _field_changes(
                listing.place_id,
                {name: getattr(seen.listing, name) for name in LISTING_FIELDS},
                {name: getattr(listing, name) for name in LISTING_FIELDS},
            )
    if complete:
        returned = {listing.place_id for listing in now}
        changes += [
            Change(place_id, ChangeKind.GONE) for place_id in before if place_id not in returned
        ]
    return changes


def _status_change(before: Listing, now: Listing) -> list[Change]:
    was_closed = before.business_status in CLOSED_STATUSES
    is_closed = now.business_status in CLOSED_STATUSES
    if is_closed and now.business_status != before.business_status:
        kind = ChangeKind.CLOSED
    elif was_closed and not is_closed:
        kind = ChangeKind.REOPENED
    else:
        return []
    return [Change(now.place_id, kind, "", before.business_status, now.business_status)]


def _field_changes(
    place_id: str, before: Mapping[str, str | None], now: Mapping[str, str | None]
) -> list[Change]:
    return [
        Change(place_id, ChangeKind.CHANGED, name, before[name], now[name])
        for name in now
        if before[name] != now[name]
    ]


def contact_changes(
    before: Mapping[str, Mapping[str, str | None] | None],
    now: Iterable[tuple[str, Mapping[str, str | None]]],
) -> list[Change]:
    """Email and owner changes of the places whose contacts the search saw before (`before`
    maps a place to its CONTACT_FIELDS, None when never observed); unknown places are
    skipped: a place's first contacts are its baseline."""
    changes: list[Change] = []
    for place_id, contacts in now:
        seen = before.get(place_id)
        if seen is not None:
            changes += _field_changes(place_id, seen, contacts)
    return changes
