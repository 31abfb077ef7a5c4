"""The leads stage's job: refresh a search's leads and collection."""

import dagster as dg

from leadgen_pipeline.leads.assets import lead_collections, leads

promote_job = dg.define_asset_job(
    "promote",
    selection=[leads, lead_collections],
    description="Refresh a search's leads and collection after its prospects were enriched.",
)
