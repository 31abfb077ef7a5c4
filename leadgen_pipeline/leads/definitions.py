"""The leads stage's Dagster definitions."""

import dagster as dg

from leadgen_pipeline.leads.assets import lead_collections, leads
from leadgen_pipeline.leads.checks import lead_checks
from leadgen_pipeline.leads.jobs import promote_job
from leadgen_pipeline.leads.sensors import promote_after_enrichment

defs = dg.Definitions(
    assets=[leads, lead_collections],
    asset_checks=lead_checks,
    jobs=[promote_job],
    sensors=[promote_after_enrichment],
)
