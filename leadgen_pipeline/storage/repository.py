"""Reads and idempotent writes on the application tables.

Every write function runs in one transaction and is an upsert keyed on the
table's natural key, so re-running a step, or retrying it after a failure
half way, converges on the same rows instead of duplicating or losing them.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.domain.enrichment import EnrichmentOutcome
from leadgen_pipeline.domain.leads import CollectionStats, ScoredLead
from leadgen_pipeline.domain.places import Prospect
from leadgen_pipeline.domain.search_request import SearchRequest
from leadgen_pipeline.storage import schema as t

# Listing fields a new search result refreshes; enrichment state is left alone.
_PROSPECT_LISTING_COLUMNS = (
    "name",
    "formatted_address",
    "latitude",
    "longitude",
    "primary_type",
    "types",
    "business_status",
    "phone_e164",
    "national_phone",
    "website",
    "google_maps_uri",
    "rating",
    "user_rating_count",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE on PostgreSQL and SQLite alike.

    `update_columns` defaults to every non-key column given; `overrides` maps a
    column to an expression built from the statement (e.g. to keep a flag set).
    """
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # The rows go as executemany parameters, not `.values(rows)`: a statement
    # whose text depends on the rows is compiled anew on every call (over half
    # the cost of a 100-row upsert); this one is compiled once and cached, and
    # SQLAlchemy still sends multi-row INSERTs ("insertmanyvalues").
    statement = dialect.insert(table)
    columns = update_columns or [c for c in rows[0] if c not in key_columns]
    assignments: dict[str, Any] = {c: statement.excluded[c] for c in columns}
    for column, build in (overrides or {}).items():
        assignments[column] = build(statement)
    if assignments:
        statement = statement.on_conflict_do_update(
            index_elements=list(key_columns), set_=assignments
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key_columns))
    conn.execute(statement, list(rows))


# --- searches ---------------------------------------------------------------


def register_search(
    engine: Engine, request: SearchRequest, requested_by: str, status: str = "requested"
) -> dict[str, Any]:
    """Create or re-request a search; a new target replaces the old one.

    A caller that launches the run itself says so with another `status`, in
    the same write, so the search_requests sensor never launches it too.
    """
    row = {
        "id": request.partition_key,
        "keyword": request.keyword,
        "location": request.location,
        "text_query": request.text_query,
        "target_business": request.target_business,
        "status": status,
        "requested_at": utcnow(),
        "requested_by": requested_by,
    }
    with engine.begin() as conn:
        upsert(conn, t.searches, [row], ["id"])
    return row


def get_search(conn: Connection, search_id: str) -> Row | None:
    return conn.execute(sa.select(t.searches).where(t.searches.c.id == search_id)).first()


def requested_searches(conn: Connection, after: datetime | None, limit: int) -> list[Row]:
    """Searches waiting for a run, oldest request first."""
    query = sa.select(t.searches).where(t.searches.c.status == "requested")
    if after is not None:
        query = query.where(t.searches.c.requested_at > after)
    return list(conn.execute(query.order_by(t.searches.c.requested_at).limit(limit)))


def set_search_status(
    engine: Engine, search_id: str, status: str, error: str | None = None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.searches)
            .where(t.searches.c.id == search_id)
            .values(status=status, last_error=error)
        )


# --- places_results ---------------------------------------------------------


def save_search_pages(
    engine: Engine,
    search_id: str,
    pages: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    run_id: str | None,
    result_count: int,
    capped: bool,
) -> None:
    """Replace a search's raw pages with this run's (request, response) pairs."""
    now = utcnow()
    rows = [
        {
            "search_id": search_id,
            "page_number": number,
            "request": request,
            "response": response,
            "place_count": len(response.get("places", [])),
            "fetched_at": now,
            "run_id": run_id,
        }
        for number, (request, response) in enumerate(pages, start=1)
    ]
    with engine.begin() as conn:
        conn.execute(sa.delete(t.places_results).where(t.places_results.c.search_id == search_id))
        if rows:
            conn.execute(sa.insert(t.places_results), rows)
        conn.execute(
            sa.update(t.searches)
            .where(t.searches.c.id == search_id)
            .values(
                status="searched",
                last_run_id=run_id,
                last_searched_at=now,
                pages_fetched=len(rows),
                result_count=result_count,
                result_capped=capped,
                last_error=None,
            )
        )


def load_search_pages(conn: Connection, search_id: str) -> list[dict[str, Any]]:
    query = (
        sa.select(t.places_results.c.response)
        .where(t.places_results.c.search_id == search_id)
        .order_by(t.places_results.c.page_number)
    )
    return list(conn.execute(query).scalars())


# --- prospects --------------------------------------------------------------


def _prospect_row(prospect: Prospect, now: datetime) -> dict[str, Any]:
    row = asdict(prospect)
    row["types"] = list(prospect.types)
    return {**row, "first_seen_at": now, "updated_at": now}


def store_search_prospects(engine: Engine, search_id: str, ranked: Sequence[Prospect]) -> None:
    """Upsert the places as prospects and make them, at their ranks, the search's results."""
    now = utcnow()
    with engine.begin() as conn:
        upsert(
            conn,
            t.prospects,
            [_prospect_row(p, now) for p in ranked],
            ["place_id"],
            update_columns=[*_PROSPECT_LISTING_COLUMNS, "updated_at"],
        )
        links = t.search_prospects
        conn.execute(
            sa.delete(links).where(
                links.c.search_id == search_id,
                links.c.place_id.not_in([p.place_id for p in ranked]),
            )
        )
        upsert(
            conn,
            links,
            [
                {"search_id": search_id, "place_id": p.place_id, "rank": rank, "seen_at": now}
                for rank, p in enumerate(ranked, start=1)
            ],
            ["search_id", "place_id"],
        )


def _prospect_from_row(row: Mapping[str, Any]) -> Prospect:
    fields = {name: row[name] for name in Prospect.__dataclass_fields__}
    return Prospect(**{**fields, "types": tuple(fields["types"] or ())})


def ranked_search_prospects(conn: Connection, search_id: str) -> list[Prospect]:
    query = (
        sa.select(t.prospects)
        .join(t.search_prospects, t.search_prospects.c.place_id == t.prospects.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .order_by(t.search_prospects.c.rank)
    )
    return [_prospect_from_row(row._mapping) for row in conn.execute(query)]


# --- ai_intelligence --------------------------------------------------------


def save_intelligence(engine: Engine, row: Mapping[str, Any]) -> None:
    with engine.begin() as conn:
        upsert(conn, t.ai_intelligence, [{**row, "created_at": utcnow()}], ["search_id"])


def delete_intelligence(engine: Engine, search_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(t.ai_intelligence).where(t.ai_intelligence.c.search_id == search_id))


def get_intelligence(conn: Connection, search_id: str) -> Row | None:
    query = sa.select(t.ai_intelligence).where(t.ai_intelligence.c.search_id == search_id)
    return conn.execute(query).first()


# --- leads and collections --------------------------------------------------


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


def collection_lead_rows(conn: Connection, collection_id: str) -> list[dict[str, Any]]:
    """A collection's leads as stored, in rank order."""
    members = t.lead_collection_members
    query = (
        sa.select(t.leads, members.c.rank, *_LEAD_LISTING)
        .join(members, members.c.place_id == t.leads.c.place_id)
        .join(t.prospects, t.prospects.c.place_id == t.leads.c.place_id)
        .where(members.c.collection_id == collection_id)
        .order_by(members.c.rank)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def list_collections(conn: Connection) -> list[dict[str, Any]]:
    query = sa.select(t.lead_collections).order_by(
        t.lead_collections.c.location, t.lead_collections.c.keyword
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


# --- enrichment queue ---------------------------------------------------------

PRIORITIES = {"high": 0, "normal": 1, "low": 2}
ENQUEUE_CHUNK = 500


def known_place_ids(conn: Connection, place_ids: Sequence[str]) -> set[str]:
    query = sa.select(t.prospects.c.place_id).where(t.prospects.c.place_id.in_(list(place_ids)))
    return set(conn.execute(query).scalars())


def enqueue_enrichment(
    engine: Engine,
    place_ids: Sequence[str],
    priority: str,
    requested_by: str,
    job_id: str | None = None,
) -> int:
    """Queue known prospects for enrichment; a queued one keeps its place, at the higher priority.

    Returns how many prospects are now queued by this request.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    now = utcnow()
    queue = t.enrichment_queue
    unique = list(dict.fromkeys(place_ids))
    queued = 0
    with engine.begin() as conn:
        # Chunks keep each statement well under the drivers' bound-parameter limits.
        for start in range(0, len(unique), ENQUEUE_CHUNK):
            chunk = unique[start : start + ENQUEUE_CHUNK]
            known = known_place_ids(conn, chunk)
            rows = [
                {
                    "place_id": place_id,
                    "priority": PRIORITIES[priority],
                    "requested_at": now,
                    "requested_by": requested_by,
                    "job_id": job_id,
                }
                for place_id in chunk
                if place_id in known
            ]
            upsert(
                conn,
                queue,
                rows,
                ["place_id"],
                update_columns=["priority"],
                overrides={
                    "priority": lambda stmt: sa.case(
                        (queue.c.priority < stmt.excluded.priority, queue.c.priority),
                        else_=stmt.excluded.priority,
                    )
                },
            )
            if rows:
                conn.execute(
                    sa.update(t.prospects)
                    .where(t.prospects.c.place_id.in_([r["place_id"] for r in rows]))
                    .where(t.prospects.c.enrichment_status != "running")
                    .values(enrichment_status="queued")
                )
            queued += len(rows)
    return queued


def enqueue_search_prospects(engine: Engine, search_id: str, stale_before: datetime) -> int:
    """Queue the search's prospects that were never enriched, failed, or went stale."""
    p = t.prospects
    query = (
        sa.select(p.c.place_id)
        .join(t.search_prospects, t.search_prospects.c.place_id == p.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .where(
            sa.or_(
                p.c.enrichment_status.in_(["pending", "failed"]),
                sa.and_(
                    p.c.enrichment_status.in_(["enriched", "skipped"]),
                    sa.or_(p.c.enriched_at.is_(None), p.c.enriched_at < stale_before),
                ),
            )
        )
    )
    with engine.connect() as conn:
        place_ids = list(conn.execute(query).scalars())
    return enqueue_enrichment(engine, place_ids, "normal", f"search:{search_id}")


def claim_enrichment(
    engine: Engine,
    claimer: str,
    limit: int,
    lease_expired_before: datetime,
    search_id: str | None = None,
    exclude: Iterable[str] = (),
) -> list[str]:
    """Claim up to `limit` queued prospects for `claimer`, highest priority and oldest first.

    A claimed prospect stays `queued` until a worker starts it
    (`start_enrichment`): a chunk is claimed ahead of the workers, and its
    status should say what is in flight, not what is merely reserved.

    Free items, items `claimer` already holds (a re-execution resuming its own
    work) and items whose claim lease expired (a killed run) can be claimed.
    With `search_id`, only that search's prospects; `exclude` skips what the
    claimer already has in hand. Returns the place ids claimed.
    """
    queue = t.enrichment_queue
    claimable = sa.or_(
        queue.c.claimed_by.is_(None),
        queue.c.claimed_by == claimer,
        queue.c.claimed_at < lease_expired_before,
    )
    candidates = sa.select(queue.c.place_id).where(claimable)
    if excluded := list(exclude):
        candidates = candidates.where(queue.c.place_id.not_in(excluded))
    if search_id is not None:
        candidates = candidates.join(
            t.search_prospects, t.search_prospects.c.place_id == queue.c.place_id
        ).where(t.search_prospects.c.search_id == search_id)
    candidates = (
        candidates.order_by(queue.c.priority, queue.c.requested_at, queue.c.place_id)
        .limit(limit)
        # Concurrent claimers on PostgreSQL pass over each other's rows.
        .with_for_update(skip_locked=True, of=queue)
    )
    now = utcnow()
    with engine.begin() as conn:
        place_ids = list(conn.execute(candidates).scalars())
        if place_ids:
            conn.execute(
                sa.update(queue)
                .where(queue.c.place_id.in_(place_ids))
                .values(claimed_by=claimer, claimed_at=now)
            )
    return place_ids


def queued_counts(conn: Connection) -> dict[int, int]:
    """Unclaimed queue items by priority."""
    queue = t.enrichment_queue
    query = (
        sa.select(queue.c.priority, sa.func.count())
        .where(queue.c.claimed_by.is_(None))
        .group_by(queue.c.priority)
    )
    return {priority: count for priority, count in conn.execute(query)}


def get_prospects(conn: Connection, place_ids: Sequence[str]) -> list[Prospect]:
    query = sa.select(t.prospects).where(t.prospects.c.place_id.in_(list(place_ids)))
    return [_prospect_from_row(row._mapping) for row in conn.execute(query)]


def save_enrichment(
    engine: Engine,
    place_id: str,
    outcome: EnrichmentOutcome,
    run_id: str,
    retry_at: datetime | None,
) -> None:
    """Record one prospect's outcome and its contacts, and take it off the queue, atomically."""
    now = utcnow()
    values: dict[str, Any] = {
        "enrichment_status": outcome.status,
        "enrichment_attempts": t.prospects.c.enrichment_attempts + 1,
        "enrichment_error": outcome.reason,
        "enrichment_report": dict(outcome.report),
        "enrichment_run_id": run_id,
        "next_attempt_at": retry_at,
    }
    if outcome.status != "failed":
        values["enriched_at"] = now
    if outcome.listing is not None:
        listing = _prospect_row(outcome.listing, now)
        values |= {column: listing[column] for column in _PROSPECT_LISTING_COLUMNS}
    contacts = t.prospect_contacts
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.prospects).where(t.prospects.c.place_id == place_id).values(values)
        )
        if outcome.status != "failed":
            # A failed attempt keeps what an earlier attempt found.
            conn.execute(sa.delete(contacts).where(contacts.c.place_id == place_id))
            # First sighting wins: the waterfall lists sources cheapest (and most
            # authoritative) first.
            seen: set[tuple[str, str]] = set()
            positions: dict[str, int] = {}
            rows = []
            for contact in outcome.contacts:
                if (contact.kind, contact.value) in seen:
                    continue
                seen.add((contact.kind, contact.value))
                position = positions[contact.kind] = positions.get(contact.kind, -1) + 1
                rows.append(
                    {
                        "place_id": place_id,
                        "kind": contact.kind,
                        "value": contact.value,
                        "source": contact.source,
                        "url": contact.url,
                        "detail": contact.detail,
                        "position": position,
                        "found_at": now,
                    }
                )
            if rows:
                conn.execute(sa.insert(contacts), rows)
        conn.execute(sa.delete(t.enrichment_queue).where(t.enrichment_queue.c.place_id == place_id))


def contacts_by_place(conn: Connection, place_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each prospect's contact values, best first within each kind."""
    contacts = t.prospect_contacts
    query = (
        sa.select(contacts)
        .where(contacts.c.place_id.in_(list(place_ids)))
        .order_by(contacts.c.place_id, contacts.c.kind, contacts.c.position)
    )
    found: dict[str, list[Row]] = {}
    for row in conn.execute(query):
        found.setdefault(row.place_id, []).append(row)
    return found


def start_enrichment(engine: Engine, place_id: str) -> tuple[Prospect, int]:
    """Mark a claimed prospect `running`; return it and how many enrichment attempts it has had."""
    prospects = t.prospects
    with engine.begin() as conn:
        conn.execute(
            sa.update(prospects)
            .where(prospects.c.place_id == place_id)
            .values(enrichment_status="running")
        )
        row = conn.execute(sa.select(prospects).where(prospects.c.place_id == place_id)).one()
    return _prospect_from_row(row._mapping), row.enrichment_attempts


def search_enrichment_statuses(conn: Connection, search_id: str) -> dict[str, int]:
    query = (
        sa.select(t.prospects.c.enrichment_status, sa.func.count())
        .join(t.search_prospects, t.search_prospects.c.place_id == t.prospects.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .group_by(t.prospects.c.enrichment_status)
    )
    return dict(sorted((status, count) for status, count in conn.execute(query)))


def _enqueue_where(engine: Engine, condition: sa.ColumnElement[bool], requested_by: str) -> int:
    with engine.connect() as conn:
        place_ids = list(conn.execute(sa.select(t.prospects.c.place_id).where(condition)).scalars())
    return enqueue_enrichment(engine, place_ids, "low", requested_by)


def enqueue_due_failures(engine: Engine, now: datetime) -> int:
    """Queue failed prospects whose backoff has passed, at low priority."""
    p = t.prospects
    due = sa.and_(p.c.enrichment_status == "failed", p.c.next_attempt_at <= now)
    return _enqueue_where(engine, due, "schedule:retry_failed")


def enqueue_stale(engine: Engine, stale_before: datetime) -> int:
    """Queue leads enriched before `stale_before`, at low priority."""
    p = t.prospects
    stale = sa.and_(
        p.c.enrichment_status == "enriched",
        p.c.enriched_at < stale_before,
        p.c.place_id.in_(sa.select(t.leads.c.place_id)),
    )
    return _enqueue_where(engine, stale, "schedule:reenrich_stale")


def searches_enriched_by_run(conn: Connection, run_id: str) -> list[str]:
    query = (
        sa.select(t.search_prospects.c.search_id)
        .join(t.prospects, t.prospects.c.place_id == t.search_prospects.c.place_id)
        .where(t.prospects.c.enrichment_run_id == run_id)
        .distinct()
        .order_by(t.search_prospects.c.search_id)
    )
    return list(conn.execute(query).scalars())


def searches_due_for_refresh(conn: Connection, stale_before: datetime, limit: int) -> list[str]:
    """Searches last run before `stale_before`, oldest first."""
    s = t.searches
    query = (
        sa.select(s.c.id)
        .where(s.c.last_searched_at < stale_before)
        .order_by(s.c.last_searched_at)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


# --- data-quality queries -----------------------------------------------------


def searches_with_repeated_ranks(conn: Connection) -> list[str]:
    links = t.search_prospects
    query = (
        sa.select(links.c.search_id)
        .group_by(links.c.search_id)
        .having(sa.func.count(sa.distinct(links.c.rank)) != sa.func.count())
        .order_by(links.c.search_id)
    )
    return list(conn.execute(query).scalars())


def lead_contact_values(conn: Connection) -> Iterable[tuple[str, str | None, str | None]]:
    query = sa.select(t.leads.c.place_id, t.leads.c.email, t.leads.c.phone_e164).order_by(
        t.leads.c.place_id
    )
    for row in conn.execution_options(yield_per=1000).execute(query):
        yield row.place_id, row.email, row.phone_e164


def untraceable_leads(conn: Connection) -> list[str]:
    """Leads whose prospect is gone, or that no search lists."""
    linked = sa.select(t.search_prospects.c.place_id).where(
        t.search_prospects.c.place_id == t.leads.c.place_id
    )
    prospect = sa.select(t.prospects.c.place_id).where(t.prospects.c.place_id == t.leads.c.place_id)
    query = (
        sa.select(t.leads.c.place_id)
        .where(sa.or_(~sa.exists(linked), ~sa.exists(prospect)))
        .order_by(t.leads.c.place_id)
    )
    return list(conn.execute(query).scalars())


def llm_extracted_owners(conn: Connection) -> Iterable[tuple[str, str, dict | None]]:
    contacts = t.prospect_contacts
    query = (
        sa.select(contacts.c.place_id, contacts.c.value, t.prospects.c.enrichment_report)
        .join(t.prospects, t.prospects.c.place_id == contacts.c.place_id)
        .where(contacts.c.kind == "owner", contacts.c.source.like("llm:%"))
        .order_by(contacts.c.place_id)
    )
    for row in conn.execution_options(yield_per=500).execute(query):
        yield row.place_id, row.value, row.enrichment_report
