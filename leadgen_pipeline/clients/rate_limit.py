"""Request-rate limits that hold across threads, processes and runs.

Each Dagster run is its own process, so a quota kept in process memory would
be taken in full by every run at once. The limiter's bucket lives where every
process sees it: PostgreSQL when the application database is PostgreSQL
(pyrate-limiter's PostgresBucket; also across machines), else a SQLite file
in the local data folder with a file lock (across processes on one machine).
"""

import re
import time
from pathlib import Path

from pyrate_limiter import Duration, InMemoryBucket, Limiter, PostgresBucket, Rate, SQLiteBucket
from pyrate_limiter.limiter import combined_lock
from sqlalchemy.engine import make_url

_BUCKET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Our window is this much longer than the provider's. Two requests we admit
# exactly one window apart can reach the server a little less than one window
# apart (network jitter), and a server counting in the same window would then
# see one request too many. The margin costs 5% of a per-second quota and
# 0.1% of a per-minute one.
WINDOW_MARGIN_MS = 50


def _libpq_conninfo(database_url: str) -> str:
    url = make_url(database_url)
    parts = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value is not None)


def build_limiter(
    name: str,
    max_requests: int,
    per_seconds: float,
    *,
    database_url: str | None,
    sqlite_dir: Path | None = None,
) -> Limiter:
    """A blocking limiter allowing `max_requests` per `per_seconds` window.

    `database_url` picks the shared store: a PostgreSQL URL shares the quota
    through that database; with None the quota is per process (tests of a
    single client, or a deliberate opt-out); anything else shares it through
    a SQLite file in `sqlite_dir`.
    """
    if not _BUCKET_NAME.match(name):
        raise ValueError(f"rate-limit bucket name {name!r} must be a short lower_snake name")
    if max_requests < 1 or per_seconds <= 0:
        raise ValueError("a rate limit needs max_requests >= 1 and per_seconds > 0")
    rates = [Rate(max_requests, int(per_seconds * Duration.SECOND) + WINDOW_MARGIN_MS)]
    if database_url is None:
        bucket = InMemoryBucket(rates)
    elif database_url.startswith("postgresql"):
        from psycopg_pool import ConnectionPool

        # check: a connection the server dropped (restart, failover) is
        # replaced when handed out instead of failing the next request.
        pool = ConnectionPool(
            _libpq_conninfo(database_url),
            min_size=1,
            max_size=4,
            open=True,
            check=ConnectionPool.check_connection,
        )
        bucket = PostgresBucket(pool, name, rates)
    else:
        if sqlite_dir is None:
            raise ValueError("a SQLite-shared limiter needs sqlite_dir")
        bucket = SQLiteBucket.init_from_file(
            rates, table=name, db_path=str(sqlite_dir / "rate_limits.sqlite3"), use_file_lock=True
        )
    # buffer_ms pads each computed wait so clock jitter never lands a request
    # a hair early and has the server count it in the previous window.
    return Limiter(bucket, buffer_ms=20)


# Shortest pause between two tries: a try can fail on the store's lock (another
# process is admitting) with the bucket itself reporting no wait.
_MIN_PAUSE_MS = 5


def acquire(limiter: Limiter, name: str, *, timeout_s: float = 300.0) -> None:
    """Block until `limiter` admits one request to `name`, or raise TimeoutError.

    Not pyrate-limiter's own blocking wait: after sleeping it re-stamps the
    waiting item with its *planned* sleep, not the time that passed, so under
    load items are stored stamped earlier than they were admitted, the window
    looks emptier than it is and the server answers 429. Each try here is
    stamped by the bucket's clock when it is made.
    """
    deadline = time.monotonic() + timeout_s
    while wait_ms := _admit_or_wait_ms(limiter, name):
        pause_s = (wait_ms + limiter.buffer_ms) / 1000
        if time.monotonic() + pause_s > deadline:
            raise TimeoutError(f"the {name!r} quota did not admit a request within {timeout_s:g}s")
        time.sleep(pause_s)


def _admit_or_wait_ms(limiter: Limiter, name: str) -> int:
    """One try: 0 when admitted, else how long to wait before the next.

    Under the limiter's lock, as its own tries are: the bucket keeps the
    verdict of its last put, from which `waiting` computes the wait, and
    another thread's put in between would answer for the wrong item.
    """
    factory = limiter.bucket_factory
    with combined_lock(limiter.lock, blocking=True):
        item = factory.wrap_item(name, 1)
        bucket = factory.get(item)
        if bucket.put(item):
            return 0
        return max(bucket.waiting(item), _MIN_PAUSE_MS)


def close_limiter(limiter: Limiter) -> None:
    """Stop the limiter's leak thread and close the database pool we gave its bucket."""
    buckets = limiter.buckets()
    limiter.close()
    for bucket in buckets:
        if isinstance(bucket, PostgresBucket):
            bucket.pool.close()
