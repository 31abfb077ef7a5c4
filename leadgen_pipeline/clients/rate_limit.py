"""Request-rate limits that hold across threads, processes and runs.

Each Dagster run is its own process, so a quota kept in process memory would
be taken in full by every run at once. The limiter's bucket lives where every
process sees it: PostgreSQL when the application database is PostgreSQL
(one round trip an admission, storage/rate_limit_store.py; also across
machines), else a SQLite file in the local data folder with a file lock
(pyrate-limiter's SQLiteBucket, across processes on one machine).
"""

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool
from pyrate_limiter import Duration, InMemoryBucket, Limiter, PostgresBucket, Rate, SQLiteBucket
from pyrate_limiter.limiter import combined_lock
from sqlalchemy.engine import make_url

from leadgen_pipeline.storage import rate_limit_store

_BUCKET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Our window is this much longer than the provider's. Two requests we admit
# exactly one window apart can reach the server a little less than one window
# apart (network jitter), and a server counting in the same window would then
# see one request too many. The margin costs 5% of a per-second quota and
# 0.1% of a per-minute one.
WINDOW_MARGIN_MS = 50
# A try after a wait comes this much after the wait the store computed. For
# pyrate-limiter's buckets (their clock is this process's), so that clock
# jitter never lands a try a hair early; PostgreSQL counts on its own clock
# and an early try only costs another round trip, so it needs no more than a
# millisecond or two: every cycle of a slot is that much shorter.
BUFFER_MS = 20
POSTGRES_BUFFER_MS = 2
# An admission that reaches its caller this much later than usual after its
# stamp is not used (see RateLimit.acquire). Below the slack a window leaves
# (WINDOW_MARGIN_MS), so a late request cannot land inside the next window of
# requests admitted on time.
LATE_ADMISSION_MS = 40
# Two admissions to a PostgreSQL-shared quota are at least this share of the
# even spacing (window / limit) apart. A sliding window alone admits a full
# window at once when it is empty, and then again each time that clump's
# stamps leave it: a clump's requests, stamped alike, leave and reach the
# server tens of ms apart on a busy machine, in another order each window,
# and the next clump drew 429s. Spread at half the even spacing, a window's
# requests keep their spread from window to window, and the rate is still the
# window's (the spacing only binds while the first window fills).
SPACING_SHARE = 0.5
# At most this many late admissions are discarded for one request: if the
# store is slow throughout, the lag is not a stall and waiting will not help.
MAX_LATE_DISCARDS = 3
# Shortest pause between two tries: a try can fail on the store's lock (another
# process is admitting) with the bucket itself reporting no wait.
_MIN_PAUSE_MS = 5


def _libpq_conninfo(database_url: str, **options: str) -> str:
    url = make_url(database_url)
    parts = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        **options,
    }
    return make_conninfo(**{key: value for key, value in parts.items() if value is not None})


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
    window_ms = int(per_seconds * Duration.SECOND) + WINDOW_MARGIN_MS
    if database_url is not None and database_url.startswith("postgresql"):
        return RateLimit(name, PostgresQuota(name, max_requests, window_ms, database_url))
    rates = [Rate(max_requests, window_ms)]
    if database_url is None:
        bucket = InMemoryBucket(rates)
    else:
        if sqlite_dir is None:
            raise ValueError("a SQLite-shared limiter needs sqlite_dir")
        bucket = SQLiteBucket.init_from_file(
            rates, table=name, db_path=str(sqlite_dir / "rate_limits.sqlite3"), use_file_lock=True
        )
    # buffer_ms pads each computed wait so clock jitter never lands a request
    # a hair early and has the server count it in the previous window.
    return RateLimit(name, PyrateQuota(name, Limiter(bucket, buffer_ms=BUFFER_MS)))


@dataclass(frozen=True)
class Try:
    admitted: bool
    stamped_at: float  # the admission's stamp (or a moment just before it), epoch seconds
    wait_ms: float  # when not admitted: from the stamp until a slot is free


class QuotaStore(Protocol):
    """Where a quota's admissions are counted."""

    buffer_ms: int  # added to the waits it reports (see BUFFER_MS)

    def try_admit(self) -> "Try":
        """One try at admitting a request now."""
        ...

    def close(self) -> None: ...


@dataclass
class PyrateQuota:
    """A pyrate-limiter Limiter over its bucket (in process memory, or a SQLite file):
    one request a try."""

    name: str
    limiter: Limiter
    buffer_ms: int = BUFFER_MS

    def try_admit(self) -> Try:
        """Under the limiter's lock, as its own tries are: the bucket keeps the verdict of
        its last put, from which `waiting` computes the wait, and another thread's put
        in between would answer for the wrong item."""
        factory = self.limiter.bucket_factory
        with combined_lock(self.limiter.lock, blocking=True):
            stamped_at = time.time()  # the item's own clock is the bucket's, not this one
            item = factory.wrap_item(self.name, 1)
            bucket = factory.get(item)
            if bucket.put(item):
                return Try(True, stamped_at, 0)
            return Try(False, stamped_at, bucket.waiting(item))

    def close(self) -> None:
        self.limiter.close()


class PostgresQuota:
    """A quota shared through PostgreSQL, each try one round trip (storage.rate_limit_store)
    on a connection of its own."""

    buffer_ms = POSTGRES_BUFFER_MS

    def __init__(self, name: str, limit: int, window_ms: int, database_url: str) -> None:
        self.name, self.limit, self.window_ms = name, limit, window_ms
        self.spacing_ms = window_ms / limit * SPACING_SHARE
        # Named in pg_stat_activity; commits not waiting for the WAL flush: a stamp
        # lost in a crash of the database lets at most one window's requests
        # through again, where waiting for the disk slowed every admission ~2x.
        self._conninfo = _libpq_conninfo(
            database_url,
            application_name=f"leadgen-quota-{name}",
            options="-c synchronous_commit=off",
        )
        self._conn: psycopg.Connection | None = None
        self._warm = False
        # The bucket's table, created as pyrate-limiter creates it (a process still
        # on its PostgresBucket shares the quota through the same table).
        with ConnectionPool(self._conninfo, min_size=1, max_size=1, open=True) as pool:
            PostgresBucket(pool, name, [Rate(limit, window_ms)])

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo)
        return self._conn

    def try_admit(self) -> Try:
        # A process's first request takes two places in the window: it leaves on a
        # cold process (its thread's first connection, lazy imports, a machine busy
        # starting it) and reached the server 80-300 ms after its stamp in the
        # cross-process test, past the window's margin; with a place to spare, the
        # window it lands in still holds no more than the quota.
        slots = 1 if self._warm or self.limit == 1 else 2
        try:
            admission = self._admit(slots)
        except psycopg.OperationalError:
            # The server dropped the connection (a restart, a failover): one more
            # try on a new one; a second failure is the caller's to see.
            self.close()
            admission = self._admit(slots)
        self._warm = self._warm or admission.admitted
        return Try(admission.admitted, admission.stamp_ms / 1000, admission.wait_ms)

    def _admit(self, slots: int) -> rate_limit_store.Admission:
        return rate_limit_store.admit(
            self._connection(), self.name, self.limit, self.window_ms, self.spacing_ms, slots
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class RateLimit:
    """One API's request quota: the store that counts its admissions, and the admission
    loop every request of that API goes through."""

    name: str
    store: QuotaStore
    late_admissions_discarded: int = 0
    _typical_lag_ms: float | None = field(default=None, repr=False)
    _stats_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One thread of a process asks the shared store at a time; the others wait
    # here, in memory. Many threads polling the store together (each try a
    # round trip under the store's lock) delayed admissions past their stamps
    # (p99 89 ms with 32 workers) and drew late discards and 429s. Admitting
    # the waiting threads in one try was tried and dropped: their requests
    # then leave as a clump stamped alike but sent tens of ms apart by a busy
    # interpreter, and the next window's clump drew 429s (docs/decisions.md).
    _admitting: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def acquire(self, *, timeout_s: float = 300.0) -> None:
        """Block until the quota admits one request, or raise TimeoutError.

        Not pyrate-limiter's own blocking wait: after sleeping it re-stamps the
        waiting item with its *planned* sleep, not the time that passed, so
        under load items were stored stamped earlier than they were admitted,
        the window looked emptier than it was and the server answered 429.
        Each try here is stamped by the store's clock when it is made.

        A request leaves when its admission returns, which can be well after
        its stamp (the end of the store's round trip, a busy interpreter). One that
        arrives a stall late can land inside the window of the requests
        admitted a window after it: the server then counts one too many. An
        admission later than usual by more than LATE_ADMISSION_MS is therefore
        left unused (its slot lapses) and the request asks again.
        """
        deadline = time.monotonic() + timeout_s
        if not self._admitting.acquire(timeout=timeout_s):
            raise _timed_out(self.name, timeout_s)
        try:
            self._admit(deadline, timeout_s)
        finally:
            self._admitting.release()

    def _admit(self, deadline: float, timeout_s: float) -> None:
        discarded = 0
        while True:
            asked_at = time.monotonic()
            attempt = self.store.try_admit()
            if attempt.admitted:
                late = self._is_late((time.time() - attempt.stamped_at) * 1000)
                if not late or discarded == MAX_LATE_DISCARDS:
                    return
                discarded += 1
                with self._stats_lock:
                    self.late_admissions_discarded += 1
                continue
            # The wait counts from the stamp, taken during the try: counted from the
            # try's start it can end a little early, which costs one more try, never
            # an early request (the store counts); nor does it depend on the
            # store's clock agreeing with ours.
            wake = asked_at + (max(attempt.wait_ms, _MIN_PAUSE_MS) + self.store.buffer_ms) / 1000
            if wake > deadline:
                raise _timed_out(self.name, timeout_s)
            time.sleep(max(wake - time.monotonic(), 0))

    def _is_late(self, lag_ms: float) -> bool:
        """Whether an admission's lag is a stall, against the usual lag (a moving average:
        a store across a network is slower than a local one, and its clock may be a
        little off ours, but steadily so)."""
        with self._stats_lock:
            typical = self._typical_lag_ms
            self._typical_lag_ms = lag_ms if typical is None else 0.9 * typical + 0.1 * lag_ms
        return typical is not None and lag_ms > typical + LATE_ADMISSION_MS

    def close(self) -> None:
        """Release the store: the limiter's leak thread, the database connection."""
        self.store.close()


def _timed_out(name: str, timeout_s: float) -> TimeoutError:
    return TimeoutError(f"the {name!r} quota did not admit a request within {timeout_s:g}s")
