"""The enrichment queue: enqueue with priorities, claim with leases, start and finish a
prospect's enrichment."""

import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.domain.enrichment import EnrichmentOutcome
from leadgen_pipeline.domain.places import Prospect
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import lock_in_key_order, upsert, utcnow
from leadgen_pipeline.storage.prospect_store import (
    LISTING_WRITE_COLUMNS,
    PROSPECT_LISTING_COLUMNS,
    known_place_ids,
    prospect_from_row,
    prospect_row,
)

PRIORITIES = {"high": 0, "normal": 1, "low": 2}
CLAIM_LEASE_ENV = "LEADGEN_CLAIM_LEASE_SECONDS"
# A claim is a lease: its holder renews it (claimed_at) several times a lease
# while it drains, so one older than this belongs to a process that died, and
# anyone may take it. The run reaper frees a dead run's claims even sooner.
CLAIM_LEASE = timedelta(seconds=float(os.environ.get(CLAIM_LEASE_ENV, "120")))


ENQUEUE_CHUNK = 500


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
    # In key order, chunk after chunk: the order every writer locks shared rows in.
    unique = sorted(set(place_ids))
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
                queued_ids = [r["place_id"] for r in rows]
                lock_in_key_order(conn, t.prospects.c.place_id, queued_ids)
                conn.execute(
                    sa.update(t.prospects)
                    .where(t.prospects.c.place_id.in_(queued_ids))
                    .where(t.prospects.c.enrichment_status != "running")
                    .values(enrichment_status="queued")
                )
            queued += len(rows)
    return queued


def _due_for_enrichment(stale_before: datetime) -> sa.ColumnElement[bool]:
    """A prospect a search's run enriches: never enriched, failed, or gone stale."""
    p = t.prospects
    return sa.or_(
        p.c.enrichment_status.in_(["pending", "failed"]),
        sa.and_(
            p.c.enrichment_status.in_(["enriched", "skipped"]),
            sa.or_(p.c.enriched_at.is_(None), p.c.enriched_at < stale_before),
        ),
    )


def enqueue_search_prospects(engine: Engine, search_id: str, stale_before: datetime) -> int:
    """Queue the search's prospects that were never enriched, failed, or went stale."""
    p = t.prospects
    query = (
        sa.select(p.c.place_id)
        .join(t.search_prospects, t.search_prospects.c.place_id == p.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .where(_due_for_enrichment(stale_before))
    )
    with engine.connect() as conn:
        place_ids = list(conn.execute(query).scalars())
    return enqueue_enrichment(engine, place_ids, "normal", f"search:{search_id}")


def search_enrichment_due(
    conn: Connection, search_id: str, stale_before: datetime
) -> tuple[int, int]:
    """(the search's prospects, those of them its next run would enrich): a quote's input."""
    p = t.prospects
    due = sa.case((_due_for_enrichment(stale_before), 1), else_=0)
    query = (
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(due), 0))
        .select_from(p)
        .join(t.search_prospects, t.search_prospects.c.place_id == p.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
    )
    known, due_count = conn.execute(query).one()
    return int(known), int(due_count)


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


def queued_counts(conn: Connection, now: datetime | None = None) -> dict[int, int]:
    """Queue items nobody holds (unclaimed, or their lease expired), by priority."""
    queue = t.enrichment_queue
    expired = (now or utcnow()) - CLAIM_LEASE
    query = (
        sa.select(queue.c.priority, sa.func.count())
        .where(sa.or_(queue.c.claimed_by.is_(None), queue.c.claimed_at < expired))
        .group_by(queue.c.priority)
    )
    return {priority: count for priority, count in conn.execute(query)}


def renew_claims(engine: Engine, claimer: str) -> int:
    """Extend the lease of every item `claimer` holds; returns how many."""
    queue = t.enrichment_queue
    with engine.begin() as conn:
        result = conn.execute(
            sa.update(queue).where(queue.c.claimed_by == claimer).values(claimed_at=utcnow())
        )
    return result.rowcount


def release_claims(engine: Engine, claimer: str) -> int:
    """Give back every item `claimer` holds (its run died): unclaimed again, and the prospects
    it had started `queued` instead of `running`. Returns how many."""
    queue = t.enrichment_queue
    with engine.begin() as conn:
        place_ids = list(
            conn.execute(
                sa.update(queue)
                .where(queue.c.claimed_by == claimer)
                .values(claimed_by=None, claimed_at=None)
                .returning(queue.c.place_id)
            ).scalars()
        )
        if place_ids:
            lock_in_key_order(conn, t.prospects.c.place_id, place_ids)
            conn.execute(
                sa.update(t.prospects)
                .where(t.prospects.c.place_id.in_(place_ids))
                .where(t.prospects.c.enrichment_status == "running")
                .values(enrichment_status="queued")
            )
    return len(place_ids)


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
    return prospect_from_row(row._mapping), row.enrichment_attempts


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
        listing = prospect_row(outcome.listing, now)
        values |= {
            column: listing[column]
            for column in (*PROSPECT_LISTING_COLUMNS, *LISTING_WRITE_COLUMNS)
        }
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
                        "contact_type": contact.contact_type,
                        "signals": dict(contact.signals) if contact.signals is not None else None,
                    }
                )
            if rows:
                conn.execute(sa.insert(contacts), rows)
        conn.execute(sa.delete(t.enrichment_queue).where(t.enrichment_queue.c.place_id == place_id))


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
