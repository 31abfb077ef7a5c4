-- Claims take the queue in (priority, requested_at, place_id) order among rows
-- unclaimed or with an expired lease. That filter is an OR over claimed_by and
-- claimed_until, so ix_enrichment_queue_order (claimed_by first) cannot give
-- the order, and every claim sorted the whole queue. Walking this index in
-- order and filtering as it goes stops after the first chunk: at 50,000 queued
-- a claim went from 40.8 ms to 2.8 ms (docs/benchmarks.md). The old index
-- stays: it finds a run's own claims when a re-execution resumes them.
CREATE INDEX ix_enrichment_queue_claim_order ON enrichment_queue (priority, requested_at, place_id);
