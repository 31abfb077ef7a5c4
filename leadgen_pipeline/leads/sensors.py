"""The sensor that refreshes leads and collections once a queue drain enriched their prospects."""

import dagster as dg

from leadgen_pipeline.enrichment.assets import queued_enrichment
from leadgen_pipeline.leads.jobs import promote_job


@dg.asset_sensor(
    asset_key=queued_enrichment.key,
    job=promote_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def promote_after_enrichment(
    context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry
) -> dg.SensorResult:
    """Refresh the leads and collections of every search a queue drain touched."""
    materialization = asset_event.asset_materialization
    searches = materialization.metadata["searches"].value if materialization else []
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=search_id, run_key=f"{asset_event.run_id}:{search_id}")
            for search_id in searches  # type: ignore[union-attr]
        ]
    )
