"""Leads, lead collections and their members; the directory's reads.

One query per question: the API, the directory pages, the CLI export and the
asset checks read a collection's leads through `collection_leads`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.domain.leads import CollectionStats, ScoredLead
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow


def upsert_leads(
    engine: Engine, search_id: str, scored: Iterable[ScoredLead], target_place_id: str | None
) -> None:
    now = utcnow()
    rows = []
    for lead in scored:
        c = lead.candidate
        rows.append(
            {
                "place_id": c.prospect.place_id,
                "origin_search_id": search_id,
                "name": c.prospect.name,
                "phone_e164": c.phone.value if c.phone else None,
                "email": c.email.value if c.email else None,
                "website": c.prospect.website,
                "owner_name": c.owner.value if c.owner else None,
                "owner_title": c.owner.detail if c.owner else None,
                "socials": {network: s.value for network, s in sorted(c.socials.items())},
                "quality_score": lead.score,
                "score_reasons": [{"points": p, "reason": r} for p, r in lead.reasons],
                "provenance": lead.provenance(),
                "country_code": c.prospect.country_code,
                "email_deliverable": c.email.deliverable if c.email else None,
                "contacts": lead.contacts(),
                "is_target": c.prospect.place_id == target_place_id,
                "promoted_at": now,
                "updated_at": now,
            }
        )
    keep_on_update = ("origin_search_id", "promoted_at")
    with engine.begin() as conn:
        upsert(
            conn,
            t.leads,
            rows,
            ["place_id"],
            update_columns=[c for c in rows[0] if c not in keep_on_update and c != "place_id"]
            if rows
            else None,
            # Once a target of some search, always marked as one.
            overrides={
                "is_target": lambda stmt: sa.or_(t.leads.c.is_target, stmt.excluded.is_target)
            },
        )


_LEAD_LISTING = (
    t.prospects.c.rating,
    t.prospects.c.user_rating_count,
    t.prospects.c.formatted_address,
)


def search_lead_rows(conn: Connection, search_id: str) -> list[dict[str, Any]]:
    """The search's leads in rank order, with the listing fields the directory shows."""
    query = (
        sa.select(t.leads, t.search_prospects.c.rank, *_LEAD_LISTING)
        .join(t.search_prospects, t.search_prospects.c.place_id == t.leads.c.place_id)
        .join(t.prospects, t.prospects.c.place_id == t.leads.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .order_by(t.search_prospects.c.rank)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def save_collection(
    engine: Engine,
    search: Mapping[str, Any],
    stats: CollectionStats,
    members: Sequence[tuple[str, int]],
) -> None:
    """Upsert the collection row and make `members` (place id, rank) its exact membership."""
    row = {
        "id": search["id"],
        "keyword": search["keyword"],
        "location": search["location"],
        **asdict(stats),
        "updated_at": utcnow(),
    }
    m = t.lead_collection_members
    with engine.begin() as conn:
        upsert(conn, t.lead_collections, [row], ["id"])
        conn.execute(
            sa.delete(m).where(
                m.c.collection_id == search["id"], m.c.place_id.not_in([p for p, _ in members])
            )
        )
        upsert(
            conn,
            m,
            [{"collection_id": search["id"], "place_id": p, "rank": r} for p, r in members],
            ["collection_id", "place_id"],
        )


class LeadSort(StrEnum):
    RANK = "rank"
    QUALITY = "quality"
    RATING = "rating"
    NAME = "name"


@dataclass(frozen=True)
class LeadFilters:
    """None: either way; True: only leads with it; False: only leads without it."""

    has_email: bool | None = None
    has_phone: bool | None = None
    has_owner: bool | None = None


def list_collections(
    conn: Connection,
    location: str | None = None,
    keyword: str | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Collections whose location / keyword contain the given text (any case), by location;
    `limit` and `offset` give one page of them (the order has an index: a page costs the
    same at 10,000 collections as at 100)."""
    collections = t.lead_collections
    query = (
        sa.select(collections)
        .order_by(collections.c.location, collections.c.keyword, collections.c.id)
        .limit(limit)
        .offset(offset)
    )
    for column, text in ((collections.c.location, location), (collections.c.keyword, keyword)):
        if text:
            query = query.where(sa.func.lower(column).contains(text.lower(), autoescape=True))
    return [dict(row._mapping) for row in conn.execute(query)]


def get_collection(conn: Connection, collection_id: str) -> dict[str, Any] | None:
    collections = t.lead_collections
    row = conn.execute(sa.select(collections).where(collections.c.id == collection_id)).first()
    return dict(row._mapping) if row else None


def _has_value(column: sa.ColumnElement, wanted: bool) -> sa.ColumnElement[bool]:
    present = sa.and_(column.is_not(None), column != "")
    return present if wanted else sa.not_(present)


_ORDER = {
    LeadSort.RANK: (t.lead_collection_members.c.rank,),
    LeadSort.QUALITY: (t.leads.c.quality_score.desc(), t.lead_collection_members.c.rank),
    LeadSort.RATING: (
        t.prospects.c.rating.desc().nulls_last(),
        t.prospects.c.user_rating_count.desc().nulls_last(),
        t.lead_collection_members.c.rank,
    ),
    LeadSort.NAME: (sa.func.lower(t.leads.c.name), t.lead_collection_members.c.rank),
}


def collection_leads(
    conn: Connection,
    collection_id: str,
    filters: LeadFilters = LeadFilters(),
    sort: LeadSort = LeadSort.RANK,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many leads match, the requested page of them) with the columns the export needs."""
    members = t.lead_collection_members
    conditions = [members.c.collection_id == collection_id]
    for column, wanted in (
        (t.leads.c.email, filters.has_email),
        (t.leads.c.phone_e164, filters.has_phone),
        (t.leads.c.owner_name, filters.has_owner),
    ):
        if wanted is not None:
            conditions.append(_has_value(column, wanted))
    joined = members.join(t.leads, t.leads.c.place_id == members.c.place_id).join(
        t.prospects, t.prospects.c.place_id == members.c.place_id
    )
    total = conn.execute(
        sa.select(sa.func.count()).select_from(joined).where(*conditions)
    ).scalar_one()
    query = (
        sa.select(
            t.leads,
            members.c.rank,
            t.prospects.c.rating,
            t.prospects.c.user_rating_count,
            t.prospects.c.formatted_address,
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(*_ORDER[sort])
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return total, [dict(row._mapping) for row in conn.execute(query)]


def _leads_of_search(search_id: str) -> sa.ColumnElement[bool]:
    """Leads the search promoted: those it found first, and those it lists. A union of two
    index look-ups (an OR of the two would read every lead)."""
    places = sa.union(
        sa.select(t.leads.c.place_id).where(t.leads.c.origin_search_id == search_id),
        sa.select(t.search_prospects.c.place_id).where(t.search_prospects.c.search_id == search_id),
    )
    return t.leads.c.place_id.in_(places)


def lead_contact_values(
    conn: Connection, search_id: str
) -> Iterable[tuple[str, str | None, str | None]]:
    """(place id, email, phone) of the search's leads."""
    query = (
        sa.select(t.leads.c.place_id, t.leads.c.email, t.leads.c.phone_e164)
        .where(_leads_of_search(search_id))
        .order_by(t.leads.c.place_id)
    )
    for row in conn.execution_options(yield_per=1000).execute(query):
        yield row.place_id, row.email, row.phone_e164


def untraceable_leads(conn: Connection, search_id: str) -> list[str]:
    """The search's leads whose prospect is gone, or that no search lists."""
    linked = sa.select(t.search_prospects.c.place_id).where(
        t.search_prospects.c.place_id == t.leads.c.place_id
    )
    prospect = sa.select(t.prospects.c.place_id).where(t.prospects.c.place_id == t.leads.c.place_id)
    query = (
        sa.select(t.leads.c.place_id)
        .where(_leads_of_search(search_id))
        .where(sa.or_(~sa.exists(linked), ~sa.exists(prospect)))
        .order_by(t.leads.c.place_id)
    )
    return list(conn.execute(query).scalars())
