"""Lead collections: one per keyword + location, with the stats the directory shows."""

import dagster as dg

from leadgen_pipeline.domain.leads import collection_stats
from leadgen_pipeline.enrichment.assets import leads
from leadgen_pipeline.metadata import preview_table
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.steps import load_search, search_asset
from leadgen_pipeline.storage import repository as repo


@search_asset(deps=[leads], group_name="directory", kinds={"python", "sql"})
def lead_collections(
    context: dg.AssetExecutionContext, database: DatabaseResource
) -> dg.MaterializeResult:
    """The search's leads as a directory collection, with coverage stats."""
    search = load_search(database, context.partition_key)
    with database.engine.connect() as conn:
        rows = repo.search_lead_rows(conn, search["id"])
    stats = collection_stats(rows)
    repo.save_collection(database.engine, search, stats, [(r["place_id"], r["rank"]) for r in rows])
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
