"""What every table group's module uses: the idempotent upsert and the clock."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def in_utc(moment: datetime) -> datetime:
    """A moment to compare with stored timestamps: in UTC (naive: taken as UTC). SQLite
    stores and compares a timestamp's wall time, ignoring its zone, so 04:00+01:00 would
    be read as 04:00 UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# From this many rows a PostgreSQL upsert goes through COPY (see upsert).
COPY_FROM_ROWS = 50


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE on PostgreSQL and SQLite alike.

    `update_columns` defaults to every non-key column given (an empty list: keep the
    stored row, DO NOTHING); `overrides` maps a column to an expression built from the
    statement (e.g. to keep a flag set).
    Every row must give the same columns. The rows are written in the order of their
    keys, so that two transactions upserting overlapping rows lock them in the same
    order and wait for each other instead of deadlocking.
    """
    if not rows:
        return
    columns = list(rows[0])
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    staged = conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS
    if staged:
        # Many rows: COPY them into a temporary table of the same shape, then
        # one INSERT ... SELECT ... ON CONFLICT. psycopg 3 would otherwise send
        # one INSERT per row (pipelined): about a fifth slower for 100 rows
        # (docs/decisions.md).
        stage = _copy_to_stage(conn, table, columns, rows)
        in_key_order = sa.select(*[stage.c[c] for c in columns]).order_by(
            *[key_order(table.c[c], stage.c[c]) for c in key_columns]
        )
        statement = statement.from_select(columns, in_key_order)
    update = (
        update_columns
        if update_columns is not None
        else [c for c in columns if c not in key_columns]
    )
    assignments: dict[str, Any] = {c: statement.excluded[c] for c in update}
    for column, build in (overrides or {}).items():
        assignments[column] = build(statement)
    if assignments:
        statement = statement.on_conflict_do_update(
            index_elements=list(key_columns), set_=assignments
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key_columns))
    if staged:
        conn.execute(statement)
        # Emptied at once: a second upsert into the same table in this transaction
        # must not insert these rows again (the commit or a rollback empties it too).
        conn.exec_driver_sql(f"DELETE FROM stage_{table.name}")
        return
    # The rows go as executemany parameters, not `.values(rows)`: a statement
    # whose text depends on the rows is compiled anew on every call; this one
    # is compiled once and cached.
    conn.execute(statement, sorted(rows, key=lambda row: tuple(row[c] for c in key_columns)))


def key_order(column: sa.Column[Any], expression: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """`expression` (of `column`'s type) as a sort key in Python's order: text compared by
    code point (collation "C"), as `sorted` compares str; one order for every writer."""
    if isinstance(column.type, sa.String):
        return expression.collate("C")
    return expression


def _copy_to_stage(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> sa.TableClause:
    """The rows COPYed into this session's temporary twin of `table` (which `upsert` empties
    once it has inserted them; the commit or a rollback empties it too)."""
    name = f"stage_{table.name}"
    # ON COMMIT DELETE ROWS: the commit truncates the twin. Emptied by DELETE alone, its
    # dead rows were never vacuumed (autovacuum skips temporary tables), so it grew by
    # every upsert and each INSERT ... SELECT scanned all of it: a connection's upserts
    # slowed from ~10,000 to ~4,000 rows/s over 1,000 searches (docs/benchmarks.md).
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {name} (LIKE {table.name} INCLUDING DEFAULTS) "
        "ON COMMIT DELETE ROWS"
    )
    copy_rows(conn, table, name, rows)
    return sa.table(name, *[sa.column(c) for c in columns])


def copy_rows(
    conn: Connection, table: sa.Table, target: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """COPY `rows` (each giving the same columns of `table`) into `target`, a PostgreSQL
    table shaped like `table`."""
    columns = list(rows[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    json_columns = {c for c in columns if isinstance(table.c[c].type, sa.JSON)}
    with cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    Jsonb(row[c]) if c in json_columns and row[c] is not None else row[c]
                    for c in columns
                ]
            )


def lock_in_key_order(conn: Connection, column: sa.Column[Any], keys: Sequence[Any]) -> None:
    """Lock the rows of `column`'s table whose `column` is in `keys`, in the order upserts
    write (key_order), before an UPDATE of several of them: an UPDATE locks rows in the
    order its plan visits them (the table's, an index's), and two writers locking shared
    rows in different orders deadlock. The lock is the UPDATE's own (FOR NO KEY UPDATE:
    foreign keys pointing at the rows still check). PostgreSQL only (SQLite has one
    writer at a time)."""
    if conn.dialect.name != "postgresql" or not keys:
        return
    conn.execute(
        sa.select(column)
        .where(column.in_(list(keys)))
        .order_by(key_order(column, column))
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE
    )
