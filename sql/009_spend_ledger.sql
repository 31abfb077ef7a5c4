-- The spend ledger and hard budgets (issue 10).
--
-- One row per billable call (a Places request, an LLM call), written before the
-- call as a reservation at its price (an LLM call at its most), and settled with
-- its actual cost when it returns. Budget admission sums the rows under a lock:
-- settled cost, plus reservations still in flight.
CREATE TABLE spend_ledger (
    call_id            TEXT NOT NULL PRIMARY KEY,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    settled_at         TIMESTAMP WITH TIME ZONE,
    search_id          TEXT,
    run_id             TEXT,
    place_id           TEXT,
    -- 'places' or 'llm'; the Places SKU or the LLM model.
    provider           TEXT NOT NULL,
    sku                TEXT NOT NULL,
    requests           INTEGER NOT NULL,
    prompt_tokens      INTEGER NOT NULL DEFAULT 0,
    completion_tokens  INTEGER NOT NULL DEFAULT 0,
    reserved_usd       DOUBLE PRECISION NOT NULL,
    -- NULL while the call is in flight.
    cost_usd           DOUBLE PRECISION,
    -- The HTTP status, or the error's name when there was no answer.
    outcome            TEXT,
    -- domain.pricing.PRICE_VERSION: the prices this row was costed at.
    price_version      TEXT NOT NULL
);
CREATE INDEX ix_spend_ledger_created ON spend_ledger (created_at);
CREATE INDEX ix_spend_ledger_search ON spend_ledger (search_id, created_at);
CREATE INDEX ix_spend_ledger_run ON spend_ledger (run_id);

-- The search's own cap in USD (NULL: none); a re-request sets it again.
ALTER TABLE searches ADD COLUMN max_cost_usd DOUBLE PRECISION;
