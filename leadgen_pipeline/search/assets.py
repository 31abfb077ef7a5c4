"""The search workflow: Places results -> prospects -> AI intelligence on the target."""

from collections import Counter
from typing import Any

import dagster as dg

from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.clients.spend import BudgetReached, spend_for
from leadgen_pipeline.domain.area import UnresolvedLocation
from leadgen_pipeline.domain.competitors import choose_target, competitor_analysis
from leadgen_pipeline.domain.intelligence import (
    SYSTEM_PROMPT,
    BusinessIntelligence,
    intelligence_prompt,
)
from leadgen_pipeline.domain.places import (
    SEARCH_FIELD_MASK,
    MalformedPlace,
    prevailing_country,
    ranked_prospects,
)
from leadgen_pipeline.domain.territory import CLOSED_STATUSES, listing_changes, listing_of
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.resources import DatabaseResource, LLMResource, PlacesResource, usage_delta
from leadgen_pipeline.search.coverage import (
    CoverageRun,
    KnownPlan,
    collect,
    cover_area,
    coverage_report,
)
from leadgen_pipeline.search.tags import REQUEST_RUN_TAG, SEARCH_RUN_TAG
from leadgen_pipeline.steps import (
    load_search,
    on_budget_reached,
    preview_table,
    provider_failure,
    search_asset,
    spend_metadata,
)
from leadgen_pipeline.storage import (
    intelligence_store,
    prospect_store,
    search_store,
    territory_store,
)
from leadgen_pipeline.storage.search_store import CoverageRecord, StoredPage


def _link_request_run(context: dg.AssetExecutionContext) -> None:
    """Name this run on the request_search run that caused it (the first one, if retried)."""
    request_run_id = context.run.tags.get(REQUEST_RUN_TAG)
    if not request_run_id:
        return
    request_run = context.instance.get_run_by_id(request_run_id)
    if request_run is not None and SEARCH_RUN_TAG not in request_run.tags:
        context.instance.add_run_tags(request_run_id, {SEARCH_RUN_TAG: context.run.run_id})


@search_asset(group_name="search", pool="google_places", kinds={"python", "sql"})
def places_results(
    context: dg.AssetExecutionContext, places: PlacesResource, database: DatabaseResource
) -> dg.MaterializeResult:
    """Every business of the kind in the area (coverage "full": the area tiled past the
    60-result cap), or the single query's 60 (coverage "top"); raw pages stored."""
    search = load_search(database, context.partition_key)
    log_event(OrchestrationEvent.SEARCH_START, search_id=search["id"], run_id=context.run.run_id)
    _link_request_run(context)
    with database.engine.connect() as conn:
        # A search its budget stopped resumes: the pages it paid for answer again, free.
        paid = search_store.stopped_pages(conn, search["id"])
    client = places.client.replaying(paid) if paid else places.client
    before = client.usage.snapshot()
    run: CoverageRun | None = None
    fetched: list[StoredPage] = []
    try:
        with spend_for(search_id=search["id"]):
            if search["coverage"] == "top":
                pages = collect(
                    client.search_text_pages(
                        search["text_query"],
                        SEARCH_FIELD_MASK,
                        max_pages=places.max_pages,
                        region_code=places.region_code,
                    ),
                    fetched,
                    "area",
                )
                stored: list[StoredPage] = [(p.request, p.response, "area", None) for p in pages]
            else:
                known_area = search_store.search_area(search)
                with database.engine.connect() as conn:
                    leaves = search_store.known_tiles(conn, search["id"])
                known = KnownPlan(known_area, leaves) if known_area else None
                run = cover_area(
                    client,
                    search["keyword"],
                    search["location"],
                    search["text_query"],
                    places.tiling_settings(),
                    known,
                    places.max_pages,
                    fetched,
                )
                stored = run.stored_pages()
        # Parse before storing: a malformed page fails the step and writes nothing.
        ranked = ranked_prospects(page[1] for page in stored if page[2] != "locate")
    except BudgetReached as error:
        search_store.save_stopped_pages(
            database.engine, search["id"], fetched, context.run.run_id, f"stopped: {error}"
        )
        raise on_budget_reached(
            context,
            database,
            error,
            stage="search",
            search_id=search["id"],
            metadata={"pages_kept": len(fetched)},
        ) from None
    except UnresolvedLocation as error:
        search_store.set_search_status(database.engine, search["id"], "failed", str(error))
        raise dg.Failure(str(error), allow_retries=False) from None
    except ProviderError as error:
        search_store.set_search_status(database.engine, search["id"], "failed", str(error))
        raise provider_failure(error, usage_delta(before, client.usage.snapshot())) from None
    except MalformedPlace as error:
        search_store.set_search_status(database.engine, search["id"], "failed", str(error))
        raise dg.Failure(f"malformed Places response: {error}", allow_retries=False) from None
    usage = usage_delta(before, client.usage.snapshot())
    if run is None:
        capped = len(ranked) >= places.result_cap
        status = (
            "capped: the 60 most relevant (coverage top); more businesses exist, "
            "coverage full tiles the area to find them"
            if capped
            else "complete"
        )
        report = {"status": status, "coverage": "top", "places_found": len(ranked)}
        # No area was looked up: the search is in the country of the places it found.
        record = CoverageRecord(
            status, report, country_code=prevailing_country(page[1] for page in stored)
        )
    else:
        report = coverage_report(run, ranked, usage)
        capped = run.report is not None and not run.report.complete
        record = CoverageRecord(
            run.status,
            report,
            area_name=run.area.name,
            area=run.area.rectangle,
            country_code=run.area.country_code,
            language_code=run.area.language_code,
            tiles=run.report.tiles if run.report else [],
        )
    search_store.save_search_pages(
        database.engine, search["id"], stored, context.run.run_id, len(ranked), capped, record
    )
    log_event(
        OrchestrationEvent.SEARCH_COMPLETE,
        search_id=search["id"],
        run_id=context.run.run_id,
        results=len(ranked),
        pages=len(stored),
        capped=capped,
    )
    if capped:
        context.log.warning(f"{search['text_query']!r}: {record.status}")
    metadata: dict[str, Any] = {
        "text_query": search["text_query"],
        "pages_fetched": len(stored),
        "results": len(ranked),
        "coverage": record.status,
        "result_cap": places.result_cap,
        "api_calls": usage["calls"],
        "api_retries": usage["retries"],
        "api_cost_usd": usage["cost_usd"],
        "requests_by_sku": dg.MetadataValue.json(usage["requests_by_sku"]),
        **spend_metadata(database, context.run.run_id, search["id"]),
    }
    if run is not None:
        metadata |= {
            "area": f"{run.area.name} {run.area.rectangle.as_list()}",
            "tiles_searched": report["tiles_searched"],
            "tiles_saturated": report["tiles_saturated"],
            "dense_points": report["dense_points"],
            "requests_by_kind": dg.MetadataValue.json(report["requests_by_kind"]),
            "requests_per_100_places": report["requests_per_100_places"],
            "coverage_report": dg.MetadataValue.json(report),
        }
    return dg.MaterializeResult(metadata=metadata)


@search_asset(deps=[places_results], group_name="search", kinds={"python", "sql"})
def prospects(
    context: dg.AssetExecutionContext, database: DatabaseResource
) -> dg.MaterializeResult:
    """One row per Google place, linked to the search at its rank (replayed from stored pages)."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        pages = search_store.load_search_pages(conn, search["id"])
    if not pages and search["result_count"]:
        # Read as "no results", it would unlink every prospect and call them all gone.
        raise dg.Failure(
            "this search's Places pages are past the retention and were cleared: run the "
            "whole search (places_results and what follows) again",
            allow_retries=False,
        )
    ranked = ranked_prospects(pages, search["country_code"] or "US")
    prospect_store.store_search_prospects(database.engine, search["id"], ranked)
    # The territory's history: compared with what this search saw last; "gone" only
    # when this run's coverage was complete (a capped run did not look everywhere).
    listings = [listing_of(p) for p in ranked]
    complete = search["coverage_status"] == "complete"
    with territory_store.observing(database.engine, search["id"]):
        with database.engine.connect() as conn:
            baseline = territory_store.is_baseline(conn, search["id"])
            before = territory_store.listing_observations(conn, search["id"])
        changes = listing_changes(before, listings, baseline=baseline, complete=complete)
        territory_store.record_listings(
            database.engine, search["id"], context.run.run_id, listings, changes, complete=complete
        )
    log_event(
        OrchestrationEvent.STORAGE_COMPLETE,
        search_id=search["id"],
        run_id=context.run.run_id,
        prospects=len(ranked),
    )
    return dg.MaterializeResult(
        metadata={
            "prospects": len(ranked),
            "with_phone": sum(1 for p in ranked if p.phone_e164),
            "with_website": sum(1 for p in ranked if p.website),
            "closed": sum(1 for p in ranked if p.business_status in CLOSED_STATUSES),
            "territory": "baseline (first run)" if baseline else "compared with the last run",
            "territory_changes": dg.MetadataValue.json(dict(Counter(c.kind for c in changes))),
            "preview": preview_table(
                [
                    {
                        "rank": rank,
                        "name": p.name,
                        "rating": p.rating,
                        "reviews": p.user_rating_count,
                        "phone": p.phone_e164,
                        "website": p.website,
                    }
                    for rank, p in enumerate(ranked[:10], start=1)
                ]
            ),
        }
    )


@search_asset(deps=[prospects], group_name="search", pool="llm", kinds={"openai", "sql"})
def ai_intelligence(
    context: dg.AssetExecutionContext, llm: LLMResource, database: DatabaseResource
) -> dg.MaterializeResult:
    """Owner, offer and competitor analysis of the target, by the LLM under a strict schema."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        ranked = prospect_store.ranked_search_prospects(conn, search["id"])
    target = choose_target(ranked, search["target_business"])
    if target is None:
        intelligence_store.delete_intelligence(database.engine, search["id"])
        return dg.MaterializeResult(metadata={"target": "none: the search found no businesses"})
    if search["target_business"] and target.method != "named":
        context.log.warning(
            f"target {search['target_business']!r} is not among the results; "
            f"profiling the top-ranked {target.name!r} instead"
        )
    analysis = competitor_analysis(ranked, target.place_id)
    target_prospect = next(p for p in ranked if p.place_id == target.place_id)
    log_event(
        OrchestrationEvent.AI_START,
        search_id=search["id"],
        run_id=context.run.run_id,
        target_place_id=target.place_id,
    )
    before = llm.client.usage.snapshot()
    try:
        with spend_for(search_id=search["id"]):
            completion = llm.client.parse(
                BusinessIntelligence,
                SYSTEM_PROMPT,
                intelligence_prompt(
                    target_prospect, search["keyword"], search["location"], analysis
                ),
            )
    except BudgetReached as error:
        search_store.set_search_status(
            database.engine, search["id"], "stopped", f"stopped: {error}"
        )
        raise on_budget_reached(
            context, database, error, stage="intelligence", search_id=search["id"]
        ) from None
    except ProviderError as error:
        usage = usage_delta(before, llm.client.usage.snapshot())
        raise provider_failure(error, usage, prefix="llm") from None
    intelligence = completion.parsed
    intelligence_store.save_intelligence(
        database.engine,
        {
            "search_id": search["id"],
            "target_place_id": target.place_id,
            "target_match": target.as_dict(),
            "competitor_analysis": analysis,
            "intelligence": intelligence.model_dump(),
            "model": llm.model,
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "cost_usd": completion.cost_usd,
            "run_id": context.run.run_id,
        },
    )
    log_event(
        OrchestrationEvent.AI_COMPLETE,
        search_id=search["id"],
        run_id=context.run.run_id,
        target_place_id=target.place_id,
        cost_usd=round(completion.cost_usd, 6),
    )
    return dg.MaterializeResult(
        metadata={
            "target": target.name,
            "target_match": target.method,
            "target_rank": target.rank,
            "owner": intelligence.owner_name or "unknown",
            "competitive_position": intelligence.competitive_position,
            "gaps": dg.MetadataValue.json(analysis["gaps"]),
            "llm_model": llm.model,
            "llm_tokens": completion.prompt_tokens + completion.completion_tokens,
            "llm_cost_usd": round(completion.cost_usd, 6),
            **spend_metadata(database, context.run.run_id, search["id"]),
        }
    )
