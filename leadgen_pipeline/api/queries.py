"""Reads and writes of the API's own tables, and the result counts the status endpoint shows."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.api_schema import (
    JOB_KIND_ENRICHMENT_BATCH,
    JOB_KIND_SEARCH_RUN,
    api_jobs,
    webhook_events,
)
from leadgen_pipeline.storage.repository import utcnow


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# --- jobs ---------------------------------------------------------------------


def record_search_job(
    engine: Engine,
    run_id: str,
    search_id: str | None,
    requested_by: str,
    parent_job_id: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(api_jobs).values(
                id=run_id,
                kind=JOB_KIND_SEARCH_RUN,
                search_id=search_id,
                parent_job_id=parent_job_id,
                requested_by=requested_by,
                created_at=utcnow(),
            )
        )


def record_enrichment_batch(
    conn: Connection,
    job_id: str,
    place_ids: Sequence[str],
    unknown_place_ids: Sequence[str],
    priority: str,
    requested_by: str,
) -> None:
    conn.execute(
        sa.insert(api_jobs).values(
            id=job_id,
            kind=JOB_KIND_ENRICHMENT_BATCH,
            place_ids=list(place_ids),
            unknown_place_ids=list(unknown_place_ids),
            priority=priority,
            requested_by=requested_by,
            created_at=utcnow(),
        )
    )


def get_job(conn: Connection, job_id: str) -> Row | None:
    return conn.execute(sa.select(api_jobs).where(api_jobs.c.id == job_id)).first()


# --- search results -------------------------------------------------------------


def search_result_counts(conn: Connection, search_id: str) -> dict[str, Any]:
    """How far a search got: its prospects, how many are enriched, and its target's lead id."""
    links = t.search_prospects
    prospect_count = conn.execute(
        sa.select(sa.func.count()).select_from(links).where(links.c.search_id == search_id)
    ).scalar_one()
    enriched_count = conn.execute(
        sa.select(sa.func.count())
        .select_from(links.join(t.prospects, t.prospects.c.place_id == links.c.place_id))
        .where(links.c.search_id == search_id, t.prospects.c.enrichment_status == "enriched")
    ).scalar_one()
    lead_id = conn.execute(
        sa.select(t.leads.c.place_id)
        .join(t.ai_intelligence, t.ai_intelligence.c.target_place_id == t.leads.c.place_id)
        .where(t.ai_intelligence.c.search_id == search_id)
    ).scalar_one_or_none()
    return {
        "searchId": search_id,
        "leadId": lead_id,
        "prospectCount": prospect_count,
        "enrichedCount": enriched_count,
    }


def enrichment_states(conn: Connection, place_ids: Sequence[str]) -> dict[str, Row]:
    """Place id -> (enrichment_status, enrichment_error) for the prospects that exist."""
    query = sa.select(
        t.prospects.c.place_id, t.prospects.c.enrichment_status, t.prospects.c.enrichment_error
    ).where(t.prospects.c.place_id.in_(list(place_ids)))
    return {row.place_id: row for row in conn.execute(query)}


# --- webhook events -------------------------------------------------------------


def store_webhook_event(
    engine: Engine, source: str, event_id: str, event_type: str, payload: Mapping[str, Any]
) -> bool:
    """Store an event unless (source, event id) is already stored; True if it was new."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(webhook_events)
        .values(
            source=source,
            event_id=event_id,
            event_type=event_type,
            payload=dict(payload),
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["source", "event_id"])
        # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
        .returning(webhook_events.c.event_id)
    )
    with engine.begin() as conn:
        return conn.execute(statement).first() is not None


def claim_webhook_events(engine: Engine, limit: int) -> list[Row]:
    """Take up to `limit` unclaimed events, oldest first, for this caller alone.

    Each claim is a conditional update: of two sensor ticks racing for an
    event, exactly one sees its update change a row. Claiming before acting
    means an event is acted on at most once; a crash between the two leaves it
    claimed without an outcome, visible rather than repeated.
    """
    events = webhook_events
    with engine.connect() as conn:
        candidates = conn.execute(
            sa.select(events.c.source, events.c.event_id)
            .where(events.c.claimed_at.is_(None))
            .order_by(events.c.received_at)
            .limit(limit)
        ).all()
    claimed = []
    for source, event_id in candidates:
        key = (events.c.source == source, events.c.event_id == event_id)
        with engine.begin() as conn:
            taken = conn.execute(
                sa.update(events)
                .where(*key, events.c.claimed_at.is_(None))
                .values(claimed_at=utcnow())
                .returning(*events.c)
            ).first()
            if taken is not None:
                claimed.append(taken)
    return claimed


def finish_webhook_event(
    engine: Engine, source: str, event_id: str, outcome: str, error: str | None
) -> None:
    events = webhook_events
    with engine.begin() as conn:
        conn.execute(
            sa.update(events)
            .where(events.c.source == source, events.c.event_id == event_id)
            .values(processed_at=utcnow(), outcome=outcome, error=error)
        )
