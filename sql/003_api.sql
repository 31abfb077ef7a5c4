-- The HTTP API and monitoring: the jobs the API handed out, the webhook events
-- it accepted, and the run failures the run-failure sensor recorded.
--
-- No foreign keys to the pipeline's tables: these rows are a log of what was
-- asked and what happened, and must outlive (and never block) a search or a
-- prospect being deleted or re-created.

-- One row per job id the API returned: a search run it launched (id = the
-- Dagster run id; a retry names the run it re-executes), or an enrichment
-- batch (id = a UUID; the place ids it asked for, those it did not know, and
-- the priority they were queued at).
CREATE TABLE api_jobs (
    id                 TEXT NOT NULL PRIMARY KEY,
    kind               TEXT NOT NULL,
    search_id          TEXT,
    parent_job_id      TEXT,
    place_ids          JSONB,
    unknown_place_ids  JSONB,
    priority           TEXT,
    requested_by       TEXT NOT NULL,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_api_jobs_search ON api_jobs (search_id, created_at);

-- Webhook events, stored once per (source, event id) so a replay is a no-op.
-- The webhook_events_sensor claims an event (claimed_at) before acting on it,
-- so two ticks never both act, then records what it did (outcome, error).
CREATE TABLE webhook_events (
    source        TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    payload       JSONB NOT NULL,
    received_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    claimed_at    TIMESTAMP WITH TIME ZONE,
    processed_at  TIMESTAMP WITH TIME ZONE,
    outcome       TEXT,
    error         TEXT,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX ix_webhook_events_unclaimed ON webhook_events (claimed_at, received_at);

-- Failed Dagster runs, as the run-failure sensor saw them: the job, the
-- partition (the search), each failed step with its message, and when.
CREATE TABLE run_failures (
    run_id         TEXT NOT NULL PRIMARY KEY,
    job_name       TEXT NOT NULL,
    partition_key  TEXT,
    failed_steps   JSONB NOT NULL,
    message        TEXT NOT NULL,
    failed_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_run_failures_partition ON run_failures (partition_key, failed_at);
