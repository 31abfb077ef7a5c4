"""Statuses read once per moment per job, on threads of their own; a finished run's steps."""

import asyncio
import threading
import time

import pytest

from leadgen_pipeline.api.models import JobState, StepState
from leadgen_pipeline.api.orchestration import run_state, step_state
from leadgen_pipeline.api.status_cache import StatusCache
from leadgen_pipeline.clients.dagster_graphql import RunDetails


def test_callers_asking_at_once_share_one_read_until_it_expires():
    reads: list[str] = []
    threads: set[str] = set()

    def read() -> str:
        reads.append("read")
        threads.add(threading.current_thread().name)
        time.sleep(0.2)
        return f"status {len(reads)}"

    async def scenario() -> tuple[list[str], str, str]:
        cache: StatusCache[str] = StatusCache(ttl_seconds=0.5, max_threads=2)
        together = await asyncio.gather(*(cache.get("job", read) for _ in range(50)))
        cached = await cache.get("job", read)
        await asyncio.sleep(0.6)
        return together, cached, await cache.get("job", read)

    together, cached, expired = asyncio.run(scenario())
    assert together == ["status 1"] * 50 and cached == "status 1"
    assert expired == "status 2" and len(reads) == 2
    assert threading.main_thread().name not in threads  # never on the event loop's thread


def test_a_failed_read_reaches_every_caller_and_is_not_kept():
    calls = 0

    def read() -> str:
        nonlocal calls
        calls += 1
        time.sleep(0.05)
        if calls == 1:
            raise LookupError("no job")
        return "found"

    async def scenario() -> list[object]:
        cache: StatusCache[str] = StatusCache(ttl_seconds=10, max_threads=2)
        first = await asyncio.gather(
            *(cache.get("job", read) for _ in range(5)), return_exceptions=True
        )
        return [*first, await cache.get("job", read)]

    *failures, after = asyncio.run(scenario())
    assert all(isinstance(f, LookupError) for f in failures)
    assert after == "found" and calls == 2


def test_reads_of_different_jobs_run_at_most_max_threads_at_once():
    running = 0
    most = 0
    lock = threading.Lock()

    def read() -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return 1

    async def scenario() -> None:
        cache: StatusCache[int] = StatusCache(ttl_seconds=1, max_threads=3)
        await asyncio.gather(*(cache.get(f"job-{i}", read) for i in range(20)))

    asyncio.run(scenario())
    assert most == 3


@pytest.mark.parametrize(
    ("run_status", "step", "expected"),
    [
        ("FAILURE", "IN_PROGRESS", StepState.FAILED),  # its process died mid-step
        ("CANCELED", "IN_PROGRESS", StepState.FAILED),
        ("STARTED", "IN_PROGRESS", StepState.PROCESSING),
        ("FAILURE", "SUCCESS", StepState.COMPLETED),
        ("FAILURE", "", StepState.NOT_STARTED),
    ],
)
def test_a_run_that_ended_reports_no_step_still_processing(run_status, step, expected):
    run = RunDetails(
        run_id="r",
        job_name="search",
        status=run_status,
        tags={},
        parent_run_id=None,
        planned_steps=(),
        step_statuses={"enriched_prospects": step} if step else {},
    )
    assert step_state(run, "enriched_prospects") is expected
    assert run_state(run_status) in (JobState.FAILED, JobState.PROCESSING)
