"""SQLAlchemy Core tables mirroring the versioned DDL in `sql/`.

The DDL files are the source of truth for the database; these definitions give
the queries typed columns. `leadgen_pipeline_tests/storage/test_migrations.py`
checks the two agree on both back ends.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# JSONB on PostgreSQL, JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")
Timestamp = DateTime(timezone=True)

searches = Table(
    "searches",
    metadata,
    Column("id", Text, primary_key=True),
    Column("keyword", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("text_query", Text, nullable=False),
    Column("target_business", Text),
    Column("status", Text, nullable=False),
    Column("requested_at", Timestamp, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("last_run_id", Text),
    Column("last_searched_at", Timestamp),
    Column("pages_fetched", Integer),
    Column("result_count", Integer),
    Column("result_capped", Boolean),
    Column("last_error", Text),
    # Coverage (sql/006_coverage.sql): the mode, the resolved area, the outcome.
    Column("coverage", Text, nullable=False, server_default="full"),
    Column("area_name", Text),
    Column("area_south", Float),
    Column("area_west", Float),
    Column("area_north", Float),
    Column("area_east", Float),
    Column("country_code", Text),
    Column("language_code", Text),
    Column("coverage_status", Text),
    Column("coverage_report", Json),
    # Budgets (sql/009_spend_ledger.sql): the search's own cap.
    Column("max_cost_usd", Float),
    # Territory history (sql/010_territory_changes.sql): NULL until the first run's baseline.
    Column("territory_observed_at", Timestamp),
)

places_results = Table(
    "places_results",
    metadata,
    Column("search_id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("page_number", Integer, primary_key=True),
    Column("request", Json, nullable=False),
    Column("response", Json, nullable=False),
    Column("place_count", Integer, nullable=False),
    Column("fetched_at", Timestamp, nullable=False),
    Column("run_id", Text),
    Column("request_kind", Text, nullable=False, server_default="area"),
    Column("tile_key", Text),
)

search_tiles = Table(
    "search_tiles",
    metadata,
    Column("search_id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("tile_key", Text, primary_key=True),
    Column("south", Float, nullable=False),
    Column("west", Float, nullable=False),
    Column("north", Float, nullable=False),
    Column("east", Float, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("result_count", Integer, nullable=False),
    Column("saturated", Boolean, nullable=False),
    Column("dense_point", Boolean, nullable=False),
    Column("leaf", Boolean, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("searched_at", Timestamp, nullable=False),
    Column("run_id", Text),
)

prospects = Table(
    "prospects",
    metadata,
    Column("place_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("formatted_address", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("primary_type", Text),
    Column("types", Json, nullable=False),
    Column("business_status", Text),
    Column("phone_e164", Text),
    Column("national_phone", Text),
    Column("website", Text),
    Column("google_maps_uri", Text),
    Column("rating", Float),
    Column("user_rating_count", Integer),
    Column("first_seen_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("enrichment_status", Text, nullable=False),
    Column("enrichment_attempts", Integer, nullable=False),
    Column("enrichment_error", Text),
    Column("enriched_at", Timestamp),
    Column("enrichment_run_id", Text),
    Column("next_attempt_at", Timestamp),
    Column("enrichment_report", Json),
    Column("country_code", Text),
    # Retention (sql/010_territory_changes.sql): when the Places listing was cleared.
    Column("places_cleared_at", Timestamp),
)

search_prospects = Table(
    "search_prospects",
    metadata,
    Column("search_id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("place_id", Text, ForeignKey("prospects.place_id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("seen_at", Timestamp, nullable=False),
)

ai_intelligence = Table(
    "ai_intelligence",
    metadata,
    Column("search_id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("target_place_id", Text, ForeignKey("prospects.place_id"), nullable=False),
    Column("target_match", Json, nullable=False),
    Column("competitor_analysis", Json, nullable=False),
    Column("intelligence", Json, nullable=False),
    Column("model", Text, nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("run_id", Text),
)

leads = Table(
    "leads",
    metadata,
    Column("place_id", Text, ForeignKey("prospects.place_id"), primary_key=True),
    Column("origin_search_id", Text, ForeignKey("searches.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("phone_e164", Text),
    Column("email", Text),
    Column("website", Text),
    Column("owner_name", Text),
    Column("owner_title", Text),
    Column("socials", Json, nullable=False),
    Column("quality_score", Integer, nullable=False),
    Column("score_reasons", Json, nullable=False),
    Column("provenance", Json, nullable=False),
    Column("is_target", Boolean, nullable=False),
    Column("promoted_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("country_code", Text),
    Column("email_deliverable", Text),
    Column("contacts", Json),
    # sql/011_outbound_webhooks.sql: one more each time what a CRM sees changes.
    Column("version", Integer, nullable=False, server_default="1"),
)

lead_collections = Table(
    "lead_collections",
    metadata,
    Column("id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("keyword", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("lead_count", Integer, nullable=False),
    Column("with_email", Integer, nullable=False),
    Column("with_phone", Integer, nullable=False),
    Column("with_owner", Integer, nullable=False),
    Column("with_website", Integer, nullable=False),
    Column("average_rating", Float),
    Column("average_quality", Float),
    Column("updated_at", Timestamp, nullable=False),
)

lead_collection_members = Table(
    "lead_collection_members",
    metadata,
    Column("collection_id", Text, ForeignKey("lead_collections.id"), primary_key=True),
    Column("place_id", Text, ForeignKey("leads.place_id"), primary_key=True),
    Column("rank", Integer, nullable=False),
)

enrichment_queue = Table(
    "enrichment_queue",
    metadata,
    Column("place_id", Text, ForeignKey("prospects.place_id"), primary_key=True),
    Column("priority", Integer, nullable=False),
    Column("requested_at", Timestamp, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("job_id", Text),
    Column("claimed_by", Text),
    Column("claimed_at", Timestamp),
)

prospect_contacts = Table(
    "prospect_contacts",
    metadata,
    Column("place_id", Text, ForeignKey("prospects.place_id"), primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("value", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("url", Text),
    Column("detail", Text),
    Column("position", Integer, nullable=False),
    Column("found_at", Timestamp, nullable=False),
    Column("contact_type", Text),
    Column("signals", Json),
)

# --- the HTTP API and monitoring (sql/003_api.sql) ---

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

# --- hardening (sql/008_hardening.sql) ---

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("idempotency_key", Text, primary_key=True),
    Column("request", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

run_heartbeats = Table(
    "run_heartbeats",
    metadata,
    Column("run_id", Text, primary_key=True),
    Column("root_run_id", Text, nullable=False),
    Column("job_name", Text, nullable=False),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("beat_at", Timestamp, nullable=False),
)

spend_ledger = Table(
    "spend_ledger",
    metadata,
    Column("call_id", Text, primary_key=True),
    Column("created_at", Timestamp, nullable=False),
    Column("settled_at", Timestamp),
    Column("search_id", Text),
    Column("run_id", Text),
    Column("place_id", Text),
    Column("provider", Text, nullable=False),
    Column("sku", Text, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("prompt_tokens", Integer, nullable=False, server_default="0"),
    Column("completion_tokens", Integer, nullable=False, server_default="0"),
    Column("reserved_usd", Float, nullable=False),
    Column("cost_usd", Float),
    Column("outcome", Text),
    Column("price_version", Text, nullable=False),
    # sql/012_spend_days.sql: settled and added to its day's row in spend_days.
    Column("counted", Boolean, nullable=False, server_default=false()),
)

# The daily cap's running total: what the calls of each UTC day settled at.
spend_days = Table(
    "spend_days",
    metadata,
    Column("day_start", Timestamp, primary_key=True),
    Column("settled_usd", Float, nullable=False),
)

# --- the history of a territory (sql/010_territory_changes.sql) ---

territory_observations = Table(
    "territory_observations",
    metadata,
    Column("search_id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("place_id", Text, primary_key=True),
    Column("business_status", Text),
    Column("phone", Text),
    Column("website", Text),
    Column("listing_observed_at", Timestamp),
    Column("email", Text),
    Column("owner", Text),
    Column("contacts_observed_at", Timestamp),
    Column("first_seen_at", Timestamp, nullable=False),
    Column("run_id", Text),
)

territory_changes = Table(
    "territory_changes",
    metadata,
    Column("search_id", Text, ForeignKey("searches.id"), primary_key=True),
    Column("run_id", Text, primary_key=True),
    Column("place_id", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("field", Text, primary_key=True, server_default=""),
    Column("before", Text),
    Column("after", Text),
    Column("observed_at", Timestamp, nullable=False),
)

# --- outbound webhooks (sql/011_outbound_webhooks.sql) ---

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("events", Json, nullable=False),
    Column("description", Text),
    Column("created_at", Timestamp, nullable=False),
    Column("removed_at", Timestamp),
)

outbound_events = Table(
    "outbound_events",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("payload", Json, nullable=False),
    Column("occurred_at", Timestamp, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Text, primary_key=True),
    Column("event_id", Text, ForeignKey("outbound_events.event_id"), nullable=False),
    Column("subscription_id", Text, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Timestamp),
    Column("claimed_until", Timestamp),
    Column("last_attempt_at", Timestamp),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", Timestamp),
    Column("dead_at", Timestamp),
    Column("created_at", Timestamp, nullable=False),
)

webhook_delivery_attempts = Table(
    "webhook_delivery_attempts",
    metadata,
    Column("delivery_id", Text, ForeignKey("webhook_deliveries.id"), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("attempted_at", Timestamp, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
)
