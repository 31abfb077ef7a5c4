"""Throwaway PostgreSQL databases for the tests, the benchmarks and the deploy check."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from leadgen_pipeline.storage.database import engine_for


@contextmanager
def throwaway_postgres_database(admin_url: str, prefix: str, options: str = "") -> Iterator[str]:
    """A new, empty PostgreSQL database (the tests', a benchmark's, the deploy check's),
    dropped afterwards; yields its URL, password included. `options` go to CREATE DATABASE
    (a collation, say).

    Raises sqlalchemy's OperationalError when the server cannot be reached.
    """
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" {options}')
        try:
            yield (
                sa.engine.make_url(admin_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            engine_for.cache_clear()
            with admin.connect() as conn:
                # FORCE ends connections a killed child or a rate-limit pool left open.
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
