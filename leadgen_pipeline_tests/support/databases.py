"""The test databases: the PostgreSQL server the suite uses, and emptying a database."""

import os

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadgen_pipeline.storage import schema
from leadgen_pipeline.storage.database import engine_for

# The server every development and CI machine runs (trust auth); override to point elsewhere.
PG_ADMIN_URL = os.environ.get(
    "LEADGEN_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def truncate_all(engine: Engine) -> None:
    """Empty every table of a PostgreSQL database at once."""
    tables = ", ".join(table.name for table in schema.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} CASCADE")


def empty_database(url: str) -> str:
    """Delete every row, on either back end (the session's PostgreSQL database is shared)."""
    engine = engine_for(url)
    with engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(sa.delete(table))
    return url
