"""Benchmark 1: how much of a provider quota an enrichment drain uses, how fast it
enriches, and the seed pattern's pace on the same sandbox in the same run.

The sandbox enforces a request quota (sliding second, with latency) on Places;
our limiter is set to the same quota and shared through PostgreSQL, as in
production. `EnrichmentRunner` drains the queue with production's run settings;
the sandbox counts what reached it. Websites are spread over many loopback hosts
(bench/common.py) and fetched at production's per-host politeness. Two scenarios:

- places_details: every listing lacks phone and website, so every prospect
  buys Place Details (20/s, 100 ms): Places is the quota every prospect needs,
  and its whole-drain use is the figure (target 0.9).
- territory: a realistic population at a 50/s Places quota with 150 ms on every
  server: a quarter of the listings lack phone and website (Place Details),
  the rest as found (~80% with a website), about a fifth need the LLM, and the
  sandbox's few slow and hostile sites. The figure is prospects per second
  against the seed pattern's (target 5x).

The BASELINE is the seed system's loop (batches of 10 prospects at once, then
a one-second sleep, no limiter) driving the same waterfall and clients over
other prospects of the same population, in the same run.
"""

import hashlib
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

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
    prospects_cut_for_time,
    store_population,
    throwaway_database,
    unlimited_places_client,
    without_phone_and_website,
)
from leadgen_pipeline.clients import rate_limit
from leadgen_pipeline.clients.rate_limit import RateLimit, Try
from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.domain.enrichment import EnrichmentOutcome
from leadgen_pipeline.domain.places import Prospect
from leadgen_pipeline.enrichment.assets import EnrichmentConfig
from leadgen_pipeline.enrichment.runner import EnrichmentRunner, EnrichmentTally
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings, enrich_prospect
from leadgen_pipeline.storage import prospect_store, queue_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import FaultConfig, ServerName

SEED_BATCH_SIZE = 10
SEED_PAUSE_SECONDS = 1.0
# Production's run configuration: the benchmark measures what a run does.
PRODUCTION_CONFIG = EnrichmentConfig()


def a_quarter_need_details(prospect: Prospect) -> Prospect:
    """Every fourth listing (by a hash of its id, the same in every run) without phone and
    website, as Places lists businesses that give neither: those buy Place Details."""
    if hashlib.sha256(prospect.place_id.encode()).digest()[0] % 4 == 0:
        return without_phone_and_website(prospect)
    return prospect


@dataclass(frozen=True)
class Scenario:
    name: str
    keyword: str
    location: str
    transform: Callable[[Prospect], Prospect] | None
    prospects: int  # drained by EnrichmentRunner
    baseline_prospects: int  # driven by the seed pattern
    quota_per_second: int  # the Places quota, the sandbox's and ours
    latency_ms: int
    llm_quota_per_second: int
    web_latency_ms: int
    llm_latency_ms: int

    @property
    def our_quotas(self) -> Quotas:
        return Quotas(places=self.quota_per_second, llm=self.llm_quota_per_second)

    @property
    def server_faults(self) -> dict[ServerName, FaultConfig]:
        return {
            "places": FaultConfig(
                quota_per_second=self.quota_per_second, latency_ms=self.latency_ms
            ),
            "llm": FaultConfig(
                quota_per_second=self.llm_quota_per_second, latency_ms=self.llm_latency_ms
            ),
            "web": FaultConfig(latency_ms=self.web_latency_ms),
        }


PLACES_DETAILS = Scenario(
    name="places_details",
    keyword="plumber",
    location="Austin, TX",
    transform=without_phone_and_website,
    prospects=600,
    baseline_prospects=200,
    quota_per_second=20,
    latency_ms=100,
    llm_quota_per_second=20,
    web_latency_ms=0,
    llm_latency_ms=0,
)
TERRITORY = Scenario(
    name="territory",
    keyword="electrician",
    location="Denver, CO",
    transform=a_quarter_need_details,
    prospects=1200,
    baseline_prospects=150,
    quota_per_second=50,
    latency_ms=150,
    llm_quota_per_second=20,
    web_latency_ms=150,
    llm_latency_ms=150,
)
SCENARIOS = (PLACES_DETAILS, TERRITORY)
# The Places quota (and the sandbox's faults enforcing it) the cross-run benchmarks share.
QUOTA_PER_SECOND = PLACES_DETAILS.quota_per_second
QUOTA = PLACES_DETAILS.server_faults["places"]


def waterfall_settings() -> WaterfallSettings:
    return WaterfallSettings(
        max_pages_per_site=PRODUCTION_CONFIG.max_pages_per_site, use_llm=PRODUCTION_CONFIG.use_llm
    )


def production_runner(engine: Engine, clients: Any, name: str) -> EnrichmentRunner:
    """An EnrichmentRunner as a run builds it: production's settings, the resources' clients."""
    return EnrichmentRunner(
        engine=engine,
        places=clients.places.client,
        fetcher=clients.websites.fetcher,
        llm=clients.llm.client,
        run_id=name,
        claimer=name,
        settings=waterfall_settings(),
        workers=PRODUCTION_CONFIG.workers,
    )


class AdmissionLog:
    """Watches (never changes) one quota's store: for each request it admitted, the stamp
    stored (the database's clock, the same machine's) and the wall-clock moment the
    admission returned.

    The two differ by the time the admission took after reading its clock; a
    server sees the request later still. If that lag is a stall longer than
    the window's slack, two requests spaced one window apart reach the server
    less than one window apart, and the server answers 429;
    `RateLimit.acquire` discards such late admissions, which this log still
    counts.
    """

    def __init__(self, quota: RateLimit) -> None:
        self._store = quota.store
        self.admissions: list[tuple[float, float]] = []  # (stamp ms, returned ms), epoch

    def __enter__(self) -> "AdmissionLog":
        original = self._store.try_admit

        def observed() -> Try:
            attempt = original()
            if attempt.admitted:
                self.admissions.append((attempt.stamped_at * 1000, time.time() * 1000))
            return attempt

        self._store.try_admit = observed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        del self._store.try_admit  # the class's own method again

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


class DrainTimeline:
    """Each progress report's (moment, prospects done), and the deadline checked on each."""

    def __init__(self, deadline: Deadline, print_every: int = 200) -> None:
        self.deadline = deadline
        self.print_every = print_every
        self.points: list[tuple[float, int]] = [(time.monotonic(), 0)]

    def __call__(self, tally: EnrichmentTally) -> None:
        self.deadline.check()
        if tally.processed // self.print_every > self.points[-1][1] // self.print_every:
            progress(f"{tally.processed} prospects enriched")
        self.points.append((time.monotonic(), tally.processed))

    def moment(self, share: float) -> float:
        total = self.points[-1][1]
        return next(t for t, done in self.points if done >= total * share)

    def end_over_middle(self) -> float:
        """Prospects/s over the last 10% of the drain, over the rate between 10% and 90%."""
        total = self.points[-1][1]
        t10, t90, t100 = self.moment(0.1), self.moment(0.9), self.points[-1][0]
        middle = 0.8 * total / max(t90 - t10, 1e-6)
        end = 0.1 * total / max(t100 - t90, 1e-6)
        return end / middle


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_scenario(sandbox: SandboxProcess, scenario: Scenario) -> Report:
    quota = scenario.quota_per_second
    report = Report(
        f"quota_use/{scenario.name}",
        f"enrichment drain against a {quota}/s Places quota with {scenario.latency_ms} ms "
        f"latency (web {scenario.web_latency_ms} ms, LLM {scenario.llm_quota_per_second}/s "
        f"and {scenario.llm_latency_ms} ms)",
    )
    with throwaway_database("quota") as database_url:
        engine = engine_for(database_url)
        total = scenario.prospects + scenario.baseline_prospects
        progress(f"{scenario.name}: storing a population of {total} prospects")
        search_id, ranked = store_population(
            engine,
            unlimited_places_client(sandbox.urls),
            f"{scenario.keyword} #bulk{total}",
            scenario.location,
            scenario.transform,
        )
        ours = [p.place_id for p in ranked[: scenario.prospects]]
        baseline = [p.place_id for p in ranked[scenario.prospects :]]
        queue_store.enqueue_enrichment(engine, ours, "normal", "bench")

        with product_resources(sandbox.urls, database_url, scenario.our_quotas) as clients:
            places_quota = clients.places.client.rate_limit
            assert places_quota is not None
            runner = production_runner(engine, clients, "bench-ours")
            arm_sandbox(sandbox, scenario)
            progress(f"{scenario.name}: EnrichmentRunner drains {len(ours)} prospects")
            timeline = DrainTimeline(Deadline(300, f"{scenario.name} drain"))
            with RateProbe(sandbox, "places") as probe, AdmissionLog(places_quota) as log:
                started, cpu_before = time.monotonic(), cpu_seconds()
                tally = runner.drain(on_progress=timeline)
                ours_seconds = time.monotonic() - started
                ours_cpu = cpu_seconds() - cpu_before
            ours_429s = rate_limited_by_server(sandbox)
            web_requests = sandbox.stats("web")["requests_total"]
            # The pace our limiter itself allows: its limit per window, where the
            # window is one second plus the margin, plus the wait's buffer and the
            # sliding-window log's 1 ms past the inclusive bound.
            window_ms = 1000 + rate_limit.WINDOW_MARGIN_MS + places_quota.store.buffer_ms + 1

        # The seed system had no limiter; limits too high to bind stand for "none".
        no_limit = Quotas(places=10_000, llm=10_000)
        with product_resources(
            sandbox.urls, database_url, no_limit, share_rate_limit=False
        ) as bare:
            arm_sandbox(sandbox, scenario)
            progress(f"{scenario.name}: BASELINE seed pattern drives {len(baseline)} prospects")
            deadline = Deadline(300, f"{scenario.name} baseline")
            with RateProbe(sandbox, "places") as baseline_probe:
                started = time.monotonic()
                baseline_tally = seed_pattern_drain(
                    baseline, seed_enrich_one(engine, bare), deadline
                )
                baseline_seconds = time.monotonic() - started
            baseline_429s = rate_limited_by_server(sandbox)
        with engine.connect() as conn:
            statuses = prospect_store.search_enrichment_statuses(conn, search_id)
        cut_for_time = prospects_cut_for_time(engine, ours)
        baseline_cut_for_time = prospects_cut_for_time(engine, baseline)

    steady = probe.steady_rate()
    ours_rate = tally.processed / ours_seconds
    baseline_rate = baseline_tally.processed / baseline_seconds
    # A prospect that failed (a page lost to a 429, say) is work to do again later.
    ours_done_rate = (tally.processed - tally.outcomes["failed"]) / ours_seconds
    baseline_done = baseline_tally.processed - baseline_tally.outcomes["failed"]
    baseline_done_rate = max(baseline_done, 1) / baseline_seconds
    whole_drain = probe.requests / ours_seconds / quota
    speed_up = ours_rate / baseline_rate
    is_quota_bound = scenario is PLACES_DETAILS
    report.ratio(
        "achieved Places rate / quota (whole drain)",
        whole_drain,
        ">= 0.9" if is_quota_bound else "",
    )
    report.ratio("achieved Places rate / quota (steady, 10%-90% of requests)", steady / quota)
    report.ratio("ceiling our limiter allows / quota", quota * 1000 / window_ms / quota)
    report.ratio(
        "speed-up over the seed pattern (prospects/s, whole runs)",
        speed_up,
        "" if is_quota_bound else ">= 5",
    )
    report.ratio(
        "speed-up over the seed pattern (prospects not failed per second)",
        ours_done_rate / baseline_done_rate,
    )
    report.ratio(
        "end of the drain / its middle (prospects/s, last 10% / 10%-90%)",
        timeline.end_over_middle(),
        "~1 (no tail)",
    )
    report.add_raw(
        {
            "429s the server sent (ours, target 0)": sum(ours_429s.values()),
            "429s on every server (ours)": ours_429s,
            "Places requests (ours)": probe.requests,
            "Places requests per prospect (ours)": round(
                probe.requests / max(tally.processed, 1), 2
            ),
            "web requests (ours)": web_requests,
            "steady Places rate req/s (ours)": round(steady, 2),
            "prospects (ours)": tally.processed,
            "drain seconds (ours)": round(ours_seconds, 1),
            "prospects/s (ours)": round(ours_rate, 2),
            "CPU of the drain's process, cores (ours)": round(ours_cpu / ours_seconds, 2),
            "outcomes (ours)": dict(tally.outcomes),
            "failure reasons (ours)": dict(tally.failure_reasons),
            "LLM needed (ours)": tally.llm_needed,
            "workers (ours)": PRODUCTION_CONFIG.workers,
            "prospects whose site was cut for time (ours)": cut_for_time,
            "seconds from 90% to 100% of the prospects (ours)": round(
                timeline.points[-1][0] - timeline.moment(0.9), 1
            ),
            "seconds from the last Places request to the drain's end (ours)": round(
                timeline.points[-1][0] - probe.moment_of_last_request(), 1
            ),
            "limiter window ms (1000 + margin + buffer + 1)": window_ms,
            **log.figures(quota),
            "late admissions discarded (ours)": places_quota.late_admissions_discarded,
            "prospects (baseline)": baseline_tally.processed,
            "seconds (baseline)": round(baseline_seconds, 1),
            "prospects/s (baseline)": round(baseline_rate, 2),
            "steady Places rate req/s (baseline)": round(baseline_probe.steady_rate(), 2),
            "429s on every server (baseline)": baseline_429s,
            "outcomes (baseline)": dict(baseline_tally.outcomes),
            "failure reasons (baseline)": dict(baseline_tally.failure_reasons),
            "prospects whose site was cut for time (baseline)": baseline_cut_for_time,
            "statuses after both": statuses,
        }
    )
    return report


def run(scenarios: Sequence[Scenario] = SCENARIOS) -> list[Report]:
    reports = []
    with SandboxProcess() as sandbox:
        for scenario in scenarios:
            reports.append(run_scenario(sandbox, scenario))
            reports[-1].print()
    return reports


if __name__ == "__main__":
    import sys

    chosen = [scenario for scenario in SCENARIOS if scenario.name in sys.argv[1:]]
    run(chosen or SCENARIOS)
