"""Benchmark 1: how much of an API quota an enrichment drain uses, and the seed pattern's pace.

The sandbox enforces a request quota (20 requests per sliding second, with
100 ms per request) on one API; our limiter for that API is set to the same
quota and shared through PostgreSQL, as in production. `EnrichmentRunner`
drains the queue; the sandbox counts what reached it. Two scenarios:

- places_details: every listing lacks phone and website, so every prospect
  buys Place Details: Places is the API each prospect must call, and the
  quota a provider bills and enforces.
- websites: listings as Places returns them; the website crawl (2 to 4 pages
  a prospect) is the busiest API, held by our 20/s website limiter.

The BASELINE is the seed system's loop (batches of 10 prospects at once, then
a one-second sleep, no limiter) driving the same waterfall and clients over
other prospects of the same population, in the same run.
"""

import dataclasses
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pyrate_limiter import RateItem
from sqlalchemy.engine import Engine

from bench.common import (
    Deadline,
    Quotas,
    RateProbe,
    Report,
    SandboxProcess,
    percentile,
    product_resources,
    progress,
    prospects_held_by_page_deadline,
    store_population,
    throwaway_database,
    unlimited_places_client,
    without_phone_and_website,
)
from leadgen_pipeline.clients import rate_limit
from leadgen_pipeline.clients.rate_limit import RateLimit
from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.domain.enrichment import EnrichmentOutcome
from leadgen_pipeline.enrichment.assets import EnrichmentConfig
from leadgen_pipeline.enrichment.runner import EnrichmentRunner, EnrichmentTally
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings, enrich_prospect
from leadgen_pipeline.storage import prospect_store, queue_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import FaultConfig, ServerName

QUOTA_PER_SECOND = 20
LATENCY_MS = 100
SEED_BATCH_SIZE = 10
SEED_PAUSE_SECONDS = 1.0
# Production's run configuration: the benchmark measures what a run does.
PRODUCTION_CONFIG = EnrichmentConfig()


@dataclass(frozen=True)
class Scenario:
    name: str
    quota_server: ServerName
    clear_listings: bool
    prospects: int  # drained by EnrichmentRunner
    baseline_prospects: int  # driven by the seed pattern
    our_quotas: Quotas
    server_faults: dict[ServerName, FaultConfig]


QUOTA = FaultConfig(quota_per_second=QUOTA_PER_SECOND, latency_ms=LATENCY_MS)
SCENARIOS = (
    Scenario(
        name="places_details",
        quota_server="places",
        clear_listings=True,
        prospects=600,
        baseline_prospects=200,
        # The website limiter is lifted so that Places, not it, sets the pace (at
        # production's 20/s it would: see docs/benchmarks.md).
        our_quotas=Quotas(places=QUOTA_PER_SECOND, web=500, llm=QUOTA_PER_SECOND),
        server_faults={
            "places": QUOTA,
            "llm": FaultConfig(quota_per_second=QUOTA_PER_SECOND),
            "web": FaultConfig(),
        },
    ),
    Scenario(
        name="websites",
        quota_server="web",
        clear_listings=False,
        prospects=240,
        baseline_prospects=80,
        our_quotas=Quotas(places=QUOTA_PER_SECOND, web=QUOTA_PER_SECOND, llm=QUOTA_PER_SECOND),
        server_faults={
            "web": QUOTA,
            "places": FaultConfig(quota_per_second=QUOTA_PER_SECOND),
            "llm": FaultConfig(quota_per_second=QUOTA_PER_SECOND),
        },
    ),
)


def waterfall_settings() -> WaterfallSettings:
    return WaterfallSettings(
        max_pages_per_site=PRODUCTION_CONFIG.max_pages_per_site, use_llm=PRODUCTION_CONFIG.use_llm
    )


class AdmissionLog:
    """Watches (never changes) one quota's bucket: for each put the bucket admitted, the
    timestamp stored and the wall-clock moment the put returned.

    The two differ by the time the admission took after reading its clock; a
    server sees the request later still. If that lag is a stall longer than the
    window's slack, two requests spaced one window apart reach the server less
    than one window apart, and the server answers 429; `RateLimit.acquire`
    discards such late admissions, which this log still counts.
    """

    def __init__(self, quota: RateLimit) -> None:
        (self._bucket,) = quota.limiter.buckets()
        self.admissions: list[tuple[float, float]] = []  # (stored ms, returned ms), epoch

    def __enter__(self) -> "AdmissionLog":
        original_put = self._bucket.put

        def observed_put(item: RateItem) -> Any:
            admitted = original_put(item)
            if admitted is True:
                self.admissions.append((item.timestamp, time.time() * 1000))
            return admitted

        self._bucket.put = observed_put  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        del self._bucket.put  # the class's own method again

    def figures(self, limit: int) -> dict[str, float]:
        lags = sorted(returned - stored for stored, returned in self.admissions)
        returned = sorted(r for _, r in self.admissions)
        one_quota_apart = [returned[i + limit] - returned[i] for i in range(len(returned) - limit)]
        if not lags or not one_quota_apart:
            return {}
        return {
            "admission stamp lag p50 ms": round(percentile(lags, 50), 1),
            "admission stamp lag p99 ms": round(percentile(lags, 99), 1),
            "admission stamp lag max ms": round(lags[-1], 1),
            f"closest admissions {limit} apart ms (server window 1000)": round(
                min(one_quota_apart), 1
            ),
            f"admissions {limit} apart under 1000 ms": sum(1 for g in one_quota_apart if g < 1000),
        }


def seed_pattern_drain(
    place_ids: Sequence[str],
    enrich_one: Callable[[str], EnrichmentOutcome],
    deadline: Deadline,
) -> EnrichmentTally:
    """BASELINE, not product code: the seed system's loop. Ten prospects at once, wait
    for all ten, sleep a second, next ten. The sleep was its only pacing."""
    tally = EnrichmentTally()
    with ThreadPoolExecutor(SEED_BATCH_SIZE, thread_name_prefix="seed") as pool:
        for start in range(0, len(place_ids), SEED_BATCH_SIZE):
            deadline.check()
            for outcome in pool.map(enrich_one, place_ids[start : start + SEED_BATCH_SIZE]):
                tally.add(outcome)
            if start + SEED_BATCH_SIZE < len(place_ids):
                time.sleep(SEED_PAUSE_SECONDS)
    return tally


def seed_enrich_one(engine: Engine, clients: Any) -> Callable[[str], EnrichmentOutcome]:
    """BASELINE: one prospect through the product's waterfall, saved through the repository."""

    def enrich_one(place_id: str) -> EnrichmentOutcome:
        prospect, _ = queue_store.start_enrichment(engine, place_id)
        try:
            outcome = enrich_prospect(
                prospect,
                clients.places.client,
                clients.websites.fetcher,
                clients.llm.client,
                waterfall_settings(),
            )
        except ProviderError as error:
            outcome = EnrichmentOutcome("failed", reason=str(error))
        queue_store.save_enrichment(engine, place_id, outcome, "seed-baseline", None)
        return outcome

    return enrich_one


def arm_sandbox(sandbox: SandboxProcess, scenario: Scenario) -> None:
    """Zero the counters and set the scenario's faults; waits out any previous window."""
    time.sleep(1.1)  # requests of a previous phase must leave the server's window
    sandbox.reset()
    for server, faults in scenario.server_faults.items():
        sandbox.set_faults(server, faults)


def rate_limited_by_server(sandbox: SandboxProcess) -> dict[str, int]:
    return {server: sandbox.stats(server)["rate_limited"] for server in ("places", "web", "llm")}


def progress_printer(deadline: Deadline, every: int) -> Callable[[EnrichmentTally], None]:
    printed = [0]

    def on_progress(tally: EnrichmentTally) -> None:
        deadline.check()
        if tally.processed >= printed[0] + every:
            printed[0] = tally.processed
            progress(f"{tally.processed} prospects enriched")

    return on_progress


def run_scenario(sandbox: SandboxProcess, scenario: Scenario) -> Report:
    report = Report(
        f"quota_use/{scenario.name}",
        f"enrichment drain against a {QUOTA_PER_SECOND}/s quota with {LATENCY_MS} ms latency "
        f"on the {scenario.quota_server} server",
    )
    with throwaway_database("quota") as database_url:
        engine = engine_for(database_url)
        total = scenario.prospects + scenario.baseline_prospects
        progress(f"{scenario.name}: storing a population of {total} prospects")
        search_id, ranked = store_population(
            engine,
            unlimited_places_client(sandbox.urls),
            f"plumber #bulk{total}",
            "Austin, TX",
            without_phone_and_website if scenario.clear_listings else None,
        )
        ours = [p.place_id for p in ranked[: scenario.prospects]]
        baseline = [p.place_id for p in ranked[scenario.prospects :]]
        queue_store.enqueue_enrichment(engine, ours, "normal", "bench")

        with product_resources(sandbox.urls, database_url, scenario.our_quotas) as clients:
            quota = {
                "places": clients.places.client.rate_limit,
                "web": clients.websites.fetcher.rate_limit,
                "llm": clients.llm.client.rate_limit,
            }[scenario.quota_server]
            assert quota is not None
            runner = EnrichmentRunner(
                engine=engine,
                places=clients.places.client,
                fetcher=clients.websites.fetcher,
                llm=clients.llm.client,
                run_id="bench-ours",
                claimer="bench-ours",
                settings=waterfall_settings(),
                workers=PRODUCTION_CONFIG.workers,
            )
            arm_sandbox(sandbox, scenario)
            progress(f"{scenario.name}: EnrichmentRunner drains {len(ours)} prospects")
            deadline = Deadline(300, f"{scenario.name} drain")
            with RateProbe(sandbox, scenario.quota_server) as probe, AdmissionLog(quota) as log:
                started = time.monotonic()
                tally = runner.drain(on_progress=progress_printer(deadline, 100))
                ours_seconds = time.monotonic() - started
            ours_429s = rate_limited_by_server(sandbox)
            # The pace our limiter itself allows: its limit per window, where the
            # window is one second plus the margin, plus the wait's buffer and the
            # sliding-window log's 1 ms past the inclusive bound.
            window_ms = 1000 + rate_limit.WINDOW_MARGIN_MS + quota.limiter.buffer_ms + 1
            our_limit = dataclasses.asdict(scenario.our_quotas)[scenario.quota_server]

        # The seed system had no limiter; limits too high to bind stand for "none".
        no_limit = Quotas(places=10_000, web=10_000, llm=10_000)
        with product_resources(
            sandbox.urls, database_url, no_limit, share_rate_limit=False
        ) as bare:
            arm_sandbox(sandbox, scenario)
            progress(f"{scenario.name}: BASELINE seed pattern drives {len(baseline)} prospects")
            deadline = Deadline(300, f"{scenario.name} baseline")
            with RateProbe(sandbox, scenario.quota_server) as baseline_probe:
                started = time.monotonic()
                baseline_tally = seed_pattern_drain(
                    baseline, seed_enrich_one(engine, bare), deadline
                )
                baseline_seconds = time.monotonic() - started
            baseline_429s = rate_limited_by_server(sandbox)
        with engine.connect() as conn:
            statuses = prospect_store.search_enrichment_statuses(conn, search_id)
        held_by_deadline = prospects_held_by_page_deadline(engine, ours)

    steady = probe.steady_rate()
    ours_rate = tally.processed / ours_seconds
    baseline_rate = baseline_tally.processed / baseline_seconds
    # A prospect that failed (a page lost to a 429, say) is work to do again later.
    ours_done_rate = (tally.processed - tally.outcomes["failed"]) / ours_seconds
    baseline_done = baseline_tally.processed - baseline_tally.outcomes["failed"]
    baseline_done_rate = max(baseline_done, 1) / baseline_seconds
    report.ratio(
        "achieved rate / quota (steady, 10%-90% of requests)", steady / QUOTA_PER_SECOND, ">= 0.9"
    )
    report.ratio(
        "achieved rate / quota (whole drain)", probe.requests / ours_seconds / QUOTA_PER_SECOND
    )
    report.ratio(
        "ceiling our limiter allows / quota", our_limit * 1000 / window_ms / QUOTA_PER_SECOND
    )
    report.ratio(
        "speed-up over the seed pattern (prospects/s, whole runs)", ours_rate / baseline_rate
    )
    report.ratio(
        "speed-up over the seed pattern (prospects not failed per second)",
        ours_done_rate / baseline_done_rate,
    )
    report.ratio(
        "speed-up over the seed pattern (steady request rate)",
        steady / max(baseline_probe.steady_rate(), 0.001),
    )
    report.add_raw(
        {
            "429s the server sent (ours, target 0)": ours_429s[scenario.quota_server],
            "429s on every server (ours)": ours_429s,
            f"{scenario.quota_server} requests (ours)": probe.requests,
            f"{scenario.quota_server} requests per prospect (ours)": round(
                probe.requests / max(tally.processed, 1), 2
            ),
            "steady rate req/s (ours)": round(steady, 2),
            "prospects (ours)": tally.processed,
            "drain seconds (ours)": round(ours_seconds, 1),
            "prospects/s (ours)": round(ours_rate, 2),
            "outcomes (ours)": dict(tally.outcomes),
            "failure reasons (ours)": dict(tally.failure_reasons),
            "workers (ours)": PRODUCTION_CONFIG.workers,
            "prospects held by the page deadline (ours)": held_by_deadline,
            "limiter window ms (1000 + margin + buffer + 1)": window_ms,
            **log.figures(QUOTA_PER_SECOND),
            "late admissions discarded (ours)": quota.late_admissions_discarded,
            "prospects (baseline)": baseline_tally.processed,
            "seconds (baseline)": round(baseline_seconds, 1),
            "prospects/s (baseline)": round(baseline_rate, 2),
            "steady rate req/s (baseline)": round(baseline_probe.steady_rate(), 2),
            "429s on every server (baseline)": baseline_429s,
            "outcomes (baseline)": dict(baseline_tally.outcomes),
            "failure reasons (baseline)": dict(baseline_tally.failure_reasons),
            "statuses after both": statuses,
        }
    )
    return report


def run() -> list[Report]:
    reports = []
    with SandboxProcess() as sandbox:
        for scenario in SCENARIOS:
            reports.append(run_scenario(sandbox, scenario))
            reports[-1].print()
    return reports


if __name__ == "__main__":
    run()
