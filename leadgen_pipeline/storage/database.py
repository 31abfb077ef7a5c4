"""Engines for the application database: PostgreSQL or the embedded SQLite."""

import os
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadgen_pipeline.storage.migrations import migrate

DATABASE_URL_ENV = "LEADGEN_DATABASE_URL"
DATA_DIR_ENV = "LEADGEN_DATA_DIR"


def data_dir() -> Path:
    """The local data folder (`./data` unless set): the embedded database, rate-limit state."""
    path = Path(os.environ.get(DATA_DIR_ENV) or Path.cwd() / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'leadgen.sqlite3'}"


def database_url_from_env() -> str:
    return os.environ.get(DATABASE_URL_ENV) or default_database_url()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off by default; WAL lets readers (the directory,
    # the status endpoint) work while a run writes; the busy timeout makes
    # concurrent writers (two runs) wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def create_database_engine(url: str) -> Engine:
    """An engine for `url`, with the schema migrated to the latest version."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _configure_sqlite)
    else:
        # pool_pre_ping replaces connections the server dropped (restarts,
        # terminated backends) instead of failing the next query on them.
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    migrate(engine)
    return engine


@cache
def engine_for(url: str) -> Engine:
    """One migrated engine per URL and process, shared by resources and the API."""
    return create_database_engine(url)
