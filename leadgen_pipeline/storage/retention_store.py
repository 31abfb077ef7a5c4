"""Retention of Google's data: clear the Places content older than the limit, in one
transaction, from every table that holds some (docs/operations.md, "Retention")."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.domain.retention import (
    CLEARED_LISTING,
    PLACES_SOURCES,
    lead_without_places_values,
)
from leadgen_pipeline.domain.territory import LISTING_FIELDS, ChangeKind
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import lock_in_key_order, utcnow

CHUNK = 1000


def clear_expired_places_data(engine: Engine, cutoff: datetime) -> dict[str, int]:
    """Clear what Places gave before `cutoff`; returns how many rows of each kind changed.

    Kept: place ids, and what the product found itself (website contacts and their
    provenance, enrichment state, searches and their figures, territory history's kinds).
    Running it again clears nothing more: a cleared listing is marked `places_cleared_at`.
    """
    now = utcnow()
    with engine.begin() as conn:
        # In key order, chunk after chunk: the order a search's store locks prospects in.
        expired = sorted(
            conn.execute(
                sa.select(t.prospects.c.place_id).where(_expired_listing(cutoff))
            ).scalars()
        )
        counts = {"listings": 0, "places_contacts": 0, "leads": 0}
        for start in range(0, len(expired), CHUNK):
            chunk = expired[start : start + CHUNK]
            listings, contacts, leads = _clear_listings(conn, chunk, cutoff, now)
            counts["listings"] += listings
            counts["places_contacts"] += contacts
            counts["leads"] += leads
        counts["pages"] = conn.execute(
            sa.delete(t.places_results).where(t.places_results.c.fetched_at < cutoff)
        ).rowcount
        counts["search_areas"] = _clear_search_areas(conn, cutoff)
        counts["reports"] = conn.execute(
            sa.delete(t.ai_intelligence).where(t.ai_intelligence.c.created_at < cutoff)
        ).rowcount
        counts["observations"] = _clear_observations(conn, cutoff)
        counts["change_values"] = _clear_change_values(conn, cutoff)
    return counts


def _expired_listing(cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(t.prospects.c.updated_at < cutoff, t.prospects.c.places_cleared_at.is_(None))


def _clear_listings(
    conn: Connection, place_ids: Sequence[str], cutoff: datetime, now: datetime
) -> tuple[int, int, int]:
    """The prospects' listings still expired, their contacts from Places, and the leads'
    Google values; (listings, contacts, leads) cleared."""
    lock_in_key_order(conn, t.prospects.c.place_id, place_ids)
    # Asked again under the lock: a search may have fetched a listing anew meanwhile.
    place_ids = list(
        conn.execute(
            sa.update(t.prospects)
            .where(t.prospects.c.place_id.in_(place_ids), _expired_listing(cutoff))
            .values(**CLEARED_LISTING, places_cleared_at=now)
            .returning(t.prospects.c.place_id)
        ).scalars()
    )
    contacts = conn.execute(
        sa.delete(t.prospect_contacts).where(
            t.prospect_contacts.c.place_id.in_(place_ids),
            t.prospect_contacts.c.source.in_(PLACES_SOURCES),
        )
    ).rowcount
    leads = sorted(  # updated one by one, in key order
        conn.execute(
            sa.select(t.leads.c.place_id, t.leads.c.provenance, t.leads.c.contacts).where(
                t.leads.c.place_id.in_(place_ids)
            )
        ).all(),
        key=lambda lead: lead.place_id,
    )
    for lead in leads:
        cleared = lead_without_places_values(lead.provenance or {}, lead.contacts)
        conn.execute(
            sa.update(t.leads)
            .where(t.leads.c.place_id == lead.place_id)
            .values(**cleared, updated_at=now)
        )
    return len(place_ids), contacts, len(leads)


def _clear_search_areas(conn: Connection, cutoff: datetime) -> int:
    """The area Places resolved a search's location to (its viewport) and the tile plan
    drawn over it, for searches last run before `cutoff`; a later run resolves it again."""
    s = t.searches
    stale = list(
        conn.execute(
            sa.select(s.c.id, s.c.coverage_report).where(
                s.c.last_searched_at < cutoff, s.c.area_name.is_not(None)
            )
        )
    )
    for search in stale:
        report = {k: v for k, v in (search.coverage_report or {}).items() if k != "area"}
        conn.execute(
            sa.update(s)
            .where(s.c.id == search.id)
            .values(
                area_name=None,
                area_south=None,
                area_west=None,
                area_north=None,
                area_east=None,
                coverage_report=report or None,
            )
        )
    ids = [search.id for search in stale]
    tiles = t.search_tiles
    for start in range(0, len(ids), CHUNK):
        conn.execute(sa.delete(tiles).where(tiles.c.search_id.in_(ids[start : start + CHUNK])))
    return len(stale)


def _clear_observations(conn: Connection, cutoff: datetime) -> int:
    """What searches saw of listings; unknown from now on (the next run re-observes)."""
    o = t.territory_observations
    return conn.execute(
        sa.update(o)
        .where(o.c.listing_observed_at < cutoff)
        .values(business_status=None, phone=None, website=None, listing_observed_at=None)
    ).rowcount


def _clear_change_values(conn: Connection, cutoff: datetime) -> int:
    """Google's values in the feed (statuses, listed phones and websites); the change stays."""
    c = t.territory_changes
    return conn.execute(
        sa.update(c)
        .where(
            c.c.observed_at < cutoff,
            sa.or_(
                c.c.kind.in_([ChangeKind.CLOSED.value, ChangeKind.REOPENED.value]),
                c.c.field.in_(LISTING_FIELDS),
            ),
            sa.or_(c.c.before.is_not(None), c.c.after.is_not(None)),
        )
        .values(before=None, after=None)
    ).rowcount
