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

from leadgen_pipeline.domain.contacts import phone_query_digits
from leadgen_pipeline.domain.leads import CollectionStats, ScoredLead
from leadgen_pipeline.domain.outbound_webhooks import LEAD_FIELDS, LeadChanges, lead_changes
from leadgen_pipeline.storage import outbound_webhook_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow


def upsert_leads(
    engine: Engine, search_id: str, scored: Iterable[ScoredLead], target_place_id: str | None
) -> LeadChanges:
    """Write the search's leads and, in the same transaction, the lead.created and
    lead.updated events of those that are new or changed (the outbox; nothing is sent
    from here). Returns each lead's version and the events."""
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
        # Locked (on PostgreSQL) until the commit: a concurrent run of the same
        # search waits, then sees this one's versions, and emits nothing twice.
        stored = _stored_versions(conn, [row["place_id"] for row in rows])
        changes = lead_changes(search_id, stored, rows, now)
        for row in rows:
            row["version"] = changes.versions[row["place_id"]]
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
        outbound_webhook_store.record_events(conn, changes.events)
    return changes


# What a lead.created / lead.updated compares, and what it keeps from the stored row.
_VERSIONED = [t.leads.c[column] for column in LEAD_FIELDS] + [
    t.leads.c.version,
    t.leads.c.origin_search_id,
]


def _stored_versions(conn: Connection, place_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored leads among `place_ids`, by place id, locked for this transaction."""
    stored: dict[str, dict[str, Any]] = {}
    ordered = sorted(set(place_ids))
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        query = (
            sa.select(t.leads.c.place_id, *_VERSIONED)
            .where(t.leads.c.place_id.in_(chunk))
            # One lock order for every writer: two runs sharing leads cannot deadlock here.
            .order_by(t.leads.c.place_id)
            .with_for_update()
        )
        stored |= {row.place_id: dict(row._mapping) for row in conn.execute(query)}
    return stored


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
    """has_*: None either way, True only leads with it, False only leads without it.
    min_score: the lowest quality score kept. text: leads whose name, email, phone,
    owner, website or address contains it (any case)."""

    has_email: bool | None = None
    has_phone: bool | None = None
    has_owner: bool | None = None
    min_score: int | None = None
    text: str | None = None

    @property
    def presence(self) -> dict[str, bool]:
        """The has_* filters in force: "email", "phone", "owner" -> wanted or not."""
        wanted = {"email": self.has_email, "phone": self.has_phone, "owner": self.has_owner}
        return {what: value for what, value in wanted.items() if value is not None}

    def describe(self) -> str | None:
        """The filters in force, as a person reads them; None for none."""
        parts = [
            f"{'with' if wanted else 'without'} {what}" for what, wanted in self.presence.items()
        ]
        if self.min_score is not None:
            parts.append(f"score at least {self.min_score}")
        if self.text:
            parts.append(f"matching {self.text!r}")
        return ", ".join(parts) or None


# The column each has_* filter looks at.
_PRESENCE = {"email": t.leads.c.email, "phone": t.leads.c.phone_e164, "owner": t.leads.c.owner_name}
# The columns a text search looks in.
_SEARCHED = (
    t.leads.c.name,
    t.leads.c.email,
    t.leads.c.phone_e164,
    t.leads.c.owner_name,
    t.leads.c.website,
    t.prospects.c.formatted_address,
)


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


def get_lead(conn: Connection, place_id: str) -> dict[str, Any] | None:
    """The lead of a place, or None if the place was not promoted."""
    row = conn.execute(sa.select(t.leads).where(t.leads.c.place_id == place_id)).first()
    return dict(row._mapping) if row else None


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
    """(how many leads match, the requested page of them) with the columns the exports need
    and each lead's `contacts`: every value found for it, with its provenance."""
    members = t.lead_collection_members
    conditions = [members.c.collection_id == collection_id]
    conditions += [_has_value(_PRESENCE[what], wanted) for what, wanted in filters.presence.items()]
    if filters.min_score is not None:
        conditions.append(t.leads.c.quality_score >= filters.min_score)
    if filters.text and filters.text.strip():
        needle = filters.text.strip().lower()
        matches = [sa.func.lower(c).contains(needle, autoescape=True) for c in _SEARCHED]
        if digits := phone_query_digits(needle):
            # A number typed as the country writes it ("030 1234 5678") finds its E.164.
            matches.append(t.leads.c.phone_e164.contains(digits))
        conditions.append(sa.or_(*matches))
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
            t.prospects.c.google_maps_uri,
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(*_ORDER[sort])
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [dict(row._mapping) for row in conn.execute(query)]
    return total, _with_contacts(rows)


def _lead_values(lead: Mapping[str, Any]) -> dict[str, str]:
    """The values a lead uses, by contact kind."""
    values = {
        "email": lead["email"],
        "phone": lead["phone_e164"],
        "owner": lead["owner_name"],
        "website": lead["website"],
        **{f"social:{network}": url for network, url in (lead["socials"] or {}).items()},
    }
    return {kind: value for kind, value in values.items() if value}


def _with_contacts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each lead row's `contacts` (every value found, stored at promotion) with any value the
    lead uses from elsewhere (the AI profile's owner, the listing's phone) added from its
    provenance, `chosen` marking the lead's own value of each kind."""
    for row in rows:
        chosen = _lead_values(row)
        listed = [dict(c) for c in row["contacts"] or []]
        for kind, value in chosen.items():
            if not any(c["kind"] == kind and c["value"] == value for c in listed):
                origin = (row["provenance"] or {}).get(kind) or {}
                listed.append(
                    {
                        "kind": kind,
                        "value": value,
                        "source": origin.get("source", "places_search"),
                        "url": origin.get("url"),
                        "detail": row["owner_title"] if kind == "owner" else None,
                        "type": None,
                        "signals": None,
                    }
                )
        row["contacts"] = [
            {**c, "chosen": chosen.get(c["kind"]) == c["value"]}
            for c in sorted(listed, key=lambda c: _KIND_ORDER.get(c["kind"].split(":")[0], 9))
        ]
    return rows


_KIND_ORDER = {"email": 0, "other_email": 1, "phone": 2, "owner": 3, "website": 4, "social": 5}


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
