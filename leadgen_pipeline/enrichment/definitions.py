"""The enrichment stage's Dagster definitions."""

import dagster as dg

from leadgen_pipeline.enrichment.assets import enriched_prospects, queued_enrichment
from leadgen_pipeline.enrichment.checks import enrichment_checks
from leadgen_pipeline.enrichment.jobs import enrich_queue_job
from leadgen_pipeline.enrichment.schedules import reenrich_stale_leads, retry_failed_enrichment
from leadgen_pipeline.enrichment.sensors import enrichment_queue_sensor

defs = dg.Definitions(
    assets=[enriched_prospects, queued_enrichment],
    asset_checks=enrichment_checks,
    jobs=[enrich_queue_job],
    sensors=[enrichment_queue_sensor],
    schedules=[retry_failed_enrichment, reenrich_stale_leads],
)
