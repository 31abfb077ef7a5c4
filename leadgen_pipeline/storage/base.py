"""What every table group's module uses: the idempotent upsert and the clock."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


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
