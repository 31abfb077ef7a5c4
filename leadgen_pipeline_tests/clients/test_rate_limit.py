"""Quotas shared across processes: two 'runs' at once must share one quota, not take one each."""

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leadgen_pipeline.clients import rate_limit
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.rate_limit import build_rate_limit
from leadgen_pipeline.clients.resilience import RetrySettings
from leadgen_pipeline.domain.places import DETAILS_FIELD_MASK
from leadgen_sandbox import FaultConfig

QUOTA_PER_SECOND = 10
REQUESTS_PER_PROCESS = 15
THREADS_PER_PROCESS = 8


def _one_run(base_url: str, database_url: str | None, sqlite_dir: str, place_id: str) -> dict:
    """A stand-in for one Dagster run's process: its own client and rate limit."""
    quota = build_rate_limit(
        "places_crossrun",
        QUOTA_PER_SECOND,
        1.0,
        database_url=database_url,
        sqlite_dir=Path(sqlite_dir),
    )
    client = PlacesClient(
        api_key="k",
        base_url=base_url,
        rate_limit=quota,
        retry=RetrySettings(max_attempts=10, base_delay_s=0.05, max_delay_s=0.5),
    )
    # Several threads, as a run's workers: their tries interleave in the bucket.
    with ThreadPoolExecutor(THREADS_PER_PROCESS) as pool:
        list(
            pool.map(
                lambda _: client.place_details(place_id, DETAILS_FIELD_MASK),
                range(REQUESTS_PER_PROCESS),
            )
        )
    quota.close()
    return client.usage.snapshot()


def run_two_at_once(sandbox, database_url, tmp_path) -> list[dict]:
    place_id = sandbox.dataset.businesses_for_query("roofer in Portland, OR")[0].place_id
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        args = (sandbox.places_url, database_url, str(tmp_path), place_id)
        return pool.starmap(_one_run, [args, args])


@pytest.mark.parametrize("store", ["postgresql", "sqlite"])
def test_two_processes_share_one_quota(sandbox, store, tmp_path, request):
    database_url = (
        request.getfixturevalue("pg_url")
        if store == "postgresql"
        else f"sqlite:///{tmp_path}/app.sqlite3"
    )
    sandbox.set_faults("places", FaultConfig(quota_per_second=QUOTA_PER_SECOND))
    usages = run_two_at_once(sandbox, database_url, tmp_path)
    # The server enforces the quota over both processes' requests together.
    assert sandbox.stats("places").rate_limited == 0
    assert [u["statuses"] for u in usages] == [{"200": REQUESTS_PER_PROCESS}] * 2


def test_per_process_limits_overrun_a_shared_quota(sandbox, tmp_path):
    """The contrast: limiters in process memory each take the full quota: the server says 429."""
    sandbox.set_faults("places", FaultConfig(quota_per_second=QUOTA_PER_SECOND))
    usages = run_two_at_once(sandbox, None, tmp_path)
    assert sandbox.stats("places").rate_limited > 0
    assert sum(u["statuses"].get("429", 0) for u in usages) > 0


def test_an_admitted_request_is_stamped_when_admitted_not_when_planned(monkeypatch):
    """A waiter that oversleeps (a loaded machine) must not be stored as if it had been on time.

    An item stamped earlier than its admission makes the window look emptier
    than the server's, and the next request draws a 429.
    """
    quota = build_rate_limit("stamp_check", 2, 0.2, database_url=None)
    [bucket] = quota.store.limiter.buckets()
    oversleep_s = 0.15
    real_sleep = rate_limit.time.sleep
    monkeypatch.setattr(rate_limit.time, "sleep", lambda s: real_sleep(s + oversleep_s))
    try:
        for _ in range(3):
            quota.acquire()
        assert bucket.now() - bucket.items[-1].timestamp < 50
    finally:
        quota.close()


def slow_puts(monkeypatch, bucket, delays_s):
    """The bucket's store answering each put after the given delay (a stall, a far database)."""
    real_put = bucket.put
    delays = iter(delays_s)

    def put(item):
        rate_limit.time.sleep(next(delays, 0.0))
        return real_put(item)

    monkeypatch.setattr(bucket, "put", put)


def test_an_admission_that_stalled_is_not_used(monkeypatch):
    """A request leaving a stall after its stamp could land in the next window: it asks again."""
    # A threshold no scheduling hiccup of a loaded test machine reaches.
    monkeypatch.setattr(rate_limit, "LATE_ADMISSION_MS", 200)
    quota = build_rate_limit("stall_check", 100, 1.0, database_url=None)
    [bucket] = quota.store.limiter.buckets()
    stall_s = 0.6
    slow_puts(monkeypatch, bucket, [0, 0, 0, stall_s])
    try:
        for _ in range(4):
            returned_at = bucket.now()
            quota.acquire()
        # Four requests, five slots: the stalled admission's slot lapsed unused...
        assert len(bucket.items) == 5 and quota.late_admissions_discarded == 1
        # ...and the fourth request went out on an admission stamped after the stall.
        assert bucket.items[-1].timestamp - returned_at >= stall_s * 1000
    finally:
        quota.close()


def test_a_store_that_is_slow_throughout_is_not_a_stall(monkeypatch):
    """A database across a network answers every put late: nothing to gain by asking again."""
    monkeypatch.setattr(rate_limit, "LATE_ADMISSION_MS", 200)
    quota = build_rate_limit("far_store_check", 100, 1.0, database_url=None)
    [bucket] = quota.store.limiter.buckets()
    slow_puts(monkeypatch, bucket, [0.4] * 5)  # twice the threshold, every time
    try:
        for _ in range(5):
            quota.acquire()
        assert len(bucket.items) == 5 and quota.late_admissions_discarded == 0
    finally:
        quota.close()


def test_acquire_gives_up_after_its_timeout():
    quota = build_rate_limit("timeout_check", 1, 60, database_url=None)
    try:
        quota.acquire()
        with pytest.raises(TimeoutError, match="timeout_check"):
            quota.acquire(timeout_s=0.1)
    finally:
        quota.close()


def test_a_postgresql_quota_admits_its_limit_per_window_and_says_when_next(pg_url):
    """One round trip a try: the window's room is checked, the admission stored and the
    wait for the next free slot computed together, on the database's clock."""
    quota = build_rate_limit("pg_window_check", 3, 60, database_url=pg_url)
    try:
        tries = [quota.store.try_admit()]
        # The first request of a process took two places (see PostgresQuota); without
        # the spacing (tested below), the window's third place is free at once.
        quota.store.spacing_ms = 0
        tries += [quota.store.try_admit() for _ in range(3)]
        assert [t.admitted for t in tries] == [True, True, False, False]
        # Refused: wait until the oldest admission leaves the 60.05 s window.
        assert 59_000 < tries[-1].wait_ms <= 60_051
        assert tries[0].stamped_at <= tries[1].stamped_at <= tries[2].stamped_at
    finally:
        quota.close()


def test_postgresql_admissions_are_spread_over_the_window(pg_url):
    """An empty window does not admit its whole quota at once: a clump of requests stamped
    alike leaves and lands spread by a busy machine, and the next window's clump draws 429s."""
    quota = build_rate_limit("pg_spacing_check", 4, 2.0, database_url=pg_url)
    try:
        first, second = quota.store.try_admit(), quota.store.try_admit()
        assert first.admitted and not second.admitted
        # Half the even spacing (2.05 s / 4 requests) after the first admission.
        assert 0 < second.wait_ms <= 2050 / 4 * rate_limit.SPACING_SHARE
    finally:
        quota.close()
