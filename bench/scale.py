"""Benchmark 4: the application database at 10,000 searches and 1,000,000 prospects, and the
enrichment drain's memory at 1,000 and 50,000 queued prospects.

- Upserts: 1,000 `#bulk100` searches of the sandbox, and 9,000 more whose
  results are copies of theirs under new place ids (a territory's worth of
  rows without 45,000 more sandbox pages), stored by the repository's own
  upserts (100 prospects and 100 search links a call, as the prospects asset
  stores a search: the searches are registered before the clock starts, as a
  request does, and that time is reported beside), then promoted to leads
  and collections by the functions the leads and lead_collections assets call
  (four threads, as concurrent runs would). Three BASELINES, PostgreSQL's COPY
  of the same rows (built and encoded as the upserts build theirs): 10,000
  prospect rows in one transaction into an indexed, logged copy of prospects
  (LIKE ... INCLUDING ALL: the same WAL and indexes, but no conflict handling)
  and into a bare temporary copy (no WAL, no index: the most this server
  ingests); and 100 searches' writes, each search's prospects and links in
  its own transaction, into indexed, logged copies of both tables with the
  links' foreign keys (the product's granularity: a search is stored whole or
  not at all).
- Directory queries: median and p95 of the storage layer's reads that the
  directory pages, the API and the status endpoint make (a connection from
  the pool per call, as the API does), against the BASELINE of `SELECT 1` on
  the same path: the round trip floor.
- Asset checks: each check of the search job, scoped to one search's
  partition, timed on random searches at this size.
- Claims: the claim query's median with 1,000 and with 50,000 prospects
  queued, among the 1,000,000.
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
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.queues import Queue
from typing import Any

import dagster as dg
import sqlalchemy as sa
from dagster._core.execution.context.invocation import DirectAssetCheckExecutionContext
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
from bench.quota_use import production_runner
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.domain.leads import (
    collection_stats,
    is_promotable,
    lead_candidates,
    score_lead,
)
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, Prospect, ranked_prospects
from leadgen_pipeline.domain.search_request import SearchRequest, parse_search_request
from leadgen_pipeline.enrichment.checks import enrichment_checks
from leadgen_pipeline.enrichment.runner import EnrichmentTally
from leadgen_pipeline.leads.checks import lead_checks
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.checks import search_checks
from leadgen_pipeline.storage import lead_store, prospect_store, queue_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import copy_rows, utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox.world_data import CITIES, TRADES

SEARCHES = 10_000
FETCHED_SEARCHES = 1_000  # from the sandbox; the others' results are copies of these
PROSPECTS_PER_SEARCH = 100
COPY_SAMPLE_SEARCHES = 100
COPY_REPEATS = 3  # a COPY of 10,000 rows takes ~0.1 s: the median of three
QUERY_SAMPLES = 100
QUERY_PAGE_SIZE = 25
DIRECTORY_PAGE = 50
REAL_PROSPECTS = 1_000
QUEUE_SIZES = (1_000, 50_000)
# A fast sandbox: our limiters lifted, so the drain runs as fast as this machine.
FAST_QUOTAS = Quotas(places=1_000, llm=1_000)
KEYWORD_VARIANTS = ("", "services", "company", "experts", "pros")
PROMOTION_THREADS = 4
LATE_SEARCHES = 100  # stored and promoted once the database holds 1,000,000 prospects
CHECK_SAMPLES = 20
CLAIM_SAMPLES = 30
CLAIM_QUEUES = (1_000, 50_000)


def search_requests() -> list[SearchRequest]:
    """1,000 distinct sandbox searches: 10 trades x 20 cities x 5 wordings, 100 businesses each."""
    return [
        parse_search_request(
            f"{trade} {variant} #bulk{PROSPECTS_PER_SEARCH}".replace("  ", " "),
            f"{city.name}, {city.state}",
        )
        for variant in KEYWORD_VARIANTS
        for trade in TRADES
        for city in CITIES.values()
    ][:FETCHED_SEARCHES]


def copy_of(request: SearchRequest, copy: int) -> SearchRequest:
    return parse_search_request(f"{request.keyword} area {copy}", request.location)


def copied(ranked: Sequence[Prospect], copy: int) -> list[Prospect]:
    """The same businesses under new place ids: the results of another search."""
    return [dataclasses.replace(p, place_id=f"{p.place_id}-{copy}") for p in ranked]


# How each copy (k) of a row renames what identifies it, table by table, in the
# order foreign keys need. A search id is "keyword@location": its copy is the
# search for "keyword area k" (as copy_of names it); a place id gains "-k".
_SEARCH_ID = "replace({column}, '@', '-area-' || k || '@')"
_PLACE_ID = "{column} || '-' || k"
_KEYWORD = "{column} || ' area ' || k"
COPY_RENAMES: dict[str, dict[str, str]] = {
    "searches": {"id": _SEARCH_ID, "keyword": _KEYWORD},
    "prospects": {"place_id": _PLACE_ID},
    "search_prospects": {"search_id": _SEARCH_ID, "place_id": _PLACE_ID},
    "leads": {"place_id": _PLACE_ID, "origin_search_id": _SEARCH_ID},
    "lead_collections": {"id": _SEARCH_ID, "keyword": _KEYWORD},
    "lead_collection_members": {"collection_id": _SEARCH_ID, "place_id": _PLACE_ID},
}


def multiply(engine: Engine, copies: int) -> None:
    """Every stored search, with its prospects, leads and collection, copied `copies` times
    under new ids, in SQL: the size of a territory without fetching and promoting it."""
    with engine.begin() as conn:
        for name, renames in COPY_RENAMES.items():
            table = t.metadata.tables[name]
            columns = [column.name for column in table.columns]
            values = [
                renames[column].format(column=column) if column in renames else column
                for column in columns
            ]
            conn.exec_driver_sql(
                f"INSERT INTO {name} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {name} "
                f"CROSS JOIN generate_series(1, {copies}) AS k"
            )


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


# The baselines' target tables: (label, the statements that create `copy_baseline`).
COPY_TARGETS = {
    # A regular (WAL-logged) table with every index, constraint and default of
    # prospects, as the product's upserts write, but empty: small indexes, all cached.
    "indexed": (
        "COPY into an indexed, logged copy of prospects, empty",
        ("CREATE TABLE copy_baseline (LIKE prospects INCLUDING ALL)",),
    ),
    # Like for like at size: the same, holding every row prospects holds, so that its
    # indexes are as large as those the upserts into 1,000,000 write into.
    "at size": (
        "COPY into an indexed, logged copy of prospects holding its 1,000,000 rows",
        (
            "CREATE TABLE copy_baseline (LIKE prospects INCLUDING ALL)",
            "INSERT INTO copy_baseline SELECT * FROM prospects",
            "VACUUM ANALYZE copy_baseline",
        ),
    ),
    # The most this server ingests: no WAL, no index; a load the product can never do.
    "bare": (
        "COPY into a bare temporary table",
        ("CREATE TEMP TABLE copy_baseline (LIKE prospects INCLUDING DEFAULTS)",),
    ),
}


def copy_rows_per_second(
    engine: Engine, batches: Sequence[Sequence[Prospect]], target: str
) -> float:
    """BASELINE: COPY each batch's rows (built and encoded as the upserts build and COPY
    theirs), a batch per transaction, into a table of COPY_TARGETS' `target` kind (made
    before the clock starts, dropped afterwards); the median batch's rows/s."""
    _, statements = COPY_TARGETS[target]
    with engine.connect() as conn:
        run_outside_transactions(conn, statements)
        rates = []
        for batch in batches:
            with conn.begin():
                started = time.monotonic()
                now = utcnow()
                rows = [prospect_store.prospect_row(p, now) for p in batch]
                copy_rows(conn, t.prospects, "copy_baseline", rows)
            rates.append(len(batch) / (time.monotonic() - started))
        run_outside_transactions(conn, ["DROP TABLE copy_baseline"])
    return percentile(rates, 50)


def run_outside_transactions(conn: Connection, statements: Sequence[str]) -> None:
    """Each statement on its own (VACUUM cannot run in a transaction); `conn` is left
    between transactions, as it was."""
    conn.execution_options(isolation_level="AUTOCOMMIT")
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.commit()  # ends SQLAlchemy's autobegun transaction; the statements are committed
    conn.execution_options(isolation_level=conn.default_isolation_level)


PER_SEARCH_COPY = (
    "COPY of the same writes, a search per transaction, into copies of prospects "
    "and search_prospects holding their 1,000,000 rows"
)


def copy_per_search_rows_per_second(
    engine: Engine,
    requests: Sequence[SearchRequest],
    batches: Sequence[Sequence[Sequence[Prospect]]],
) -> float:
    """BASELINE at the product's granularity and size: each search's prospect rows and link
    rows COPYed (built and encoded as the upserts build theirs) into indexed, logged copies
    of prospects and search_prospects holding every row of theirs, the links' foreign keys
    included, and committed: the writes a search's store makes, by COPY, with no conflict
    handling. `batches` holds, for each repeat, the searches' results under fresh place ids;
    the median repeat's rows/s."""
    with engine.connect() as conn:
        run_outside_transactions(
            conn,
            [
                "CREATE TABLE copy_prospects (LIKE prospects INCLUDING ALL)",
                "INSERT INTO copy_prospects SELECT * FROM prospects",
                "CREATE TABLE copy_links (LIKE search_prospects INCLUDING ALL)",
                "INSERT INTO copy_links SELECT * FROM search_prospects",
                "ALTER TABLE copy_links ADD FOREIGN KEY (search_id) REFERENCES searches (id), "
                "ADD FOREIGN KEY (place_id) REFERENCES copy_prospects (place_id)",
                "VACUUM ANALYZE copy_prospects, copy_links",
            ],
        )
        rates = []
        for ranked_lists in batches:
            started = time.monotonic()
            for request, ranked in zip(requests, ranked_lists, strict=True):
                with conn.begin():
                    now = utcnow()
                    rows = [prospect_store.prospect_row(p, now) for p in ranked]
                    copy_rows(conn, t.prospects, "copy_prospects", rows)
                    links = [
                        {
                            "search_id": request.partition_key,
                            "place_id": p.place_id,
                            "rank": rank,
                            "seen_at": now,
                        }
                        for rank, p in enumerate(ranked, start=1)
                    ]
                    copy_rows(conn, t.search_prospects, "copy_links", links)
            rows_copied = sum(len(ranked) for ranked in ranked_lists)
            rates.append(rows_copied / (time.monotonic() - started))
        run_outside_transactions(conn, ["DROP TABLE copy_links, copy_prospects"])
    return percentile(rates, 50)


def store_and_promote(
    engine: Engine, requests: Sequence[SearchRequest], ranked_lists: Sequence[Sequence[Prospect]]
) -> dict[str, float]:
    """Register the searches as a request does; store their results as the prospects asset
    does; promote them as the leads assets do (four threads, as concurrent runs would).
    Returns the seconds of each stage."""
    started = time.monotonic()
    for request in requests:
        search_store.register_search(engine, request, requested_by="bench")
    registered = time.monotonic()
    for request, ranked in zip(requests, ranked_lists, strict=True):
        prospect_store.store_search_prospects(engine, request.partition_key, ranked)
    stored = time.monotonic()
    with ThreadPoolExecutor(PROMOTION_THREADS, thread_name_prefix="promote") as pool:
        list(pool.map(lambda request: promote(engine, request.partition_key), requests))
    return {
        "register": registered - started,
        "store": stored - registered,
        "promote": time.monotonic() - stored,
    }


def generate(engine: Engine, sandbox: SandboxProcess, deadline: Deadline) -> dict[str, Any]:
    """1,000 searches of 100 prospects fetched, stored and promoted; copied nine times in SQL;
    then 100 more stored and promoted among the 1,000,000 rows. Times the upserts and the
    promotions at both sizes."""
    places = unlimited_places_client(sandbox.urls)
    requests = search_requests()
    with ThreadPoolExecutor(4, thread_name_prefix="fetch") as pool:
        fetched = list(pool.map(lambda request: fetch_ranked(places, request), requests))
    deadline.check()
    progress(f"fetched {len(fetched)} searches; storing and promoting them")
    small = store_and_promote(engine, requests, fetched)
    deadline.check()
    copies = SEARCHES // FETCHED_SEARCHES - 1
    progress(f"copying them {copies} times in SQL")
    started = time.monotonic()
    multiply(engine, copies)
    multiply_seconds = time.monotonic() - started
    with engine.begin() as conn:
        # As autovacuum would after a bulk load: statistics for the planner.
        conn.exec_driver_sql("ANALYZE")
    deadline.check()
    extra = [copy_of(request, copies + 1) for request in requests[:LATE_SEARCHES]]
    extra_ranked = [copied(ranked, copies + 1) for ranked in fetched[:LATE_SEARCHES]]
    progress(f"storing and promoting {LATE_SEARCHES} more among the 1,000,000")
    large = store_and_promote(engine, extra, extra_ranked)
    # The baselines write the first searches' results under place ids no table holds yet
    # (a new copy number per repeat), placed in the indexes as the upserts' copies are.
    sampled = fetched[:COPY_SAMPLE_SEARCHES]
    repeats = [
        [copied(ranked, copies + 2 + repeat) for ranked in sampled]
        for repeat in range(COPY_REPEATS)
    ]
    progress("timing the COPY baselines")
    copy_rates = {
        target: copy_rows_per_second(
            engine, [[p for ranked in lists for p in ranked] for lists in repeats], target
        )
        for target in COPY_TARGETS
    }
    per_search_copy = copy_per_search_rows_per_second(
        engine, requests[:COPY_SAMPLE_SEARCHES], repeats
    )
    return {
        "search_ids": [r.partition_key for r in requests]
        + [copy_of(r, k).partition_key for k in range(1, copies + 1) for r in requests]
        + [r.partition_key for r in extra],
        "rows (small)": sum(len(r) for r in fetched),
        "seconds (small)": small,
        "rows (large)": sum(len(r) for r in extra_ranked),
        "seconds (large)": large,
        "multiply seconds": multiply_seconds,
        "copy_rows_per_second": copy_rates,
        "copy_per_search_rows_per_second": per_search_copy,
    }


def check_latencies(
    database_url: str, search_ids: Sequence[str], failed: list[str]
) -> dict[str, list[float]]:
    """Seconds per evaluation of each asset check, on one search's partition at a time;
    checks that did not pass are added to `failed`."""
    pick = random.Random(11)
    database = DatabaseResource(url=database_url)
    timings: dict[str, list[float]] = {}
    for check in [*search_checks, *enrichment_checks, *lead_checks]:
        name = check.check_key.name
        for search_id in pick.sample(list(search_ids), CHECK_SAMPLES):
            context = DirectAssetCheckExecutionContext(
                op_execution_context=dg.build_op_context(partition_key=search_id)
            )
            started = time.perf_counter()
            result = check(context, database=database)
            timings.setdefault(name, []).append(time.perf_counter() - started)
            if not result.passed:
                failed.append(f"{name} on {search_id}")
    return timings


def claim_latencies(engine: Engine, search_ids: Sequence[str]) -> dict[int, dict[str, float]]:
    """The claim query's time with 1,000 and then 50,000 prospects queued (claims by one
    claimer, which may take its own claims again, so each reads the same head of the queue),
    for the whole queue and for one search's part of it."""
    figures: dict[int, dict[str, float]] = {}
    queued = 0
    with engine.connect() as conn:
        place_ids = list(
            conn.execute(
                sa.select(t.prospects.c.place_id)
                .order_by(t.prospects.c.place_id)
                .limit(max(CLAIM_QUEUES))
            ).scalars()
        )
        search_id = conn.execute(
            sa.select(t.search_prospects.c.search_id).where(
                t.search_prospects.c.place_id == place_ids[0]
            )
        ).scalar_one()
    lease = utcnow()
    for size in CLAIM_QUEUES:
        queue_store.enqueue_enrichment(engine, place_ids[queued:size], "normal", "bench-claims")
        queued = size
        for label, scope in (("whole queue", None), ("one search", search_id)):
            seconds = []
            for _ in range(CLAIM_SAMPLES):
                started = time.perf_counter()
                queue_store.claim_enrichment(engine, "bench-claims", 64, lease, scope)
                seconds.append(time.perf_counter() - started)
            figures.setdefault(size, {})[f"{label} median ms"] = round(
                percentile(seconds, 50) * 1000, 2
            )
    with engine.begin() as conn:
        conn.execute(sa.delete(t.enrichment_queue))
    return figures


def query_latencies(
    engine: Engine, search_ids: Sequence[str], deadline: Deadline
) -> dict[str, list[float]]:
    """Seconds per call of each read, a pooled connection checked out per call."""
    pick = random.Random(7)
    reads: dict[str, Callable[[Connection, str], object]] = {
        "BASELINE SELECT 1": lambda conn, _: conn.execute(sa.text("SELECT 1")).scalar_one(),
        "lead_store.list_collections (directory, page 1 of 50)": lambda conn, _: (
            lead_store.list_collections(conn, limit=DIRECTORY_PAGE)
        ),
        "lead_store.list_collections (directory, page 40 of 50)": lambda conn, _: (
            lead_store.list_collections(conn, limit=DIRECTORY_PAGE, offset=39 * DIRECTORY_PAGE)
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
    unpaged = "lead_store.list_collections (all 10,000, unpaged: for scale only)"
    reads[unpaged] = lambda conn, _: lead_store.list_collections(conn)
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
        runner = production_runner(engine_for(database_url), clients, f"memory-{queued}")
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
            generated = generate(engine, sandbox, Deadline(1500, "generating 1,000,000 prospects"))
            with engine.begin() as conn:
                # As autovacuum would after a bulk load: statistics for the planner.
                conn.exec_driver_sql("ANALYZE")
            progress(f"timing directory reads, {QUERY_SAMPLES} samples each")
            timings = query_latencies(
                engine, generated["search_ids"], Deadline(300, "directory reads")
            )
            progress(f"timing the asset checks, {CHECK_SAMPLES} searches each")
            failed_checks: list[str] = []
            checks = check_latencies(database_url, generated["search_ids"], failed_checks)
            progress("timing claims with 1,000 and 50,000 queued")
            claims = claim_latencies(engine, generated["search_ids"])
            with engine.connect() as conn:
                counts = {
                    table.name: conn.execute(
                        sa.select(sa.func.count()).select_from(table)
                    ).scalar_one()
                    for table in (t.prospects, t.leads, t.lead_collections, t.search_prospects)
                }
        drains = memory(sandbox)

    small, large = generated["seconds (small)"], generated["seconds (large)"]
    small_rate = generated["rows (small)"] / small["store"]
    large_rate = generated["rows (large)"] / large["store"]
    registered_rate = generated["rows (large)"] / (large["store"] + large["register"])
    copy_rates = {
        **{
            baseline: generated["copy_rows_per_second"][key]
            for key, (baseline, _) in COPY_TARGETS.items()
        },
        PER_SEARCH_COPY: generated["copy_per_search_rows_per_second"],
    }
    for baseline, copy_rate in copy_rates.items():
        data.ratio(
            f"prospect upsert rows/s into 1,000,000 prospects / {baseline}",
            large_rate / copy_rate,
            ">= 0.3",
        )
        data.ratio(f"prospect upsert rows/s, first 100,000 / {baseline}", small_rate / copy_rate)
    data.ratio(
        "the same, each search's registration counted too / COPY into the copy at size",
        registered_rate / copy_rates[COPY_TARGETS["at size"][0]],
    )
    floor = statistics_ms(timings.pop("BASELINE SELECT 1"))
    for name, seconds in timings.items():
        figures = statistics_ms(seconds)
        target = "" if "unpaged" in name else "<= 20"
        data.ratio(f"{name}: p95 / SELECT 1 p95", figures["p95"] / floor["p95"], target)
        data.add_raw({f"{name} ms": figures})
    for name, seconds in checks.items():
        figures = statistics_ms(seconds)
        data.ratio(f"check {name} (one search): p95 / SELECT 1 p95", figures["p95"] / floor["p95"])
        data.add_raw({f"check {name} ms": figures})
    small_queue, large_queue = CLAIM_QUEUES
    for label in ("whole queue", "one search"):
        key = f"{label} median ms"
        data.ratio(
            f"claim ({label}) median, {large_queue} / {small_queue} queued among 1,000,000",
            claims[large_queue][key] / claims[small_queue][key],
            "~1 (flat)",
        )
    data.add_raw({f"claims, {size} queued": figures for size, figures in claims.items()})
    data.add_raw({"checks that did not pass (target none)": failed_checks})
    data.add_raw(
        {
            "BASELINE SELECT 1 ms": floor,
            **{
                f"BASELINE {baseline}, rows per second": round(copy_rate)
                for baseline, copy_rate in copy_rates.items()
            },
            "prospect rows upserted per second, first 100,000 (with their search links)": round(
                small_rate
            ),
            "prospect rows upserted per second, into 1,000,000": round(large_rate),
            "the same with each search's registration": round(registered_rate),
            "searches promoted per second (leads + collection), first 1,000": round(
                FETCHED_SEARCHES / small["promote"], 1
            ),
            "searches promoted per second, among 10,000": round(
                LATE_SEARCHES / large["promote"], 1
            ),
            "seconds copying 1,000 searches nine times in SQL": round(
                generated["multiply seconds"], 1
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
