"""The enrichment stage's job: drain the queue."""

import dagster as dg

from leadgen_pipeline.enrichment.assets import queued_enrichment

enrich_queue_job = dg.define_asset_job(
    "enrich_queue",
    selection=[queued_enrichment],
    description="Drain the enrichment queue, highest priority first, in one bounded run.",
    # A drain takes at most 500 prospects (QueueDrainConfig): a backstop for one
    # that hangs while its process lives; run monitoring fails it.
    tags={dg.MAX_RUNTIME_SECONDS_TAG: str(2 * 3600)},
)
