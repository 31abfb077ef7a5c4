"""Enrichment (listing, Place Details, website, LLM): per search, and the queue drained."""

from datetime import timedelta

import dagster as dg

from leadgen_pipeline.domain.enrichment import STALE_AFTER_DAYS
from leadgen_pipeline.enrichment.runner import EnrichmentRunner, EnrichmentTally
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.resources import (
    DatabaseResource,
    DnsResource,
    LLMResource,
    PlacesResource,
    WebsiteFetcherResource,
    usage_delta,
)
from leadgen_pipeline.search.assets import prospects
from leadgen_pipeline.steps import STEP_RETRY, load_search, search_asset
from leadgen_pipeline.storage import prospect_store, queue_store
from leadgen_pipeline.storage.base import utcnow


class EnrichmentConfig(dg.Config):
    workers: int = 32
    max_pages_per_site: int = 6
    use_llm: bool = True
    # Enriched (or skipped) prospects older than this are enriched again.
    stale_after_days: int = STALE_AFTER_DAYS


class QueueDrainConfig(EnrichmentConfig):
    # A run drains at most this many prospects: runs stay bounded in time and
    # a high-priority request waits at most one run.
    max_prospects: int = 500
    requeue_failed: bool = False  # the retry schedule sets it
    requeue_stale: bool = False  # the re-enrich schedule sets it


def _run_enrichment(
    context: dg.AssetExecutionContext,
    config: EnrichmentConfig,
    database: DatabaseResource,
    places: PlacesResource,
    llm: LLMResource,
    websites: WebsiteFetcherResource,
    dns: DnsResource,
    **drain: object,
) -> tuple[EnrichmentTally, dict]:
    clients = {"places": places.client, "llm": llm.client, "websites": websites.fetcher}
    before = {name: client.usage.snapshot() for name, client in clients.items()}
    runner = EnrichmentRunner(
        engine=database.engine,
        places=places.client,
        fetcher=websites.fetcher,
        llm=llm.client if config.use_llm else None,
        run_id=context.run.run_id,
        # A re-execution of a killed run shares its root id and so resumes its claims.
        claimer=context.run.root_run_id or context.run.run_id,
        # Each prospect's own country reads its phones; the search region stands in
        # only for a prospect whose country Places did not tell.
        settings=WaterfallSettings(
            max_pages_per_site=config.max_pages_per_site,
            use_llm=config.use_llm,
            region=places.region_code,
        ),
        workers=config.workers,
        mail_domains=dns.client,
    )
    tally = runner.drain(**drain)  # type: ignore[arg-type]
    usage = {name: usage_delta(before[name], c.usage.snapshot()) for name, c in clients.items()}
    log_event(
        OrchestrationEvent.ENRICHMENT_COMPLETE,
        run_id=context.run.run_id,
        search_id=context.partition_key if context.has_partition_key else None,
        **tally.outcomes,
    )
    return tally, usage


def _tally_metadata(tally: EnrichmentTally, usage: dict) -> dict:
    """Outcomes, and what each provider was asked and cost. Needed counts prospects, calls
    count HTTP attempts (retries included): in an outage both show, with no answers, and
    the cost of calls that were refused (not billed) is 0."""
    places, llm = usage["places"], usage["llm"]
    return {
        "processed": tally.processed,
        "enriched": tally.outcomes["enriched"],
        "skipped": tally.outcomes["skipped"],
        "failed": tally.outcomes["failed"],
        "failures_by_reason": dg.MetadataValue.json(dict(tally.failure_reasons)),
        "skips_by_reason": dg.MetadataValue.json(dict(tally.skip_reasons)),
        "llm_needed": tally.llm_needed,
        "llm_unanswered": tally.llm_unanswered,
        "llm_calls": llm["calls"],
        "llm_retries": llm["retries"],
        "llm_tokens": llm["prompt_tokens"] + llm["completion_tokens"],
        "llm_cost_usd": round(llm["cost_usd"], 6),
        "places_calls": places["calls"],
        "places_retries": places["retries"],
        "places_cost_usd": round(places["cost_usd"], 6),
        "website_fetches": usage["websites"]["calls"],
        "api_cost_usd": round(places["cost_usd"] + llm["cost_usd"], 6),
    }


@search_asset(deps=[prospects], group_name="enrichment", pool="enrichment", kinds={"python", "sql"})
def enriched_prospects(
    context: dg.AssetExecutionContext,
    config: EnrichmentConfig,
    database: DatabaseResource,
    places: PlacesResource,
    llm: LLMResource,
    websites: WebsiteFetcherResource,
    dns: DnsResource,
) -> dg.MaterializeResult:
    """The search's prospects enriched: pending, failed and stale ones queued and drained here."""
    search = load_search(database, context.partition_key)
    stale_before = utcnow() - timedelta(days=config.stale_after_days)
    queued = queue_store.enqueue_search_prospects(database.engine, search["id"], stale_before)
    log_event(
        OrchestrationEvent.ENRICHMENT_QUEUED,
        search_id=search["id"],
        run_id=context.run.run_id,
        queued=queued,
    )
    tally, usage = _run_enrichment(
        context, config, database, places, llm, websites, dns, search_id=search["id"]
    )
    with database.engine.connect() as conn:
        statuses = prospect_store.search_enrichment_statuses(conn, search["id"])
    return dg.MaterializeResult(
        metadata={
            "queued": queued,
            **_tally_metadata(tally, usage),
            "statuses": dg.MetadataValue.json(statuses),
        }
    )


@dg.asset(
    deps=[prospects],
    group_name="enrichment",
    pool="enrichment",
    retry_policy=STEP_RETRY,
    kinds={"python", "sql"},
)
def queued_enrichment(
    context: dg.AssetExecutionContext,
    config: QueueDrainConfig,
    database: DatabaseResource,
    places: PlacesResource,
    llm: LLMResource,
    websites: WebsiteFetcherResource,
    dns: DnsResource,
) -> dg.MaterializeResult:
    """The enrichment queue (batches, retries, re-enrichment) drained, by priority, in one run."""
    now = utcnow()
    requeued = 0
    if config.requeue_failed:
        requeued += queue_store.enqueue_due_failures(database.engine, now)
    if config.requeue_stale:
        requeued += queue_store.enqueue_stale(
            database.engine, now - timedelta(days=config.stale_after_days)
        )
    tally, usage = _run_enrichment(
        context, config, database, places, llm, websites, dns, max_prospects=config.max_prospects
    )
    with database.engine.connect() as conn:
        touched = queue_store.searches_enriched_by_run(conn, context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "requeued": requeued,
            **_tally_metadata(tally, usage),
            # The promotion sensor refreshes these searches' leads and collections.
            "searches": dg.MetadataValue.json(touched),
        }
    )
