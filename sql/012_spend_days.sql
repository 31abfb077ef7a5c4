-- The daily cap's running total (docs/decisions.md, "Spend admission").
--
-- Admission summed every ledger row of the day: 120 ms a call with 1,000,000
-- rows, under the lock every capped call takes. Now a call settled adds its
-- cost to its day's row here in the same transaction and is marked counted;
-- admission reads the day's row plus the few rows not counted yet (calls in
-- flight, and rows settled before this migration), through a partial index.
CREATE TABLE spend_days (
    -- The UTC day of the calls' created_at (the window admission sums).
    day_start    TIMESTAMP WITH TIME ZONE NOT NULL PRIMARY KEY,
    settled_usd  DOUBLE PRECISION NOT NULL
);
ALTER TABLE spend_ledger ADD COLUMN counted BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ix_spend_ledger_uncounted ON spend_ledger (created_at) WHERE NOT counted;
