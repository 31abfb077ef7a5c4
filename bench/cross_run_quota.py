"""Benchmark 2: two drains at once, in two processes, against one quota.

Each process stands for one Dagster run: its own resources, clients and
limiters, built by the product's resources, sharing the quota only through
the PostgreSQL application database; both claim from the same queue. The
sandbox enforces 20 Place Details requests per sliding second (100 ms each) over
both together, and every listing lacks phone and website, so every prospect
calls Places (as in quota_use/places_details).

The CONTRAST run repeats it with share_rate_limit=False (each process keeps its
quota in memory), which is what sharing prevents: two runs each taking the
whole quota.
"""

import multiprocessing
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from bench.common import (
    Deadline,
    Quotas,
    RateProbe,
    Report,
    SandboxProcess,
    SandboxUrls,
    collect_results,
    product_resources,
    progress,
    stop_children,
    store_population,
    throwaway_database,
    unlimited_places_client,
    without_phone_and_website,
)
from bench.quota_use import QUOTA, QUOTA_PER_SECOND, production_runner
from leadgen_pipeline.storage import queue_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import FaultConfig

PROCESSES = 2
SHARED_PROSPECTS = 600
CONTRAST_PROSPECTS = 120
CHILD_SECONDS = 240.0
OUR_QUOTAS = Quotas(places=QUOTA_PER_SECOND, llm=QUOTA_PER_SECOND)


def drain_in_child(
    urls: SandboxUrls,
    database_url: str,
    claimer: str,
    share_rate_limit: bool,
    start_together: Barrier,
    results: "Queue[dict[str, Any]]",
) -> None:
    """One 'run': the product's resources and an EnrichmentRunner draining the shared queue."""
    with product_resources(
        urls, database_url, OUR_QUOTAS, share_rate_limit=share_rate_limit
    ) as clients:
        runner = production_runner(engine_for(database_url), clients, claimer)
        start_together.wait(120)
        started = time.monotonic()
        tally = runner.drain(on_progress=Deadline(CHILD_SECONDS, f"drain {claimer}").check)
        results.put(
            {
                "claimer": claimer,
                "processed": tally.processed,
                "seconds": time.monotonic() - started,
                "outcomes": dict(tally.outcomes),
                "failure_reasons": dict(tally.failure_reasons),
                "places_statuses": clients.places.client.usage.snapshot()["statuses"],
            }
        )


def two_drains_at_once(
    sandbox: SandboxProcess, prospects: int, share_rate_limit: bool
) -> tuple[RateProbe, list[dict[str, Any]], float]:
    """Store `prospects`, start two drains on them together; (probe, child results, seconds)."""
    label = "shared" if share_rate_limit else "contrast"
    with throwaway_database(f"crossrun_{label}") as database_url:
        engine = engine_for(database_url)
        search_id, _ = store_population(
            engine,
            unlimited_places_client(sandbox.urls),
            f"plumber #bulk{prospects}",
            "Austin, TX",
            without_phone_and_website,
        )
        queue_store.enqueue_search_prospects(engine, search_id, utcnow())
        time.sleep(1.1)  # an earlier phase's requests leave the server's window
        sandbox.reset()
        sandbox.set_faults("places", QUOTA)
        sandbox.set_faults("llm", FaultConfig(quota_per_second=QUOTA_PER_SECOND))
        context = multiprocessing.get_context("spawn")
        start_together = context.Barrier(PROCESSES + 1)
        results: Queue[dict[str, Any]] = context.Queue()
        children = [
            context.Process(
                target=drain_in_child,
                args=(
                    sandbox.urls,
                    database_url,
                    f"bench-{label}-{n}",
                    share_rate_limit,
                    start_together,
                    results,
                ),
                name=f"drain-{n}",
            )
            for n in range(PROCESSES)
        ]
        for child in children:
            child.start()
        progress(f"{label}: {PROCESSES} processes drain {prospects} prospects together")
        try:
            start_together.wait(120)
            with RateProbe(sandbox, "places") as probe:
                started = time.monotonic()
                outcomes = collect_results(
                    results, children, Deadline(CHILD_SECONDS + 30, "two drains")
                )
                seconds = time.monotonic() - started
        finally:
            stop_children(children)
    return probe, outcomes, seconds


def child_figures(children: list[dict[str, Any]], label: str) -> dict[str, str]:
    return {
        f"{child['claimer']} ({label})": (
            f"{child['processed']} prospects in {child['seconds']:.1f} s, "
            f"outcomes {child['outcomes']}, failures {child['failure_reasons']}, "
            f"Places answers {child['places_statuses']}"
        )
        for child in sorted(children, key=lambda child: child["claimer"])
    }


def run() -> list[Report]:
    report = Report(
        "cross_run_quota",
        f"{PROCESSES} drains in {PROCESSES} processes sharing one {QUOTA_PER_SECOND}/s Places "
        "quota through PostgreSQL",
    )
    with SandboxProcess() as sandbox:
        probe, children, seconds = two_drains_at_once(sandbox, SHARED_PROSPECTS, True)
        contrast, contrast_children, contrast_seconds = two_drains_at_once(
            sandbox, CONTRAST_PROSPECTS, False
        )
    processed = [child["processed"] for child in children]
    report.ratio(
        "combined rate / quota (steady, 10%-90% of requests)",
        probe.steady_rate() / QUOTA_PER_SECOND,
        ">= 0.9",
    )
    report.ratio(
        "utilisation: requests / (quota x wall time of both drains)",
        probe.requests / seconds / QUOTA_PER_SECOND,
    )
    report.ratio(
        "balance: smaller share / larger share of prospects", min(processed) / max(processed)
    )
    report.ratio(
        "CONTRAST (limits per process): share of requests answered 429",
        contrast.rate_limited / max(contrast.requests, 1),
    )
    report.add_raw(
        {
            "429s the server sent (shared, target 0)": probe.rate_limited,
            "places requests (shared)": probe.requests,
            "wall seconds (shared)": round(seconds, 1),
            **child_figures(children, "shared"),
            "429s the server sent (CONTRAST)": contrast.rate_limited,
            "places requests (CONTRAST)": contrast.requests,
            "wall seconds (CONTRAST)": round(contrast_seconds, 1),
            **child_figures(contrast_children, "CONTRAST"),
        }
    )
    report.print()
    return [report]


if __name__ == "__main__":
    run()
