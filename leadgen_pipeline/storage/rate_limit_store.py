"""Admissions to a request quota shared through PostgreSQL, one round trip each.

The quota's log is pyrate-limiter's table for the bucket (`ratelimit___<name>`:
one row per admitted request, stamped with the database's clock), so a
process still on pyrate-limiter's own PostgresBucket shares the quota with
this one: both take the table's EXCLUSIVE lock before counting. Its put costs
about ten round trips (a clock query, lock, count, insert, each on a pooled
connection checked and committed); under a loaded machine every one of them
waits for the CPU, and the stamp aged by all of them before the request could
leave (docs/benchmarks.md, section 1). Here the lock, the count, the insert,
the leak of rows out of the window and the wait for the next free slot go in
one pipeline, a single network round trip, and the stamp is the database's
clock read after the lock was granted.
"""

from dataclasses import dataclass

import psycopg
from psycopg import sql


def bucket_table(name: str) -> str:
    """The bucket's table, as pyrate-limiter's PostgresBucket names and creates it."""
    return f"ratelimit___{name.lower()}"


# The counting statement's snapshot is taken after LOCK TABLE returns, so it
# sees every admission committed before: that is why the lock is its own
# statement (in one statement the snapshot would predate the lock's wait).
_LOCK = "LOCK TABLE {table} IN EXCLUSIVE MODE"
_ADMIT = """
WITH now AS MATERIALIZED (SELECT clock_timestamp() AS at),
leaked AS (
    DELETE FROM {table} USING now
    WHERE item_timestamp < now.at - %(window_ms)s * INTERVAL '1 millisecond'
),
recent AS MATERIALIZED (
    SELECT
        count(*) AS n,
        extract(epoch FROM min(item_timestamp) - now.at) * 1000 AS oldest_ms,
        extract(epoch FROM max(item_timestamp) - now.at) * 1000 AS newest_ms
    FROM {table}, now
    WHERE item_timestamp >= now.at - %(window_ms)s * INTERVAL '1 millisecond'
    GROUP BY now.at
),
-- ms from now until the window has room (the oldest leaves it) and until the
-- newest admission is `spacing_ms` old; the request is admitted when both are 0.
waits AS MATERIALIZED (
    SELECT
        CASE WHEN n + %(slots)s > %(limit)s THEN oldest_ms + %(window_ms)s + 1 ELSE 0 END
            AS full_ms,
        GREATEST(newest_ms + %(spacing_ms)s, 0) AS spacing_ms
    FROM recent
    UNION ALL SELECT 0, 0 WHERE NOT EXISTS (SELECT FROM recent)
),
admitted AS (
    INSERT INTO {table} (name, weight, item_timestamp)
    SELECT %(name)s, 1, now.at
    FROM now, waits, generate_series(1, %(slots)s)
    WHERE full_ms <= 0 AND spacing_ms <= 0
)
SELECT full_ms <= 0 AND spacing_ms <= 0, extract(epoch FROM now.at) * 1000,
    GREATEST(full_ms, spacing_ms)
FROM now, waits
"""


@dataclass(frozen=True)
class Admission:
    admitted: bool
    stamp_ms: float  # the database's clock when the try was made, epoch ms
    wait_ms: float  # when not admitted: from the try's stamp until a slot is free


def admit(
    conn: psycopg.Connection,
    name: str,
    limit: int,
    window_ms: int,
    spacing_ms: float,
    slots: int = 1,
) -> Admission:
    """Admit one request to `name`'s quota of `limit` requests per `window_ms`, if the
    window has room for `slots` more and the newest admission is at least `spacing_ms`
    old; it then takes `slots` places in the window.

    `conn` must not be in autocommit: the pipeline is one transaction, committed
    before this returns (the lock is held for that one round trip).
    """
    table = sql.Identifier(bucket_table(name))
    params = {
        "name": name,
        "limit": limit,
        "window_ms": window_ms,
        "spacing_ms": spacing_ms,
        "slots": slots,
    }
    try:
        with conn.pipeline():
            conn.execute(sql.SQL(_LOCK).format(table=table))
            cursor = conn.execute(sql.SQL(_ADMIT).format(table=table), params)
            conn.commit()
    except psycopg.Error:
        # The connection must not stay in a failed transaction for the next try.
        if not conn.closed:
            conn.rollback()
        raise
    row = cursor.fetchone()
    assert row is not None
    admitted, stamp_ms, wait_ms = row
    return Admission(bool(admitted), float(stamp_ms), max(float(wait_ms or 0), 0.0))
