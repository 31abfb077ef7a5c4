"""Benchmark 4: the application database at 1,000 searches and 100,000 prospects, and the
enrichment drain's memory at 1,000 and 50,000 queued prospects.

- Upserts: 1,000 `#bulk100` searches of the sandbox, stored by the
  repository's own upserts (100 prospects and 100 search links a call), then
  promoted to leads and collections by the functions the leads and
  lead_collections assets call. The BASELINE is PostgreSQL's COPY of 10,000
  of the same prospect rows into a bare copy of the table: the most this
  server ingests, with no conflict handling or indexes to keep.
- Directory queries: median and p95 of the repository's, the directory's and
  the API's reads (a connection from the pool per call, as the API does),
  against the BASELINE of `SELECT 1` on the same path: the round trip floor.
- Memory: an EnrichmentRunner drain in a fresh process (spawn), its RSS
  high-water mark during the drain (VmHWM, reset when the drain starts, so the
  child's import peak is not counted) and RSS along the way, with 1,000 and with
  50,000 prospects queued, both drained to the end. The same 1,000 sandbox
  businesses go through the full waterfall in both; the other 49,000 are
  closed-down listings, which the waterfall skips without an outside call
  (each is still claimed, loaded, decided and saved), so that a 50,000
  drain fits the time budget.
"""

import dataclasses
import json
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.queues import Queue
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bench.common import (
    Deadline,
    Quotas,
    Report,
    SandboxProcess,
    SandboxUrls,
    collect_results,
    lifetime_peak_rss_mb,
    peak_rss_mb,
    percentile,
    product_resources,
    progress,
    reset_peak_rss,
    rss_mb,
    store_population,
    throwaway_database,
    unlimited_places_client,
)
from bench.quota_use import PRODUCTION_CONFIG, waterfall_settings
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.domain.leads import (
    collection_stats,
    is_promotable,
    lead_candidates,
    score_lead,
)
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, Prospect, ranked_prospects
from leadgen_pipeline.domain.search_request import SearchRequest, parse_search_request
from leadgen_pipeline.enrichment.runner import EnrichmentRunner, EnrichmentTally
from leadgen_pipeline.storage import lead_store, prospect_store, queue_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox.world_data import CITIES, TRADES

SEARCHES = 1_000
PROSPECTS_PER_SEARCH = 100
FETCH_CHUNK = 100  # searches fetched together, then stored with nothing else running
COPY_SAMPLE_SEARCHES = 100
QUERY_SAMPLES = 100
QUERY_PAGE_SIZE = 25
REAL_PROSPECTS = 1_000
QUEUE_SIZES = (1_000, 50_000)
# A fast sandbox: our limiters lifted, so the drain runs as fast as this machine.
FAST_QUOTAS = Quotas(places=1_000, llm=1_000)
KEYWORD_VARIANTS = ("", "services", "company", "experts", "pros")


def search_requests() -> list[SearchRequest]:
    """1,000 distinct searches: 10 trades x 20 cities x 5 wordings, 100 businesses each."""
    requests = [
        parse_search_request(
            f"{trade} {variant} #bulk{PROSPECTS_PER_SEARCH}".replace("  ", " "),
            f"{city.name}, {city.state}",
        )
        for variant in KEYWORD_VARIANTS
        for trade in TRADES
        for city in CITIES.values()
    ]
    return requests[:SEARCHES]


def fetch_ranked(places: PlacesClient, request: SearchRequest) -> list[Prospect]:
    pages = places.search_text_pages(request.text_query, SEARCH_FIELD_MASK, max_pages=20)
    return ranked_prospects(page.response for page in pages)


def promote(engine: Engine, search_id: str) -> None:
    """Leads and the collection of one search, by the functions its assets call."""
    with engine.connect() as conn:
        ranked = prospect_store.ranked_search_prospects(conn, search_id)
        contacts = prospect_store.contacts_by_place(conn, [p.place_id for p in ranked])
    scored = [
        score_lead(candidate)
        for candidate in lead_candidates(ranked, contacts, None, None)
        if is_promotable(candidate)
    ]
    lead_store.upsert_leads(engine, search_id, scored, None)
    with engine.connect() as conn:
        rows = lead_store.search_lead_rows(conn, search_id)
        search = dict(search_store.get_search(conn, search_id)._mapping)  # type: ignore[union-attr]
    lead_store.save_collection(
        engine, search, collection_stats(rows), [(r["place_id"], r["rank"]) for r in rows]
    )


def copy_rows_per_second(engine: Engine, prospects: Sequence[Prospect]) -> float:
    """BASELINE: COPY the same prospect columns into a bare temporary copy of the table."""
    columns = [field.name for field in dataclasses.fields(Prospect)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMP TABLE copy_baseline (LIKE prospects INCLUDING DEFAULTS)")
        now = utcnow()
        started = time.monotonic()
        with cursor.copy(  # type: ignore[attr-defined]
            f"COPY copy_baseline ({', '.join(columns)}, first_seen_at, updated_at) FROM STDIN"
        ) as copy:
            for prospect in prospects:
                values = dataclasses.astuple(prospect)
                row = [json.dumps(list(v)) if isinstance(v, tuple) else v for v in values]
                copy.write_row([*row, now, now])
        raw.commit()
        seconds = time.monotonic() - started
    finally:
        raw.close()
    return len(prospects) / seconds


def generate(engine: Engine, sandbox: SandboxProcess, deadline: Deadline) -> dict[str, Any]:
    """Store 1,000 searches of 100 prospects; time the upserts and the promotions."""
    places = unlimited_places_client(sandbox.urls)
    requests = search_requests()
    upsert_seconds = promote_seconds = 0.0
    prospect_rows = 0
    copy_sample: list[Prospect] = []
    with ThreadPoolExecutor(4, thread_name_prefix="fetch") as pool:
        for start in range(0, len(requests), FETCH_CHUNK):
            deadline.check()
            chunk = requests[start : start + FETCH_CHUNK]
            ranked_lists = list(pool.map(lambda request: fetch_ranked(places, request), chunk))
            started = time.monotonic()
            for request, ranked in zip(chunk, ranked_lists, strict=True):
                search_store.register_search(engine, request, requested_by="bench")
                prospect_store.store_search_prospects(engine, request.partition_key, ranked)
                prospect_rows += len(ranked)
            upsert_seconds += time.monotonic() - started
            started = time.monotonic()
            for request in chunk:
                promote(engine, request.partition_key)
            promote_seconds += time.monotonic() - started
            if len(copy_sample) < COPY_SAMPLE_SEARCHES * PROSPECTS_PER_SEARCH:
                copy_sample += [p for ranked in ranked_lists for p in ranked]
            progress(f"stored {start + len(chunk)} searches, {prospect_rows} prospects")
    copy_sample = copy_sample[: COPY_SAMPLE_SEARCHES * PROSPECTS_PER_SEARCH]
    return {
        "search_ids": [request.partition_key for request in requests],
        "prospect_rows": prospect_rows,
        "upsert_seconds": upsert_seconds,
        "promote_seconds": promote_seconds,
        "copy_rows_per_second": copy_rows_per_second(engine, copy_sample),
    }


def query_latencies(
    engine: Engine, search_ids: Sequence[str], deadline: Deadline
) -> dict[str, list[float]]:
    """Seconds per call of each read, a pooled connection checked out per call."""
    pick = random.Random(7)
    reads: dict[str, Callable[[Connection, str], object]] = {
        "BASELINE SELECT 1": lambda conn, _: conn.execute(sa.text("SELECT 1")).scalar_one(),
        "lead_store.list_collections (all 1,000)": lambda conn, _: lead_store.list_collections(
            conn
        ),
        "lead_store.collection_leads (one collection, all)": lead_store.collection_leads,
        "lead_store.list_collections (location filter)": lambda conn, _: (
            lead_store.list_collections(conn, location="austin")
        ),
        "lead_store.collection_leads (page 2 by quality)": lambda conn, cid: (
            lead_store.collection_leads(
                conn,
                cid,
                sort=lead_store.LeadSort.QUALITY,
                limit=QUERY_PAGE_SIZE,
                offset=QUERY_PAGE_SIZE,
            )
        ),
        "lead_store.collection_leads (has phone, by rating)": lambda conn, cid: (
            lead_store.collection_leads(
                conn,
                cid,
                filters=lead_store.LeadFilters(has_phone=True),
                sort=lead_store.LeadSort.RATING,
                limit=QUERY_PAGE_SIZE,
            )
        ),
        "search_store.search_result_counts (status endpoint)": search_store.search_result_counts,
    }
    timings: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(QUERY_SAMPLES):
        deadline.check()
        collection_id = pick.choice(search_ids)
        for name, read in reads.items():
            started = time.perf_counter()
            with engine.connect() as conn:
                read(conn, collection_id)
            timings[name].append(time.perf_counter() - started)
    return timings


# --- memory of a drain, in a fresh process ----------------------------------------------


def drain_for_memory(
    urls: SandboxUrls, database_url: str, queued: int, results: "Queue[dict[str, Any]]"
) -> None:
    """Child process: drain the whole queue; report RSS and how the claims performed."""
    claim_seconds: list[float] = []
    claim = queue_store.claim_enrichment

    def timed_claim(*args: Any, **kwargs: Any) -> list[str]:
        # Observes the runner's claims (the runner reads queue_store.claim_enrichment per call).
        started = time.perf_counter()
        claimed = claim(*args, **kwargs)
        claim_seconds.append(time.perf_counter() - started)
        return claimed

    queue_store.claim_enrichment = timed_claim
    deadline = Deadline(600, f"memory drain of {queued}")
    rss_along: list[tuple[int, float]] = []
    step = max(queued // 10, 1)

    def on_progress(tally: EnrichmentTally) -> None:
        deadline.check()
        if tally.processed >= (len(rss_along) + 1) * step:
            rss_along.append((tally.processed, round(rss_mb(), 1)))

    with product_resources(urls, database_url, FAST_QUOTAS) as clients:
        runner = EnrichmentRunner(
            engine=engine_for(database_url),
            places=clients.places.client,
            fetcher=clients.websites.fetcher,
            llm=clients.llm.client,
            run_id=f"memory-{queued}",
            claimer=f"memory-{queued}",
            settings=waterfall_settings(),
            workers=PRODUCTION_CONFIG.workers,
        )
        rss_before = rss_mb()
        reset_peak_rss()
        started = time.monotonic()
        tally = runner.drain(on_progress=on_progress)
        seconds = time.monotonic() - started
        peak = peak_rss_mb()
    results.put(
        {
            "queued": queued,
            "processed": tally.processed,
            "outcomes": dict(tally.outcomes),
            "seconds": round(seconds, 1),
            "rss_before_mb": round(rss_before, 1),
            "peak_rss_mb": round(peak, 1),
            "lifetime_peak_rss_mb (ru_maxrss, imports included)": round(lifetime_peak_rss_mb(), 1),
            "rss_along_mb": rss_along,
            "claims": len(claim_seconds),
            "claim_ms_median": round(percentile(claim_seconds, 50) * 1000, 1),
            "claim_ms_p95": round(percentile(claim_seconds, 95) * 1000, 1),
        }
    )


def closed_filler(number: int) -> Prospect:
    """A listing the waterfall skips without an outside call: closed down, phone listed."""
    return Prospect(
        place_id=f"bench-closed-{number:06d}",
        name=f"Closed Business {number}",
        formatted_address=None,
        latitude=None,
        longitude=None,
        primary_type=None,
        types=(),
        business_status="CLOSED_PERMANENTLY",
        phone_e164="+13035550100",
        national_phone=None,
        website=None,
        google_maps_uri=None,
        rating=None,
        user_rating_count=None,
    )


def memory(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    """Drain 1,000 and then 50,000 queued prospects, each in a fresh process."""
    with throwaway_database("memory") as database_url:
        engine = engine_for(database_url)
        _, real = store_population(
            engine,
            unlimited_places_client(sandbox.urls),
            f"plumber #bulk{REAL_PROSPECTS}",
            "Denver, CO",
        )
        fillers = [closed_filler(n) for n in range(max(QUEUE_SIZES) - len(real))]
        for start in range(0, len(fillers), 1_000):
            request = parse_search_request(f"closed filler {start // 1_000}", "Denver, CO")
            search_store.register_search(engine, request, requested_by="bench")
            prospect_store.store_search_prospects(
                engine, request.partition_key, fillers[start : start + 1_000]
            )
        context = multiprocessing.get_context("spawn")
        drains = []
        for queued in QUEUE_SIZES:
            queue_ids = [p.place_id for p in real] + [
                p.place_id for p in fillers[: queued - len(real)]
            ]
            queue_store.enqueue_enrichment(engine, queue_ids, "normal", "bench-memory")
            progress(f"memory: a fresh process drains {queued} queued prospects")
            results: Queue[dict[str, Any]] = context.Queue()
            child = context.Process(
                target=drain_for_memory, args=(sandbox.urls, database_url, queued, results)
            )
            child.start()
            try:
                drains += collect_results(results, [child], Deadline(660, f"drain of {queued}"))
            finally:
                child.join(30)
                if child.is_alive():
                    child.kill()
                    child.join(5)
    return drains


def run() -> list[Report]:
    data = Report(
        "scale/database",
        f"{SEARCHES} searches, {SEARCHES * PROSPECTS_PER_SEARCH} prospects in PostgreSQL",
    )
    drain = Report("scale/memory", "enrichment drain RSS at 1,000 and 50,000 queued prospects")
    with SandboxProcess() as sandbox:
        with throwaway_database("scale") as database_url:
            engine = engine_for(database_url)
            progress(f"storing {SEARCHES} searches of {PROSPECTS_PER_SEARCH} prospects")
            generated = generate(engine, sandbox, Deadline(420, "generating 100,000 prospects"))
            progress(f"timing directory reads, {QUERY_SAMPLES} samples each")
            timings = query_latencies(
                engine, generated["search_ids"], Deadline(180, "directory reads")
            )
            with engine.connect() as conn:
                counts = {
                    table.name: conn.execute(
                        sa.select(sa.func.count()).select_from(table)
                    ).scalar_one()
                    for table in (t.prospects, t.leads, t.lead_collections, t.search_prospects)
                }
        drains = memory(sandbox)

    upsert_rate = generated["prospect_rows"] / generated["upsert_seconds"]
    data.ratio(
        "prospect upsert rows/s / COPY rows/s", upsert_rate / generated["copy_rows_per_second"]
    )
    floor = statistics_ms(timings.pop("BASELINE SELECT 1"))
    for name, seconds in timings.items():
        figures = statistics_ms(seconds)
        data.ratio(f"{name}: median / SELECT 1 median", figures["median"] / floor["median"])
        data.add_raw({f"{name} ms": figures})
    data.add_raw(
        {
            "BASELINE SELECT 1 ms": floor,
            "prospect rows upserted per second (with their search links)": round(upsert_rate),
            "BASELINE COPY rows per second": round(generated["copy_rows_per_second"]),
            "upsert seconds (1,000 store_search_prospects calls)": round(
                generated["upsert_seconds"], 1
            ),
            "searches promoted per second (leads + collection)": round(
                SEARCHES / generated["promote_seconds"], 1
            ),
            "rows": counts,
        }
    )
    small, large = drains
    growth = {d["queued"]: d["peak_rss_mb"] - d["rss_before_mb"] for d in drains}
    drain.ratio(
        f"peak RSS {large['queued']} / {small['queued']} queued",
        large["peak_rss_mb"] / small["peak_rss_mb"],
        "~1 (flat)",
    )
    drain.ratio(
        f"RSS growth during the drain {large['queued']} / {small['queued']}",
        growth[large["queued"]] / max(growth[small["queued"]], 0.1),
    )
    drain.ratio(
        f"claim median {large['queued']} / {small['queued']} queued",
        large["claim_ms_median"] / small["claim_ms_median"],
    )
    for d in drains:
        drain.add_raw({f"{d['queued']} queued": d})
    data.print()
    drain.print()
    return [data, drain]


def statistics_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "median": round(percentile(seconds, 50) * 1000, 2),
        "p95": round(percentile(seconds, 95) * 1000, 2),
    }


if __name__ == "__main__":
    run()
