"""The API's idempotency keys: the answer given to a POST, kept to be given again."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow

# A key names one request for this long (Stripe keeps them a day too).
KEY_LIFETIME = timedelta(hours=24)


def stored_response(conn: Connection, key: str) -> Row | None:
    """The request and answer stored under `key`, unless it has expired."""
    keys = t.idempotency_keys
    return conn.execute(
        sa.select(keys).where(
            keys.c.idempotency_key == key, keys.c.created_at > utcnow() - KEY_LIFETIME
        )
    ).first()


def save_response(
    engine: Engine,
    key: str,
    request: str,
    fingerprint: str,
    status_code: int,
    response: Mapping[str, Any],
) -> None:
    """Keep the answer to `request` under `key` (an expired key's old answer is replaced)."""
    row = {
        "idempotency_key": key,
        "request": request,
        "fingerprint": fingerprint,
        "status_code": status_code,
        "response": dict(response),
        "created_at": utcnow(),
    }
    with engine.begin() as conn:
        upsert(conn, t.idempotency_keys, [row], ["idempotency_key"])
