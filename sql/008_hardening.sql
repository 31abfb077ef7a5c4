-- Hardening (issue 12): webhook events de-duplicated across sources, the API's
-- idempotency keys, and the heartbeats that tell a live run from a dead one.

-- One event id is one event, whichever source path it was sent to: a signed
-- event replayed to another source is a duplicate, not a second action.
CREATE UNIQUE INDEX ux_webhook_events_event_id ON webhook_events (event_id);

-- The answer the API gave to a POST that carried an Idempotency-Key, so the
-- same key with the same request gets the same answer again (and nothing is
-- launched or queued twice). A key reused for another request is refused.
-- Only successful answers are kept; keys older than a day are forgotten.
CREATE TABLE idempotency_keys (
    idempotency_key  TEXT NOT NULL PRIMARY KEY,
    request          TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    status_code      INTEGER NOT NULL,
    response         JSONB NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A run's heartbeat, renewed every few seconds by the run's own process while
-- it lives. A run Dagster still calls STARTED whose heartbeat stopped lost its
-- process (a machine restart, an OOM kill): the reap_dead_runs sensor marks it
-- failed and frees its enrichment claims.
CREATE TABLE run_heartbeats (
    run_id       TEXT NOT NULL PRIMARY KEY,
    root_run_id  TEXT NOT NULL,
    job_name     TEXT NOT NULL,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    beat_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_run_heartbeats_beat ON run_heartbeats (beat_at);
