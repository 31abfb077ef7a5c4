"""Jobs of the enrichment domain."""

import dagster as dg

from leadgen_pipeline.directory.assets import lead_collections
from leadgen_pipeline.enrichment.assets import leads, queued_enrichment

enrich_queue_job = dg.define_asset_job(
    "enrich_queue",
    selection=[queued_enrichment],
    description="Drain the enrichment queue, highest priority first, in one bounded run.",
)

promote_job = dg.define_asset_job(
    "promote",
    selection=[leads, lead_collections],
    description="Refresh a search's leads and collection after its prospects were enriched.",
)
