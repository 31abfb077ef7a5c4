"""From prospects to leads: promotion of the prospects that carry usable contact data."""

import dagster as dg

from leadgen_pipeline.domain.leads import LeadCandidate, Sourced, is_promotable, score_lead
from leadgen_pipeline.metadata import preview_table
from leadgen_pipeline.partitions import search_partitions
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import STEP_RETRY, ai_intelligence, load_search, prospects
from leadgen_pipeline.storage import repository as repo


@dg.asset(
    partitions_def=search_partitions,
    deps=[prospects, ai_intelligence],
    group_name="leads",
    retry_policy=STEP_RETRY,
    kinds={"python", "sql"},
)
def leads(context: dg.AssetExecutionContext, database: DatabaseResource) -> dg.MaterializeResult:
    """The search's prospects with a phone or an email, scored; the target carries its owner."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        ranked = repo.ranked_search_prospects(conn, search["id"])
        intelligence = repo.get_intelligence(conn, search["id"])
    target_id = intelligence.target_place_id if intelligence else None
    owner = None
    if intelligence and intelligence.intelligence.get("owner_name"):
        owner = Sourced(
            intelligence.intelligence["owner_name"],
            "llm:business_intelligence",
            detail=intelligence.intelligence.get("owner_title"),
        )
    candidates = [
        LeadCandidate(
            prospect=p,
            phone=Sourced(p.phone_e164, "places_search") if p.phone_e164 else None,
            owner=owner if p.place_id == target_id else None,
        )
        for p in ranked
    ]
    scored = [score_lead(c) for c in candidates if is_promotable(c)]
    repo.upsert_leads(database.engine, search["id"], scored, target_id)
    return dg.MaterializeResult(
        metadata={
            "prospects": len(ranked),
            "leads": len(scored),
            "not_promoted": len(ranked) - len(scored),
            "average_quality": round(sum(s.score for s in scored) / len(scored), 1)
            if scored
            else 0,
            "preview": preview_table(
                [
                    {
                        "name": s.candidate.prospect.name,
                        "score": s.score,
                        "phone": s.candidate.phone.value if s.candidate.phone else None,
                        "owner": s.candidate.owner.value if s.candidate.owner else None,
                    }
                    for s in sorted(scored, key=lambda s: -s.score)[:10]
                ]
            ),
        }
    )
