"""Politeness towards websites: a few requests in flight per host, a pace per host, and a cap on
connections for the whole process.

Business websites are thousands of different servers with no quota of their
own to respect: one global requests-per-second limit would make every site
wait for every other (and do nothing for the one small server a crawl
hammers). What a polite crawler owes each site is a bound on how hard it is
hit: at most `max_in_flight_per_host` requests at once and request starts at
least `min_interval_s` apart (longer when its robots.txt asks for a
`Crawl-delay`). The machine's own limit is the number of connections and
pages in memory at once: `max_connections` for the whole fetcher.

The state is in process memory (see docs/decisions.md): one run fetches a
handful of pages from each host, so hosts shared by concurrent runs are rare
and their extra load small; a shared store would add a database round trip to
every page of every site to guard against it.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class SlotTimeout(Exception):
    """The deadline passed before the host (or the process) had room for another request."""


@dataclass
class _HostState:
    in_flight: int = 0
    next_start: float = 0.0  # monotonic: the earliest moment the next request may start


@dataclass
class HostPoliteness:
    """Admits requests per host and for the whole process; thread-safe."""

    max_in_flight_per_host: int = 2
    min_interval_s: float = 0.25
    max_connections: int = 64
    # Idle hosts are forgotten, least recently used first, past this many:
    # memory stays bounded over a long-lived process.
    max_hosts: int = 4096
    _hosts: OrderedDict[str, _HostState] = field(default_factory=OrderedDict, repr=False)
    _in_flight: int = field(default=0, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def __post_init__(self) -> None:
        if self.max_in_flight_per_host < 1 or self.max_connections < 1:
            raise ValueError("max_in_flight_per_host and max_connections must be at least 1")
        if self.min_interval_s < 0:
            raise ValueError("min_interval_s must not be negative")

    @contextmanager
    def slot(
        self, host: str, *, crawl_delay_s: float | None = None, deadline: float | None = None
    ) -> Iterator[None]:
        """Hold one request's place at `host` while the block runs.

        Waits until the host has fewer than `max_in_flight_per_host` requests in
        flight, its last request started at least its interval ago (the larger
        of `min_interval_s` and `crawl_delay_s`), and the process has a free
        connection; raises SlotTimeout if `deadline` (monotonic) comes first.
        """
        interval = max(self.min_interval_s, crawl_delay_s or 0.0)
        self._acquire(host.lower(), interval, deadline)
        try:
            yield
        finally:
            self._release(host.lower())

    def _acquire(self, host: str, interval: float, deadline: float | None) -> None:
        with self._changed:
            while True:
                state = self._hosts.get(host)
                if state is None:
                    state = self._hosts[host] = _HostState()
                    self._forget_idle_hosts()
                self._hosts.move_to_end(host)
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    raise SlotTimeout(f"no room at {host} before the deadline")
                pace_wait = state.next_start - now
                if (
                    pace_wait <= 0
                    and state.in_flight < self.max_in_flight_per_host
                    and self._in_flight < self.max_connections
                ):
                    state.in_flight += 1
                    state.next_start = now + interval
                    self._in_flight += 1
                    return
                wait = pace_wait if pace_wait > 0 else None
                if deadline is not None:
                    wait = min(wait, deadline - now) if wait is not None else deadline - now
                self._changed.wait(wait)

    def _release(self, host: str) -> None:
        with self._changed:
            state = self._hosts.get(host)
            if state is not None:
                state.in_flight -= 1
            self._in_flight -= 1
            self._changed.notify_all()

    def _forget_idle_hosts(self) -> None:
        """Drop the least recently used hosts with nothing in flight and no pace pending."""
        now = time.monotonic()
        for name in list(self._hosts):
            if len(self._hosts) <= self.max_hosts:
                return
            state = self._hosts[name]
            if state.in_flight == 0 and state.next_start <= now:
                del self._hosts[name]

    def in_flight(self, host: str | None = None) -> int:
        """Requests in flight now, at one host or in all."""
        with self._changed:
            if host is None:
                return self._in_flight
            state = self._hosts.get(host.lower())
            return state.in_flight if state else 0

    def hosts_tracked(self) -> int:
        with self._changed:
            return len(self._hosts)
