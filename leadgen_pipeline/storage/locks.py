"""Named locks across processes: one API request at a time per search, per retry, per key.

On PostgreSQL a session-level advisory lock, taken on a connection of its own
(NullPool, so a waiting request never holds one of the engine's pooled
connections that the work under the lock needs). The embedded SQLite
database serves one process, where a lock per name suffices.
"""

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

_local_locks: dict[str, tuple[threading.Lock, int]] = {}  # name -> (lock, holders and waiters)
_local_locks_guard = threading.Lock()


def lock_key(name: str) -> int:
    """The signed 64-bit key PostgreSQL's advisory locks take, stable across processes."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


@cache
def _lock_engine(url: sa.URL) -> Engine:
    return sa.create_engine(url, poolclass=NullPool)


@contextmanager
def _local_lock(name: str) -> Iterator[None]:
    with _local_locks_guard:
        lock, users = _local_locks.get(name, (threading.Lock(), 0))
        _local_locks[name] = (lock, users + 1)
    try:
        with lock:
            yield
    finally:
        with _local_locks_guard:
            lock, users = _local_locks[name]
            if users == 1:
                del _local_locks[name]
            else:
                _local_locks[name] = (lock, users - 1)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` for the block; others asking for it wait."""
    if engine.dialect.name != "postgresql":
        with _local_lock(name):
            yield
        return
    key = lock_key(name)
    with _lock_engine(engine.url).connect() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_lock(key)))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            conn.commit()
