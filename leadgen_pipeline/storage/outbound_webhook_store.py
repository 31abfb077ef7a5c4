"""Outbound webhooks: subscriptions, the outbox of events, their deliveries and attempts.

The pipeline writes events with `record_events` inside the transaction of
what happened (or `emit_events` right after it); each event is stored once
per event id, with one pending delivery per matching subscription. The
delivery step claims due deliveries (a lease, so two steps never send the
same one at once), records each attempt, and moves a delivery to
delivered, to its next try, or to dead. No query here ever returns a
subscription's secret except the claim, which the sender needs to sign.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.domain.outbound_webhooks import (
    OutboundEvent,
    budget_reached_event,
    delivery_id,
)
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import as_utc, upsert, utcnow

PENDING, DELIVERED, DEAD, CANCELLED = "pending", "delivered", "dead", "cancelled"
DELIVERY_STATUSES = (PENDING, DELIVERED, DEAD, CANCELLED)

subscriptions = t.webhook_subscriptions
events_table = t.outbound_events
deliveries = t.webhook_deliveries
attempts_table = t.webhook_delivery_attempts

# Every column of a subscription a person may see: all but the secret.
_PUBLIC_SUBSCRIPTION = [c for c in subscriptions.c if c.name != "secret"]


def _dates(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as a dict, its timestamps in UTC (SQLite gives them back without a zone)."""
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in row.items()}


# --- subscriptions ---


def create_subscription(
    engine: Engine,
    url: str,
    secret: str,
    events: Sequence[str],
    description: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store a subscription (already validated); the stored row without its secret."""
    row = {
        "id": f"whs_{secrets.token_hex(12)}",
        "url": url,
        "secret": secret,
        "events": list(events),
        "description": description,
        "created_at": now or utcnow(),
        "removed_at": None,
    }
    with engine.begin() as conn:
        conn.execute(sa.insert(subscriptions).values(**row))
    return {k: v for k, v in row.items() if k != "secret"}


def list_subscriptions(conn: Connection, include_removed: bool = False) -> list[dict[str, Any]]:
    """Subscriptions, oldest first, without their secrets."""
    query = sa.select(*_PUBLIC_SUBSCRIPTION).order_by(subscriptions.c.created_at)
    if not include_removed:
        query = query.where(subscriptions.c.removed_at.is_(None))
    return [_dates(row._mapping) for row in conn.execute(query)]


def remove_subscription(engine: Engine, subscription_id: str, now: datetime | None = None) -> bool:
    """Stop a subscription: nothing more is sent to it, its pending deliveries are cancelled
    (its log stays). False if there is no such subscription in force."""
    moment = now or utcnow()
    with engine.begin() as conn:
        removed = conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == subscription_id, subscriptions.c.removed_at.is_(None))
            .values(removed_at=moment)
            .returning(subscriptions.c.id)
        ).first()
        if removed is None:
            return False
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.subscription_id == subscription_id, deliveries.c.status == PENDING)
            .values(status=CANCELLED, next_attempt_at=None, claimed_until=None)
        )
    return True


# --- the outbox ---


def record_events(conn: Connection, events: Sequence[OutboundEvent]) -> list[str]:
    """Store each event unless its id is stored already, with a pending delivery for every
    subscription in force that asked for its type, in the caller's transaction; the ids
    of the events that were new."""
    if not events:
        return []
    # Those stored already are left out, so the deliveries are made once. Two
    # writers racing on one event may both count it new: the deterministic
    # delivery ids (and ON CONFLICT DO NOTHING) still make one delivery of it.
    stored: set[str] = set()
    ids = list(dict.fromkeys(event.event_id for event in events))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        stored |= set(
            conn.execute(
                sa.select(events_table.c.event_id).where(events_table.c.event_id.in_(chunk))
            ).scalars()
        )
    fresh_events = list({e.event_id: e for e in events if e.event_id not in stored}.values())
    new_ids = [event.event_id for event in fresh_events]
    # base.upsert: COPY through a staging table from 50 rows on PostgreSQL, so a
    # search's hundreds of new leads cost a few round trips.
    upsert(
        conn,
        events_table,
        [
            {
                "event_id": event.event_id,
                "event_type": event.event_type.value,
                "payload": event.payload,
                "occurred_at": event.occurred_at,
            }
            for event in fresh_events
        ],
        ["event_id"],
    )
    if not new_ids:
        return []
    listeners = conn.execute(
        sa.select(subscriptions.c.id, subscriptions.c.events).where(
            subscriptions.c.removed_at.is_(None)
        )
    ).all()
    now = utcnow()
    deliveries_rows = [
        {
            "id": delivery_id(event.event_id, subscription_id),
            "event_id": event.event_id,
            "subscription_id": subscription_id,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in fresh_events
        for subscription_id, wanted in listeners
        if event.event_type.value in wanted
    ]
    upsert(conn, deliveries, deliveries_rows, ["id"])
    return new_ids


def emit_events(engine: Engine, events: Sequence[OutboundEvent]) -> list[str]:
    """`record_events` in a transaction of its own."""
    with engine.begin() as conn:
        return record_events(conn, events)


def emit_budget_reached(
    engine: Engine,
    budget_id: str,
    period: str,
    limit_usd: float,
    spent_usd: float,
    search_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Tell subscribers of `budget.reached` that budget `budget_id` reached its limit in
    `period`: once per budget and period, however often it is called. Call it where the
    budget stops spending, after that decision is stored. True if the event was new."""
    event = budget_reached_event(
        budget_id, period, limit_usd, spent_usd, now or utcnow(), search_id
    )
    return bool(emit_events(engine, [event]))


# --- delivering ---


@dataclass(frozen=True)
class DueDelivery:
    id: str
    event_id: str
    subscription_id: str
    url: str
    payload: dict[str, Any]
    attempts: int
    secret: str = field(repr=False)


def _due(now: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        deliveries.c.status == PENDING,
        deliveries.c.next_attempt_at <= now,
        sa.or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
    ]


def claim_due_deliveries(
    engine: Engine, now: datetime, limit: int, per_subscription: int, lease: timedelta
) -> list[DueDelivery]:
    """Take up to `limit` due deliveries, at most `per_subscription` of any one subscription
    (so one with a backlog cannot crowd the others out of a tick), oldest due first, each
    leased until `now + lease` to this caller alone."""
    ranked = (
        sa.select(
            deliveries.c.id,
            deliveries.c.next_attempt_at,
            sa.func.row_number()
            .over(
                partition_by=deliveries.c.subscription_id,
                order_by=(deliveries.c.next_attempt_at, deliveries.c.id),
            )
            .label("place"),
        )
        .where(*_due(now))
        .subquery()
    )
    with engine.connect() as conn:
        candidates = (
            conn.execute(
                sa.select(ranked.c.id)
                .where(ranked.c.place <= per_subscription)
                .order_by(ranked.c.next_attempt_at, ranked.c.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
    if not candidates:
        return []
    with engine.begin() as conn:
        # One conditional update for all: a row another caller claimed since the
        # read no longer matches `_due` (PostgreSQL re-checks it once the other's
        # lock is released), so each delivery is taken by one caller alone.
        taken = list(
            conn.execute(
                sa.update(deliveries)
                .where(deliveries.c.id.in_(candidates), *_due(now))
                .values(claimed_until=now + lease)
                .returning(deliveries.c.id)
            ).scalars()
        )
        if not taken:
            return []
        rows = conn.execute(
            sa.select(
                deliveries.c.id,
                deliveries.c.event_id,
                deliveries.c.subscription_id,
                deliveries.c.attempts,
                subscriptions.c.url,
                subscriptions.c.secret,
                events_table.c.payload,
            )
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(events_table, events_table.c.event_id == deliveries.c.event_id)
            .where(deliveries.c.id.in_(taken))
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        ).all()
    return [DueDelivery(**row._mapping) for row in rows]


def release_deliveries(engine: Engine, delivery_ids: Sequence[str]) -> None:
    """Give claimed deliveries back untried (the tick ran out of time, or their receiver
    already failed this tick): due again at once, no attempt counted."""
    if not delivery_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id.in_(list(delivery_ids)))
            .values(claimed_until=None)
        )


def record_attempt(
    engine: Engine,
    delivery: DueDelivery,
    attempted_at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    outcome: str,  # DELIVERED, PENDING or DEAD, as the retry policy decided
    next_attempt_at: datetime | None,
) -> None:
    """Log an attempt and move the delivery on (`outcome`, decided by the retry policy),
    in one transaction. A delivery cancelled meanwhile keeps its status; the attempt is
    logged all the same."""
    values: dict[str, Any] = {
        "attempts": deliveries.c.attempts + 1,
        "last_attempt_at": attempted_at,
        "last_status_code": status_code,
        "last_error": error,
        "claimed_until": None,
        "status": outcome,
        "next_attempt_at": next_attempt_at if outcome == PENDING else None,
    }
    if outcome == DELIVERED:
        values["delivered_at"] = attempted_at
    elif outcome == DEAD:
        values["dead_at"] = attempted_at
    with engine.begin() as conn:
        number = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(attempts_table.c.attempt), 0) + 1).where(
                attempts_table.c.delivery_id == delivery.id
            )
        ).scalar_one()
        conn.execute(
            sa.insert(attempts_table).values(
                delivery_id=delivery.id,
                attempt=number,
                attempted_at=attempted_at,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
            )
        )
        conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id == delivery.id, deliveries.c.status == PENDING)
            .values(**values)
        )


# --- what a person sees and does ---


def list_deliveries(
    conn: Connection,
    status: str | None = None,
    subscription_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Deliveries, the latest first, with their event type and subscriber URL."""
    query = (
        sa.select(deliveries, events_table.c.event_type, subscriptions.c.url)
        .join(events_table, events_table.c.event_id == deliveries.c.event_id)
        .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .order_by(deliveries.c.created_at.desc(), deliveries.c.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(deliveries.c.status == status)
    if subscription_id is not None:
        query = query.where(deliveries.c.subscription_id == subscription_id)
    return [_dates(row._mapping) for row in conn.execute(query)]


def delivery_attempts(conn: Connection, delivery_id: str) -> list[dict[str, Any]]:
    """A delivery's attempts, in order."""
    query = (
        sa.select(attempts_table)
        .where(attempts_table.c.delivery_id == delivery_id)
        .order_by(attempts_table.c.attempt)
    )
    return [_dates(row._mapping) for row in conn.execute(query)]


ReplayOutcome = Literal["replayed", "not_found", "not_dead", "subscription_removed"]


def replay_delivery(engine: Engine, delivery_id: str, now: datetime | None = None) -> ReplayOutcome:
    """Send a dead delivery again: pending, due now, with a fresh set of attempts (its
    attempt log goes on counting). Only a dead one, of a subscription in force."""
    moment = now or utcnow()
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(deliveries.c.status, subscriptions.c.removed_at)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .where(deliveries.c.id == delivery_id)
        ).first()
        if row is None:
            return "not_found"
        if row.removed_at is not None:
            return "subscription_removed"
        replayed = conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.status == DEAD)
            .values(
                status=PENDING, attempts=0, next_attempt_at=moment, dead_at=None, claimed_until=None
            )
            .returning(deliveries.c.id)
        ).first()
    return "replayed" if replayed is not None else "not_dead"
