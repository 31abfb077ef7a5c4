"""Request-rate limits that hold across threads, processes and runs.

Each Dagster run is its own process, so a quota kept in process memory would
be taken in full by every run at once. The limiter's bucket lives where every
process sees it: PostgreSQL when the application database is PostgreSQL
(pyrate-limiter's PostgresBucket; also across machines), else a SQLite file
in the local data folder with a file lock (across processes on one machine).
"""

import re
import threading
import time
from dataclasses import dataclass, field
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
# An admission that reaches its caller this much later than usual after its
# stamp is not used (see RateLimit.acquire). Below the slack a window leaves
# (WINDOW_MARGIN_MS + the limiter's 20 ms buffer), so a late request cannot
# land inside the next window of requests admitted on time.
LATE_ADMISSION_MS = 40
# At most this many late admissions are discarded for one request: if the
# store is slow throughout, the lag is not a stall and waiting will not help.
MAX_LATE_DISCARDS = 3
# Shortest pause between two tries: a try can fail on the store's lock (another
# process is admitting) with the bucket itself reporting no wait.
_MIN_PAUSE_MS = 5


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


def build_rate_limit(
    name: str,
    max_requests: int,
    per_seconds: float,
    *,
    database_url: str | None,
    sqlite_dir: Path | None = None,
) -> "RateLimit":
    """A quota of `max_requests` per `per_seconds` window, named `name` in its store.

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
    return RateLimit(name, Limiter(bucket, buffer_ms=20))


@dataclass
class RateLimit:
    """One API's request quota: a pyrate-limiter Limiter over a shared bucket, and the
    admission loop every request of that API goes through."""

    name: str
    limiter: Limiter
    late_admissions_discarded: int = 0
    _typical_lag_ms: float | None = field(default=None, repr=False)
    _stats_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One thread of a process asks the shared store at a time; the others wait
    # here, in memory. Many threads polling the store together (each try a
    # round trip under the limiter's lock) delayed admissions past their stamps
    # (p99 89 ms with 32 workers) and drew late discards and 429s.
    _admitting: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def acquire(self, *, timeout_s: float = 300.0) -> None:
        """Block until the quota admits one request, or raise TimeoutError.

        Not pyrate-limiter's own blocking wait: after sleeping it re-stamps the
        waiting item with its *planned* sleep, not the time that passed, so
        under load items were stored stamped earlier than they were admitted,
        the window looked emptier than it was and the server answered 429.
        Each try here is stamped by the bucket's clock when it is made.

        A request leaves when its admission returns, which can be well after
        its stamp (the store's round trips, a busy interpreter). One that
        arrives a stall late can land inside the window of the requests
        admitted a window after it: the server then counts one too many. An
        admission later than usual by more than LATE_ADMISSION_MS is therefore
        left unused (its slot lapses) and the request asks again.
        """
        deadline = time.monotonic() + timeout_s
        if not self._admitting.acquire(timeout=timeout_s):
            raise TimeoutError(
                f"the {self.name!r} quota did not admit a request within {timeout_s:g}s"
            )
        try:
            self._admit(deadline, timeout_s)
        finally:
            self._admitting.release()

    def _admit(self, deadline: float, timeout_s: float) -> None:
        discarded = 0
        while True:
            wait_ms, stamped_at = self._try_once()
            if not wait_ms:
                late = self._is_late((time.monotonic() - stamped_at) * 1000)
                if not late or discarded == MAX_LATE_DISCARDS:
                    return
                discarded += 1
                with self._stats_lock:
                    self.late_admissions_discarded += 1
                continue
            pause_s = (wait_ms + self.limiter.buffer_ms) / 1000
            if time.monotonic() + pause_s > deadline:
                raise TimeoutError(
                    f"the {self.name!r} quota did not admit a request within {timeout_s:g}s"
                )
            time.sleep(pause_s)

    def _try_once(self) -> tuple[int, float]:
        """One try: (0 when admitted, else ms to wait; when its stamp was taken, monotonic).

        Under the limiter's lock, as its own tries are: the bucket keeps the
        verdict of its last put, from which `waiting` computes the wait, and
        another thread's put in between would answer for the wrong item.
        """
        factory = self.limiter.bucket_factory
        with combined_lock(self.limiter.lock, blocking=True):
            item = factory.wrap_item(self.name, 1)
            stamped_at = time.monotonic()
            bucket = factory.get(item)
            if bucket.put(item):
                return 0, stamped_at
            return max(bucket.waiting(item), _MIN_PAUSE_MS), stamped_at

    def _is_late(self, lag_ms: float) -> bool:
        """Whether an admission's lag is a stall, against the usual lag (a moving average:
        a store across a network is slower than a local one, but steadily so)."""
        with self._stats_lock:
            typical = self._typical_lag_ms
            self._typical_lag_ms = lag_ms if typical is None else 0.9 * typical + 0.1 * lag_ms
        return typical is not None and lag_ms > typical + LATE_ADMISSION_MS

    def close(self) -> None:
        """Stop the limiter's leak thread and close the database pool we gave its bucket."""
        buckets = self.limiter.buckets()
        self.limiter.close()
        for bucket in buckets:
            if isinstance(bucket, PostgresBucket):
                bucket.pool.close()
