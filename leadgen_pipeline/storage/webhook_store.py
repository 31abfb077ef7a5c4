"""Webhook events from other systems: stored once per event id, claimed, finished."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow


def store_webhook_event(
    engine: Engine, source: str, event_id: str, event_type: str, payload: Mapping[str, Any]
) -> bool:
    """Store an event unless its id is already stored (from any source); True if it was new."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(t.webhook_events)
        .values(
            source=source,
            event_id=event_id,
            event_type=event_type,
            payload=dict(payload),
            received_at=utcnow(),
        )
        # Any conflict: the (source, event id) key, or the event id alone (sql/008).
        .on_conflict_do_nothing()
        # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
        .returning(t.webhook_events.c.event_id)
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
    events = t.webhook_events
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
    events = t.webhook_events
    with engine.begin() as conn:
        conn.execute(
            sa.update(events)
            .where(events.c.source == source, events.c.event_id == event_id)
            .values(processed_at=utcnow(), outcome=outcome, error=error)
        )
