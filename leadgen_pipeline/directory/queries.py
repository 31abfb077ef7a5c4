"""The directory's reads: collections with their stats, and a collection's leads, filtered,
sorted and paged in the database."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leadgen_pipeline.storage import schema as t


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
    conn: Connection, location: str | None = None, keyword: str | None = None
) -> list[dict[str, Any]]:
    """Collections whose location / keyword contain the given text (any case), by location."""
    collections = t.lead_collections
    query = sa.select(collections).order_by(collections.c.location, collections.c.keyword)
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
