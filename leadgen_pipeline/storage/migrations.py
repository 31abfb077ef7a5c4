"""Apply the versioned SQL files in `sql/` in order, once each.

Each file runs in its own transaction together with its row in
`schema_migrations`, so a failed migration leaves no half-applied schema and
concurrent processes (several Dagster runs starting at once) apply it once:
the loser of the race fails on the primary key and re-reads.
"""

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError


def _sql_dir() -> Path:
    """The migrations: inside the package in an installed wheel, `sql/` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "sql"
    return installed if installed.is_dir() else package.parent / "sql"


SQL_DIR = _sql_dir()
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

_CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""


def migration_files(sql_dir: Path = SQL_DIR) -> list[tuple[int, Path]]:
    """The versioned files, ordered; a gap or a duplicate version is an error."""
    found = []
    for path in sorted(sql_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path.name}: migration files are named NNN_description.sql")
        found.append((int(match.group(1)), path))
    versions = [version for version, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migration versions must run 1..N without gaps, found {versions}")
    return found


def _statements(sql_text: str) -> list[str]:
    without_comments = "\n".join(
        line for line in sql_text.splitlines() if not line.lstrip().startswith("--")
    )
    return [part.strip() for part in without_comments.split(";") if part.strip()]


def _applied_versions(conn: Connection) -> set[int]:
    return set(conn.execute(sa.text("SELECT version FROM schema_migrations")).scalars())


def migrate(engine: Engine, sql_dir: Path = SQL_DIR) -> list[int]:
    """Bring the schema up to date; returns the versions this call applied."""
    with engine.begin() as conn:
        conn.execute(sa.text(_CREATE_VERSION_TABLE))
    applied_now = []
    for version, path in migration_files(sql_dir):
        with engine.connect() as conn:
            if version in _applied_versions(conn):
                continue
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text("INSERT INTO schema_migrations (version, name) VALUES (:v, :n)"),
                    {"v": version, "n": path.name},
                )
                for statement in _statements(path.read_text()):
                    conn.exec_driver_sql(statement)
        except (IntegrityError, OperationalError, ProgrammingError):
            # Another process applied this version first: its row is proof.
            with engine.connect() as conn:
                if version in _applied_versions(conn):
                    continue
            raise
        applied_now.append(version)
    return applied_now
