"""Job statuses cached for a moment, and read by a few threads of their own.

A status read asks Dagster's GraphQL API (the run, its parents, their step
events) and the database: tens of milliseconds of blocking I/O. Under many
pollers two things keep it from stalling the rest of the API:

- Reads run on a small thread limiter of their own, not the pool every sync
  route shares, so pollers queue on the event loop instead of holding all of
  the pool's threads while /api/collections waits for one.
- One read per job per `ttl_seconds`: the pollers of one job share the read in
  flight and its answer for that long (a status a second or two old is what a
  poller sees between two polls anyway).
"""

import asyncio
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio

T = TypeVar("T")

# Past this many entries the expired ones are dropped (all, if none has expired).
MAX_ENTRIES = 10_000


class StatusCache(Generic[T]):
    def __init__(self, ttl_seconds: float, max_threads: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_threads = max_threads
        self._entries: dict[str, tuple[float, T]] = {}
        self._in_flight: dict[str, asyncio.Future[T]] = {}
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter | None:
        """The reads' own limiter, created on first use (it belongs to the running event
        loop); None (max_threads 0) shares the default one every sync route uses."""
        if self._limiter is None and self.max_threads > 0:
            self._limiter = anyio.CapacityLimiter(self.max_threads)
        return self._limiter

    async def get(self, key: str, read: Callable[[], T]) -> T:
        """The cached value of `key`, or `read()` run on the limiter's threads (once for
        all callers asking at the same time); with no ttl, every caller reads."""
        if self.ttl_seconds <= 0:
            return await anyio.to_thread.run_sync(read, limiter=self.limiter)
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        if key in self._in_flight:
            return await asyncio.shield(self._in_flight[key])
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await anyio.to_thread.run_sync(read, limiter=self.limiter)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(value)
            self._store(key, value)
            return value
        finally:
            del self._in_flight[key]

    def _store(self, key: str, value: T) -> None:
        now = time.monotonic()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # a moment's cache: starting over costs one read each
        self._entries[key] = (now + self.ttl_seconds, value)
