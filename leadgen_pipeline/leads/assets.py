"""Leads (prospects with usable contact data, scored) and their directory collections."""

from dataclasses import asdict

import dagster as dg

from leadgen_pipeline.domain.leads import (
    Sourced,
    collection_stats,
    is_promotable,
    lead_candidates,
    score_lead,
)
from leadgen_pipeline.domain.outbound_webhooks import OutboundEventType, search_completed_event
from leadgen_pipeline.domain.territory import contact_changes
from leadgen_pipeline.enrichment.assets import enriched_prospects
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.assets import ai_intelligence, prospects
from leadgen_pipeline.steps import load_search, preview_table, search_asset
from leadgen_pipeline.storage import (
    intelligence_store,
    lead_store,
    outbound_webhook_store,
    prospect_store,
    territory_store,
)
from leadgen_pipeline.storage.base import utcnow


@search_asset(
    deps=[prospects, ai_intelligence, enriched_prospects],
    group_name="leads",
    kinds={"python", "sql"},
)
def leads(context: dg.AssetExecutionContext, database: DatabaseResource) -> dg.MaterializeResult:
    """The search's prospects with a phone or an email, scored, with provenance for every value."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        ranked = prospect_store.ranked_search_prospects(conn, search["id"])
        intelligence = intelligence_store.get_intelligence(conn, search["id"])
        contacts = prospect_store.contacts_by_place(conn, [p.place_id for p in ranked])
        target_id = intelligence.target_place_id if intelligence else None
        target_text = prospect_store.page_text(conn, target_id) if target_id else ""
    owner = None
    if intelligence and intelligence.intelligence.get("owner_name"):
        owner = Sourced(
            intelligence.intelligence["owner_name"],
            "llm:business_intelligence",
            detail=intelligence.intelligence.get("owner_title"),
        )
    candidates = lead_candidates(ranked, contacts, target_id, owner, target_text)
    scored = [score_lead(c) for c in candidates if is_promotable(c)]
    lead_events = lead_store.upsert_leads(database.engine, search["id"], scored, target_id)
    # The territory's history: email and owner compared with what this search saw last.
    seen = {
        c.prospect.place_id: {
            "email": c.email.value if c.email else None,
            "owner": c.owner.value if c.owner else None,
        }
        for c in candidates
    }
    with territory_store.observing(database.engine, search["id"]):
        with database.engine.connect() as conn:
            before = territory_store.contact_observations(conn, search["id"])
        contact_diffs = contact_changes(before, seen.items())
        territory_store.record_contacts(
            database.engine, search["id"], context.run.run_id, seen, contact_diffs
        )
    return dg.MaterializeResult(
        metadata={
            "prospects": len(ranked),
            "leads": len(scored),
            # Each one a lead.created / lead.updated event in the outbound webhook outbox.
            "new_leads": lead_events.count(OutboundEventType.LEAD_CREATED),
            "changed_leads": lead_events.count(OutboundEventType.LEAD_UPDATED),
            "not_promoted": len(ranked) - len(scored),
            "contact_changes": len(contact_diffs),
            "with_email": sum(1 for s in scored if s.candidate.email),
            "with_owner": sum(1 for s in scored if s.candidate.owner),
            "average_quality": round(sum(s.score for s in scored) / len(scored), 1)
            if scored
            else 0,
            "preview": preview_table(
                [
                    {
                        "name": s.candidate.prospect.name,
                        "score": s.score,
                        "phone": s.candidate.phone.value if s.candidate.phone else None,
                        "email": s.candidate.email.value if s.candidate.email else None,
                        "owner": s.candidate.owner.value if s.candidate.owner else None,
                    }
                    for s in sorted(scored, key=lambda s: -s.score)[:10]
                ]
            ),
        }
    )


@search_asset(deps=[leads], group_name="leads", kinds={"python", "sql"})
def lead_collections(
    context: dg.AssetExecutionContext, database: DatabaseResource
) -> dg.MaterializeResult:
    """The search's leads as a directory collection, with coverage stats."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        rows = lead_store.search_lead_rows(conn, search["id"])
    stats = collection_stats(rows)
    lead_store.save_collection(
        database.engine, search, stats, [(r["place_id"], r["rank"]) for r in rows]
    )
    # Once per search and run (a step retry writes the same event id again: a no-op).
    outbound_webhook_store.emit_events(
        database.engine,
        [search_completed_event(search, context.run.run_id, asdict(stats), utcnow())],
    )
    return dg.MaterializeResult(
        metadata={
            "collection": f"{search['keyword']} in {search['location']}",
            "leads": stats.lead_count,
            "with_email": stats.with_email,
            "with_phone": stats.with_phone,
            "with_owner": stats.with_owner,
            "average_rating": stats.average_rating,
            "average_quality": stats.average_quality,
            "preview": preview_table(
                [
                    {
                        "rank": r["rank"],
                        "name": r["name"],
                        "score": r["quality_score"],
                        "phone": r["phone_e164"],
                        "email": r["email"],
                        "owner": r["owner_name"],
                    }
                    for r in rows[:10]
                ]
            ),
        }
    )
