"""Tables of the HTTP API and of monitoring, mirroring `sql/003_api.sql`.

They sit on the same `metadata` as the pipeline's tables, so the test that
compares the migrated database with the table definitions covers them too.
"""

from sqlalchemy import Column, Table, Text

from leadgen_pipeline.storage.schema import Json, Timestamp, metadata

JOB_KIND_SEARCH_RUN = "search_run"
JOB_KIND_ENRICHMENT_BATCH = "enrichment_batch"

api_jobs = Table(
    "api_jobs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("search_id", Text),
    Column("parent_job_id", Text),
    Column("place_ids", Json),
    Column("unknown_place_ids", Json),
    Column("priority", Text),
    Column("requested_by", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("source", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("payload", Json, nullable=False),
    Column("received_at", Timestamp, nullable=False),
    Column("claimed_at", Timestamp),
    Column("processed_at", Timestamp),
    Column("outcome", Text),
    Column("error", Text),
)

run_failures = Table(
    "run_failures",
    metadata,
    Column("run_id", Text, primary_key=True),
    Column("job_name", Text, nullable=False),
    Column("partition_key", Text),
    Column("failed_steps", Json, nullable=False),
    Column("message", Text, nullable=False),
    Column("failed_at", Timestamp, nullable=False),
)
