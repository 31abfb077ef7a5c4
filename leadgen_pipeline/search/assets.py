"""The search workflow: Places results -> prospects -> AI intelligence on the target."""

import dagster as dg

from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.domain.competitors import choose_target, competitor_analysis
from leadgen_pipeline.domain.intelligence import (
    SYSTEM_PROMPT,
    BusinessIntelligence,
    intelligence_prompt,
)
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, MalformedPlace, ranked_prospects
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.resources import DatabaseResource, LLMResource, PlacesResource, usage_delta
from leadgen_pipeline.steps import load_search, preview_table, provider_failure, search_asset
from leadgen_pipeline.storage import intelligence_store, prospect_store, search_store


@search_asset(group_name="search", pool="google_places", kinds={"python", "sql"})
def places_results(
    context: dg.AssetExecutionContext, places: PlacesResource, database: DatabaseResource
) -> dg.MaterializeResult:
    """Every page of a Places text search for "keyword in location", stored raw."""
    search = load_search(database, context.partition_key)
    log_event(OrchestrationEvent.SEARCH_START, search_id=search["id"], run_id=context.run.run_id)
    client = places.client
    before = client.usage.snapshot()
    try:
        pages = list(
            client.search_text_pages(
                search["text_query"],
                SEARCH_FIELD_MASK,
                max_pages=places.max_pages,
                regionCode=places.region_code,
            )
        )
        # Parse before storing: a malformed page fails the step and writes nothing.
        ranked = ranked_prospects(page.response for page in pages)
    except ProviderError as error:
        search_store.set_search_status(database.engine, search["id"], "failed", str(error))
        raise provider_failure(error) from None
    except MalformedPlace as error:
        search_store.set_search_status(database.engine, search["id"], "failed", str(error))
        raise dg.Failure(f"malformed Places response: {error}", allow_retries=False) from None
    capped = len(ranked) >= places.result_cap
    search_store.save_search_pages(
        database.engine,
        search["id"],
        [(page.request, page.response) for page in pages],
        context.run.run_id,
        len(ranked),
        capped,
    )
    usage = usage_delta(before, client.usage.snapshot())
    log_event(
        OrchestrationEvent.SEARCH_COMPLETE,
        search_id=search["id"],
        run_id=context.run.run_id,
        results=len(ranked),
        pages=len(pages),
        capped=capped,
    )
    if capped:
        context.log.warning(
            f"{search['text_query']!r} reached the Places cap of {places.result_cap} results; "
            "more businesses likely exist (split the location to see them)"
        )
    return dg.MaterializeResult(
        metadata={
            "text_query": search["text_query"],
            "pages_fetched": len(pages),
            "results": len(ranked),
            "coverage": "capped: more results exist than Places returns" if capped else "complete",
            "result_cap": places.result_cap,
            "api_calls": usage["calls"],
            "api_retries": usage["retries"],
            "api_cost_usd": usage["cost_usd"],
        }
    )


@search_asset(deps=[places_results], group_name="search", kinds={"python", "sql"})
def prospects(
    context: dg.AssetExecutionContext, database: DatabaseResource
) -> dg.MaterializeResult:
    """One row per Google place, linked to the search at its rank (replayed from stored pages)."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        pages = search_store.load_search_pages(conn, search["id"])
    ranked = ranked_prospects(pages)
    prospect_store.store_search_prospects(database.engine, search["id"], ranked)
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
            "closed": sum(1 for p in ranked if p.business_status not in (None, "OPERATIONAL")),
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
    try:
        completion = llm.client.parse(
            BusinessIntelligence,
            SYSTEM_PROMPT,
            intelligence_prompt(target_prospect, search["keyword"], search["location"], analysis),
        )
    except ProviderError as error:
        raise provider_failure(error) from None
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
        }
    )
