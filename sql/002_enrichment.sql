-- Enrichment: the work queue, every contact value found with its provenance,
-- and per-prospect bookkeeping for retries and resumption.

-- The run that claimed the prospect (a re-execution of that run resumes it),
-- when a failed prospect may be tried again, and what the last attempt did.
ALTER TABLE prospects ADD COLUMN enrichment_run_id TEXT;
ALTER TABLE prospects ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE prospects ADD COLUMN enrichment_report JSONB;
CREATE INDEX ix_prospects_enrichment_status ON prospects (enrichment_status, next_attempt_at);

-- Prospects waiting for enrichment. Priority 0 = high, 1 = normal, 2 = low;
-- the sensor drains it highest priority first, oldest first.
CREATE TABLE enrichment_queue (
    place_id      TEXT NOT NULL PRIMARY KEY REFERENCES prospects (place_id) ON DELETE CASCADE,
    priority      INTEGER NOT NULL,
    requested_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    requested_by  TEXT NOT NULL,
    job_id        TEXT,
    claimed_by    TEXT,
    claimed_at    TIMESTAMP WITH TIME ZONE
);
CREATE INDEX ix_enrichment_queue_order ON enrichment_queue (claimed_by, priority, requested_at);

-- Every contact value enrichment found, best first within its kind, with the
-- source and page it came from (provenance).
CREATE TABLE prospect_contacts (
    place_id   TEXT NOT NULL REFERENCES prospects (place_id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    source     TEXT NOT NULL,
    url        TEXT,
    detail     TEXT,
    position   INTEGER NOT NULL,
    found_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (place_id, kind, value)
);
